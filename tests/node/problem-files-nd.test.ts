/**
 * The shipped problems in d dimensions as problem files (problems/poisson-nd.json,
 * poisson-sin.json, heat-ball.json, biharmonic-nd.json: a vector input x[d] with d a parameter
 * that --dim picks): each file validates at d = 3 and at its default d, and each generated
 * term's WGSL residual and gradient, run through the real loss kernel (lossTermCode) on the GPU,
 * agree with its generated f64 twin on random values (Laplacians and operators included).
 *
 * While the hand-written TypeScript problems still exist, the compiled ones are also compared
 * with them term by term, at d = 3 and the default d: names, weights, derivative specs, domain,
 * defaults, parameter ranges, the exact solution, the f64 residuals, and on the GPU the residual
 * and gradient of both loss kernels. Their fixed points differ (other seeds): both sets are
 * checked to lie on the right set, in the same numbers, and to be redrawn.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileProblemText, type CompiledProblem } from '../../src/engine/equations/problem-file';
import { validateProblem } from '../../src/engine/equations/validate';
import { createStorageBuffer, readBuffer } from '../../src/engine/gpu/gpu';
import { kernelPass } from '../../src/engine/gpu/kernels';
import { factorial } from '../../src/engine/jets/taylor-jet';
import type { DerivativeSpec, LossTerm, PdeProblem } from '../../src/engine/problems/types';
import { Rng } from '../../src/engine/sampling/rng';
import { lossTermCode, termDirections } from '../../src/engine/train/loss-term';
import { useNodeGpu } from './helpers';
import { biharmonicNd } from '../../src/engine/problems/biharmonic-nd';
import { heatBall } from '../../src/engine/problems/heat-ball';
import { poissonNd } from '../../src/engine/problems/poisson-nd';
import { poissonSin } from '../../src/engine/problems/poisson-sin';

const gpu = useNodeGpu();

const IDS = ['poisson-nd', 'poisson-sin', 'heat-ball', 'biharmonic-nd'] as const;
type Id = (typeof IDS)[number];

const DEFAULT_D: Record<Id, number> = { 'poisson-nd': 5, 'poisson-sin': 10, 'heat-ball': 100, 'biharmonic-nd': 5 };

const OLD: Record<Id, (d: number) => PdeProblem> = {
  'poisson-nd': poissonNd,
  'poisson-sin': poissonSin,
  'heat-ball': heatBall,
  'biharmonic-nd': biharmonicNd,
};

/** Old term names that changed in the file (a term name there is letters, digits, spaces, _ - '). */
const RENAMED: Record<string, string> = { 'boundary Δu': 'boundary lap' };

