/**
 * The STDE paper's high-dimensional test problems on the unit ball (science.md §4):
 * an operator Δu + f(u) = g with the exact solution
 *   two-body   u* = (1 − |x|²) Σ_{i<d−1} c_i sin(x_i + cos x_{i+1} + x_{i+1} cos x_i)
 *   three-body u* = (1 − |x|²) Σ_{i<d−2} c_i exp(x_i x_{i+1} x_{i+2})
 * and g computed from u* so u* is exact. The model is u = (1 − |x|²) N(x): the boundary
 * condition holds by construction. Everything a residual needs is a sum of local terms,
 * so it costs O(d) per point in f64 here and in WGSL (shaders/hd_source.wgsl).
 *
 * Laplacian of u* = φ s with φ = 1 − |x|²: Δu* = −2d s − 4 x·∇s + φ Δs.
 * Three-body: with b = x_i x_{i+1} x_{i+2}, ∂²b/∂x_m² = 0, so Δ e^b = e^b |∇b|², and
 * x·∇b = 3b (b is homogeneous of degree 3). (The released code's three-body Laplacian
 * is wrong; this one is checked against finite differences in tests/node/highdim.test.ts.)
 */
import { Rng } from '../rng';

export type Body = 'two' | 'three';

/** f in Δu + f(u) = g: in f64, its derivative, and both as WGSL expressions of `u`. */
export interface Nonlinearity {
  name: string;
  f64: (u: number) => number;
  df64: (u: number) => number;
  wgsl: string;
  gradWgsl: string;
  /** The operator as TeX, e.g. "\Delta u + \sin u". */
  tex: string;
  text: string;
}

export const NONLINEARITIES = {
  poisson: { name: 'Poisson', f64: () => 0, df64: () => 0, wgsl: '0.0', gradWgsl: '0.0', tex: String.raw`\Delta u`, text: 'Δu' },
  'allen-cahn': { name: 'Allen–Cahn', f64: (u) => u - u ** 3, df64: (u) => 1 - 3 * u * u, wgsl: '(u - u * u * u)', gradWgsl: '(1.0 - 3.0 * u * u)', tex: String.raw`\Delta u + u - u^3`, text: 'Δu + u − u³' },
  'sine-gordon': { name: 'Sine–Gordon', f64: Math.sin, df64: Math.cos, wgsl: 'psin(u)', gradWgsl: 'pcos(u)', tex: String.raw`\Delta u + \sin u`, text: 'Δu + sin u' },
} satisfies Record<string, Nonlinearity>;

export type OperatorId = keyof typeof NONLINEARITIES;

export interface BallDefaults {
  width: number;
  depth: number;
  steps: number;
  lr: number;
  /** Collocation points per step. */
  points: number;
  /** STDE coordinates per point. */
  randBatch: number;
}

/** A problem for the high-dimensional trainer (src/engine/highdim): unit ball, hard boundary. */
export interface BallProblem {
  kind: 'ball';
  id: string;
  title: string;
  equation: string;
  tex: string;
  description: string;
  dim: number;
  body: Body;
  operator: OperatorId;
  nonlinearity: Nonlinearity;
  /** c_i ~ N(0, 1), drawn once from COEFFICIENT_SEED (the same problem in every run). */
  coefficients: Float64Array;
  exact(x: ArrayLike<number>): number;
  /** Δu* (f64, analytic). */
  exactLaplacian(x: ArrayLike<number>): number;
  /** g = Δu* + f(u*). */
  source(x: ArrayLike<number>): number;
  defaults: BallDefaults;
  paramRanges: { dim: [number, number] };
  params: { dim: number };
  variant(params: { dim?: number }): BallProblem;
}

export const COEFFICIENT_SEED = 20240;
/** Largest d a ball problem accepts (the device may allow less: the trainer says so). */
export const MAX_BALL_DIM = 1_000_000;

