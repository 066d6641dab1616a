import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/engine/errors';
import { integrate, rk4, type OdeRhs } from '../../src/engine/reference/ode';

/** y'' = −y as a system: from (1, 0) the solution is (cos t, −sin t). */
const oscillator: OdeRhs = (_t, [y, v]) => [v, -y];

/** Lorenz with σ = 10, ρ = 28, β = 8/3: chaotic, so two methods agree only if both are accurate. */
const lorenz: OdeRhs = (_t, [x, y, z]) => [10 * (y - x), x * (28 - z) - y, x * y - (8 / 3) * z];

/** Lotka–Volterra x' = αx − βxy, y' = δxy − γy with α = 2/3, β = 4/3, γ = δ = 1 (the problem's data). */
const [alpha, beta, gamma, delta] = [2 / 3, 4 / 3, 1, 1];
const lotkaVolterra: OdeRhs = (_t, [x, y]) => [alpha * x - beta * x * y, delta * x * y - gamma * y];
/** The first integral of Lotka–Volterra: constant along every orbit, whatever the method. */
const invariant = ([x, y]: number[]) => delta * x - gamma * Math.log(x) + beta * y - alpha * Math.log(y);

const range = (n: number, step: number) => Array.from({ length: n }, (_, i) => i * step);

describe('Dormand–Prince 5(4) (src/engine/reference/ode.ts integrate)', () => {
  it('the harmonic oscillator y″ = −y against (cos t, −sin t) to 1e-9 on [0, 10] at rtol 1e-12, landing on each output time', () => {
    const ts = range(101, 0.1);
    const sol = integrate(oscillator, [1, 0], 0, 10, { rtol: 1e-12, atol: 1e-14, ts });
    expect(sol.t).toEqual(ts);
    let worst = 0;
    sol.y.forEach(([y, v], i) => (worst = Math.max(worst, Math.abs(y - Math.cos(ts[i])), Math.abs(v + Math.sin(ts[i])))));
    expect(worst).toBeLessThan(1e-9);
    // 0 is an output time: the initial state, untouched
    expect(sol.y[0]).toEqual([1, 0]);
    // fifth order at 1e-12 needs steps of about 0.01 (849 here): far more means the controller is off
    expect(sol.steps).toBeLessThan(1200);
  });

  it('a looser tolerance gives a larger error, in proportion: the controller follows rtol', () => {
    const error = (rtol: number) => {
      const [y, v] = integrate(oscillator, [1, 0], 0, 10, { rtol, atol: 1e-16 }).y[0];
      return Math.hypot(y - Math.cos(10), v + Math.sin(10));
    };
    const loose = error(1e-6);
    const tight = error(1e-10);
    expect(loose).toBeLessThan(1e-5);
    expect(loose / tight).toBeGreaterThan(1e2);
  });

  it('Lotka–Volterra keeps V = δx − γ ln x + βy − α ln y constant to 1e-9 over [0, 10]', () => {
    const sol = integrate(lotkaVolterra, [1, 1], 0, 10, { rtol: 1e-12, atol: 1e-12, ts: range(101, 0.1) });
    const v0 = invariant([1, 1]);
    const drift = Math.max(...sol.y.map((s) => Math.abs(invariant(s) - v0)));
    expect(drift).toBeLessThan(1e-9);
    // and the orbit really moves: a constant V from a state that stood still would prove nothing
    expect(Math.max(...sol.y.map(([x]) => x)) - Math.min(...sol.y.map(([x]) => x))).toBeGreaterThan(0.5);
  });

  it('runs backwards: from the state at t = 10 back to t = 0 recovers the initial state', () => {
    const forward = integrate(oscillator, [1, 0], 0, 10, { rtol: 1e-12, atol: 1e-14 }).y[0];
    const back = integrate(oscillator, forward, 10, 0, { rtol: 1e-12, atol: 1e-14 }).y[0];
    expect(Math.abs(back[0] - 1)).toBeLessThan(1e-9);
    expect(Math.abs(back[1])).toBeLessThan(1e-9);
  });
});

