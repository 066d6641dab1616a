import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileHighDim, isHighDimFile } from '../../src/engine/equations/highdim-file';
import { EquationError } from '../../src/engine/equations/syntax';
import { HIGHDIM_PROBLEMS } from '../../src/engine/problems';
import { Rng } from '../../src/engine/sampling/rng';

const path = (id: string) => `problems/${id}.json`;
const file = (id: string) => JSON.parse(readFileSync(path(id), 'utf8')) as Record<string, unknown>;
const IDS = HIGHDIM_PROBLEMS.map((p) => p.id);

/** A point in the ball (radius uniform in [0, 0.9]) and, for time problems, t in [0, 1]. */
function point(rng: Rng, d: number, time: boolean): number[] {
  const z = Array.from({ length: d }, () => rng.normal());
  const r = Math.hypot(...z);
  const rad = 0.9 * rng.uniform();
  for (let i = 0; i < d; i++) z[i] *= rad / r;
  if (time) z.push(rng.uniform());
  return z;
}

/**
 * An independent f64 source for the STDE paper's ball problems, derived by hand (the formulas
 * the hand-written problems held before the files replaced them): u* = φ s with φ = 1 − |x|²,
 * s = Σ c_i t_i, Δu* = −2d s − 4 x·∇s + φ Δs, g = Δu* + f(u*).
 */
function ballSource(body: 'two' | 'three', f: (u: number) => number, c: ArrayLike<number>, x: number[]): number {
  const d = x.length;
  let s = 0;
  let xg = 0;
  let lap = 0;
  if (body === 'two') {
    for (let i = 0; i + 1 < d; i++) {
      const [xi, xj] = [x[i], x[i + 1]];
      const a = xi + Math.cos(xj) + xj * Math.cos(xi);
      const ai = 1 - xj * Math.sin(xi);
      const aj = Math.cos(xi) - Math.sin(xj);
      s += c[i] * Math.sin(a);
      xg += c[i] * Math.cos(a) * (xi * ai + xj * aj);
      lap += c[i] * (Math.cos(a) * (-xj * Math.cos(xi) - Math.cos(xj)) - Math.sin(a) * (ai * ai + aj * aj));
    }
  } else {
    for (let i = 0; i + 2 < d; i++) {
      const [xi, xj, xk] = [x[i], x[i + 1], x[i + 2]];
      const b = xi * xj * xk;
      const e = Math.exp(b);
      s += c[i] * e;
      xg += c[i] * e * 3 * b;
      lap += c[i] * e * ((xj * xk) ** 2 + (xi * xk) ** 2 + (xi * xj) ** 2);
    }
  }
  const phi = 1 - x.reduce((a, v) => a + v * v, 0);
  return -2 * d * s - 4 * xg + phi * lap + f(phi * s);
}

