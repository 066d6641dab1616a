import { factorial } from '../jets/taylor-jet';
import { wgslFloat } from '../gpu/kernels';
import { linePoints, valueTerm, type DerivativeSpec, type LossTerm, type PdeProblem } from './types';

/**
 * Self-similar Burgers profiles (seed 004): u = (1 − t)^λ U(X), X = x/(1 − t)^(1+λ) turns
 * u_t + u u_x = 0 into
 *   R = −λU + ((1 + λ)X + U)U′ = 0 on [−2, 2],  U(−2) = 1, U(2) = −1.
 * Smooth profiles exist only for λ_k = 1/(2k + 2), with X = −U − U^(2k+3). λ is trained with
 * the network; what selects it is smoothness: the (2k+3)-th derivative of R, penalized near
 * X = 0, needs U up to order 2k + 4.
 */

const LO = -2;
const HI = 2;
const MAX_K = 3;

/** The exponent p = 2k + 3 of the implicit profile X = −U − U^p. */
const exponent = (k: number) => 2 * k + 3;

/** The exact profile U(X): the root of U + U^p + X = 0 (increasing in U), by safeguarded Newton. */
export function selfSimilarProfile(X: number, k: number): number {
  const p = exponent(k);
  if (X === 0) return 0;
  // |U| + |U|^p = |X|, so |U| <= min(|X|, |X|^(1/p)): a bracket for the root
  const b = Math.min(Math.abs(X), Math.abs(X) ** (1 / p));
  let lo = -b;
  let hi = b;
  let u = Math.abs(X) < 1 ? -X : -Math.sign(X) * Math.abs(X) ** (1 / p);
  for (let it = 0; it < 200; it++) {
    const f = u + u ** p + X;
    if (f === 0) return u;
    if (f > 0) hi = u;
    else lo = u;
    let next = u - f / (1 + p * u ** (p - 1));
    if (!(next >= lo && next <= hi)) next = (lo + hi) / 2; // Newton left the bracket: bisect
    if (Math.abs(next - u) <= 2 * Number.EPSILON * Math.abs(next)) return next;
    u = next;
  }
  return u;
}

/** Product of two Taylor series, truncated after t^n. */
function seriesProduct(a: number[], b: number[], n: number): number[] {
  const out = new Array<number>(n + 1).fill(0);
  for (let i = 0; i <= n; i++) {
    if (a[i] === 0) continue;
    for (let j = 0; i + j <= n; j++) out[i + j] += a[i] * b[j];
  }
  return out;
}

function binomial(n: number, j: number): number {
  let c = 1;
  for (let i = 1; i <= j; i++) c = (c * (n - j + i)) / i;
  return Math.round(c);
}

/**
 * U, U′, …, U^(order) at X, exactly in f64: with U = U0 + δ, the relation reads
 *   t = ΔX = Σ_{i=1..p} a_i δ^i,  a_1 = −(1 + p U0^(p−1)),  a_i = −C(p, i) U0^(p−i),
 * and the series δ(t) is inverted coefficient by coefficient ([t^n] of the right side is
 * a_1 δ_n plus terms in δ_1..δ_{n−1}); then U^(n) = n! δ_n.
 */
export function selfSimilarDerivatives(X: number, k: number, order: number): number[] {
  const p = exponent(k);
  const u0 = selfSimilarProfile(X, k);
  const a = Array.from({ length: p + 1 }, (_, i) => -binomial(p, i) * u0 ** (p - i));
  a[1] -= 1;
  const delta = new Array<number>(order + 1).fill(0);
  for (let n = 1; n <= order; n++) {
    // [t^n] Σ_{i>=2} a_i δ^i, with δ_n still 0 (δ^i starts at t^i, so i <= n)
    let rest = 0;
    let power = delta;
    for (let i = 2; i <= Math.min(p, n); i++) {
      power = seriesProduct(power, delta, n);
      rest += a[i] * power[n];
    }
    delta[n] = ((n === 1 ? 1 : 0) - rest) / a[1];
  }
  let fact = 1;
  return delta.map((c, n) => {
    if (n === 0) return u0;
    fact *= n;
    return fact * c;
  });
}

