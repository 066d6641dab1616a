/**
 * L-BFGS (Nocedal & Wright, Alg. 7.4 two-loop recursion) with a backtracking line search,
 * written for losses evaluated in f32 on the GPU: the history is kept in f64, a non-descent
 * direction restarts from steepest descent, a failed line search restarts once before giving
 * up, and stagnation ends the run. The result says why it stopped.
 *
 * Near a minimum the decrease a step can make falls below the rounding noise of an f32 loss
 * (self-similar Burgers: a 5e-11 decrease under 6e-9 of noise, bench/burgers-precision.ts),
 * and Armijo's test on f fails while the gradient still points the way. With `noise` (the
 * loss's evaluation noise) a step is also accepted under Hager and Zhang's approximate Wolfe
 * test, which reads the decrease off the slopes at both ends instead of off f:
 *   φ(t) <= φ(0) + 2 noise  and  φ′(t) <= (2δ − 1) φ′(0)   (δ = 0.1).
 */
export interface LbfgsOptions {
  maxIterations: number;
  history: number;
  /** Stop when the relative decrease over `patience` iterations is below this. */
  tolerance: number;
  patience: number;
  /** Stop when the gradient's infinity norm is below this. */
  gradientTolerance: number;
  /** Absolute rounding noise of f (0: f is exact, Armijo's test alone). */
  noise: number;
  /** Measure the noise again at the current x every `noiseEvery` iterations (it falls with the loss). */
  measureNoise?: (x: Float64Array) => Promise<number>;
  noiseEvery: number;
  /** The point actually evaluated for a trial x (e.g. its f32 rounding): steps and the history use it. */
  round?: (x: Float64Array) => Float64Array;
}

export const LBFGS_DEFAULTS: LbfgsOptions = { maxIterations: 500, history: 10, tolerance: 1e-9, patience: 10, gradientTolerance: 1e-9, noise: 0, noiseEvery: 100 };

/** Hager–Zhang's δ: the approximate Wolfe test asks for the decrease δ t φ′(0) by the trapezoid rule on the slopes. */
const APPROX_WOLFE_DELTA = 0.1;

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  iterations: number;
  evaluations: number;
  reason: string;
}

export type LossAndGradient = (x: Float64Array) => Promise<{ f: number; g: Float64Array }>;

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

export async function lbfgs(
  fg: LossAndGradient,
  x0: Float64Array,
  options: Partial<LbfgsOptions> = {},
  onIteration?: (it: number, f: number, x: Float64Array) => boolean | void,
): Promise<LbfgsResult> {
  const o = { ...LBFGS_DEFAULTS, ...options };
  const round = o.round ?? ((v: Float64Array) => v);
  let x = round(Float64Array.from(x0));
  let { f, g } = await fg(x);
  let evaluations = 1;
  if (!Number.isFinite(f)) return { x, f, iterations: 0, evaluations, reason: `the loss at the start is ${f}` };
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  // per iteration the decrease made: f's, or under noise the larger of f's and the slopes' (trapezoid rule)
  const decreases: number[] = [];
  let restarted = false;
  let noise = o.noise;
  for (let it = 1; it <= o.maxIterations; it++) {
    if (o.measureNoise && it > 1 && (it - 1) % o.noiseEvery === 0) noise = await o.measureNoise(x);
    if (Math.max(...g.map(Math.abs)) < o.gradientTolerance) return { x, f, iterations: it - 1, evaluations, reason: 'gradient below tolerance' };
    // two-loop recursion: d = -H g
    const q = Float64Array.from(g);
    const alpha: number[] = [];
    for (let i = S.length - 1; i >= 0; i--) {
      const a = dot(S[i], q) / dot(Y[i], S[i]);
      alpha[i] = a;
      for (let j = 0; j < q.length; j++) q[j] -= a * Y[i][j];
    }
    const gamma = S.length ? dot(S[S.length - 1], Y[S.length - 1]) / dot(Y[Y.length - 1], Y[Y.length - 1]) : 1 / Math.max(1, Math.sqrt(dot(g, g)));
    for (let j = 0; j < q.length; j++) q[j] *= gamma;
    for (let i = 0; i < S.length; i++) {
      const b = dot(Y[i], q) / dot(Y[i], S[i]);
      for (let j = 0; j < q.length; j++) q[j] += S[i][j] * (alpha[i] - b);
    }
    let d = q.map((v) => -v);
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // not a descent direction (f32 noise in y^T s): forget the history
      S.length = 0;
      Y.length = 0;
      d = g.map((v) => -v / Math.max(1, Math.sqrt(dot(g, g))));
      slope = dot(g, d);
    }
    // backtracking Armijo line search
    let step = 1;
    let accepted = false;
    let xNew = x;
    let fNew = f;
    let gNew = g;
    let decrease = 0;
    for (let ls = 0; ls < 30; ls++) {
      xNew = round(x.map((v, j) => v + step * d[j]));
      ({ f: fNew, g: gNew } = await fg(xNew));
      evaluations++;
      if (Number.isFinite(fNew) && fNew <= f + 1e-4 * step * slope) {
        accepted = true;
        decrease = f - fNew;
        break;
      }
      if (noise > 0 && Number.isFinite(fNew) && fNew <= f + 2 * noise) {
        const slopeNew = dot(gNew, d);
        if (slopeNew <= (2 * APPROX_WOLFE_DELTA - 1) * slope) {
          accepted = true;
          decrease = Math.max(f - fNew, (-step * (slope + slopeNew)) / 2);
          break;
        }
      }
      step *= 0.5;
    }
    if (!accepted) {
      if (restarted || S.length === 0) return { x, f, iterations: it - 1, evaluations, reason: 'line search failed (no decrease along the direction: f32 resolution reached)' };
      restarted = true;
      S.length = 0;
      Y.length = 0;
      continue;
    }
    restarted = false;
    const s = xNew.map((v, j) => v - x[j]);
    const y = gNew.map((v, j) => v - g[j]);
    if (dot(s, y) > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      S.push(s);
      Y.push(y);
      if (S.length > o.history) {
        S.shift();
        Y.shift();
      }
    }
    x = xNew;
    f = fNew;
    g = gNew;
    decreases.push(decrease);
    if (onIteration?.(it, f, x) === false) return { x, f, iterations: it, evaluations, reason: 'stopped' };
    if (decreases.length >= o.patience) {
      const made = decreases.slice(-o.patience).reduce((a, b) => a + b, 0);
      if (made / Math.max(Math.abs(f + made), 1e-30) < o.tolerance) return { x, f, iterations: it, evaluations, reason: `stagnated: relative decrease below ${o.tolerance} over ${o.patience} iterations` };
    }
  }
  return { x, f, iterations: o.maxIterations, evaluations, reason: 'reached the iteration limit' };
}
