import { describe, expect, it } from 'vitest';
import { benchJaxJs } from '../../src/engine/bench/jaxjs';
import { Mlp } from '../../src/engine/model/mlp';
import { Rng } from '../../src/engine/sampling/rng';
import { referenceLoss, referenceLossGradient } from './helpers';

// jax-js has no WebGPU in Node; the default there is its Wasm backend. jax-js 0.1.25's Wasm
// backend computes wrong parameter gradients for this step under jit when the width is a
// multiple of 4 (the loss, i.e. the forward pass and the nested x-derivatives, is right), so
// gradients are checked on its plain-JS 'cpu' backend, which runs the same traced program.
describe('jax-js benchmark step (nested grad under jit)', () => {
  const batch = 16;
  const width = 8;
  const depth = 2;
  const seed = 5;
  const rng = new Rng(3);
  const points = Float32Array.from({ length: batch }, () => rng.range(-1, 1));
  const mlp = Mlp.init({ inputDim: 1, width, depth, outputDim: 1, activation: 'tanh' }, seed);

  it.each(['shared', 'per-order'] as const)('%s: order 3 loss and gradient match the f64 reference (cpu backend)', async (formulation) => {
    const order = 3;
    const r = await benchJaxJs({ batch, width, depth, order, reps: 2, warmup: 1, seed, points, formulation, withGradient: true, device: 'cpu' });
    expect(r.backend).toBe('cpu');
    expect(r.ms).toBeGreaterThan(0);
    // loss_ref = sum_k mean_p (k! c_k[p])^2 from the independent f64 Taylor jets
    const ref = referenceLoss(mlp, points, [1], order, mlp.params);
    expect(Math.abs(r.loss - ref) / ref).toBeLessThan(1e-3);

    const g = r.gradient!;
    expect(g.length).toBe(mlp.params.length);
    const scale = Math.max(...g.map(Math.abs));
    for (const [i, v] of referenceLossGradient(mlp, points, [1], order, 3)) {
      expect(Math.abs(g[i] - v) / scale, `param ${i}`).toBeLessThan(1e-3);
    }
  });

  it('default backend (wasm): loss for orders 0..5 agrees with the reference', async () => {
    for (let order = 0; order <= 5; order++) {
      const r = await benchJaxJs({ batch, width, depth, order, reps: 1, warmup: 0, seed, points });
      expect(r.backend).toBe('wasm');
      const ref = referenceLoss(mlp, points, [1], order, mlp.params);
      expect(Math.abs(r.loss - ref) / ref, `order ${order}`).toBeLessThan(1e-3);
    }
  });
});