/**
 * One term of R^(m) as a polynomial in X, λ and the derivatives d[j] = U^(j):
 * (coef + lambdaCoef λ) · (X if timesX) · Π_{j in factors} d[j].
 */
interface Monomial {
  coef: number;
  lambdaCoef: number;
  timesX: boolean;
  factors: number[];
}

/** Add up monomials with the same X and d factors (and drop those that cancel). */
function collect(terms: Monomial[]): Monomial[] {
  const byKey = new Map<string, Monomial>();
  for (const t of terms) {
    const factors = [...t.factors].sort((a, b) => a - b);
    const key = `${t.timesX}|${factors.join(',')}`;
    const seen = byKey.get(key);
    if (seen) {
      seen.coef += t.coef;
      seen.lambdaCoef += t.lambdaCoef;
    } else byKey.set(key, { ...t, factors });
  }
  return [...byKey.values()].filter((t) => t.coef !== 0 || t.lambdaCoef !== 0);
}

/**
 * R^(m) by the Leibniz rule on R = −λU + A U′, A = (1 + λ)X + U (A′ = 1 + λ + U′,
 * A^(j) = U^(j) for j >= 2):
 *   R^(m) = −λU^(m) + Σ_{j=0..m} C(m, j) A^(j) U^(m−j+1).
 * Collected, this is R′ = U′ + U′² + A U″ for m = 1 and, for m >= 2,
 *   [((1+λ)m − λ) + (m+1)U′] U^(m) + A U^(m+1) + Σ_{j=2..m−1} C(m, j) U^(j) U^(m−j+1).
 */
function residualMonomials(m: number): Monomial[] {
  const terms: Monomial[] = [
    { coef: 0, lambdaCoef: -1, timesX: false, factors: [m] },
    { coef: 1, lambdaCoef: 1, timesX: true, factors: [m + 1] },
    { coef: 1, lambdaCoef: 0, timesX: false, factors: [0, m + 1] },
  ];
  if (m >= 1) {
    terms.push({ coef: m, lambdaCoef: m, timesX: false, factors: [m] }, { coef: m, lambdaCoef: 0, timesX: false, factors: [1, m] });
  }
  for (let j = 2; j <= m; j++) terms.push({ coef: binomial(m, j), lambdaCoef: 0, timesX: false, factors: [j, m - j + 1] });
  return collect(terms);
}

/** ∂/∂d[i] of a sum of monomials (a square contributes twice, so 2 d[i]). */
function partialD(terms: Monomial[], i: number): Monomial[] {
  return collect(terms.flatMap((t) => t.factors.flatMap((f, pos) => (f === i ? [{ ...t, factors: t.factors.filter((_, q) => q !== pos) }] : []))));
}

/** ∂/∂λ of a sum of monomials. */
function partialLambda(terms: Monomial[]): Monomial[] {
  return collect(terms.map((t) => ({ ...t, coef: t.lambdaCoef, lambdaCoef: 0 })));
}

function evaluate(terms: Monomial[], X: number, d: readonly number[], lambda: number): number {
  return terms.reduce((s, t) => s + t.factors.reduce((v, f) => v * d[f], (t.coef + t.lambdaCoef * lambda) * (t.timesX ? X : 1)), 0);
}

/**
 * One monomial in double-single arithmetic (shaders/double_single.wgsl): the scalar
 * coef + lambdaCoef λ, then times X and each d[j], every product kept to about 48 bits.
 */
function wgslMonomial(t: Monomial, dsInputs = false): string {
  const l = t.lambdaCoef;
  const lambdaPart = dsInputs ? `dsMulF(qd[0], ${wgslFloat(l)})` : `twoProd(${wgslFloat(l)}, q[0])`;
  let expr = l === 0 ? `dsFromF(${wgslFloat(t.coef)})` : t.coef === 0 ? lambdaPart : `dsAdd(dsFromF(${wgslFloat(t.coef)}), ${lambdaPart})`;
  if (t.timesX) expr = `dsMulF(${expr}, x[0])`;
  for (const f of t.factors) expr = dsInputs ? `dsMul(${expr}, dd[${f}])` : `dsMulF(${expr}, d[${f}])`;
  return expr;
}

