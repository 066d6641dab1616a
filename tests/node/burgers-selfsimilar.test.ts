import { describe, expect, it } from 'vitest';
import { burgersSelfSimilar, residualDerivativeTerm, selfSimilarDerivatives, selfSimilarProfile } from '../../src/engine/problems/burgers-selfsimilar';
import type { LossTerm } from '../../src/engine/problems/types';
import { fornbergWeights } from '../../src/engine/methods/fd';
import { Mlp } from '../../src/engine/model/mlp';
import { composeFaaDiBruno, referenceJets } from '../../src/engine/jets/jet-f64';
import { Rng } from '../../src/engine/sampling/rng';
import { factorial } from '../../src/engine/jets/taylor-jet';

const KS = [0, 1, 2, 3];
const exponent = (k: number) => 2 * k + 3;
const exactLambda = (k: number) => 1 / (2 * k + 2);
const sample = Array.from({ length: 41 }, (_, i) => -2 + i * 0.1).concat([-0.075, -0.01, 1e-9, 0.03, 0.075]);

/**
 * R^(m) = 0 as the problem compiles it (the m-th total derivative of R = −λU + ((1+λ)X + U)U′,
 * expanded symbolically from the equation's text), one term per m.
 */
const terms = new Map<number, LossTerm>();
function residualTerm(m: number): LossTerm {
  if (!terms.has(m)) terms.set(m, residualDerivativeTerm(m));
  return terms.get(m)!;
}

/** The term's derivatives in its own order, from d[j] = U^(j). */
const ordered = (term: LossTerm, d: number[]) => term.derivatives.map((s) => d[s.order]);

/** R^(m) at X from U, …, U^(m+1) = d and λ: the generated f64 residual. */
function residualDerivativeF64(m: number, X: number, d: number[], lambda: number): number {
  return residualTerm(m).residual([X], ordered(residualTerm(m), d), [lambda]);
}

/** f^(order)(X) by central differences on the 9-point stencil (error h^8 + eps/h^order). */
function fdDerivative(f: (x: number) => number, X: number, order: number, h: number): number {
  const offsets = [-4, -3, -2, -1, 0, 1, 2, 3, 4].map((o) => o * h);
  const w = fornbergWeights(offsets, order);
  return offsets.reduce((acc, o, i) => acc + w[i] * f(X + o), 0);
}

/** Truncated product of Taylor series. */
function mul(a: number[], b: number[], n: number): number[] {
  return Array.from({ length: n + 1 }, (_, k) => {
    let s = 0;
    for (let i = 0; i <= k; i++) s += a[i] * b[k - i];
    return s;
  });
}

/** science.md section 2, transcribed: R′ for m = 1, the Leibniz closed form for m >= 2. */
function closedForm(m: number, X: number, d: number[], lambda: number): number {
  const A = (1 + lambda) * X + d[0];
  if (m === 1) return d[1] + d[1] ** 2 + A * d[2];
  let s = ((1 + lambda) * m - lambda + (m + 1) * d[1]) * d[m] + A * d[m + 1];
  for (let j = 2; j <= m - 1; j++) s += (factorial(m) / (factorial(j) * factorial(m - j))) * d[j] * d[m - j + 1];
  return s;
}

/**
 * Σ of the absolute values of the terms of R^(m) = −λU^(m) + Σ_j C(m, j) A^(j) U^(m−j+1) (A = (1+λ)X + U):
 * the size that rounding errors in R^(m) scale with.
 */
function residualMagnitude(m: number, X: number, d: number[], lambda: number): number {
  const A = (j: number) => (j === 0 ? Math.abs((1 + lambda) * X) + Math.abs(d[0]) : j === 1 ? 1 + lambda + Math.abs(d[1]) : Math.abs(d[j]));
  let s = lambda * Math.abs(d[m]);
  for (let j = 0; j <= m; j++) s += (factorial(m) / (factorial(j) * factorial(m - j))) * A(j) * Math.abs(d[m - j + 1]);
  return s;
}

/**
 * shaders/double_single.wgsl emulated in JavaScript, every f32 operation rounded by
 * Math.fround as the GPU rounds it: vec2f pairs are [hi, lo].
 */
