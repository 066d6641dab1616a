/**
 * Ordinary differential equations in f64: the classical fixed-step Runge–Kutta method (RK4) and the
 * adaptive Dormand–Prince 5(4) pair. They make the observation data of the system and inverse problems
 * (scripts/make-problem-data.ts) and check it in tests, so they are written out here with no library:
 * each method is a short table of coefficients, and a few dozen lines we can read and test are
 * worth more to a reference than a dependency.
 *
 * Both integrators stop at each requested output time exactly (the step before it is shortened), so
 * an output is a state of the integration itself, not an interpolation between steps.
 */
import { InputError } from '../errors';

/** The right-hand side y' = f(t, y). It returns a new array of y's length and must not change y. */
export type OdeRhs = (t: number, y: number[]) => number[];

/** The states at the output times, and what the integration cost. */
export interface OdeSolution {
  /** The output times, as requested. */
  t: number[];
  /** The state at each output time (a new array for each). */
  y: number[][];
  /** Accepted steps. */
  steps: number;
  /** Rejected steps: always 0 for RK4. */
  rejected: number;
  /** Evaluations of f. */
  evaluations: number;
}

export interface Rk4Options {
  /** The largest step: each interval between output times is cut into the fewest equal steps no longer than h. */
  h: number;
  /** Output times in [t0, t1], in the direction of integration; [t1] if absent. */
  ts?: number[];
  /** Refuse to start when the steps would be more than this (default 10⁷). */
  maxSteps?: number;
}

export interface IntegrateOptions {
  /** Relative tolerance of the local error (default 1e-10); at least 100 ε, as below that the error estimate is rounding. */
  rtol?: number;
  /** Absolute tolerance of the local error (default 1e-12), positive: the scale near zero, where rtol means nothing. */
  atol?: number;
  /** The most step attempts, accepted and rejected (default 100 000). */
  maxSteps?: number;
  /** Output times in [t0, t1], in the direction of integration; [t1] if absent. */
  ts?: number[];
}

/** MATLAB's ode45 raises a relative tolerance below 100 ε to 100 ε for the same reason; we refuse it instead. */
const MIN_RTOL = 100 * Number.EPSILON;

/**
 * Classical fixed-step RK4 (local error O(h⁵), global O(h⁴)). Its value as a reference is that it
 * has no controller: its error falls by 16 when h halves, which the tests check, and it is an
 * independent method to compare the adaptive one with.
 */
export function rk4(f: OdeRhs, y0: number[], t0: number, t1: number, options: Rk4Options): OdeSolution {
  const { h, maxSteps = 1e7 } = options;
  if (!(Number.isFinite(h) && h > 0)) throw new InputError(`RK4's step h must be a positive number, got ${h}`);
  const ts = outputTimes(t0, t1, options.ts);
  checkState(y0, t0, 'the initial state');
  // The same rule cuts every interval: ceil(|Δt|/h), less a hair so that h = Δt/n gives n steps, not n + 1.
  const counts: number[] = [];
  let total = 0;
  let from = t0;
  for (const to of ts) {
    const n = to === from ? 0 : Math.max(1, Math.ceil((Math.abs(to - from) / h) * (1 - 1e-12)));
    counts.push(n);
    total += n;
    from = to;
  }
  if (total > maxSteps) {
    throw new InputError(`RK4 from t = ${t0} to ${ts[ts.length - 1]} with h = ${h} needs ${total} steps, more than maxSteps = ${maxSteps}`);
  }
  const out: OdeSolution = { t: ts.slice(), y: [], steps: 0, rejected: 0, evaluations: 0 };
  const dim = y0.length;
  let y = y0.slice();
  from = t0;
  for (let k = 0; k < ts.length; k++) {
    const to = ts[k];
    const n = counts[k];
    const dt = (to - from) / n;
    for (let i = 0; i < n; i++) {
      // t from the interval's start, not by adding dt n times, so that the last step ends on `to` exactly
      const t = from + i * dt;
      const k1 = evaluateLoose(f, t, y, dim);
      const k2 = evaluateLoose(f, t + dt / 2, axpy(y, dt / 2, k1), dim);
      const k3 = evaluateLoose(f, t + dt / 2, axpy(y, dt / 2, k2), dim);
      const k4 = evaluateLoose(f, t + dt, axpy(y, dt, k3), dim);
      const next = new Array<number>(dim);
      for (let j = 0; j < dim; j++) next[j] = y[j] + (dt / 6) * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]);
      out.evaluations += 4;
      out.steps++;
      // A non-finite stage poisons the step, so checking the new state catches it too.
      if (!allFinite(next)) {
        throw new InputError(
          `the ODE's state is not finite after RK4 step ${out.steps} (h = ${dt}, from t = ${t}): the solution blows up near t = ${t} ` +
            `(the largest |y| before the step is ${maxAbs(y).toExponential(3)}), or h is too large for it`,
        );
      }
      y = next;
    }
    out.y.push(y.slice());
    from = to;
  }
  return out;
}

