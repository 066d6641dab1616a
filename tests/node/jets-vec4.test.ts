import { describe, expect, it } from 'vitest';
import { GpuMlp } from '../../src/engine/model/gpu-mlp';
import { Mlp, type Activation } from '../../src/engine/model/mlp';
import { jetErrorsPerOrder, jetTolerance } from '../../src/engine/reference/compare';
import { referenceJets } from '../../src/engine/jets/jet-f64';
import { Rng } from '../../src/engine/sampling/rng';
import { randomJetInputs } from '../../src/engine/selftest';
import { TaylorJetForward } from '../../src/engine/jets/taylor-jet';
import { jetLossGradient, referenceLossGradient, useNodeGpu } from './helpers';

// The vec4 kernels (the default on CPU adapters) against the same independent f64 references
// as the tiled and direct ones, on shapes that take them and on shapes that fall back.
const gpu = useNodeGpu();

interface Shape {
  d: number;
  width: number;
  depth: number;
  act: Activation;
  order: number;
  shared: boolean;
}

const label = (s: Shape) => `d=${s.d} ${s.depth}x${s.width} ${s.act} n=${s.order}${s.shared ? ' shared v' : ''}`;

describe('vec4 Taylor-jet forward kernels match the f64 Faa di Bruno reference', () => {
  const cases: [Shape, string][] = [
    [{ d: 2, width: 32, depth: 3, act: 'tanh', order: 8, shared: false }, 'vec4,vec4,vec4,vec4'],
    [{ d: 1, width: 16, depth: 2, act: 'sin', order: 12, shared: true }, 'vec4,vec4,vec4'],
    [{ d: 5, width: 24, depth: 2, act: 'tanh', order: 2, shared: false }, 'vec4,vec4,vec4'],
    [{ d: 3, width: 8, depth: 1, act: 'sin', order: 1, shared: false }, 'vec4,vec4'],
    [{ d: 2, width: 12, depth: 2, act: 'tanh', order: 0, shared: true }, 'vec4,vec4,vec4'],
    // fallbacks: widths that are no multiple of 4
    [{ d: 2, width: 10, depth: 2, act: 'tanh', order: 6, shared: false }, 'direct,direct,direct'],
    [{ d: 1, width: 6, depth: 3, act: 'sin', order: 4, shared: true }, 'direct,direct,direct,direct'],
  ];
  it.each(cases.map(([s, k]) => [label(s), s, k] as const))('%s', async (_label, s, expectedKernels) => {
    const batch = 67; // not a multiple of the 64-thread workgroup or of 4
    const seed = 31 * s.width + s.order;
    const mlp = Mlp.init({ inputDim: s.d, width: s.width, depth: s.depth, outputDim: 1, activation: s.act }, seed);
    const { points, directions } = randomJetInputs(new Rng(seed + 1), batch, s.d, s.shared);
    const net = new GpuMlp(gpu.device, mlp);
    const jet = new TaylorJetForward(gpu.device, net, { order: s.order, maxBatch: batch, sharedDirection: s.shared, kernels: 'vec4' });
    expect(jet.layerKernels.join(',')).toBe(expectedKernels);
    const got = await jet.run(points, directions);
    const errors = jetErrorsPerOrder(got, referenceJets(mlp, points, directions, s.order), batch, s.order);
    errors.forEach((e, k) => expect(e, `order ${k}`).toBeLessThanOrEqual(jetTolerance(s.order)));
    jet.destroy();
    net.destroy();
  });
});

const jetGradient = (net: GpuMlp, points: Float32Array, dir: Float32Array, shared: boolean, order: number) => jetLossGradient(gpu.device, net, points, dir, shared, order, 'vec4');

describe('vec4 backward through Taylor jets', () => {
  // batch 13: with n = 3 the output adjoint fills whole vec4s (the scalar output layer runs vec4
  // too), with n = 4 it does not (that layer falls back to the direct kernels)
  const cases: [Shape, string][] = [
    [{ d: 2, width: 8, depth: 3, act: 'tanh', order: 3, shared: false }, 'weightGradVec4,layerBackwardVec4,weightGradVec4,layerBackwardVec4,weightGradVec4,layerBackwardVec4,weightGradVec4'],
    [{ d: 1, width: 12, depth: 2, act: 'sin', order: 4, shared: true }, 'weightGrad,layerBackward,weightGradVec4,layerBackwardVec4,weightGradVec4'],
    [{ d: 2, width: 6, depth: 2, act: 'sin', order: 3, shared: false }, 'weightGrad,layerBackward,weightGrad,layerBackward,weightGrad'],
  ];
  it.each(cases.map(([s, k]) => [label(s), s, k] as const))('%s: gradient matches f64 central differences', async (_label, s, expectedKernels) => {
    const mlp = Mlp.init({ inputDim: s.d, width: s.width, depth: s.depth, outputDim: 1, activation: s.act }, 17);
    // non-zero biases so their gradients are exercised at a generic point
    const rng = new Rng(4);
    mlp.layers.forEach((l) => {
      for (let o = 0; o < l.outDim; o++) mlp.params[l.biasOffset + o] = 0.3 * rng.normal();
    });
    const batch = 13;
    const points = Float32Array.from({ length: batch * s.d }, () => rng.range(-1, 1));
    const dir = Float32Array.from({ length: (s.shared ? 1 : batch) * s.d }, () => rng.normal());
    const net = new GpuMlp(gpu.device, mlp);
    const { g, kernels } = await jetGradient(net, points, dir, s.shared, s.order);
    expect(kernels).toBe(expectedKernels);
    const scale = Math.max(...g.map(Math.abs));
    const fd = referenceLossGradient(mlp, points, dir, s.order, 1);
    for (const [i, v] of fd) expect(Math.abs(g[i] - v) / scale, `param ${i}`).toBeLessThan(5e-4);
    // deterministic: no atomics, a fixed summation order
    const again = await jetGradient(net, points, dir, s.shared, s.order);
    expect(Array.from(again.g)).toEqual(Array.from(g));
    net.destroy();
  });
});