const f32 = Math.fround;
const dsJs = {
  twoSum(a: number, b: number): number[] {
    const s = f32(a + b);
    const bv = f32(s - a);
    return [s, f32(f32(a - f32(s - bv)) + f32(b - bv))];
  },
  quickTwoSum(a: number, b: number): number[] {
    const s = f32(a + b);
    return [s, f32(b - f32(s - a))];
  },
  veltkampSplit(a: number): number[] {
    const c = f32(4097 * a);
    const hi = f32(c - f32(c - a));
    return [hi, f32(a - hi)];
  },
  twoProd(a: number, b: number): number[] {
    const p = f32(a * b);
    const [xh, xl] = dsJs.veltkampSplit(a);
    const [yh, yl] = dsJs.veltkampSplit(b);
    return [p, f32(f32(f32(f32(f32(xh * yh) - p) + f32(xh * yl)) + f32(xl * yh)) + f32(xl * yl))];
  },
  dsAdd(a: number[], b: number[]): number[] {
    const s = dsJs.twoSum(a[0], b[0]);
    const t = dsJs.twoSum(a[1], b[1]);
    const u = dsJs.quickTwoSum(s[0], f32(s[1] + t[0]));
    return dsJs.quickTwoSum(u[0], f32(u[1] + t[1]));
  },
  dsMulF(a: number[], b: number): number[] {
    const p = dsJs.twoProd(a[0], b);
    return dsJs.quickTwoSum(p[0], f32(p[1] + f32(a[1] * b)));
  },
  dsFromF: (a: number): number[] => [a, 0],
  dsToF: (a: number[]): number => f32(a[0] + a[1]),
  dsNeg: (a: number[]): number[] => [-a[0], -a[1]],
  dsMul(a: number[], b: number[]): number[] {
    const p = dsJs.twoProd(a[0], b[0]);
    return dsJs.quickTwoSum(p[0], f32(p[1] + f32(f32(a[0] * b[1]) + f32(a[1] * b[0]))));
  },
  vec2f: (hi: number, lo: number): number[] => [f32(hi), f32(lo)],
  // b^n by repeated squaring, as shaders/train/loss_term.wgsl's dsPowi
  dsPowi(b: number[], n: number): number[] {
    let r = [1, 0];
    let p = b;
    for (let m = n; m > 0; m >>= 1) {
      if (m & 1) r = dsJs.dsMul(r, p);
      p = dsJs.dsMul(p, p);
    }
    return r;
  },
};

/** Generated WGSL read as JavaScript: literals, x[0], d[j], q[0], array<f32, N>(...) and the double-single calls. */
function wgslAsJs(body: string): (x: number[], d: number[], q: number[]) => number | number[] {
  const js = body.replace(/array<f32, \d+>\((.*)\);$/, '[$1];');
  const names = Object.keys(dsJs);
  const fn = new Function(...names, 'x', 'd', 'q', js) as (...a: unknown[]) => number | number[];
  return (x, d, q) => fn(...names.map((n) => dsJs[n as keyof typeof dsJs]), x, d, q);
}

describe('self-similar Burgers: the exact profile', () => {
  it.each(KS)('k = %i: X = −U − U^p, U(∓2) = ±1, U(0) = 0, U decreasing', (k) => {
    const p = exponent(k);
    let previous = Infinity;
    for (const X of [-1e6, -40, ...[...sample].sort((a, b) => a - b), 7.5, 1e6]) {
      const U = selfSimilarProfile(X, k);
      expect(Math.abs(U + U ** p + X), `X = ${X}`).toBeLessThan(2e-15 * (1 + Math.abs(X)));
      expect(U).toBeLessThan(previous);
      previous = U;
    }
    expect(selfSimilarProfile(-2, k)).toBeCloseTo(1, 15);
    expect(selfSimilarProfile(2, k)).toBeCloseTo(-1, 15);
    expect(selfSimilarProfile(0, k)).toBe(0);
    expect(selfSimilarProfile(1e-300, k)).toBe(-1e-300);
  });
});