// Dormand–Prince 5(4) (Hairer, Nørsett & Wanner, Solving ODEs I, table 5.2): c, the stage matrix,
// the fifth-order weights (which are the last stage's row: first same as last) and e = b5 − b4.
const C2 = 1 / 5, C3 = 3 / 10, C4 = 4 / 5, C5 = 8 / 9;
const A21 = 1 / 5;
const A31 = 3 / 40, A32 = 9 / 40;
const A41 = 44 / 45, A42 = -56 / 15, A43 = 32 / 9;
const A51 = 19372 / 6561, A52 = -25360 / 2187, A53 = 64448 / 6561, A54 = -212 / 729;
const A61 = 9017 / 3168, A62 = -355 / 33, A63 = 46732 / 5247, A64 = 49 / 176, A65 = -5103 / 18656;
const B1 = 35 / 384, B3 = 500 / 1113, B4 = 125 / 192, B5 = -2187 / 6784, B6 = 11 / 84;
const E1 = 71 / 57600, E3 = -71 / 16695, E4 = 71 / 1920, E5 = -17253 / 339200, E6 = 22 / 525, E7 = -1 / 40;

/**
 * Adaptive Dormand–Prince 5(4): each step is accepted when the embedded estimate of its local error,
 * as a root mean square of err_i / (atol + rtol max(|y_i|, |y_i new|)), is at most 1, and the
 * next step is scaled by 0.9 err^(−1/5) (within [0.2, 5]). The solution carried on is the
 * fifth-order one (local extrapolation), so the actual error is usually well below the tolerance.
 *
 * Throws an InputError when the initial state or f there is not finite, when the step falls below the
 * spacing of doubles at t (the solution blows up, or the problem is too stiff for an explicit method;
 * a non-finite trial step is rejected and shortened, so a blow-up ends here), and when
 * the steps pass maxSteps: an integration that cannot meet its tolerance stops with a reason rather
 * than return a wrong state.
 */