describe('RK4 (src/engine/reference/ode.ts rk4)', () => {
  it('converges with order 4: halving h cuts the error of the oscillator at t = 10 by 12 to 20 (16 in theory)', () => {
    const errors = [50, 100, 200, 400].map((n) => {
      const sol = rk4(oscillator, [1, 0], 0, 10, { h: 10 / n });
      expect(sol.steps).toBe(n);
      const [y, v] = sol.y[0];
      return Math.hypot(y - Math.cos(10), v + Math.sin(10));
    });
    for (let i = 1; i < errors.length; i++) {
      const ratio = errors[i - 1] / errors[i];
      expect(ratio).toBeGreaterThan(12);
      expect(ratio).toBeLessThan(20);
    }
  });

  it('Lorenz at t = 1: RK4 with h = 1e-4 and DP45 at rtol 1e-12 agree to 1e-7 (two independent methods)', () => {
    const y0 = [-8, 7, 27];
    const adaptive = integrate(lorenz, y0, 0, 1, { rtol: 1e-12, atol: 1e-12 }).y[0];
    const fixed = rk4(lorenz, y0, 0, 1, { h: 1e-4 }).y[0];
    for (let j = 0; j < 3; j++) expect(Math.abs(adaptive[j] - fixed[j])).toBeLessThan(1e-7);
    // the state has moved far from its start, so the agreement is about the dynamics
    expect(Math.hypot(...adaptive.map((v, j) => v - y0[j]))).toBeGreaterThan(10);
  });

  it('stops on each output time exactly, with as many steps as the intervals need', () => {
    const sol = rk4(oscillator, [1, 0], 0, 1, { h: 0.1, ts: [0.25, 0.5, 1] });
    expect(sol.t).toEqual([0.25, 0.5, 1]);
    expect(sol.steps).toBe(3 + 3 + 5);
    const [y, v] = sol.y[1];
    expect(Math.abs(y - Math.cos(0.5)) + Math.abs(v + Math.sin(0.5))).toBeLessThan(1e-6);
  });
});

describe('ODE errors: an InputError that says what happened', () => {
  const square: OdeRhs = (_t, [y]) => [y * y];

  it("y' = y² from y(0) = 1 past its blow-up at t = 1: RK4 stops on the non-finite state", () => {
    expect(() => rk4(square, [1], 0, 2, { h: 0.01 })).toThrow(InputError);
    expect(() => rk4(square, [1], 0, 2, { h: 0.01 })).toThrow(/state is not finite after RK4 step \d+ .*blows up near t = 1\.0/);
  });

  it("y' = y² from y(0) = 1 past its blow-up at t = 1: DP45's step falls to nothing just before t = 1", () => {
    expect(() => integrate(square, [1], 0, 2)).toThrow(InputError);
    expect(() => integrate(square, [1], 0, 2)).toThrow(/step fell to \S+ at t = 0\.9999\d+, below the spacing of doubles there: the solution probably blows up there/);
    // up to the blow-up it is the solution 1/(1 − t)
    const [y] = integrate(square, [1], 0, 0.9, { rtol: 1e-12 }).y[0];
    expect(Math.abs(y - 10) / 10).toBeLessThan(1e-9);
  });

  it('too many steps, a non-finite initial state or f, and bad options', () => {
    expect(() => integrate(lorenz, [-8, 7, 27], 0, 1, { rtol: 1e-12, maxSteps: 50 })).toThrow(/more than maxSteps = 50 steps/);
    expect(() => rk4(lorenz, [-8, 7, 27], 0, 1, { h: 1e-4, maxSteps: 50 })).toThrow(/needs 10000 steps, more than maxSteps = 50/);
    expect(() => integrate(oscillator, [NaN, 0], 0, 1)).toThrow(/initial state is not finite at t = 0: component 0 is NaN/);
    expect(() => integrate(() => [NaN, 0], [1, 0], 0, 1)).toThrow(/right-hand side\) is not finite/);
    expect(() => integrate(() => [1], [1, 0], 0, 1)).toThrow(/returned 1 values at t = 0 for a state of 2/);
    expect(() => integrate(oscillator, [1, 0], 0, 1, { rtol: 1e-17 })).toThrow(/rtol must be a number of at least/);
    expect(() => integrate(oscillator, [1, 0], 0, 1, { ts: [0.5, 2] })).toThrow(/output time 2 is outside/);
    expect(() => integrate(oscillator, [1, 0], 0, 1, { ts: [0.5, 0.25] })).toThrow(/in order; 0.25 comes after 0.5/);
    expect(() => integrate(oscillator, [1, 0], 0, 1, { atol: 0 })).toThrow(/atol must be a positive number/);
    expect(() => rk4(oscillator, [1, 0], 0, 1, { h: 0 })).toThrow(/step h must be a positive number, got 0/);
  });
});

describe('the Lorenz inverse problem’s observations (problems/lorenz-inverse.json)', () => {
  it('are the integrated Lorenz state over 10, to the 6 digits they were written with', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = JSON.parse(readFileSync('problems/lorenz-inverse.json', 'utf8')) as { data: { columns: string[]; rows: number[][] } };
    expect(doc.data.columns).toEqual(['t', 'X', 'Y', 'Z']);
    const ts = doc.data.rows.map((r) => r[0]);
    const { y } = integrate(lorenz, [-8, 7, 27], 0, 1, { rtol: 1e-12, atol: 1e-12, ts });
    doc.data.rows.forEach((r, i) => r.slice(1).forEach((v, c) => expect(Math.abs(10 * v - y[i][c]), `t = ${ts[i]}, column ${c}`).toBeLessThanOrEqual(5e-6 * Math.abs(y[i][c]) + 1e-9)));
  });
});