function compile(id: string, d?: number): CompiledProblem {
  const file = `problems/${id}.json`;
  return compileProblemText(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'), { file, parameters: d === undefined ? undefined : { d } });
}

/** Random points in the problem's bounding box, rounded to f32 (what the GPU reads). */
function randomPoints(p: PdeProblem, n: number, rng: Rng): number[][] {
  const { lo, hi } = p.domain;
  return Array.from({ length: n }, () => lo.map((l, j) => Math.fround(l + (hi[j] - l) * rng.uniform())));
}

const unit = (dim: number, j: number) => Array.from({ length: dim }, (_, m) => (m === j ? 1 : 0));

/** An operator's terms as a sorted multiset "c*alpha". */
const multiset = (ops: { coefficient: number; alpha: readonly number[] }[]) =>
  ops
    .map((t) => `${t.coefficient}*${t.alpha.join(',')}`)
    .sort()
    .join(' + ');

/**
 * A derivative spec by its form: a value (order 0, whatever its direction), a directional
 * derivative, a Laplacian (and its axes), or an operator (its multiset of terms).
 */
function formKey(s: DerivativeSpec): string {
  const out = s.output ?? 0;
  if (s.operator) return `op|${multiset(s.operator)}|${out}`;
  if (s.laplacian) return `lap|${s.axes ?? s.direction.length}|${out}`;
  if (s.order === 0) return `value|${out}`;
  return `${s.direction.join(',')}|${s.order}|${out}`;
}

/** What a spec computes, as an operator Σ c ∂^α (a Laplacian over `axes` is Σ_{i<axes} ∂_i²); values and directional derivatives by formKey. */
function meaningKey(s: DerivativeSpec, dim: number): string {
  const out = s.output ?? 0;
  if (s.laplacian) {
    const axes = s.axes ?? dim;
    return `op|${multiset(Array.from({ length: axes }, (_, i) => ({ coefficient: 1, alpha: unit(dim, i).map((v) => 2 * v) })))}|${out}`;
  }
  return formKey(s);
}

/** The derivatives of term `to` in the order of term `from` (each spec once in each), matched by what they compute. */
function permutation(from: LossTerm, to: LossTerm, dim: number, label: string): number[] {
  const keys = to.derivatives.map((s) => meaningKey(s, dim));
  expect(new Set(keys).size, label).toBe(keys.length);
  const perm = from.derivatives.map((s) => keys.indexOf(meaningKey(s, dim)));
  expect(perm.every((i) => i >= 0) && perm.length === keys.length, `${label}: derivatives ${from.derivatives.map((s) => meaningKey(s, dim))} vs ${keys}`).toBe(true);
  return perm;
}

/** ∂r/∂d_i of a term's f64 residual by central differences (exact up to rounding: every residual here is linear in d). */
function f64Gradient(term: LossTerm, x: number[], d: number[]): number[] {
  return d.map((v, i) => {
    const h = 1e-4 * (1 + Math.abs(v));
    const plus = d.slice();
    plus[i] += h;
    const minus = d.slice();
    minus[i] -= h;
    return (term.residual(x, plus) - term.residual(x, minus)) / (2 * h);
  });
}

const BATCH = 64;
const MAX_K = 4;

/**
 * Random jet coefficients c[direction][p][k], f32, shared by every kernel of a problem. The
 * order-0 coefficient is u(x_p) whatever the direction (as for a network's jets), except an
 * operator's block (direction 0, k = 0), which holds L u: here Σ_i 2 c_2(e_i), the Laplacian the
 * axis jets give, so that an operator Σ_i ∂_i² and a Laplacian read the same value.
 */
class Jets {
  private readonly rng: Rng;
  private readonly byDir = new Map<string, Float32Array>();
  private readonly u: Float32Array;
  constructor(
    seed: number,
    private readonly dim: number,
  ) {
    this.rng = new Rng(seed);
    this.u = Float32Array.from({ length: BATCH }, () => 2 * this.rng.uniform() - 1);
  }
  coef(v: ArrayLike<number>, p: number, k: number): number {
    const zero = Array.from(v).every((c) => c === 0);
    if (zero && k === 0) return Math.fround(Array.from({ length: this.dim }, (_, i) => 2 * this.coef(unit(this.dim, i), p, 2)).reduce((a, b) => a + b, 0));
    if (k === 0) return this.u[p];
    const key = Array.from(v).join(',');
    let c = this.byDir.get(key);
    if (!c) {
      c = Float32Array.from({ length: BATCH * (MAX_K + 1) }, () => 2 * this.rng.uniform() - 1);
      this.byDir.set(key, c);
    }
    return c[p * (MAX_K + 1) + k];
  }
  /** The value of a spec the kernel reads at point p, in f64. */
  value(s: DerivativeSpec, p: number): number {
    if (s.operator) return this.coef(s.direction, p, 0);
    if (s.laplacian) return Array.from({ length: s.axes ?? this.dim }, (_, i) => 2 * this.coef(unit(this.dim, i), p, 2)).reduce((a, b) => a + b, 0);
    return factorial(s.order) * this.coef(s.direction, p, s.order);
  }
}

interface KernelRun {
  /** The residual per point (Jacobian mode with weight = batch: sqrt(w / n) r = r). */
  r: Float32Array;
  /** Per point, per spec of the term: ∂r/∂d_i read back from the adjoint seeds (a Laplacian's from each of its axes: they must agree). */
  grad: number[][];
}

/** One term's loss kernel as the trainer builds it (lossTermCode), on `points`, with jets from `jets`. */
async function runLossKernel(device: GPUDevice, problem: PdeProblem, term: LossTerm, points: number[][], jets: Jets): Promise<KernelRun> {
  const dim = problem.dim;
  const { directions, orders } = termDirections(term, dim);
  const width = Math.max(...orders) + 1;
  const chunk = BATCH * width;
  const code = lossTermCode(dim, term, [], { orders, packed: true, chunk });
  const jetData = new Float32Array(directions.length * chunk);
  directions.forEach((v, j) => {
    for (let p = 0; p < BATCH; p++) for (let k = 0; k < width; k++) jetData[j * chunk + p * width + k] = jets.coef(v, p, k);
  });
  const pointBuf = createStorageBuffer(device, BATCH * dim * 4, 'points');
  device.queue.writeBuffer(pointBuf, 0, Float32Array.from(points.flat()));
  const parts = createStorageBuffer(device, BATCH * 4, 'parts');
  const params = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const pbuf = new ArrayBuffer(16);
  new Uint32Array(pbuf, 0, 1)[0] = BATCH;
  new Float32Array(pbuf, 4, 2).set([BATCH, 1]);
  new Uint32Array(pbuf, 12, 1)[0] = 1; // Jacobian mode: parts = sqrt(weight / batch) r = r
  device.queue.writeBuffer(params, 0, pbuf);
  const jetBuf = createStorageBuffer(device, jetData.byteLength, 'jets');
  device.queue.writeBuffer(jetBuf, 0, jetData);
  const adjBuf = createStorageBuffer(device, jetData.byteLength, 'adjoints');
  const pass = kernelPass(device, { code, label: `${problem.id} ${term.name}` }, {}, [pointBuf, parts, params, jetBuf, adjBuf], Math.ceil(BATCH / 64));
  const enc = device.createCommandEncoder();
  const cp = enc.beginComputePass();
  pass(cp);
  cp.end();
  device.queue.submit([enc.finish()]);
  const r = await readBuffer(device, parts);
  const adjData = await readBuffer(device, adjBuf);
  for (const b of [pointBuf, parts, params, jetBuf, adjBuf]) b.destroy();
  const keys = directions.map((v) => Array.from(v).join(','));
  const seed = (p: number, v: number[], k: number) => {
    const j = keys.indexOf(v.join(','));
    expect(j, `${term.name}: a slot for direction ${v}`).toBeGreaterThanOrEqual(0);
    return adjData[j * chunk + p * width + k];
  };
  const grad = Array.from({ length: BATCH }, (_, p) =>
    term.derivatives.map((s) => {
      if (s.operator) return seed(p, s.direction, 0);
      if (s.laplacian) {
        // every axis jet of the Laplacian is seeded with ∂r/∂Δu · 2!
        const each = Array.from({ length: s.axes ?? dim }, (_, i) => seed(p, unit(dim, i), 2) / 2);
        for (const g of each) expect(g, `${term.name}: the Laplacian's axis seeds agree`).toBe(each[0]);
        return each[0];
      }
      return seed(p, s.direction, s.order) / factorial(s.order);
    }),
  );
  return { r, grad };
}

/*
 * f32 tolerance: the kernel computes in f32 (6e-8 per rounding) from f32 points and jets;
 * constants such as π²/4 or |k|⁴ are rounded once, sin of an f32 argument is off by a few ulps,
 * and a residual sums up to 100 such terms (Σ sin(πx_i/2), |x|², a Laplacian of 100 axis jets).
 * 1e-5 of the size of the residual's parts (partsSize) leaves a margin, while a
 * wrong coefficient or sign is off by O(1) of that size.
 */
const F32_TOL = 1e-5;

/**
 * The size of a residual's parts: 1 + |r| + Σ|∂r/∂d_i · d_i| + Σ|∂r/∂x_j · x_j|. The last sum is
 * what rounding the point and the constants it meets moves r by: for biharmonic-nd in 5-D
 * r = d − |k|⁴ sin(k·x) with |k|⁴ ≈ 77 and k·x up to 6, so a few ulps of k·x move r by ~1e-5
 * where sin(k·x) crosses 0 (∂r/∂x_j by central differences in f64).
 */
function partsSize(term: LossTerm, x: number[], d: number[], g: number[]): number {
  const dx = x.reduce((acc, xj, j) => {
    const h = 1e-5 * (1 + Math.abs(xj));
    const plus = x.slice();
    plus[j] += h;
    const minus = x.slice();
    minus[j] -= h;
    return acc + Math.abs(((term.residual(plus, d) - term.residual(minus, d)) / (2 * h)) * xj);
  }, 0);
  return 1 + Math.abs(term.residual(x, d)) + g.reduce((a, gi, i) => a + Math.abs(gi * d[i]), 0) + dx;
}

/** GPU residual and gradient of a generated term against its f64 twin. */
async function expectKernelMatchesF64(problem: PdeProblem, term: LossTerm, seed: number): Promise<void> {
  const rng = new Rng(seed);
  const points = randomPoints(problem, BATCH, rng);
  const jets = new Jets(seed + 1, problem.dim);
  const run = await runLossKernel(gpu.device, problem, term, points, jets);
  for (let p = 0; p < BATCH; p++) {
    const x = points[p];
    const d = term.derivatives.map((s) => jets.value(s, p));
    const r = term.residual(x, d);
    const g = f64Gradient(term, x, d);
    const scale = partsSize(term, x, d, g);
    expect(Math.abs(run.r[p] - r) / scale, `${problem.id} ${term.name} residual at point ${p}`).toBeLessThan(F32_TOL);
    const gScale = 1 + g.reduce((a, gi) => a + Math.abs(gi), 0);
    term.derivatives.forEach((s, i) => {
      expect(Math.abs(run.grad[p][i] - g[i]) / gScale, `${problem.id} ${term.name} ∂r/∂${s.name} at point ${p}`).toBeLessThan(F32_TOL);
    });
  }
}

/**
 * Where a fixed-point term's points must lie: on the faces of the cube [0, 1]^d (one coordinate
 * 0 or 1, all in [0, 1]), on the sphere |x| = 1 with t in [0, 1] (heat-ball's boundary), or in
 * the ball |x| ≤ 1 at t = 0 (its initial term). Returns a message for the first point off it.
 */
function offTheSet(id: Id, term: string, points: number[][], dim: number): string | null {
  for (const [i, x] of points.entries()) {
    if (x.length !== dim) return `point ${i} has ${x.length} coordinates, not ${dim}`;
    if (id === 'heat-ball') {
      const d = dim - 1;
      const r = Math.sqrt(x.slice(0, d).reduce((a, v) => a + v * v, 0));
      const t = x[d];
      if (term === 'boundary' && !(Math.abs(r - 1) < 1e-12 && t >= 0 && t <= 1)) return `point ${i}: |x| = ${r}, t = ${t}`;
      if (term === 'initial' && !(r <= 1 + 1e-12 && t === 0)) return `point ${i}: |x| = ${r}, t = ${t}`;
      continue;
    }
    if (!x.every((v) => v >= 0 && v <= 1) || !x.some((v) => v === 0 || v === 1)) return `point ${i} is not on a face: ${x}`;
  }
  return null;
}

/**
 * Loose statistics of a point set: how many points on each face (cube), or the mean of t and of
 * r^d (ball: r^d is uniform for points uniform in the ball, so its mean is 1/2; 1 on the sphere).
 */
function stats(id: Id, term: string, points: number[][], dim: number): number[] {
  if (id === 'heat-ball') {
    const d = dim - 1;
    const mean = (f: (x: number[]) => number) => points.reduce((a, x) => a + f(x), 0) / points.length;
    const rd = mean((x) => Math.sqrt(x.slice(0, d).reduce((a, v) => a + v * v, 0)) ** d);
    return term === 'boundary' ? [mean((x) => x[d]), rd] : [rd];
  }
  return Array.from({ length: 2 * dim }, (_, f) => points.filter((x) => x[f >> 1] === (f & 1)).length);
}

describe.each(IDS.map((id) => [id] as const))('problems/%s.json', (id) => {
  for (const d of [3, DEFAULT_D[id]]) {
    describe(`d = ${d}`, () => {
      const compiled = compile(id, d);
      const problem = compiled.problem;
      const dim = id === 'heat-ball' ? d + 1 : d;

      it('compiles, and validate finds its exact solution satisfies every term', () => {
        const v = validateProblem(compiled);
        expect(v.ok, JSON.stringify(v.checks)).toBe(true);
        expect(v.checks!.length).toBe(problem.terms.length);
        expect(problem.id).toBe(id);
        expect(problem.dim).toBe(dim);
        expect(problem.params).toEqual({ dim: d });
      });

      it('each generated term: the WGSL residual and gradient (GPU, the loss kernel) equal the f64 residual and its gradient', async () => {
        for (const [i, term] of problem.terms.entries()) await expectKernelMatchesF64(problem, term, 100 + i);
      });

      describe('equals the hand-written problem it replaces', () => {
        const old = OLD[id](d);
        const newOf = (name: string) => {
          const t = problem.terms.find((n) => n.name === (RENAMED[name] ?? name));
          expect(t, `the term for ${name}`).toBeDefined();
          return t!;
        };

        it('the same dimension, domain, defaults, parameter ranges, variants, exact solution, and term names and weights', () => {
          expect(problem.dim).toBe(old.dim);
          expect(problem.domain).toEqual(old.domain);
          expect(problem.defaults).toEqual(old.defaults);
          expect(problem.paramRanges).toEqual(old.paramRanges);
          expect(problem.params).toEqual(old.params);
          expect(problem.terms.map((t) => t.name)).toEqual(old.terms.map((t) => RENAMED[t.name] ?? t.name));
          for (const t of old.terms) {
            const n = newOf(t.name);
            expect(Math.abs(n.weight - t.weight) / t.weight, `${t.name}: weight ${n.weight} vs ${t.weight}`).toBeLessThan(1e-12);
            expect(n.points === 'interior', t.name).toBe(t.points === 'interior');
          }
          const v = problem.variant!({ dim: 4 });
          expect(v.dim).toBe(id === 'heat-ball' ? 5 : 4);
          expect(v.params).toEqual({ dim: 4 });
          const rng = new Rng(3);
          const pts = [...randomPoints(old, 50, rng), ...old.testPoints().slice(0, 50)];
          for (const x of pts) expect(Math.abs(problem.exact(x) - old.exact(x)) / (1 + Math.abs(old.exact(x))), `exact at ${x}`).toBeLessThan(1e-13);
          if (old.exactPartial) {
            const alphas = [unit(d, 0).map((v) => 4 * v), unit(d, d - 1).map((v, m) => 2 * v + (m === 0 ? 2 : 0)), unit(d, 1), Array(d).fill(0), unit(d, 0).map((v, m) => v + (m === d - 1 ? 3 : 0))];
            for (const x of pts.slice(0, 20)) {
              for (const alpha of alphas) {
                const want = old.exactPartial(x, alpha);
                expect(Math.abs(problem.exactPartial!(x, alpha) - want) / (1 + Math.abs(want)), `∂^${alpha} at ${x}`).toBeLessThan(1e-12);
              }
            }
          }
          // test points: 2000 in the domain (the file's are seeded differently)
          const test = problem.testPoints();
          expect(test.length).toBe(old.testPoints().length);
          for (const x of test) {
            if (id === 'heat-ball') expect(Math.hypot(...x.slice(0, d)) <= 1 && x[d] >= 0 && x[d] <= 1).toBe(true);
            else expect(x.every((v) => v >= 0 && v <= 1)).toBe(true);
          }
        });

        it('the same derivative specs (Laplacians with their axes, operators as the same multiset of terms)', () => {
          for (const t of old.terms) {
            const n = newOf(t.name);
            if (t.name === 'boundary Δu') {
              // the one difference in form: the hand-written term read Σ_i ∂_i² as an operator (slot jets),
              // the file's lap(u) alone in its term is a Laplacian over all d axes (axis jets): the same sum
              expect(t.derivatives.map(formKey)).toEqual([`op|${multiset(Array.from({ length: d }, (_, i) => ({ coefficient: 1, alpha: unit(d, i).map((v) => 2 * v) })))}|0`]);
              expect(n.derivatives.map(formKey)).toEqual([`lap|${d}|0`]);
            } else expect(n.derivatives.map(formKey).sort(), t.name).toEqual(t.derivatives.map(formKey).sort());
            permutation(t, n, dim, t.name);
          }
        });

        it('the fixed points: as many, on the right set (cube faces, the sphere, the ball at t = 0), spread alike, and redrawn', () => {
          for (const t of old.terms) {
            const n = newOf(t.name);
            if (t.points === 'interior') continue;
            const a = t.points;
            const b = n.points as number[][];
            expect(b.length, t.name).toBe(a.length);
            expect(offTheSet(id, n.name, a, dim), `old ${t.name}`).toBeNull();
            expect(offTheSet(id, n.name, b, dim), `new ${n.name}`).toBeNull();
            expect(typeof t.redraw, t.name).toBe('function');
            expect(typeof n.redraw, n.name).toBe('function');
            const again = n.redraw!(77);
            expect(again.length).toBe(b.length);
            expect(offTheSet(id, n.name, again, dim), `new ${n.name} redrawn`).toBeNull();
            expect(again).not.toEqual(b);
            expect(n.redraw!(77)).toEqual(again);
            const [sa, sb] = [stats(id, n.name, a, dim), stats(id, n.name, b, dim)];
            if (id === 'heat-ball') sa.forEach((v, i) => expect(Math.abs(sb[i] - v), `${n.name}: statistic ${i} ${sb[i]} vs ${v}`).toBeLessThan(0.12));
            else expect(sb, `${n.name}: points per face`).toEqual(sa);
          }
        });

        it('the f64 residuals agree on random derivative values and points (1e-12 relative)', () => {
          const rng = new Rng(11);
          for (const t of old.terms) {
            const n = newOf(t.name);
            const perm = permutation(t, n, dim, t.name);
            for (const x of randomPoints(old, 100, rng)) {
              const dv = t.derivatives.map(() => 6 * rng.uniform() - 3);
              const dn: number[] = [];
              perm.forEach((k, i) => (dn[k] = dv[i]));
              const r = t.residual(x, dv);
              const scale = 1 + Math.abs(r) + dv.reduce((a, v) => a + Math.abs(v), 0);
              expect(Math.abs(n.residual(x, dn) - r) / scale, `${t.name} at ${x}`).toBeLessThan(1e-12);
            }
          }
        });

        it('on the GPU the generated and the hand-written loss kernels give the same residual and gradient (f32 rounding)', async () => {
          for (const [i, t] of old.terms.entries()) {
            const n = newOf(t.name);
            const perm = permutation(t, n, dim, t.name);
            const rng = new Rng(300 + i);
            const points = randomPoints(old, BATCH, rng);
            const jets = new Jets(400 + i, dim);
            const a = await runLossKernel(gpu.device, old, t, points, jets);
            const b = await runLossKernel(gpu.device, problem, n, points, jets);
            for (let p = 0; p < BATCH; p++) {
              const x = points[p];
              const dv = t.derivatives.map((s) => jets.value(s, p));
              const g = f64Gradient(t, x, dv);
              const scale = partsSize(t, x, dv, g);
              expect(Math.abs(b.r[p] - a.r[p]) / scale, `residual ${t.name} at point ${p}`).toBeLessThan(F32_TOL);
              const gScale = 1 + g.reduce((acc, gi) => acc + Math.abs(gi), 0);
              perm.forEach((k, i2) => expect(Math.abs(b.grad[p][k] - a.grad[p][i2]) / gScale, `∂r/∂${t.derivatives[i2].name} ${t.name} at point ${p}`).toBeLessThan(F32_TOL));
            }
          }
        });
      });
    });
  }
});