/** s = Σ c_i t_i(x), x·∇s and Δs for the chosen body: the parts of u* = (1 − |x|²) s. */
export function bodyParts(body: Body, c: ArrayLike<number>, x: ArrayLike<number>): { s: number; xgrad: number; lap: number } {
  const d = x.length;
  let s = 0;
  let xgrad = 0;
  let lap = 0;
  if (body === 'two') {
    for (let i = 0; i + 1 < d; i++) {
      const xi = x[i];
      const xj = x[i + 1];
      const a = xi + Math.cos(xj) + xj * Math.cos(xi);
      const ai = 1 - xj * Math.sin(xi);
      const aj = Math.cos(xi) - Math.sin(xj);
      const aii = -xj * Math.cos(xi);
      const ajj = -Math.cos(xj);
      const ca = Math.cos(a);
      const sa = Math.sin(a);
      s += c[i] * sa;
      xgrad += c[i] * ca * (xi * ai + xj * aj);
      lap += c[i] * (ca * (aii + ajj) - sa * (ai * ai + aj * aj));
    }
  } else {
    for (let i = 0; i + 2 < d; i++) {
      const [xi, xj, xk] = [x[i], x[i + 1], x[i + 2]];
      const b = xi * xj * xk;
      const e = Math.exp(b);
      s += c[i] * e;
      xgrad += c[i] * e * 3 * b;
      lap += c[i] * e * ((xj * xk) ** 2 + (xi * xk) ** 2 + (xi * xj) ** 2);
    }
  }
  return { s, xgrad, lap };
}

function norm2(x: ArrayLike<number>): number {
  let r = 0;
  for (let i = 0; i < x.length; i++) r += x[i] * x[i];
  return r;
}

const DEFAULTS: BallDefaults = { width: 128, depth: 3, steps: 2000, lr: 1e-3, points: 100, randBatch: 16 };

export function ballProblem(operator: OperatorId, body: Body, dim: number): BallProblem {
  const minDim = body === 'two' ? 2 : 3;
  const id = `${operator}-${body}body`;
  if (!Number.isInteger(dim) || dim < minDim || dim > MAX_BALL_DIM) throw new RangeError(`${id}: the dimension must be an integer from ${minDim} to ${MAX_BALL_DIM} (got ${dim})`);
  const rng = new Rng(COEFFICIENT_SEED);
  const c = Float64Array.from({ length: dim }, () => rng.normal());
  const nl = NONLINEARITIES[operator];
  const exact = (x: ArrayLike<number>) => (1 - norm2(x)) * bodyParts(body, c, x).s;
  const exactLaplacian = (x: ArrayLike<number>) => {
    const { s, xgrad, lap } = bodyParts(body, c, x);
    return -2 * x.length * s - 4 * xgrad + (1 - norm2(x)) * lap;
  };
  const term = body === 'two' ? String.raw`\sin(x_i + \cos x_{i+1} + x_{i+1} \cos x_i)` : String.raw`e^{x_i x_{i+1} x_{i+2}}`;
  const termText = body === 'two' ? 'sin(xᵢ + cos xᵢ₊₁ + xᵢ₊₁ cos xᵢ)' : 'exp(xᵢ xᵢ₊₁ xᵢ₊₂)';
  return {
    kind: 'ball',
    id,
    title: `${nl.name}, ${body}-body, ${dim}-D`,
    equation: `${nl.text} = g on the unit ball in ${dim} dimensions, u = 0 on the sphere; u* = (1 − |x|²) Σ cᵢ ${termText}`,
    tex: String.raw`${nl.tex} = g \text{ in } |x| < 1 \subset \mathbb{R}^{${dim}}, \quad u^* = (1 - |x|^2) \sum_i c_i ${term}`,
    description: `The STDE paper's ${body}-body ${nl.name} problem: a Laplacian in ${dim} dimensions estimated from a few random coordinate jets per point (sparse STDE).`,
    dim,
    body,
    operator,
    nonlinearity: nl,
    coefficients: c,
    exact,
    exactLaplacian,
    source: (x) => exactLaplacian(x) + nl.f64(exact(x)),
    defaults: DEFAULTS,
    paramRanges: { dim: [minDim, MAX_BALL_DIM] },
    params: { dim },
    variant: (p) => ballProblem(operator, body, p.dim ?? dim),
  };
}
