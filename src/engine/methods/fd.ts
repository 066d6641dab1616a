import { InputError } from '../errors';
import { GpuMlp } from '../model/gpu-mlp';
import { kernelPass, wgslFloat } from '../gpu/kernels';
import { factorial, TaylorJetForward } from '../jets/taylor-jet';
import { coefficientBlock, coefficientBuffers, shiftedEvaluations, type DerivativeMethod, type MethodEnv, type TermPlan, type TermStages } from './method';
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
  readonly method = 'fd';

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

/** A stencil for derivative order k: offsets in units of the step, and the step. */
export interface Stencil {
  offsets: number[];
  step: number;
}

/**
 * Finite differences along each of a term's directions in training: shift every point along
 * the stencils of orders 1..n (their offsets shared), evaluate the network there (an order-0
 * jet), combine into jet-shaped coefficients; backward: the transposed combination seeds the
 * evaluations' backward pass. `stencil(k)` chooses the nodes and step of order k.
 */
export function stencilStages(env: MethodEnv, plan: TermPlan, stencil: (k: number) => Stencil): TermStages {
  const { device, problem } = env;
  const d = problem.dim;
  const { count, term } = plan;
  const { inputs, adjoints } = coefficientBuffers(device, plan);
  const stages: TermStages = { inputs, adjoints, before: [], after: [], owned: [...inputs, ...adjoints], jets: [], backwards: [] };
  plan.directions.forEach((dir, j) => {
    const order = plan.orders[j];
    const offsets: number[] = [0];
    const rows: Map<number, number>[] = [new Map([[0, 1]])];
    for (let k = 1; k <= order; k++) {
      const { offsets: nodes, step } = stencil(k);
      const z = nodes.map((o) => o * step);
      const w = fornbergWeights(z, k);
      const row = new Map<number, number>();
      z.forEach((zi, i) => {
        if (!offsets.includes(zi)) offsets.push(zi);
        row.set(offsets.indexOf(zi), w[i] / factorial(k));
      });
      rows.push(row);
    }
    const m = offsets.length;
    const weights = rows.flatMap((row) => Array.from({ length: m }, (_, i) => row.get(i) ?? 0));
    const params = (mode: number, out: number) => ({ MODE: mode, D: d, M: m, N1: order + 1, NOUT: plan.outputs, OUT: out, OFFSETS: offsets.map((v) => wgslFloat(v)).join(', '), DIRECTION: Array.from(dir, (v) => wgslFloat(v)).join(', '), WEIGHTS: weights.map((v) => wgslFloat(v, `a finite-difference weight of the ${term.name} term (about 1/step^${order}: take a larger --fd-step)`)).join(', ') });
    const { shifted, ubar, uniforms, jet, backward, owned } = shiftedEvaluations(env, `${term.name} stencil`, count, count * m);
    const stage = (mode: number, src: GPUBuffer | GPUBufferBinding, dst: GPUBuffer | GPUBufferBinding, out = 0) => kernelPass(device, 'fd_stencil', params(mode, out), [src, dst, uniforms], Math.ceil(count / 64));
    // a system: each output this direction's derivatives read, combined (and its adjoint spread) on its own
    const outs = plan.outputsOf[j];
    stages.before.push(stage(0, plan.points, shifted), (pass) => jet.encode(pass), ...outs.map((o) => stage(1, jet.output, coefficientBlock(plan, inputs, j), o)));
    stages.after.push(...outs.map((o) => stage(2, coefficientBlock(plan, adjoints, j), ubar, o)), (pass) => backward.encode(pass));
    stages.owned.push(...owned);
    stages.jets.push(jet);
    stages.backwards.push(backward);
  });
  return stages;
}

export interface FdOptions {
  /** The stencil step; default defaultStep(k) per order k. */
  step?: number;
}

export const fd: DerivativeMethod<FdOptions> = {
  id: 'fd',
  label: 'Finite differences',
  summary: 'central finite differences of plain network evaluations at shifted points',
  exact: true,
  readsJetOutputs: false,
  jacobian: null,
  fields: {
    fdStep: {
      kind: 'text',
      default: 'auto',
      pattern: /^(auto|(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)$/,
      expect: 'auto or a number in (0, 1)',
      check: (v: string) => v === 'auto' || (Number(v) > 0 && Number(v) < 1),
      cli: 'fd-step',
      metavar: 'H',
      method: 'fd',
      label: 'FD step h',
      help: 'Finite differences: the stencil step; auto picks about ε^(1/(k+2)) for order k (balancing truncation and rounding in f32).',
    },
  },
  configFromSpec: (v) => ({ fdStep: v.fdStep !== 'auto' ? Number(v.fdStep) : undefined }),
  options: (config) => ({ step: (config as { fdStep?: number }).fdStep }),
  termRefusal: (problem, _term, _o, { mirrored }) => (mirrored ? `${problem.id}'s odd model N(x) − N(−x) is built for Taylor jets and stacked AD; finite differences are not wired for it` : null),
  session(env, o) {
    return { eager: false, buildTerm: (plan) => stencilStages(env, plan, (k) => ({ offsets: centralStencil(k), step: o.step ?? defaultStep(k) })) };
  },
  directional: (net, { step }) => new FiniteDifferenceDerivatives(net, step),
};
