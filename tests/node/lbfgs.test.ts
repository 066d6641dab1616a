import { describe, expect, it } from 'vitest';
import { lbfgs } from '../../src/engine/train/lbfgs';

describe('L-BFGS', () => {
  it('minimizes the Rosenbrock function in f64 to its minimum (1, 1, ..., 1)', async () => {
    const n = 10;
    const rosen = async (x: Float64Array) => {
      let f = 0;
      const g = new Float64Array(n);
      for (let i = 0; i < n - 1; i++) {
        const a = x[i + 1] - x[i] * x[i];
        const b = 1 - x[i];
        f += 100 * a * a + b * b;
        g[i] += -400 * x[i] * a - 2 * b;
        g[i + 1] += 200 * a;
      }
      return { f, g };
    };
    const r = await lbfgs(rosen, new Float64Array(n).fill(-1.2), { maxIterations: 2000, tolerance: 1e-14 });
    expect(r.f).toBeLessThan(1e-10);
    r.x.forEach((v) => expect(v).toBeCloseTo(1, 4));
    expect(r.reason).toMatch(/gradient below tolerance|stagnated|line search/);
  });

  it('survives an f32-noisy loss and says why it stopped', async () => {
    const f32 = Math.fround;
    const quad = async (x: Float64Array) => {
      const f = f32(x.reduce((s, v, i) => s + (i + 1) * f32(v - 0.5) ** 2, 0));
      return { f, g: x.map((v, i) => f32(2 * (i + 1) * (v - 0.5))) };
    };
    const r = await lbfgs(quad, new Float64Array(20).fill(3), { maxIterations: 200 });
    expect(r.f).toBeLessThan(1e-8);
    expect(r.reason.length).toBeGreaterThan(5);
  });

  it('reports a non-finite starting loss instead of running', async () => {
    const r = await lbfgs(async (x) => ({ f: NaN, g: x }), new Float64Array(3));
    expect(r.reason).toMatch(/the loss at the start is NaN/);
    expect(r.iterations).toBe(0);
  });
});