/**
 * A sum of monomials in double-single, rounded to f32 once at the end: the terms of R^(m)
 * near X = 0 are large and cancel (k = 0: (3 + 2λ) U‴ + 4 U′ U‴ with U′ ≈ −1, terms of 24
 * ending near 1e-2), and plain f32 sums add about twice the error that rounding the inputs
 * U^(j) to f32 makes (rms at the exact profile: 3e-6 against 1.4e-6 for k = 0, 0.4 against 0.2
 * for k = 3). The f32 jets' own error (about an ulp of U′) stays; see bench/burgers-precision.ts.
 */
function wgslSum(terms: Monomial[], dsInputs = false): string {
  return terms.length ? `dsToF(${terms.map((t) => wgslMonomial(t, dsInputs)).reduce((acc, m) => `dsAdd(${acc}, ${m})`)})` : '0.0';
}

/**
 * WGSL for R^(m) (q[0] = λ, d[j] = U^(j), j = 0..m+1): the value, its gradient in d
 * (array<f32, m+2>) and its derivative in λ (array<f32, 1>), each evaluated in double-single;
 * valueDs: the value from double-single derivatives dd[j] (the trainer's double-single jets).
 */
export function residualDerivativeWgsl(m: number): { value: string; valueDs: string; grad: string; lambdaGrad: string } {
  const terms = residualMonomials(m);
  const grads = Array.from({ length: m + 2 }, (_, i) => wgslSum(partialD(terms, i)));
  return {
    value: `return ${wgslSum(terms)};`,
    valueDs: `return ${wgslSum(terms, true)};`,
    grad: `return array<f32, ${m + 2}>(${grads.join(', ')});`,
    lambdaGrad: `return array<f32, 1>(${wgslSum(partialLambda(terms))});`,
  };
}

/** R^(m) at X in f64, given d[j] = U^(j) for j = 0..m+1. */
export function residualDerivativeF64(m: number, X: number, d: readonly number[], lambda: number): number {
  return evaluate(residualMonomials(m), X, d, lambda);
}

/** The f64 twins of residualDerivativeWgsl's grad and lambdaGrad. */
export function residualDerivativeGradF64(m: number, X: number, d: readonly number[], lambda: number): { grad: number[]; lambdaGrad: number } {
  const terms = residualMonomials(m);
  return {
    grad: Array.from({ length: m + 2 }, (_, i) => evaluate(partialD(terms, i), X, d, lambda)),
    lambdaGrad: evaluate(partialLambda(terms), X, d, lambda),
  };
}

const derivativeName = (j: number) => (j === 0 ? 'U' : j <= 3 ? `U${"'".repeat(j)}` : `U^(${j})`);

/**
 * The loss term weight · mean (R^(m))² on fixed points, with its residual from double-single
 * derivatives too (a trainer with precision 'double-single' uses it in L-BFGS: near the optimum
 * the f32 jets' errors, 2e-7 in R and R′ and far more in the smoothness term, whose terms near 24
 * cancel to 1e-2, decide the sign of λ's gradient).
 */
function residualTerm(name: string, m: number, points: number[][], weight: number, continuation?: number): LossTerm {
  const wgsl = residualDerivativeWgsl(m);
  const derivatives: DerivativeSpec[] = Array.from({ length: m + 2 }, (_, j) => ({ name: derivativeName(j), direction: [1], order: j }));
  return {
    name,
    points,
    derivatives,
    residualWgsl: wgsl.value,
    residualDsWgsl: wgsl.valueDs,
    residualGradWgsl: wgsl.grad,
    residualUnknownGradWgsl: wgsl.lambdaGrad,
    residual: (x, d, q) => {
      if (!q) throw new Error('burgers-selfsimilar: the residual needs λ (q[0])');
      return residualDerivativeF64(m, x[0], d, q[0]);
    },
    weight,
    continuation,
  };
}