describe('high-dimensional problem files', () => {
  it('every shipped high-dimensional problem is a file', () => {
    expect(IDS).toHaveLength(10);
    for (const id of IDS) expect(isHighDimFile(file(id))).toBe(true);
  });

  for (const id of IDS.filter((i) => i !== 'hjb-lqg')) {
    for (const d of [9, 1000]) {
      it(`${id}, d = ${d}: the exact solution satisfies the generated residual (its derivatives along every axis taken symbolically)`, () => {
        const c = compileHighDim(file(id), { file: path(id), dim: d });
        const r = c.checkExact(d > 100 ? 4 : 20)!;
        expect(r.maxResidual).toBeLessThan(1e-11 * Math.max(1, r.scale));
      });
    }
  }

  const NL = { poisson: () => 0, 'allen-cahn': (u: number) => u - u ** 3, 'sine-gordon': Math.sin } as const;
  for (const op of ['poisson', 'allen-cahn', 'sine-gordon'] as const) {
    for (const body of ['two', 'three'] as const) {
      it(`${op}-${body}body: the generated source equals the hand-derived one, and the coefficients are d standard normals from seed 20240`, () => {
        for (const d of [5, 300]) {
          const p = compileHighDim(file(`${op}-${body}body`), { dim: d }).problem;
          const rng = new Rng(20240);
          expect(Array.from(p.coefficients)).toEqual(Array.from({ length: d }, () => rng.normal()));
          const pts = new Rng(3);
          for (let n = 0; n < 5; n++) {
            const x = point(pts, d, false);
            const want = ballSource(body, NL[op], p.coefficients, x);
            expect(Math.abs(p.source(x) - want)).toBeLessThan(1e-10 * Math.max(1, Math.abs(want)));
          }
          expect(p.productRule).toBe(true);
        }
      });
    }
  }

  it('the generated WGSL keeps the sums as one loop and reads only parsed tokens', () => {
    const p = compileHighDim(file('sine-gordon-twobody'), { dim: 1000 }).problem;
    expect(p.wgsl.source.match(/for \(/g)).toHaveLength(1);
    expect(p.wgsl.source).toContain('if (i <= 998u)');
    expect(p.wgsl.spatial).toBe('return uii;');
    expect(p.wgsl.temporal).toBe('return psin(u);');
    const lin = compileHighDim(file('hjb-lin'), { dim: 10 }).problem;
    expect(lin.wgsl.offset).toContain('aux');
    expect(lin.productRule).toBeUndefined();
  });
});

describe('high-dimensional problem files: errors name the field and the position', () => {
  const base = file('hjb-lin');
  const bad = (over: Record<string, unknown>, pattern: RegExp, dim = 10) => {
    let err: unknown;
    try {
      compileHighDim({ ...base, ...over }, { file: 'mine.json', dim });
    } catch (e) {
      err = e;
    }
    expect(err, JSON.stringify(over)).toBeInstanceOf(EquationError);
    expect(String((err as Error).message)).toMatch(pattern);
  };
  it('refuses malformed equations, models and fields with one clear message', () => {
    bad({ equations: ['u_t + lap(u) - sum(sum(x[i], j), i) = 0'] }, /equations\[0\]: sums do not nest[\s\S]*\^/);
    bad({ equations: ['u_t + x[1] = 0'] }, /indexed inside sum\(\.\.\., i\) by i/);
    bad({ equations: ['u_t + sum(x[i + 1], i) = 0'] }, /past x\[d\] \(d = 10\): end it at d - 1/);
    bad({ equations: ['u_t + sum(x[i - 1], i) = 0'] }, /before x\[1\]: start it at 2/);
    bad({ equations: ['u_t + sin(lap(u)) = 0'] }, /enter the equation linearly, each times a constant/);
    bad({ equations: ['u_t + sum(x[i + 1] * D(u, x[i], x[i]), i, 1, d - 1) = 0'] }, /runs over every coordinate/);
    bad({ equations: ['u_t + D(u, x[i]) = 0'] }, /a coordinate or coefficient is indexed inside sum/);
    bad({ equations: ['u_t + lap(u) = foo'] }, /unknown name "foo"/);
    bad({ equations: ['u_t + u * sum(x[i], i) = 0'] }, /may read t and norm2\(x\), not a sum/);
    bad({ model: 'u = N * N' }, /linear in N/);
    bad({ model: 'u = sum(x[i + 1], i, 1, d - 1) + (1 - t) * N' }, /reads x\[i\] alone/);
    bad({ model: 'v = N' }, /must read "u = G \+ F \* N"/);
    bad({ equations: ['u_t + lap(u) + N = 0'] }, /N \(the network\) is read only in the model/);
    bad({ exact: { u: 'u_t' } }, /an exact solution is a function of x and t alone/);
    bad({ coefficients: { c: { normal: -1 } } }, /coefficients\.c: must be \{ "normal": seed \}/);
    bad({ definitions: { A: 'B', B: 'A + 1' }, equations: ['u_t + lap(u) = A'] }, /the definition A uses itself \(A → B → A\)/);
    bad({ defaults: { steps: 0.5 } }, /defaults\.steps: must be a positive whole number/);
    bad({ hard: {} }, /hard: is not a field of a high-dimensional problem file/);
    bad({ domain: { x: { ball: 2 }, t: [0, 1] } }, /domain\.x: must be \{ "ball": 1 \}/);
    expect(() => compileHighDim(base, { dim: 0 })).toThrow(/hjb-lin: the dimension must be an integer from 1 to 1000000 \(got 0\)/);
  });
});
