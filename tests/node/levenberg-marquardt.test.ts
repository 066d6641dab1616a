import { describe, expect, it } from 'vitest';
import { gram, levenbergMarquardt, solveShifted } from '../../src/engine/train/levenberg-marquardt';
import { Rng } from '../../src/engine/sampling/rng';

describe('Levenberg–Marquardt (CPU, f64)', () => {
  it('gram and solveShifted solve (M Mᵀ + μI) z = b', () => {
    const rng = new Rng(3);
    const rows = 5;
    const cols = 8;
    const M = Float64Array.from({ length: rows * cols }, () => rng.normal());
    const A = gram(M, rows, cols);
    const b = Float64Array.from({ length: rows }, () => rng.normal());
    const mu = 0.37;
    const z = solveShifted(A, rows, mu, b)!;
    for (let i = 0; i < rows; i++) {
      let s = mu * z[i];
      for (let j = 0; j < rows; j++) {
        let a = 0;
        for (let c = 0; c < cols; c++) a += M[i * cols + c] * M[j * cols + c];
        s += a * z[j];
      }
      expect(Math.abs(s - b[i])).toBeLessThan(1e-12);
    }
    // not positive definite: refused
    expect(solveShifted(Float64Array.from([1, 2, 2, 1]), 2, 0, Float64Array.from([1, 1]))).toBeNull();
  });

  it('fits y = a exp(b t) from 20 points (more residuals than parameters) to f64 precision', async () => {
    const t = Array.from({ length: 20 }, (_, i) => i / 10);
    const y = t.map((s) => 2 * Math.exp(-0.5 * s));
    const residuals = (x: Float64Array) => Float64Array.from(t, (s, i) => x[0] * Math.exp(x[1] * s) - y[i]);
    const rj = async (x: Float64Array) => ({
      r: residuals(x),
      J: Float64Array.from(t.flatMap((s) => [Math.exp(x[1] * s), x[0] * s * Math.exp(x[1] * s)])),
    });
    const loss = async (x: Float64Array) => residuals(x).reduce((a, v) => a + v * v, 0);
    const res = await levenbergMarquardt(rj, loss, Float64Array.from([1, 0]), { maxIterations: 100 });
    expect(Math.abs(res.x[0] - 2)).toBeLessThan(1e-10);
    expect(Math.abs(res.x[1] + 0.5)).toBeLessThan(1e-10);
    expect(res.iterations).toBeLessThan(40);
  });

  it('solves an underdetermined system (fewer residuals than parameters: the Gram form) to a zero loss', async () => {
    // r = (x0² + x1 − 1, x1 x2 − 2, sin x0 + x3): a 1-parameter family of roots
    const residuals = (x: Float64Array) => Float64Array.from([x[0] * x[0] + x[1] - 1, x[1] * x[2] - 2, Math.sin(x[0]) + x[3]]);
    const rj = async (x: Float64Array) => ({
      r: residuals(x),
      J: Float64Array.from([2 * x[0], 1, 0, 0, 0, x[2], x[1], 0, Math.cos(x[0]), 0, 0, 1]),
    });
    const loss = async (x: Float64Array) => residuals(x).reduce((a, v) => a + v * v, 0);
    const res = await levenbergMarquardt(rj, loss, Float64Array.from([0.3, 0.2, 0.1, 0.5]), { maxIterations: 200, tolerance: 0 });
    expect(res.f).toBeLessThan(1e-24);
    expect(Math.max(...residuals(res.x).map(Math.abs))).toBeLessThan(1e-12);
  });

  it('bounds each step by maxStep for the leading parameters only (and still converges)', async () => {
    // r = (x0 − 20, x1 + 30): the Gauss–Newton step is (20, −30); x0 may move 1 per step, x1 freely
    const residuals = (x: Float64Array) => Float64Array.from([x[0] - 20, x[1] + 30]);
    const rj = async (x: Float64Array) => ({ r: residuals(x), J: Float64Array.from([1, 0, 0, 1]) });
    const loss = async (x: Float64Array) => residuals(x).reduce((a, v) => a + v * v, 0);
    const path: number[][] = [[0, 0]];
    const res = await levenbergMarquardt(rj, loss, Float64Array.from([0, 0]), { maxIterations: 200, tolerance: 0, maxStep: 1, bounded: 1, scaled: false }, (_it, _f, x) => void path.push([x[0], x[1]]));
    for (let i = 1; i < path.length; i++) expect(Math.abs(path[i][0] - path[i - 1][0])).toBeLessThanOrEqual(1 + 1e-12);
    expect(Math.max(...path.slice(1).map((p, i) => Math.abs(p[1] - path[i][1])))).toBeGreaterThan(1);
    expect(Math.abs(res.x[0] - 20)).toBeLessThan(1e-6);
    expect(Math.abs(res.x[1] + 30)).toBeLessThan(1e-6);
  });

  it('stops with a reason when no step decreases the loss', async () => {
    // a loss that the linear model always over-promises on: r = x² with J reported as 10 (wrong)
    const rj = async (x: Float64Array) => ({ r: Float64Array.from([x[0] * x[0] + 1]), J: Float64Array.from([-10]) });
    const loss = async (x: Float64Array) => (x[0] * x[0] + 1) ** 2;
    const res = await levenbergMarquardt(rj, loss, Float64Array.from([0]), { maxIterations: 10, maxRejections: 5 });
    expect(res.reason).toMatch(/no decrease/);
    expect(res.x[0]).toBe(0);
  });
});
