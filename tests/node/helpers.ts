import { afterAll, beforeAll } from 'vitest';
import type { PinnDevice } from '../../src/engine/gpu';
import { Mlp } from '../../src/engine/mlp';
import { nodeDevice, releaseNodeGpu } from '../../src/node/webgpu-node';
import { referenceJets } from '../../src/engine/reference/jet-f64';
import { factorial } from '../../src/engine/taylor-jet';

/** f64 benchmark loss sum_k mean_p (u^(k))^2 from the reference jets, for finite differences. */
export function referenceLoss(mlp: Mlp, points: ArrayLike<number>, dir: ArrayLike<number>, order: number, params: ArrayLike<number>) {
  const c = referenceJets(mlp, points, dir, order, params);
  const n1 = order + 1;
  const batch = points.length / mlp.inputDim;
  let loss = 0;
  for (let p = 0; p < batch; p++) for (let k = 0; k < n1; k++) loss += (factorial(k) * c[p * n1 + k]) ** 2 / batch;
  return loss;
}

/** Central differences of referenceLoss in f64 for the parameters with index i % stride == 0. */
export function referenceLossGradient(mlp: Mlp, points: ArrayLike<number>, dir: ArrayLike<number>, order: number, stride = 1) {
  const p64 = Float64Array.from(mlp.params);
  const out = new Map<number, number>();
  for (let i = 0; i < p64.length; i += stride) {
    const h = 1e-6 * Math.max(1, Math.abs(p64[i]));
    const plus = p64.slice();
    plus[i] += h;
    const minus = p64.slice();
    minus[i] -= h;
    out.set(i, (referenceLoss(mlp, points, dir, order, plus) - referenceLoss(mlp, points, dir, order, minus)) / (2 * h));
  }
  return out;
}

/** One WebGPU device for a test file (Dawn in Node), released after its tests. */
export function useNodeGpu(): { readonly device: GPUDevice } {
  const holder: { gpu: PinnDevice | null } = { gpu: null };
  beforeAll(async () => {
    holder.gpu = await nodeDevice();
  });
  afterAll(() => {
    holder.gpu?.device.destroy();
    releaseNodeGpu();
  });
  return {
    get device() {
      if (!holder.gpu) throw new Error('GPU not ready');
      return holder.gpu.device;
    },
  };
}