describe('self-similar Burgers: exact derivatives', () => {
  it.each(KS)('k = %i: orders 1..3 match finite differences of the profile', (k) => {
    const f = (x: number) => selfSimilarProfile(x, k);
    for (const X of [-2, -1.3, -0.4, 0, 0.05, 0.7, 1.9, 2]) {
      const d = selfSimilarDerivatives(X, k, 3);
      expect(d[0]).toBe(f(X));
      for (const [order, h] of [
        [1, 0.002],
        [2, 0.004],
        [3, 0.006],
      ]) {
        expect(Math.abs(d[order] - fdDerivative(f, X, order, h)), `order ${order} at ${X}`).toBeLessThan(1e-7 * (1 + Math.abs(d[order])));
      }
    }
    expect(selfSimilarDerivatives(0, k, 1)[1]).toBeCloseTo(-1, 15);
  });

  it.each(KS)('k = %i: high orders satisfy X(U(X)) = X composed by Faà di Bruno', (k) => {
    const p = exponent(k);
    const n = 2 * k + 8;
    for (const X of [-2, -0.9, -0.05, 0, 0.3, 1.6, 2]) {
      const d = selfSimilarDerivatives(X, k, n);
      const c = d.map((v, j) => v / factorial(j)); // Taylor coefficients of U(X + t)
      // g(U) = −U − U^p and its derivatives at U0, closed form
      const g = Array.from({ length: n + 1 }, (_, m) => (m === 0 ? -c[0] : m === 1 ? -1 : 0) - (m <= p ? (factorial(p) / factorial(p - m)) * c[0] ** (p - m) : 0));
      const composed = composeFaaDiBruno(g, c); // should be the series of X + t
      const scale = 1 + Math.max(...c.map(Math.abs));
      composed.forEach((v, j) => expect(Math.abs(v - (j === 0 ? X : j === 1 ? 1 : 0)), `[t^${j}] at ${X}`).toBeLessThan(1e-13 * scale));
    }
  });

  it.each(KS)('k = %i: the Taylor series at X0 reproduces U, …, U^(2k+4) at X0 + h', (k) => {
    const top = 2 * k + 4;
    const n = 40;
    for (const [X0, h] of [
      [0, 0.03],
      [-0.04, 0.07],
      [0.9, -0.05],
      [-1.95, 0.05],
    ]) {
      const at0 = selfSimilarDerivatives(X0, k, n + top);
      const at1 = selfSimilarDerivatives(X0 + h, k, top);
      for (let i = 0; i <= top; i++) {
        // U^(i)(X0 + h) = Σ_j U^(i+j)(X0) h^j / j!
        let s = 0;
        for (let j = 0; j <= n; j++) s += (at0[i + j] * h ** j) / factorial(j);
        expect(Math.abs(s - at1[i]), `order ${i} from ${X0} to ${X0 + h}`).toBeLessThan(1e-9 * (1 + Math.abs(at1[i])));
      }
    }
  });
});

describe('self-similar Burgers: residual derivatives R^(m)', () => {
  it.each(KS)('k = %i: every R^(m), m = 0..2k+3, vanishes on the exact profile with the exact λ, and not with a wrong λ', (k) => {
    const lambda = exactLambda(k);
    for (let m = 0; m <= exponent(k); m++) {
      for (const X of sample) {
        const d = selfSimilarDerivatives(X, k, m + 1);
        expect(Math.abs(residualDerivativeF64(m, X, d, lambda)), `R^(${m}) at ${X}`).toBeLessThanOrEqual(1e-12 * residualMagnitude(m, X, d, lambda));
      }
    }
    const wrong = lambda + 0.01;
    const worst = Math.max(...sample.map((X) => Math.abs(residualDerivativeF64(0, X, selfSimilarDerivatives(X, k, 1), wrong))));
    expect(worst).toBeGreaterThan(1e-3);
    // the smoothness term at X = 0 sees the wrong λ too
    const m = exponent(k);
    expect(Math.abs(residualDerivativeF64(m, 0, selfSimilarDerivatives(0, k, m + 1), wrong))).toBeGreaterThan(1e-2);
  });

  it('matches the closed forms in science.md (R′, and the Leibniz formula for m >= 2)', () => {
    const rng = new Rng(5);
    for (let m = 1; m <= 9; m++) {
      for (let trial = 0; trial < 5; trial++) {
        const d = Array.from({ length: m + 2 }, () => rng.normal());
        const X = rng.range(-2, 2);
        const lambda = rng.range(0.1, 0.6);
        const want = closedForm(m, X, d, lambda);
        expect(residualDerivativeF64(m, X, d, lambda)).toBeCloseTo(want, 10);
      }
    }
  });

  it('equals m! times the Taylor coefficient of R(X + t) for a random tanh network (m = 0..9)', () => {
    const mlp = Mlp.init({ inputDim: 1, width: 8, depth: 2, outputDim: 1, activation: 'tanh' }, 11);
    const N = 11;
    const lambda = 0.3;
    for (const X of [-1.5, -0.3, 0.02, 0.8, 1.7]) {
      const c = Array.from(referenceJets(mlp, [X], [1], N)); // c_j = U^(j)/j!
      // R(X + t) = −λ U + A U′, A(t) = (1 + λ)(X + t) + U(t): all as truncated series
      const dU = Array.from({ length: N }, (_, j) => (j + 1) * c[j + 1]);
      const A = c.slice(0, N).map((v, j) => v + (j === 0 ? (1 + lambda) * X : j === 1 ? 1 + lambda : 0));
      const AU = mul(A, dU, N - 1);
      const absAU = mul(A.map(Math.abs), dU.map(Math.abs), N - 1);
      const d = c.map((v, j) => factorial(j) * v);
      for (let m = 0; m <= 9; m++) {
        const fromSeries = factorial(m) * (-lambda * c[m] + AU[m]);
        const scale = factorial(m) * (lambda * Math.abs(c[m]) + absAU[m]);
        const got = residualDerivativeF64(m, X, d.slice(0, m + 2), lambda);
        expect(Math.abs(got - fromSeries), `R^(${m}) at ${X}`).toBeLessThan(1e-12 * (1 + scale));
      }
    }
  });

  it('its generated gradients in d and λ (double-single WGSL, emulated) match central differences of the f64 residual (m = 0..9)', () => {
    const rng = new Rng(17);
    // R^(m) is at most quadratic in each U^(j) and linear in λ: central differences are exact up to rounding
    const h = 1e-3;
    for (let m = 0; m <= 9; m++) {
      const term = residualTerm(m);
      const d = Array.from({ length: m + 2 }, () => f32(rng.normal()));
      const X = f32(rng.range(-2, 2));
      const lambda = f32(rng.range(0.1, 0.6));
      const grad = wgslAsJs(term.residualGradWgsl)([X], ordered(term, d), [lambda]) as number[];
      expect(grad).toHaveLength(m + 2);
      const size = residualMagnitude(Math.max(m, 1), X, [...d, 0], lambda);
      grad.forEach((g, i) => {
        const j = term.derivatives[i].order;
        const plus = d.map((v, n) => (n === j ? v + h : v));
        const minus = d.map((v, n) => (n === j ? v - h : v));
        const fd = (residualDerivativeF64(m, X, plus, lambda) - residualDerivativeF64(m, X, minus, lambda)) / (2 * h);
        expect(Math.abs(g - fd), `dR^(${m})/dU^(${j})`).toBeLessThan(2 ** -23 * Math.abs(fd) + 1e-10 * size);
      });
      const lambdaGrad = (wgslAsJs(term.residualUnknownGradWgsl!)([X], ordered(term, d), [lambda]) as number[])[0];
      const fdLambda = (residualDerivativeF64(m, X, d, lambda + h) - residualDerivativeF64(m, X, d, lambda - h)) / (2 * h);
      expect(Math.abs(lambdaGrad - fdLambda), `dR^(${m})/dλ`).toBeLessThan(2 ** -23 * Math.abs(fdLambda) + 1e-10 * size);
    }
  });
});

