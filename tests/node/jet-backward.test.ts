import { describe, expect, it } from 'vitest';
import { Mlp, type Activation } from '../../src/engine/model/mlp';
import { GpuMlp } from '../../src/engine/model/gpu-mlp';
import { AdContext } from '../../src/engine/autodiff/context';
import { adParams, nestedDerivativesAd, sumOfMeanSquares } from '../../src/engine/autodiff/mlp-ad';
import { fromArray, grad } from '../../src/engine/autodiff/tensor';
import { Rng } from '../../src/engine/sampling/rng';
import { jetLossGradient, referenceLossGradient, useNodeGpu } from './helpers';

const gpu = useNodeGpu();

const jetGradient = async (net: GpuMlp, points: Float32Array, dir: Float32Array, shared: boolean, order: number, kernels: 'tiled' | 'direct') =>
  (await jetLossGradient(gpu.device, net, points, dir, shared, order, kernels)).g;

describe('backward through Taylor jets', () => {
  const cases: [number, number, number, Activation, number, boolean, 'tiled' | 'direct'][] = [
    [1, 8, 2, 'tanh', 4, true, 'tiled'],
    [2, 6, 3, 'sin', 3, false, 'tiled'],
    [1, 12, 1, 'tanh', 6, true, 'direct'],
    [3, 8, 2, 'tanh', 2, true, 'direct'],
    [2, 6, 3, 'sin', 3, false, 'direct'],
  ];
  it.each(cases)('d=%i width %i depth %i %s n=%i shared=%s %s kernels: gradient matches f64 central differences', async (d, width, depth, act, order, shared, kernels) => {
    const mlp = Mlp.init({ inputDim: d, width, depth, outputDim: 1, activation: act }, 17);
    // non-zero biases so their gradients are exercised at a generic point
    const rng = new Rng(4);
    mlp.layers.forEach((l) => {
      for (let o = 0; o < l.outDim; o++) mlp.params[l.biasOffset + o] = 0.3 * rng.normal();
    });
    const batch = 13;
    const points = Float32Array.from({ length: batch * d }, () => rng.range(-1, 1));
    const dir = Float32Array.from({ length: (shared ? 1 : batch) * d }, () => rng.normal());
    const net = new GpuMlp(gpu.device, mlp);
    const g = await jetGradient(net, points, dir, shared, order, kernels);
    const scale = Math.max(...g.map(Math.abs));
    const fd = referenceLossGradient(mlp, points, dir, order, 1);
    for (const [i, v] of fd) expect(Math.abs(g[i] - v) / scale, `param ${i}`).toBeLessThan(5e-4);
    net.destroy();
  });

  it.each(['tiled', 'direct'] as const)('agrees with the stacked-AD engine on a 3x24 tanh net at n = 5 (%s kernels)', async (kernels) => {
    const mlp = Mlp.init({ inputDim: 1, width: 24, depth: 3, outputDim: 1, activation: 'tanh' }, 8);
    const rng = new Rng(6);
    const batch = 64;
    const points = Float32Array.from({ length: batch }, () => rng.range(-1, 1));
    const net = new GpuMlp(gpu.device, mlp);
    const g = await jetGradient(net, points, Float32Array.of(1), true, 5, kernels);
    const ctx = new AdContext(gpu.device);
    const params = adParams(ctx, net, true);
    const x = fromArray(ctx, points, [batch, 1], true);
    const grads = await Promise.all(grad(sumOfMeanSquares(nestedDerivativesAd(net, params, x, null, 5)), params.all).map((t) => t.read()));
    const scale = Math.max(...g.map(Math.abs));
    mlp.layers.forEach((l, i) => {
      grads[2 * i].forEach((v, q) => expect(Math.abs(g[l.weightOffset + q] - v) / scale).toBeLessThan(1e-4));
      grads[2 * i + 1].forEach((v, q) => expect(Math.abs(g[l.biasOffset + q] - v) / scale).toBeLessThan(1e-4));
    });
    ctx.destroy();
    net.destroy();
  });
});
