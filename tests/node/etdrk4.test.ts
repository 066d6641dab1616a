import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { solveEtdrk4 } from '../../src/engine/reference/etdrk4';
import { ALLEN_CAHN_1D } from '../../scripts/allen-cahn-reference';

const maxAbs = (a: number[][], b: number[][]) => Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - b[i][j]))));

describe('ETDRK4 spectral reference solver (f64)', () => {
  it('diffusion alone: two Fourier modes decay exactly as e^{−ν k² t} (error below 1e-12)', () => {
    const nu = 0.01;
    const u0 = (x: number) => Math.cos(Math.PI * x) + 0.5 * Math.sin(3 * Math.PI * x);
    const exact = (x: number, t: number) => Math.exp(-nu * Math.PI ** 2 * t) * Math.cos(Math.PI * x) + 0.5 * Math.exp(-9 * nu * Math.PI ** 2 * t) * Math.sin(3 * Math.PI * x);
    const s = solveEtdrk4({ n: 32, x0: -1, length: 2, nu, f: () => 0, u0, dt: 0.1, times: [0, 0.5, 2] });
    s.t.forEach((t, i) => s.x.forEach((x, j) => expect(Math.abs(s.u[i][j] - exact(x, t))).toBeLessThan(1e-12)));
  });

  it('a nonlinear reaction alone (logistic u_t = u(1 − u)): fourth order in time against the exact solution', () => {
    const u0 = (x: number) => 0.5 + 0.3 * Math.sin(Math.PI * x);
    const exact = (x: number, t: number) => (u0(x) * Math.exp(t)) / (1 - u0(x) + u0(x) * Math.exp(t));
    const error = (dt: number) => {
      const s = solveEtdrk4({ n: 64, x0: -1, length: 2, nu: 0, f: (u) => u * (1 - u), u0, dt, times: [2] });
      return Math.max(...s.x.map((x, j) => Math.abs(s.u[0][j] - exact(x, 2))));
    };
    const [e1, e2] = [error(0.2), error(0.1)];
    expect(e1).toBeLessThan(1e-4);
    // halving dt divides a fourth-order error by 16
    expect(e1 / e2).toBeGreaterThan(12);
    expect(e1 / e2).toBeLessThan(20);
  });

  it('Allen–Cahn (ν = 1e-4, f = 5u − 5u³): fourth-order convergence in time on 256 points', () => {
    const run = (dt: number) => solveEtdrk4({ ...ALLEN_CAHN_1D, n: 256, dt, times: [0.5] }).u;
    const fine = run(1 / 1600);
    const [e1, e2] = [maxAbs(run(1 / 100), fine), maxAbs(run(1 / 200), fine)];
    expect(e2).toBeLessThan(1e-5);
    expect(e1 / e2).toBeGreaterThan(10);
    expect(e1 / e2).toBeLessThan(24);
  });

  it('the shipped reference (problems/allen-cahn-1d.json) agrees with a coarser independent solve to 1e-4', () => {
    const rows = (JSON.parse(readFileSync(new URL('../../problems/allen-cahn-1d.json', import.meta.url), 'utf8')) as { reference: { rows: number[][] } }).reference.rows;
    expect(rows.length).toBe(64 * 51);
    const times = [0.26, 0.5, 1];
    const s = solveEtdrk4({ ...ALLEN_CAHN_1D, n: 512, dt: 1 / 2000, times });
    let checked = 0;
    for (const [x, t, u] of rows) {
      const i = times.findIndex((tt) => Math.abs(tt - t) < 1e-12);
      if (i < 0) continue;
      const j = s.x.findIndex((xx) => Math.abs(xx - x) < 1e-12);
      expect(j, `x = ${x} on the 512-point grid`).toBeGreaterThanOrEqual(0);
      expect(Math.abs(s.u[i][j] - u), `x = ${x}, t = ${t}`).toBeLessThan(1e-4);
      checked++;
    }
    expect(checked).toBe(3 * 64);
  });
});
