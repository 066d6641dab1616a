import { describe, expect, it } from 'vitest';
import { readBuffer } from '../../src/engine/gpu/gpu';
import { BoxSampler, philox4x32, uniform01 } from '../../src/engine/sampling/random';
import { useNodeGpu } from './helpers';

const gpu = useNodeGpu();

describe('Philox4x32-10', () => {
  it('matches the known-answer vectors of Random123 (CPU implementation)', () => {
    const hex = (w: number[]) => w.map((x) => x.toString(16).padStart(8, '0')).join(' ');
    expect(hex(philox4x32([0, 0, 0, 0], [0, 0]))).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
    expect(hex(philox4x32([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff]))).toBe('408f276d 41c83b0e a20bc7c6 6d5451fd');
    expect(hex(philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]))).toBe('d16cfe09 94fdcceb 5001e420 24126ea1');
  });

  it('the GPU sampler draws exactly the CPU stream, reproducibly, inside the box', async () => {
    const lo = [-1, 0, 2, -3, 0.5];
    const hi = [1, 1, 4, 3, 0.75];
    const count = 1000;
    const sampler = new BoxSampler(gpu.device, lo, hi, count);
    const draw = async (seed: number, stream: number) => {
      const enc = gpu.device.createCommandEncoder();
      const pass = enc.beginComputePass();
      sampler.encode(pass, count, seed, stream);
      pass.end();
      gpu.device.queue.submit([enc.finish()]);
      return readBuffer(gpu.device, sampler.points, count * lo.length * 4);
    };
    const a = await draw(42, 7);
    const b = await draw(42, 7);
    const c = await draw(42, 8);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    const d = lo.length;
    for (const p of [0, 1, 517, 999]) {
      for (let j = 0; j < d; j++) {
        const words = philox4x32([p, Math.floor(j / 4), 7, 0], [42, 0]);
        const expected = Math.fround(lo[j] + (hi[j] - lo[j]) * uniform01(words[j % 4]));
        expect(a[p * d + j]).toBeCloseTo(expected, 6);
      }
    }
    // uniform: mean and variance of each coordinate within 4 standard errors
    for (let j = 0; j < d; j++) {
      const xs = Array.from({ length: count }, (_, p) => (a[p * d + j] - lo[j]) / (hi[j] - lo[j]));
      const mean = xs.reduce((s, x) => s + x, 0) / count;
      expect(Math.abs(mean - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / count));
      expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...xs)).toBeLessThan(1);
    }
  });
});
