import { AdContext } from '../autodiff/context';
import { adParams, nestedDerivativesAd } from '../autodiff/mlp-ad';
import { fromArray } from '../autodiff/tensor';
import type { GpuMlp } from '../model/gpu-mlp';
import type { DirectionalDerivatives } from './types';

/** Stacked back-propagation: the k-th derivative as k nested reverse-mode gradients. */
export class AdDerivatives implements DirectionalDerivatives {
  readonly method = 'ad' as const;
  readonly ctx: AdContext;

  constructor(readonly net: GpuMlp) {
    this.ctx = new AdContext(net.device);
  }

  async derivatives(points: Float32Array, directions: Float32Array, sharedDirection: boolean, order: number) {
    const d = this.net.mlp.inputDim;
    const batch = points.length / d;
    const ctx = this.ctx;
    try {
      const x = fromArray(ctx, points, [batch, d], true);
      const unitAxis = d === 1 && sharedDirection && directions[0] === 1;
      const v = unitAxis ? null : fromArray(ctx, directions, sharedDirection ? [1, d] : [batch, d]);
      const derivs = nestedDerivativesAd(this.net, adParams(ctx, this.net, false), x, v, order);
      const values = await Promise.all(derivs.map((t) => t.read()));
      return Array.from({ length: batch }, (_, p) => values.map((col) => col[p]));
    } finally {
      ctx.releaseAll();
    }
  }

  destroy(): void {
    this.ctx.destroy();
  }
}
