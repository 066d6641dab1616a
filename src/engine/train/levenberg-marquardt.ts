/**
 * Levenberg–Marquardt for a least-squares loss f(x) = |r(x)|² (Nielsen's damping update), for
 * the PINN losses that are sums of squared residuals: where L-BFGS needs tens of thousands of
 * iterations to drive such a loss to its last digits (the self-similar Burgers profiles), a
 * Gauss–Newton step uses the residuals' Jacobian and converges in far fewer.
 *
 * Each iteration solves (JᵀJ + μI) δ = −Jᵀr. With fewer residuals than parameters (the usual
 * PINN: hundreds of points, a thousand weights) it solves the smaller system of the Gram matrix
 * instead, δ = −Jᵀ (JJᵀ + μI)⁻¹ r, which is the same step. Everything here is f64 on the CPU;
 * the caller brings r and J (on the GPU: J in f32, r from double-single jets where built).
 */
export interface LmOptions {
  maxIterations: number;
  /** μ at the start, relative to the largest diagonal entry of JᵀJ. */
  initialDamping: number;
  /** Stop when the relative decrease over `patience` iterations is below this. */
  tolerance: number;
  patience: number;
  /** Give up on an iteration after this many rejected steps (μ grows each time). */
  maxRejections: number;
  /** The point actually evaluated for a trial x (e.g. its f32 rounding). */
  round?: (x: Float64Array) => Float64Array;
  /**
   * Marquardt's scaling: damp each parameter by its own column norm of J (the largest seen so
   * far, Moré's rule) instead of μI, so parameters on very different scales (λ's raw parameter
   * against the first layer's weights) get comparable steps.
   */
  scaled: boolean;
  /** A step that moves any of the first `bounded` parameters by more than this is rejected like a failed one (μ grows). */
  maxStep: number;
  /** How many leading parameters maxStep bounds (the network's; a reparametrized unknown may need long moves). */
  bounded?: number;
}

export const LM_DEFAULTS: LmOptions = { maxIterations: 200, initialDamping: 1e-3, tolerance: 1e-10, patience: 20, maxRejections: 12, scaled: true, maxStep: 1 };

export interface LmResult {
  x: Float64Array;
  f: number;
  iterations: number;
  /** Loss evaluations, trial steps included. */
  evaluations: number;
  reason: string;
}

/** Residuals r (length m) and their Jacobian J (m x n, row-major) at x. */
export type ResidualsAndJacobian = (x: Float64Array) => Promise<{ r: Float64Array; J: Float64Array }>;
/** The loss |r(x)|² alone (a trial step). */
export type LossAt = (x: Float64Array) => Promise<number>;

/** A = M Mᵀ (M: rows x cols, row-major), the lower triangle mirrored. */
export function gram(M: Float64Array, rows: number, cols: number): Float64Array {
  const A = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    const oi = i * cols;
    for (let j = 0; j <= i; j++) {
      const oj = j * cols;
      let s = 0;
      for (let c = 0; c < cols; c++) s += M[oi + c] * M[oj + c];
      A[i * rows + j] = s;
      A[j * rows + i] = s;
    }
  }
  return A;
}

/** Solve (A + μI) z = b for symmetric positive semi-definite A by Cholesky; null when it is not positive definite. */
export function solveShifted(A: Float64Array, n: number, mu: number, b: Float64Array): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j] + (i === j ? mu : 0);
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(s > 0)) return null;
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j];
    }
  }
  const z = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let s = z[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * z[k];
    z[i] = s / L[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * z[k];
    z[i] = s / L[i * n + i];
  }
  return z;
}

function transpose(M: Float64Array, rows: number, cols: number): Float64Array {
  const T = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let c = 0; c < cols; c++) T[c * rows + i] = M[i * cols + c];
  return T;
}

/** Mᵀ v (M: rows x cols). */
function transposeTimes(M: Float64Array, rows: number, cols: number, v: Float64Array): Float64Array {
  const out = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const vi = v[i];
    if (vi === 0) continue;
    const oi = i * cols;
    for (let c = 0; c < cols; c++) out[c] += M[oi + c] * vi;
  }
  return out;
}

/** M v (M: rows x cols). */
function times(M: Float64Array, rows: number, cols: number, v: Float64Array): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    const oi = i * cols;
    for (let c = 0; c < cols; c++) s += M[oi + c] * v[c];
    out[i] = s;
  }
  return out;
}

const sumSquares = (v: Float64Array) => v.reduce((s, a) => s + a * a, 0);

/**
 * The Levenberg–Marquardt step for damping μ, from one factorization's worth of data:
 * J (m x n), r, and the Gram matrix of the smaller side.
 */
function lmStep(J: Float64Array, m: number, n: number, r: Float64Array, A: Float64Array, mu: number): Float64Array | null {
  if (m <= n) {
    const z = solveShifted(A, m, mu, r);
    if (!z) return null;
    return transposeTimes(J, m, n, z).map((v) => -v);
  }
  const z = solveShifted(A, n, mu, transposeTimes(J, m, n, r));
  return z && z.map((v) => -v);
}

