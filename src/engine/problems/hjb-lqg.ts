import { checkDim, MAX_HIGHDIM_DIM, norm2, type HighDimProblem } from './highdim-types';
import { HORIZON, terminalFactor, TERMINAL_FACTOR_WGSL, TIME_DEFAULTS, TIME_HELPERS } from './time-ball';

/** log Γ(x) for x > 0 (Lanczos, g = 7: about 15 digits). */
function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Simpson weights for n (odd) equally spaced nodes with step h. */
function simpson(n: number, h: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => ((i === 0 || i === n - 1 ? 1 : i % 2 ? 4 : 2) * h) / 3);
}

const XI = 201; // nodes of ξ₁ on [−10, 10]
const W = 401; // nodes of the chi variable

/**
 * The reference solution u = −log E[2 / (1 + |x + s ξ|²)], s = sqrt(2 (T − t)), ξ ~ N(0, I_d)
 * (Cole–Hopf: v = e^(−u) solves v_t + Δv = 0). Only |x + s ξ|² matters, and it is
 * (|x| + s ξ₁)² + s² w² with ξ₁ ~ N(0, 1) and w ~ chi with d − 1 degrees of freedom, so the
 * d-dimensional expectation is a 2-D integral, done by Simpson's rule in f64 (error far
 * below 1e-8; checked against plain Monte Carlo in d dimensions by the tests).
 */
export function hjbLqgReference(x: ArrayLike<number>, t: number, d: number): number {
  const a = Math.sqrt(norm2(x, d));
  const s = Math.sqrt(2 * Math.max(0, HORIZON - t));
  if (s === 0) return Math.log((1 + a * a) / 2);
  const k = d - 1;
  const hx = 20 / (XI - 1);
  const wx = simpson(XI, hx);
  // chi_k density in w, on a window around its bulk (sd about 0.71)
  const mid = Math.sqrt(Math.max(k - 0.5, 0));
  const lo = Math.max(0, mid - 9);
  const hw = (mid + 9 - lo) / (W - 1);
  const ww = simpson(W, hw);
  const logNorm = k > 0 ? -((k / 2 - 1) * Math.LN2 + logGamma(k / 2)) : 0;
  let e = 0;
  for (let i = 0; i < XI; i++) {
    const xi = -10 + i * hx;
    const px = (wx[i] * Math.exp(-0.5 * xi * xi)) / Math.sqrt(2 * Math.PI);
    const r2 = (a + s * xi) ** 2;
    if (k === 0) {
      e += (px * 2) / (1 + r2);
      continue;
    }
    for (let j = 0; j < W; j++) {
      const w = lo + j * hw;
      if (w <= 0 && k > 1) continue;
      const pw = ww[j] * Math.exp(logNorm + (k - 1) * Math.log(Math.max(w, 1e-300)) - 0.5 * w * w);
      e += (px * pw * 2) / (1 + r2 + s * s * w * w);
    }
  }
  return -Math.log(e);
}

/**
 * HJB with a linear-quadratic-Gaussian control (He et al.'s Stein paper, d = 250):
 * u_t + Δu − |∇u|² = 0 on the unit ball × [0, 1], u(x, T) = log((1 + |x|²)/2). No closed
 * form: the reference is the Cole–Hopf expectation above, computed once per test point
 * and cached. Terminal values by construction: u = g(x) + (T − t) N.
 */
/** The most reference values kept (more than any fixed test set: at most 1000 points). */
const CACHED_POINTS = 4096;

export function hjbLqg(dim = 250): HighDimProblem {
  checkDim('hjb-lqg', dim, 1);
  const d = dim;
  const cache = new Map<string, number>();
  const g = (z: ArrayLike<number>) => Math.log((1 + norm2(z, d)) / 2);
  return {
    kind: 'highdim',
    id: 'hjb-lqg',
    title: `HJB-LQG, ${d}-D`,
    equation: `u_t + Δu − |∇u|² = 0 on the unit ball in ${d} dimensions × [0, 1], u(x, 1) = log((1 + |x|²)/2); reference by the Cole–Hopf expectation`,
    tex: String.raw`u_t + \Delta u - |\nabla u|^2 = 0, \quad u(x, T) = \log \frac{1 + |x|^2}{2}, \quad u = -\log \mathbb{E}\, e^{-g(x + \sqrt{2} W_{T-t})}, \quad d = ${d}`,
    description: 'A Hamilton–Jacobi–Bellman equation whose solution is an expectation (Cole–Hopf): its Laplacian and |∇u|² estimated from random coordinate jets.',
    dim: d,
    horizon: HORIZON,
    exact: (z) => {
      const key = Array.prototype.join.call(z, ',');
      let v = cache.get(key);
      if (v === undefined) {
        v = hjbLqgReference(z, z[d], d);
        // the fixed test set's points are asked for again at every log; a large fresh sample
        // (l2RelativeErrorFresh) is not kept, so the keys stay a few MiB
        if (cache.size < CACHED_POINTS) cache.set(key, v);
      }
      return v;
    },
    factorJet: (z, a) => terminalFactor(z, a, d),
    offsetJet: (z, a) => {
      const q = 1 + norm2(z, d);
      return a === d ? [g(z), 0, 0] : [g(z), (2 * z[a]) / q, 1 / q - (2 * z[a] ** 2) / q ** 2];
    },
    spatial: (_xi, ui, uii) => uii - ui * ui,
    temporal: (_z, _u, ut) => ut,
    source: () => 0,
    coefficients: new Float64Array(1),
    wgsl: {
      helpers: TIME_HELPERS,
      source: 'return vec2f(0.0, 0.0);',
      factor: TERMINAL_FACTOR_WGSL,
      offset: 'let q = 1.0 + zz[p];\n  if (a == D) { return vec3f(log(0.5 * q), 0.0, 0.0); }\n  let xa = z[p * DIN + a];\n  return vec3f(log(0.5 * q), 2.0 * xa / q, 1.0 / q - 2.0 * xa * xa / (q * q));',
      spatial: 'return uii - ui * ui;',
      spatialGrad: 'return vec2f(-2.0 * ui, 1.0);',
      temporal: 'return ut;',
      temporalGrad: 'return vec3f(0.0, 1.0, 0.0);',
    },
    defaults: TIME_DEFAULTS,
    paramRanges: { dim: [1, MAX_HIGHDIM_DIM] },
    params: { dim: d },
    variant: (p) => hjbLqg(p.dim ?? d),
  };
}
