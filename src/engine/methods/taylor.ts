import { GpuMlp } from '../model/gpu-mlp';
import { factorial, TaylorJetForward } from '../jets/taylor-jet';
import type { DirectionalDerivatives } from './types';

/** n-TangentProp: every derivative 0..n from one fused jet pass. */
export class TaylorDerivatives implements DirectionalDerivatives {
  readonly method = 'taylor' as const;

  constructor(readonly net: GpuMlp) {}

  async derivatives(points: Float32Array, directions: Float32Array, sharedDirection: boolean, order: number) {
    const d = this.net.mlp.inputDim;
    const batch = points.length / d;
    const jet = new TaylorJetForward(this.net.device, this.net, { order, maxBatch: batch, sharedDirection });
    try {
      const c = await jet.run(points, directions);
      const n1 = order + 1;
      return Array.from({ length: batch }, (_, p) => Array.from({ length: n1 }, (_, k) => factorial(k) * c[p * n1 + k]));
    } finally {
      jet.destroy();
    }
  }

  destroy(): void {}
}