/** U(x) = g at one end, with no dependence on λ. */
function endTerm(name: string, x: number, g: number): LossTerm {
  return {
    ...valueTerm(name, [[x]], 1, { wgsl: wgslFloat(g), f64: () => g }),
    residualUnknownGradWgsl: 'return array<f32, 1>(0.0);',
    // U(±2) = N(±2) − N(∓2) ≈ ∓1 is a difference too: its f32 error (2e-7) exceeds the residual near the optimum
    residualDsWgsl: `return dsToF(dsAdd(dd[0], vec2f(${wgslFloat(-g)}, 0.0)));`,
  };
}

const ORDINALS = ['first', 'second', 'third', 'fourth'];

/**
 * The first factor of the smoothness term's continuation: R^(p) of an unconstrained tanh
 * network is of the size of p! (the term, a mean square, of (p!)²: 4.5e4, 6.5e7 and 2.6e11 at
 * the start for p = 5, 7, 9), so the first stage weighs it by the power of 100 that brings
 * 100 (p!)² to 1 or below: 1e-8, 1e-10 and 1e-14 for k = 1, 2, 3. A fixed 1e-8 left k = 3's
 * term near 1e3 in its first stage, the others unfitted, and λ ran into its bound (docs/BENCHMARKS.md).
 */
function smoothnessContinuation(p: number): number {
  return Number(`1e-${2 * Math.ceil(Math.log(100 * factorial(p) ** 2) / Math.log(100))}`);
}

/** The k-th smooth self-similar Burgers profile (k = 0..3), λ_k = 1/(2k + 2) learned with the network. */
export function burgersSelfSimilar(k: number): PdeProblem {
  if (!Number.isInteger(k) || k < 0 || k > MAX_K) throw new RangeError(`burgers-selfsimilar: k must be an integer from 0 to ${MAX_K} (got ${k})`);
  const p = exponent(k);
  const grid = linePoints(301, (s) => [LO + (HI - LO) * s]);
  const near0 = linePoints(31, (s) => [-0.075 + 0.15 * s]);
  return {
    id: 'burgers-selfsimilar',
    title: `Self-similar Burgers (k = ${k})`,
    equation: '−λU + ((1+λ)X + U)U′ = 0 on [−2, 2], U(−2) = 1, U(2) = −1',
    tex: String.raw`-\lambda U + ((1 + \lambda) X + U) U' = 0 \text{ on } [-2, 2], \quad U(-2) = 1, \quad U(2) = -1`,
    description:
      `The ${ORDINALS[k]} smooth profile X = −U − U^${p}: λ is trained with the network and selected by smoothness, ` +
      `a penalty on derivative ${p} of the residual near X = 0 (U to order ${p + 1}); exact λ = 1/${2 * k + 2}.`,
    dim: 1,
    domain: { lo: [LO], hi: [HI] },
    oddModel: true,
    unknowns: [{ name: 'lambda', init: 0, bounds: [1 / (2 * k + 3), 1 / (2 * k + 1)], exact: 1 / (2 * k + 2) }],
    terms: [
      endTerm('boundary left', LO, 1),
      endTerm('boundary right', HI, -1),
      residualTerm('residual', 0, grid, 0.3),
      residualTerm("residual'", 1, grid, 0.3),
      // k >= 1: the term starts at 4.5e4 to 2.6e11 (1.4e2 at k = 0), and Levenberg–Marquardt from
      // there stalls with λ drifting; fitted after the rest, in stages, it selects λ (docs/BENCHMARKS.md)
      residualTerm('smoothness', p, near0, 0.2, k >= 1 ? smoothnessContinuation(p) : undefined),
    ],
    exact: (x) => selfSimilarProfile(x[0], k),
    exactDerivatives: (x, direction, order) => selfSimilarDerivatives(x[0], k, order).map((v, j) => v * direction[0] ** j),
    testPoints: () => linePoints(401, (s) => [LO + (HI - LO) * s]),
    defaults: { width: 24, depth: 3, steps: 3000, lr: 1e-3, interiorPoints: 1, precision: 'double-single' },
    paramRanges: { k: [0, MAX_K] },
    params: { k },
    variant: (params) => burgersSelfSimilar(params.k ?? 0),
  };
}

export const burgersSelfSimilar0 = burgersSelfSimilar(0);