export async function levenbergMarquardt(
  rj: ResidualsAndJacobian,
  loss: LossAt,
  x0: Float64Array,
  options: Partial<LmOptions> = {},
  onIteration?: (it: number, f: number, x: Float64Array, mu: number) => boolean | void,
): Promise<LmResult> {
  const o = { ...LM_DEFAULTS, ...options };
  const round = o.round ?? ((v: Float64Array) => v);
  let x = round(Float64Array.from(x0));
  let evaluations = 0;
  let mu = -1;
  let nu = 2;
  let scale: Float64Array | null = null;
  let previous: { x: Float64Array; r: Float64Array; raw: Float64Array; f: number; mu: number } | null = null;
  const history: number[] = [];
  let f = NaN;
  for (let it = 1; it <= o.maxIterations; it++) {
    let { r, J: raw } = await rj(x);
    evaluations++;
    f = sumSquares(r);
    if (!Number.isFinite(f)) return { x, f, iterations: it - 1, evaluations, reason: `the loss is ${f}` };
    if (!raw.every(Number.isFinite)) {
      // the last step reached a point whose Jacobian overflows (a finite loss, e.g. weights that
      // only an absent term would constrain): take it back and damp harder
      if (!previous) return { x, f, iterations: it - 1, evaluations, reason: 'the Jacobian is not finite at the start' };
      ({ x, r, raw, f } = previous);
      mu = previous.mu * 16;
    }
    const m = r.length;
    const n = x.length;
    // in scaled variables y = D x: J D⁻¹, and the step comes back as D⁻¹ δy
    let J = raw;
    if (o.scaled) {
      const norms = new Float64Array(n);
      for (let i = 0; i < m * n; i++) norms[i % n] += raw[i] * raw[i];
      scale ??= new Float64Array(n);
      for (let c = 0; c < n; c++) scale[c] = Math.max(scale[c], Math.sqrt(norms[c]));
      const d = scale;
      J = raw.map((v, i) => (d[i % n] > 0 ? v / d[i % n] : v));
    }
    // the smaller Gram matrix: JJᵀ (m x m) or JᵀJ (n x n)
    const A = m <= n ? gram(J, m, n) : gram(transpose(J, m, n), n, m);
    if (mu < 0) {
      // the largest diagonal entry of JᵀJ: a column's sum of squares
      const columns = new Float64Array(n);
      for (let i = 0; i < m * n; i++) columns[i % n] += J[i] * J[i];
      mu = o.initialDamping * Math.max(Math.max(...columns), 1e-300);
    }
    let accepted = false;
    for (let tries = 0; tries < o.maxRejections; tries++) {
      const stepY = lmStep(J, m, n, r, A, mu);
      const delta = stepY && scale ? stepY.map((v, c) => (scale![c] > 0 ? v / scale![c] : v)) : stepY;
      if (!delta) {
        mu *= nu;
        nu *= 2;
        continue;
      }
      // a trust bound: a huge step from a small μ can carry weights to where the jets overflow
      const bounded = o.bounded ?? n;
      if (delta.some((v, i) => !Number.isFinite(v) || (i < bounded && Math.abs(v) > o.maxStep))) {
        mu *= nu;
        nu *= 2;
        continue;
      }
      const trial = round(x.map((v, i) => v + delta[i]));
      const step = trial.map((v, i) => v - x[i]);
      const fTrial = await loss(trial);
      evaluations++;
      // predicted decrease of the linear model: f − |r + J step|²
      const predicted = f - sumSquares(times(raw, m, n, step).map((v, i) => v + r[i]));
      const rho = predicted > 0 ? (f - fTrial) / predicted : -1;
      if (Number.isFinite(fTrial) && fTrial < f && rho > 0) {
        previous = { x, r, raw, f, mu };
        x = trial;
        f = fTrial;
        mu *= Math.max(1 / 3, 1 - (2 * rho - 1) ** 3);
        nu = 2;
        accepted = true;
        break;
      }
      mu *= nu;
      nu *= 2;
    }
    if (!accepted) return { x, f, iterations: it - 1, evaluations, reason: `no decrease after ${o.maxRejections} damping increases (μ = ${mu.toExponential(1)})` };
    if (onIteration?.(it, f, x, mu) === false) return { x, f, iterations: it, evaluations, reason: 'stopped' };
    history.push(f);
    if (history.length > o.patience) {
      const before = history[history.length - 1 - o.patience];
      if ((before - f) / Math.max(before, 1e-300) < o.tolerance) return { x, f, iterations: it, evaluations, reason: `stagnated: relative decrease below ${o.tolerance} over ${o.patience} iterations` };
    }
  }
  return { x, f, iterations: o.maxIterations, evaluations, reason: 'reached the iteration limit' };
}