describe('self-similar Burgers: generated WGSL', () => {
  it('uses only f32 literals with a decimal point, the right array sizes and indices; value and gradients in double-single arithmetic', () => {
    for (let m = 0; m <= 9; m++) {
      const term = residualTerm(m);
      expect(term.residualWgsl).toMatch(/^return dsToF\(.*\);$/);
      expect(term.residualGradWgsl).toMatch(new RegExp(`^return array<f32, ${m + 2}>\\(dsToF\\(.*\\);$`));
      expect(term.residualUnknownGradWgsl).toMatch(/^return array<f32, 1>\(dsToF\(.*\);$/);
      expect(term.residualDsWgsl).toMatch(/^return dsToF\(.*\);$/);
      for (const code of [term.residualWgsl, term.residualGradWgsl, term.residualUnknownGradWgsl!, term.residualDsWgsl!]) {
        const stripped = code
          .replace(/array<f32, \d+>/g, '')
          .replace(/, \d+\)/g, ')') // an integer power's exponent (dsPowi(b, 2)): an i32 on purpose
          .replace(/vec2f/g, '')
          .replace(/\[(\d+)\]/g, (_, i: string) => {
            expect(Number(i)).toBeLessThan(m + 2);
            return '[]';
          });
        expect(stripped, code).not.toMatch(/(?<![\d.])\d+(?![\d.])/); // a bare integer
        expect(stripped).not.toMatch(/\d\.(?!\d)|(?<!\d)\.\d/); // '1.' or '.5'
      }
      // top-level entries of the gradient array: m + 2
      const inner = term.residualGradWgsl.slice(term.residualGradWgsl.indexOf('(') + 1, -2);
      let depth = 0;
      let entries = 1;
      for (const ch of inner) {
        if (ch === '(') depth++;
        else if (ch === ')') depth--;
        else if (ch === ',' && depth === 0) entries++;
      }
      expect(entries).toBe(m + 2);
    }
  });

  it('computes what the f64 residual computes (f32 inputs, double-single arithmetic emulated op by op)', () => {
    const rng = new Rng(23);
    for (let m = 0; m <= 9; m++) {
      const term = residualTerm(m);
      const d = Array.from({ length: m + 2 }, () => f32(rng.normal()));
      const X = f32(rng.range(-2, 2));
      const lambda = f32(rng.range(0.1, 0.6));
      const size = residualMagnitude(Math.max(m, 1), X, [...d, 0], lambda);
      const close = (got: number, want: number) => expect(Math.abs(got - want)).toBeLessThanOrEqual(2 ** -24 * Math.abs(want) + 1e-12 * size);
      close(wgslAsJs(term.residualWgsl)([X], ordered(term, d), [lambda]) as number, residualDerivativeF64(m, X, d, lambda));
    }
  });

  it("keeps R''' accurate where its terms cancel (k = 0 near X = 0: U' ≈ −1, λ ≈ 1/2), unlike plain f32", () => {
    // the smoothness term of k = 0 near the solution: (3 + 2λ) U''' and 4 U' U''' (about ±24) cancel
    const X = f32(0.0425);
    const lambda = f32(0.5000123);
    const d = selfSimilarDerivatives(X, 0, 4).map((v, j) => f32(v * (j === 3 ? 1.001 : 1)));
    const exact = residualDerivativeF64(3, X, d, lambda);
    const ds = wgslAsJs(residualTerm(3).residualWgsl)([X], ordered(residualTerm(3), d), [lambda]) as number;
    // the same sum in plain f32, op by op, in the order the f32 code had it
    const plain = f32(
      f32(f32(f32(f32(f32(3 + f32(2 * lambda)) * d[3]) + f32(f32(f32(1 + lambda) * X) * d[4])) + f32(d[0] * d[4])) + f32(f32(4 * d[1]) * d[3])) +
        f32(f32(3 * d[2]) * d[2]),
    );
    expect(Math.abs(exact)).toBeGreaterThan(1e-4);
    expect(Math.abs(exact)).toBeLessThan(0.1);
    expect(Math.abs(ds - exact)).toBeLessThanOrEqual(Math.abs(exact) * 2 ** -24);
    expect(Math.abs(plain - exact)).toBeGreaterThan(100 * Math.abs(ds - exact));
  });
});

