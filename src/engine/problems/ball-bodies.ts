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
import { Rng } from '../sampling/rng';
import { checkDim, MAX_HIGHDIM_DIM, norm2, type HighDimDefaults, type HighDimProblem } from './highdim-types';

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

/** A ball problem: a high-dimensional problem with its body and operator. */
export interface BallProblem extends HighDimProblem {
  body: Body;
  operator: OperatorId;
  nonlinearity: Nonlinearity;
  exactLaplacian(x: ArrayLike<number>): number;
}

export const COEFFICIENT_SEED = 20240;

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

const DEFAULTS: HighDimDefaults = { width: 128, depth: 3, steps: 2000, lr: 1e-3, points: 100, randBatch: 16 };

export function ballProblem(operator: OperatorId, body: Body, dim: number): BallProblem {
  const minDim = body === 'two' ? 2 : 3;
  const id = `${operator}-${body}body`;
  checkDim(id, dim, minDim);
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
    kind: 'highdim',
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
    // u = (1 − |x|²) N: along e_i, 1 − |x + s e_i|² = φ − 2 x_i s − s²
    factorJet: (x, a) => [1 - norm2(x), -2 * x[a], -1],
    offsetJet: () => [0, 0, 0],
    spatial: (_xi, _ui, uii) => uii,
    productRule: true,
    temporal: (_z, u) => nl.f64(u),
    wgsl: {
      helpers: `fn nonlinearity(u : f32) -> f32 { return ${nl.wgsl}; }\nfn nonlinearityGrad(u : f32) -> f32 { return ${nl.gradWgsl}; }`,
      source: body === 'two' ? TWO_BODY_SOURCE : THREE_BODY_SOURCE,
      factor: 'return vec3f(1.0 - zz[p], -2.0 * z[p * DIN + a], -1.0);',
      offset: 'return vec3f(0.0);',
      spatial: 'return uii;',
      spatialGrad: 'return vec2f(0.0, 1.0);',
      temporal: 'return nonlinearity(u);',
      temporalGrad: 'return vec3f(nonlinearityGrad(u), 0.0, 0.0);',
    },
    defaults: DEFAULTS,
    paramRanges: { dim: [minDim, MAX_HIGHDIM_DIM] },
    params: { dim },
    variant: (p) => ballProblem(operator, body, p.dim ?? dim),
  };
}

/** g = Δu* + f(u*) for the two-body u* (the f64 formulas of bodyParts, in f32 with precise sin/cos). */
const TWO_BODY_SOURCE = `var s = 0.0;
  var xg = 0.0;
  var lap = 0.0;
  let o = p * DIN;
  for (var i = 0u; i + 1u < D; i++) {
    let xi = z[o + i];
    let xj = z[o + i + 1u];
    let a = xi + pcos(xj) + xj * pcos(xi);
    let ai = 1.0 - xj * psin(xi);
    let aj = pcos(xi) - psin(xj);
    let ca = pcos(a);
    let sa = psin(a);
    let c = coef[i];
    s += c * sa;
    xg += c * ca * (xi * ai + xj * aj);
    lap += c * (ca * (-xj * pcos(xi) - pcos(xj)) - sa * (ai * ai + aj * aj));
  }
  let phi = 1.0 - zz[p];
  return vec2f(-2.0 * f32(D) * s - 4.0 * xg + phi * lap + nonlinearity(phi * s), 0.0);`;

/** The same for the three-body u*. */
const THREE_BODY_SOURCE = `var s = 0.0;
  var xg = 0.0;
  var lap = 0.0;
  let o = p * DIN;
  for (var i = 0u; i + 2u < D; i++) {
    let xi = z[o + i];
    let xj = z[o + i + 1u];
    let xk = z[o + i + 2u];
    let b = xi * xj * xk;
    let e = coef[i] * exp(b);
    s += e;
    xg += e * 3.0 * b;
    lap += e * ((xj * xk) * (xj * xk) + (xi * xk) * (xi * xk) + (xi * xj) * (xi * xj));
  }
  let phi = 1.0 - zz[p];
  return vec2f(-2.0 * f32(D) * s - 4.0 * xg + phi * lap + nonlinearity(phi * s), 0.0);`;
