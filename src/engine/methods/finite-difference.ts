import { InputError } from '../errors';
import { GpuMlp } from '../model/gpu-mlp';
import { TaylorJetForward } from '../jets/taylor-jet';
import type { DirectionalDerivatives } from './types';

/**
 * Fornberg's weights: w[i] such that f^(k)(0) ~ sum_i w[i] f(z[i]) on the nodes z
 * (B. Fornberg, Math. Comp. 51, 1988), in f64.
 */
export function fornbergWeights(z: number[], k: number): number[] {
  const n = z.length;
  const c: number[][] = Array.from({ length: n }, () => new Array<number>(k + 1).fill(0));
  let c1 = 1;
  let c4 = z[0];
  c[0][0] = 1;
  for (let i = 1; i < n; i++) {
    const mn = Math.min(i, k);
    let c2 = 1;
    const c5 = c4;
    c4 = z[i];
    for (let j = 0; j < i; j++) {
      const c3 = z[i] - z[j];
      c2 *= c3;
      if (j === i - 1) {
        for (let s = mn; s >= 1; s--) c[i][s] = (c1 * (s * c[i - 1][s - 1] - c5 * c[i - 1][s])) / c2;
        c[i][0] = (-c1 * c5 * c[i - 1][0]) / c2;
      }
      for (let s = mn; s >= 1; s--) c[j][s] = (c4 * c[j][s] - s * c[j][s - 1]) / c3;
      c[j][0] = (c4 * c[j][0]) / c3;
    }
    c1 = c2;
  }
  return c.map((row) => row[k]);
}

/** Central stencil offsets -m..m for derivative k with second-order accuracy. */
export function centralStencil(k: number): number[] {
  const m = Math.max(1, Math.floor((k + 1) / 2));
  return Array.from({ length: 2 * m + 1 }, (_, i) => i - m);
}

/** A step that balances truncation (h^2) and f32 rounding (eps / h^k): about eps^(1/(k+2)). */
export function defaultStep(k: number): number {
  return Math.pow(2 ** -23, 1 / (k + 2));
}

/**
 * Central finite differences along v: the network evaluated at x + i h v on a
 * stencil, combined with Fornberg weights. Needs neighbours and carries a
 * truncation error (the subject of Chen et al., seed 003).
 */
export class FiniteDifferenceDerivatives implements DirectionalDerivatives {
  readonly method = 'fd' as const;

  constructor(
    readonly net: GpuMlp,
    /** Step per order; default defaultStep(k). */
    readonly step?: number,
  ) {
    if (step !== undefined && !(step > 0 && Number.isFinite(step))) throw new InputError(`finite-difference step must be positive, got ${step}`);
  }

  async derivatives(points: Float32Array, directions: Float32Array, sharedDirection: boolean, order: number) {
    const d = this.net.mlp.inputDim;
    const batch = points.length / d;
    const values = Array.from({ length: batch }, () => new Array<number>(order + 1).fill(0));
    const stencils = Array.from({ length: order + 1 }, (_, k) => (k === 0 ? [0] : centralStencil(k)));
    const maxS = Math.max(...stencils.map((s) => s.length));
    const jet = new TaylorJetForward(this.net.device, this.net, { order: 0, maxBatch: batch * maxS, sharedDirection: true });
    try {
      for (let k = 0; k <= order; k++) {
        const offsets = stencils[k];
        const h = k === 0 ? 0 : (this.step ?? defaultStep(k));
        const shifted = new Float32Array(batch * offsets.length * d);
        for (let p = 0; p < batch; p++) {
          offsets.forEach((o, i) => {
            for (let j = 0; j < d; j++) {
              const v = directions[(sharedDirection ? 0 : p * d) + j];
              shifted[(p * offsets.length + i) * d + j] = points[p * d + j] + o * h * v;
            }
          });
        }
        const u = await jet.run(shifted, new Float32Array(d));
        const w = fornbergWeights(offsets.map((o) => o * h), k);
        for (let p = 0; p < batch; p++) {
          values[p][k] = offsets.reduce((s, _, i) => s + w[i] * u[p * offsets.length + i], 0);
        }
      }
    } finally {
      jet.destroy();
    }
    return values;
  }

  destroy(): void {}
}