export function integrate(f: OdeRhs, y0: number[], t0: number, t1: number, options: IntegrateOptions = {}): OdeSolution {
  const { rtol = 1e-10, atol = 1e-12, maxSteps = 100_000 } = options;
  if (!(Number.isFinite(rtol) && rtol >= MIN_RTOL)) {
    throw new InputError(`rtol must be a number of at least ${MIN_RTOL.toExponential(2)} (100 ε: below it the error estimate is rounding), got ${rtol}`);
  }
  if (!(Number.isFinite(atol) && atol > 0)) {
    throw new InputError(`atol must be a positive number (a component at zero has no other error scale), got ${atol}`);
  }
  if (!(Number.isInteger(maxSteps) && maxSteps > 0)) throw new InputError(`maxSteps must be a positive integer, got ${maxSteps}`);
  const ts = outputTimes(t0, t1, options.ts);
  checkState(y0, t0, 'the initial state');
  const dim = y0.length;
  const dir = t1 >= t0 ? 1 : -1;
  const out: OdeSolution = { t: ts.slice(), y: [], steps: 0, rejected: 0, evaluations: 0 };
  const tEnd = ts[ts.length - 1];

  let t = t0;
  let y = y0.slice();
  let k1 = evaluate(f, t, y, dim);
  out.evaluations++;
  // The proposed step size (positive); the step taken is shortened to land on the next output time.
  let h = tEnd === t0 ? 0 : initialStep(f, t, y, k1, dir, Math.abs(tEnd - t0), rtol, atol, out);
  let lastNonFinite = false;
  for (const tOut of ts) {
    let rejectedLast = false;
    while (t !== tOut) {
      if (out.steps + out.rejected >= maxSteps) {
        throw new InputError(
          `the ODE needed more than maxSteps = ${maxSteps} steps (${out.steps} accepted, ${out.rejected} rejected) and reached only t = ${t} of ${tEnd}: ` +
            'it may be stiff or blow up, or the tolerance is too tight; raise maxSteps or loosen rtol',
        );
      }
      const remaining = Math.abs(tOut - t);
      const clamped = h >= remaining;
      const step = clamped ? remaining : h;
      if (!clamped && !(step >= 16 * Number.EPSILON * Math.abs(t) && step > 0)) {
        throw new InputError(
          `the ODE's step fell to ${h.toExponential(3)} at t = ${t}, below the spacing of doubles there: the solution probably blows up ` +
            `there (the largest |y| is ${maxAbs(y).toExponential(3)}${lastNonFinite ? ', and a longer step made it non-finite' : ''}), ` +
            'or the problem is too stiff for an explicit method',
        );
      }
      const dt = dir * step;
      const tNew = clamped ? tOut : t + dt;
      const k2 = evaluateLoose(f, t + C2 * dt, lin(y, dt, [k1], [A21]), dim);
      const k3 = evaluateLoose(f, t + C3 * dt, lin(y, dt, [k1, k2], [A31, A32]), dim);
      const k4 = evaluateLoose(f, t + C4 * dt, lin(y, dt, [k1, k2, k3], [A41, A42, A43]), dim);
      const k5 = evaluateLoose(f, t + C5 * dt, lin(y, dt, [k1, k2, k3, k4], [A51, A52, A53, A54]), dim);
      const k6 = evaluateLoose(f, t + dt, lin(y, dt, [k1, k2, k3, k4, k5], [A61, A62, A63, A64, A65]), dim);
      const yNew = lin(y, dt, [k1, k3, k4, k5, k6], [B1, B3, B4, B5, B6]);
      const k7 = evaluateLoose(f, tNew, yNew, dim);
      out.evaluations += 6;
      let sum = 0;
      for (let j = 0; j < dim; j++) {
        const e = dt * (E1 * k1[j] + E3 * k3[j] + E4 * k4[j] + E5 * k5[j] + E6 * k6[j] + E7 * k7[j]);
        const sc = atol + rtol * Math.max(Math.abs(y[j]), Math.abs(yNew[j]));
        sum += (e / sc) ** 2;
      }
      const err = dim === 0 ? 0 : Math.sqrt(sum / dim);
      if (!Number.isFinite(err) || !allFinite(yNew) || !allFinite(k7)) {
        // An overflow (or NaN) in a trial stage: a shorter step may well stay finite, so shrink and retry;
        // if the solution truly blows up, the step falls until the test above stops the integration.
        lastNonFinite = true;
        out.rejected++;
        h = step * 0.2;
        rejectedLast = true;
        continue;
      }
      const fac = err === 0 ? 5 : Math.min(rejectedLast ? 1 : 5, Math.max(0.2, 0.9 * err ** -0.2));
      if (err <= 1) {
        out.steps++;
        t = tNew;
        y = yNew;
        k1 = k7;
        // A step cut short to land on an output time says nothing against the step proposed before it.
        h = clamped ? Math.max(h, step * fac) : step * fac;
        rejectedLast = false;
        lastNonFinite = false;
      } else {
        out.rejected++;
        h = step * fac;
        rejectedLast = true;
      }
    }
    out.y.push(y.slice());
  }
  return out;
}

