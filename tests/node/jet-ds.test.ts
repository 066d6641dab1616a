import { describe, expect, it } from 'vitest';
import { useNodeGpu } from './helpers';
import { Mlp } from '../../src/engine/model/mlp';
import { GpuMlp } from '../../src/engine/model/gpu-mlp';
import { readBuffer } from '../../src/engine/gpu/gpu';
import { TaylorJetForward } from '../../src/engine/jets/taylor-jet';
import { DoubleSingleJet } from '../../src/engine/jets/taylor-jet-ds';
import { referenceJets } from '../../src/engine/jets/jet-f64';
import { Rng } from '../../src/engine/sampling/rng';

const gpu = useNodeGpu();

/**
 * Jets of a random tanh network at random points along random directions, from the f32
 * kernels and recomputed in double-single, against the f64 reference (f32 weights, points
 * and directions are exact in both). Returns the worst error of each, relative to the largest
 * coefficient of the same order over the batch (jets of order 10 reach 1e4 and more).
 */
async function compare(inputDim: number, width: number, depth: number, order: number, batch: number, seed: number, preciseParams = false) {
  const device = gpu.device;
  const mlp = Mlp.init({ inputDim, width, depth, outputDim: 1, activation: 'tanh' }, seed);
  const rng = new Rng(seed + 1);
  const points = Float32Array.from({ length: batch * inputDim }, () => 2 * rng.uniform() - 1);
  const dirs = Float32Array.from({ length: batch * inputDim }, () => 2 * rng.uniform() - 1);
  const net = new GpuMlp(device, mlp);
  // preciseParams: parameters between f32 values (hi + lo pairs), as the quasi-Newton phases set them
  const params = preciseParams ? Float64Array.from(mlp.params, (v) => v * (1 + 1e-9 * (2 * rng.uniform() - 1)) + 1e-12) : Float64Array.from(mlp.params);
  if (preciseParams) net.uploadPrecise(params);
  const jet = new TaylorJetForward(device, net, { order, maxBatch: batch, sharedDirection: false });
  const f32 = await jet.run(points, dirs);
  const ds = new DoubleSingleJet(device, jet);
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  jet.encode(pass);
  ds.encode(pass);
  pass.end();
  device.queue.submit([enc.finish()]);
  const hi = await readBuffer(device, jet.output);
  const lo = await readBuffer(device, ds.lo);
  const ref = referenceJets(mlp, points, dirs, order, params);
  const n1 = order + 1;
  let errF32 = 0;
  let errDs = 0;
  for (let k = 0; k < n1; k++) {
    let scale = 0;
    for (let p = 0; p < batch; p++) scale = Math.max(scale, Math.abs(ref[p * n1 + k]));
    for (let p = 0; p < batch; p++) {
      const i = p * n1 + k;
      errF32 = Math.max(errF32, Math.abs(f32[i] - ref[i]) / scale);
      errDs = Math.max(errDs, Math.abs(hi[i] + lo[i] - ref[i]) / scale);
    }
  }
  ds.destroy();
  jet.destroy();
  net.destroy();
  return { errF32, errDs };
}

describe('double-single jets (taylor_jet_mlp_ds.wgsl)', () => {
  // f32 rounding alone leaves about 1e-7 relative; double-single carries about 44 bits, and the
  // recurrences of order 10 lose a few more: 1e-11 is far below anything f32 can reach
  it.each([
    [1, 24, 3, 4],
    [1, 24, 3, 10],
    [3, 16, 2, 6],
  ])('d = %i, %i x %i tanh, order %i: within 1e-11 of f64 where f32 is not', async (d, width, depth, order) => {
    const { errF32, errDs } = await compare(d, width, depth, order, 70, 7 * order + d);
    expect(errDs).toBeLessThan(1e-11);
    expect(errF32).toBeGreaterThan(1e-8);
  });

  it('double-single parameters (hi + lo, between f32 values): the jets follow them within 1e-11 of f64', async () => {
    // the parameters sit about 1e-9 (relative) off their f32 values: jets that ignored the low
    // parts would be about that far from the f64 reference, a hundred times the bound
    const { errDs } = await compare(1, 24, 3, 6, 70, 5, true);
    expect(errDs).toBeLessThan(1e-11);
  });

  it('refuses a sin network with a reason', () => {
    const device = gpu.device;
    const net = new GpuMlp(device, Mlp.init({ inputDim: 1, width: 8, depth: 1, outputDim: 1, activation: 'sin' }, 1));
    const jet = new TaylorJetForward(device, net, { order: 2, maxBatch: 4, sharedDirection: true });
    expect(() => new DoubleSingleJet(device, jet)).toThrow(/tanh/);
    jet.destroy();
    net.destroy();
  });
});
