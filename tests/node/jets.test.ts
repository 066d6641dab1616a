import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeDevice, releaseNodeGpu } from '../../src/node/webgpu-node';
import type { PinnDevice } from '../../src/engine/gpu';
import { Mlp, type Activation } from '../../src/engine/mlp';
import { GpuMlp } from '../../src/engine/gpu-mlp';
import { TaylorJetForward } from '../../src/engine/taylor-jet';
import { referenceJets } from '../../src/engine/reference/jet-f64';
import { Rng } from '../../src/engine/rng';
import { jetErrorsPerOrder, jetTolerance } from '../../src/engine/reference/compare';

let gpu: PinnDevice;
beforeAll(async () => {
  gpu = await nodeDevice();
});
afterAll(() => {
  gpu.device.destroy();
  releaseNodeGpu();
});

function randomInputs(rng: Rng, batch: number, d: number, shared: boolean) {
  const points = Float32Array.from({ length: batch * d }, () => rng.range(-1, 1));
  const dirs = Float32Array.from({ length: (shared ? 1 : batch) * d }, () => rng.normal() / Math.sqrt(d));
  return { points, dirs };
}

const cases: [number, number, number, Activation, number, boolean][] = [
  // d, width, depth, activation, order, shared direction
  [1, 24, 3, 'tanh', 12, true],
  [1, 8, 1, 'sin', 12, true],
  [2, 32, 2, 'tanh', 8, false],
  [2, 16, 4, 'sin', 12, false],
  [5, 128, 5, 'tanh', 12, false],
  [5, 64, 3, 'sin', 6, false],
  [5, 128, 2, 'sin', 12, true],
  [1, 24, 3, 'tanh', 0, true],
  [2, 24, 1, 'tanh', 1, false],
];

describe('taylorJetForward matches the f64 Faa di Bruno reference', () => {
  it.each(cases)('d=%i width=%i depth=%i %s n=%i shared=%s', async (d, width, depth, activation, order, shared) => {
    const rng = new Rng(1000 * d + width + depth);
    const mlp = Mlp.init({ inputDim: d, width, depth, outputDim: 1, activation }, 7 + order);
    const batch = 67; // not a multiple of the tile, so edges are exercised
    const { points, dirs } = randomInputs(rng, batch, d, shared);
    const net = new GpuMlp(gpu.device, mlp);
    const jet = new TaylorJetForward(gpu.device, net, { order, maxBatch: batch, sharedDirection: shared });
    const got = await jet.run(points, dirs);
    const ref = referenceJets(mlp, points, dirs, order);
    const errors = jetErrorsPerOrder(got, ref, batch, order);
    for (let k = 0; k <= order; k++) {
      expect(errors[k], `order ${k}`).toBeLessThanOrEqual(jetTolerance(order));
    }
    jet.destroy();
    net.destroy();
  });

  it('is sensitive: a perturbed parameter is caught', async () => {
    const mlp = Mlp.init({ inputDim: 1, width: 24, depth: 3, outputDim: 1, activation: 'tanh' }, 3);
    const rng = new Rng(5);
    const { points, dirs } = randomInputs(rng, 32, 1, true);
    const net = new GpuMlp(gpu.device, mlp);
    const jet = new TaylorJetForward(gpu.device, net, { order: 6, maxBatch: 32, sharedDirection: true });
    const got = await jet.run(points, dirs);
    const perturbed = new Mlp(mlp.sizes, mlp.activation, mlp.params.slice());
    perturbed.params[5] *= 1.001;
    const ref = referenceJets(perturbed, points, dirs, 6);
    const errors = jetErrorsPerOrder(got, ref, 32, 6);
    expect(Math.max(...errors)).toBeGreaterThan(jetTolerance(6));
    jet.destroy();
    net.destroy();
  });
});