describe('self-similar Burgers: the problem', () => {
  it.each(KS)('k = %i: terms, points, unknown λ and the exact solution fit together', (k) => {
    const problem = burgersSelfSimilar(k);
    const p = exponent(k);
    expect(problem.id).toBe('burgers-selfsimilar');
    expect(problem.params).toEqual({ k });
    expect(problem.variant!({ k: 2 }).params).toEqual({ k: 2 });
    const [lambda] = problem.unknowns!;
    expect(lambda.exact).toBeCloseTo(exactLambda(k), 15);
    expect(lambda.bounds![0]).toBeLessThan(lambda.exact!);
    expect(lambda.bounds![1]).toBeGreaterThan(lambda.exact!);
    expect(problem.terms.map((t) => [t.name, t.weight, t.points === 'interior' ? 0 : t.points.length])).toEqual([
      ['boundary left', 1, 1],
      ['boundary right', 1, 1],
      ['residual', 0.3, 301],
      ["residual'", 0.3, 301],
      ['smoothness', 0.2, 31],
    ]);
    const smoothness = problem.terms[4];
    expect(smoothness.derivatives.map((s) => s.order).sort((a, b) => a - b)).toEqual(Array.from({ length: p + 2 }, (_, j) => j));
    expect(smoothness.residualGradWgsl).toContain(`array<f32, ${p + 2}>`);
    for (const term of problem.terms) {
      expect(term.residualUnknownGradWgsl).toMatch(/^return array<f32, 1>\(/);
      for (const x of (term.points as number[][]).filter((_, i) => i % 10 === 0)) {
        const d = term.derivatives.map((s) => problem.exactDerivatives!(x, s.direction, s.order)[s.order]);
        const m = term.derivatives.length - 2; // the boundary terms (one derivative) are U − g
        const scale = m < 0 ? 1 : residualMagnitude(m, x[0], selfSimilarDerivatives(x[0], k, m + 1), lambda.exact!);
        expect(Math.abs(term.residual(x, d, [lambda.exact!])), `${term.name} at ${x}`).toBeLessThanOrEqual(1e-12 * scale);
      }
    }
    expect(problem.testPoints()).toHaveLength(401);
    expect(problem.exact([-2])).toBeCloseTo(1, 14);
  });

  it('rejects k outside 0..3', () => {
    expect(() => burgersSelfSimilar(4)).toThrow(RangeError);
    expect(() => burgersSelfSimilar(1.5)).toThrow(RangeError);
  });
});
