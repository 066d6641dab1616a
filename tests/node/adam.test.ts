import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readBuffer } from '../../src/engine/gpu/gpu';
import { Rng } from '../../src/engine/sampling/rng';
import { Adam } from '../../src/engine/train/adam';
import { learningRate } from '../../src/engine/train/schedule';
import { useNodeGpu } from './helpers';

const gpu = useNodeGpu();

/** Adam in f64, written from the paper's algorithm. */
function adamReference(p: Float64Array, grads: Float64Array[], lrs: number[], scaleOf: (i: number) => number = () => 1, b1 = 0.9, b2 = 0.999, eps = 1e-8) {
  const m = new Float64Array(p.length);
  const v = new Float64Array(p.length);
  grads.forEach((g, step) => {
    const t = step + 1;
    for (let i = 0; i < p.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      p[i] -= (lrs[step] * scaleOf(i) * (m[i] / (1 - b1 ** t))) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps);
    }
  });
  return p;
}

describe('Adam on the GPU', () => {
  it.each([
    ['', { count: 0, scale: 1 }],
    [', the first 300 parameters at 7x the learning rate', { count: 300, scale: 7 }],
  ])('matches an f64 reference over 5 steps with a linear schedule%s', async (_, leading) => {
    const n = 1000;
    const rng = new Rng(3);
    const p0 = Float32Array.from({ length: n }, () => rng.normal());
    const grads = Array.from({ length: 5 }, () => Float32Array.from({ length: n }, () => rng.normal() * 10 ** rng.range(-3, 1)));
    const lrs = Array.from({ length: 5 }, (_, t) => learningRate(1e-2, { kind: 'linear', finalFraction: 0.1 }, t, 5));
    const device = gpu.device;
    const params = createStorageBuffer(device, n * 4, 'params');
    const gradBuf = createStorageBuffer(device, n * 4, 'grads');
    device.queue.writeBuffer(params, 0, p0);
    const adam = new Adam(device, params, gradBuf, n, undefined, leading);
    for (let t = 0; t < 5; t++) {
      device.queue.writeBuffer(gradBuf, 0, grads[t]);
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      adam.encode(pass, lrs[t]);
      pass.end();
      device.queue.submit([enc.finish()]);
    }
    const got = await readBuffer(device, params, n * 4);
    const ref = adamReference(Float64Array.from(p0), grads.map((g) => Float64Array.from(g)), lrs, (i) => (i < leading.count ? leading.scale : 1));
    // each step moves a parameter by about lr; f32 keeps ~1e-7 of |p| + the step
    for (let i = 0; i < n; i++) expect(Math.abs(got[i] - ref[i])).toBeLessThan(2e-6 * (1 + Math.abs(ref[i])));
    // and it moved: the check is not vacuous
    expect(Math.abs(got[0] - p0[0])).toBeGreaterThan(1e-3);
    if (leading.count > 0) {
      // the scaled group moved further than the rest: the two reference runs differ there
      const plain = adamReference(Float64Array.from(p0), grads.map((g) => Float64Array.from(g)), lrs);
      expect(Math.abs(got[0] - plain[0])).toBeGreaterThan(1e-2);
      expect(got[leading.count]).toBeCloseTo(plain[leading.count], 5);
      expect(() => new Adam(device, params, gradBuf, n, undefined, { count: n + 1, scale: 2 })).toThrow(/leading parameters/);
    }
    adam.destroy();
    params.destroy();
    gradBuf.destroy();
  });

  it('schedules: linear reaches its final fraction, exponential halves every quarter of the run it is given (a planned length too)', () => {
    expect(learningRate(1, { kind: 'linear', finalFraction: 0.1 }, 100, 100)).toBeCloseTo(0.1, 12);
    expect(learningRate(1, { kind: 'linear', finalFraction: 0.1 }, 50, 100)).toBeCloseTo(0.55, 12);
    expect(learningRate(2, { kind: 'exponential', rate: 0.5 }, 50, 100)).toBeCloseTo(0.5, 12);
    expect(learningRate(2, { kind: 'exponential', rate: 0.5 }, 100, 100)).toBeCloseTo(2 / 16, 12);
    // the same step of a run planned 4x longer: a quarter of the decay
    expect(learningRate(2, { kind: 'exponential', rate: 0.5 }, 100, 400)).toBeCloseTo(1, 12);
    expect(learningRate(3, { kind: 'constant' }, 77, 100)).toBe(3);
  });
});
