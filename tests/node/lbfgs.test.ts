import { describe, expect, it } from 'vitest';
import { lbfgs } from '../../src/engine/train/lbfgs';
import { lossNoise } from '../../src/engine/train/trainer';

/** A deterministic pseudo-random value in [0, 1) of a point: stands in for f32 rounding of a loss. */
function hash(x: Float64Array): number {
  let h = 0;
  for (let i = 0; i < x.length; i++) h = Math.sin(h * 12.9898 + x[i] * 78233.123 + i) * 43758.5453;
  return h - Math.floor(h);
}

/** Σ c_i x_i²/2 + x_i⁴/4 with c from 1 to 1e4, and ±eps of noise on f (the gradient exact). */
function noisyValley(n: number, eps: number) {
  return async (x: Float64Array) => {
    let f = 0;
    const g = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const c = 10 ** ((4 * i) / (n - 1));
      f += 0.5 * c * x[i] ** 2 + 0.25 * x[i] ** 4;
      g[i] = c * x[i] + x[i] ** 3;
    }
    return { f: f + eps * (2 * hash(x) - 1), g };
  };
}

const norm = (x: Float64Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0));

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

  it('goes on below the loss noise with the approximate Wolfe test, where Armijo on f stops', async () => {
    const n = 20;
    const fg = noisyValley(n, 1e-8);
    const start = new Float64Array(n).fill(1);
    const armijo = await lbfgs(fg, start, { maxIterations: 2000, tolerance: 0 });
    const tolerant = await lbfgs(fg, start, { maxIterations: 2000, tolerance: 0, noise: 1e-8 });
    // measured: Armijo stops at |x| = 3.2e-4 (decreases under the noise), the tolerant run reaches 1.1e-10
    expect(armijo.reason).toMatch(/line search failed/);
    expect(norm(armijo.x)).toBeGreaterThan(1e-5);
    expect(norm(tolerant.x)).toBeLessThan(1e-8);
    expect(tolerant.reason).toMatch(/gradient below tolerance/);
  });

  it('measures the noise again every noiseEvery iterations and uses it', async () => {
    const n = 20;
    const at: number[] = [];
    let iterations = 0;
    const r = await lbfgs(noisyValley(n, 1e-8), new Float64Array(n).fill(1), {
      maxIterations: 250,
      tolerance: 0,
      gradientTolerance: 0,
      noise: 0,
      noiseEvery: 100,
      measureNoise: async () => {
        at.push(iterations);
        return 1e-8;
      },
    }, (it) => void (iterations = it));
    expect(at).toEqual([100, 200]);
    // with noise 0 until iteration 100, the run would stop where Armijo stops (|x| 3e-4, iteration 342 above); with it, it goes on
    expect(r.iterations).toBe(250);
  });

  it('evaluates and steps between the rounded points it is given (f32 parameters)', async () => {
    const n = 8;
    const seen: Float64Array[] = [];
    const fg = async (x: Float64Array) => {
      seen.push(Float64Array.from(x));
      return noisyValley(n, 0)(x);
    };
    const round = (x: Float64Array) => Float64Array.from(Float32Array.from(x));
    const r = await lbfgs(fg, new Float64Array(n).fill(0.3), { maxIterations: 100, round });
    for (const x of [...seen, r.x]) x.forEach((v) => expect(Math.fround(v)).toBe(v));
    expect(norm(r.x)).toBeLessThan(1e-5);
  });

  it('estimates the loss noise from points an ulp away: near 0 for a smooth loss, about eps/√3 for ±eps of noise', async () => {
    const x = Float64Array.from({ length: 50 }, (_, i) => Math.fround(0.1 + i / 7));
    // a loss of 0.06 whose change over an ulp is about 1e-9 / √50 per coordinate
    const smoothLoss = (eps: number) => async (y: Float64Array) => ({ f: 1e-5 * y.reduce((s, v) => s + v * v, 0) + eps * (2 * hash(y) - 1) });
    const smooth = await lossNoise(smoothLoss(0), x);
    const noisy = await lossNoise(smoothLoss(1e-6), x, 40);
    expect(smooth).toBeLessThan(1e-8);
    expect(smooth).toBeGreaterThan(0);
    expect(noisy).toBeGreaterThan(1e-6 / Math.sqrt(3) / 2);
    expect(noisy).toBeLessThan(2e-6 / Math.sqrt(3));
  });

  it('reports a non-finite starting loss instead of running', async () => {
    const r = await lbfgs(async (x) => ({ f: NaN, g: x }), new Float64Array(3));
    expect(r.reason).toMatch(/the loss at the start is NaN/);
    expect(r.iterations).toBe(0);
  });
});