/**
 * The first step, by Hairer's rule (Solving ODEs I, II.4): a step whose explicit Euler error would be
 * about 1% of the tolerance scale, checked by a second evaluation of f. Guessing a fixed step instead
 * costs rejected steps at tight tolerances and wasted ones at loose tolerances.
 */
function initialStep(
  f: OdeRhs,
  t: number,
  y: number[],
  f0: number[],
  dir: number,
  span: number,
  rtol: number,
  atol: number,
  out: OdeSolution,
): number {
  const dim = y.length;
  const sc = y.map((v) => atol + rtol * Math.abs(v));
  const rms = (v: number[]) => (dim === 0 ? 0 : Math.sqrt(v.reduce((s, x, j) => s + (x / sc[j]) ** 2, 0) / dim));
  const d0 = rms(y);
  const d1 = rms(f0);
  let h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1;
  h0 = Math.min(h0, span);
  const f1 = evaluateLoose(f, t + dir * h0, axpy(y, dir * h0, f0), dim);
  out.evaluations++;
  const d2 = rms(f1.map((v, j) => v - f0[j])) / h0;
  const dMax = Math.max(d1, d2);
  const h1 = !Number.isFinite(dMax) ? h0 * 1e-3 : dMax <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : (0.01 / dMax) ** 0.2;
  const h = Math.min(100 * h0, h1, span);
  // f overflowing at the trial point leaves h finite but maybe tiny; the controller grows it from there
  return h > 0 ? h : Math.min(1e-6, span);
}

/** Output times: checked to be finite, in [t0, t1] and in the direction of integration; [t1] by default. */
function outputTimes(t0: number, t1: number, ts: number[] | undefined): number[] {
  if (!Number.isFinite(t0) || !Number.isFinite(t1)) throw new InputError(`the time interval must be finite, got [${t0}, ${t1}]`);
  const times = ts ?? [t1];
  if (times.length === 0) throw new InputError('no output times: ts is empty');
  const dir = t1 >= t0 ? 1 : -1;
  let prev = t0;
  for (const t of times) {
    if (!Number.isFinite(t) || dir * (t - t0) < 0 || dir * (t - t1) > 0) {
      throw new InputError(`the output time ${t} is outside the integration interval [${Math.min(t0, t1)}, ${Math.max(t0, t1)}]`);
    }
    if (dir * (t - prev) < 0) throw new InputError(`the output times must run from t0 = ${t0} towards t1 = ${t1} in order; ${t} comes after ${prev}`);
    prev = t;
  }
  return times;
}

/** f at (t, y), checked: the right length, and finite, since a NaN would otherwise travel silently into every later state. */
function evaluate(f: OdeRhs, t: number, y: number[], dim: number): number[] {
  const v = evaluateLoose(f, t, y, dim);
  checkState(v, t, "f (the ODE's right-hand side)");
  return v;
}

/** f at (t, y), its length checked but not its values: an adaptive step rejects a non-finite trial and retries shorter. */
function evaluateLoose(f: OdeRhs, t: number, y: number[], dim: number): number[] {
  const v = f(t, y);
  if (v.length !== dim) throw new InputError(`f (the ODE's right-hand side) returned ${v.length} values at t = ${t} for a state of ${dim}`);
  return v;
}

function checkState(y: number[], t: number, what: string): void {
  const j = y.findIndex((v) => !Number.isFinite(v));
  if (j >= 0) throw new InputError(`${what} is not finite at t = ${t}: component ${j} is ${y[j]}`);
}

function axpy(y: number[], a: number, x: number[]): number[] {
  return y.map((v, j) => v + a * x[j]);
}

/** y + dt Σ_i w_i k_i. */
function lin(y: number[], dt: number, ks: number[][], ws: number[]): number[] {
  const r = y.slice();
  for (let i = 0; i < ks.length; i++) {
    const k = ks[i];
    const a = dt * ws[i];
    for (let j = 0; j < r.length; j++) r[j] += a * k[j];
  }
  return r;
}

function allFinite(y: number[]): boolean {
  return y.every((v) => Number.isFinite(v));
}

function maxAbs(y: number[]): number {
  return y.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}
