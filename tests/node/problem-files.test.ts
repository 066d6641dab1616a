/**
 * The shipped fixed-dimension problems as problem files (problems/*.json, compiled by
 * src/engine/equations/problem-file.ts): each file validates (its exact solution satisfies every
 * term, symbolically), and each generated term's WGSL residual and gradient, run through the real
 * loss kernel (lossTermCode) on the GPU, agree with its generated f64 twin on random values.
 *
 * While the hand-written TypeScript problems still exist, the compiled ones are also compared
 * with them term by term: points, weights, derivative specs, the f64 residual, and on the GPU the
 * residual and gradient of both loss kernels (plain and through the hard transform).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileProblemText, type CompiledProblem } from '../../src/engine/equations/problem-file';
import { validateProblem } from '../../src/engine/equations/validate';
import { createStorageBuffer, readBuffer } from '../../src/engine/gpu/gpu';
import { kernelPass } from '../../src/engine/gpu/kernels';
import { factorial } from '../../src/engine/jets/taylor-jet';
import { fornbergWeights } from '../../src/engine/methods/fd';
import type { DerivativeSpec, LossTerm, PdeProblem } from '../../src/engine/problems/types';
import { Rng } from '../../src/engine/sampling/rng';
import { lossTermCode, termDirections } from '../../src/engine/train/loss-term';
import { useNodeGpu } from './helpers';
import { beam1d } from '../../src/engine/problems/beam-1d';
import { burgers1d } from '../../src/engine/problems/burgers-1d';
import { heat1d } from '../../src/engine/problems/heat-1d';
import { helmholtz2d } from '../../src/engine/problems/helmholtz-2d';
import { kdv1d } from '../../src/engine/problems/kdv-1d';
import { poisson1d } from '../../src/engine/problems/poisson-1d';
import { poisson2d } from '../../src/engine/problems/poisson-2d';
import { wave1d } from '../../src/engine/problems/wave-1d';

const gpu = useNodeGpu();

const IDS = ['poisson-1d', 'poisson-2d', 'heat-1d', 'wave-1d', 'helmholtz-2d', 'kdv-1d', 'beam-1d', 'burgers-1d'] as const;

const OLD: Record<(typeof IDS)[number], PdeProblem> = {
  'poisson-1d': poisson1d,
  'poisson-2d': poisson2d,
  'heat-1d': heat1d,
  'wave-1d': wave1d,
  'helmholtz-2d': helmholtz2d,
  'kdv-1d': kdv1d,
  'beam-1d': beam1d,
  'burgers-1d': burgers1d,
};

function compile(id: string): CompiledProblem {
  const file = `problems/${id}.json`;
  return compileProblemText(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'), { file });
}

/** Random points in the problem's box, rounded to f32 (what the GPU reads). */
function randomPoints(p: PdeProblem, n: number, rng: Rng): number[][] {
  const { lo, hi } = p.domain;
  return Array.from({ length: n }, () => lo.map((l, j) => Math.fround(l + (hi[j] - l) * rng.uniform())));
}

/** A derivative spec as what it computes: direction and order (and output). */
const specKey = (s: DerivativeSpec) => `${s.direction.join(',')}|${s.order}|${s.output ?? 0}${s.laplacian ? `|lap${s.axes ?? ''}` : ''}`;

/** A point set as a sorted list (the loss is a mean over the points: their order does not matter). */
const sorted = (pts: number[][]) => [...pts].sort((a, b) => a.map((v, j) => v - b[j]).find((d) => Math.abs(d) > 1e-9) ?? 0);

function expectSamePoints(a: LossTerm['points'], b: LossTerm['points'], label: string) {
  if (a === 'interior' || b === 'interior') {
    expect(a, label).toBe(b);
    return;
  }
  expect(a.length, label).toBe(b.length);
  const sa = sorted(a);
  const sb = sorted(b);
  sa.forEach((x, i) => x.forEach((v, j) => expect(Math.abs(v - sb[i][j]), `${label}: point ${i}`).toBeLessThan(1e-12)));
}

/** The derivatives of term `to` in the order of term `from` (each spec once in each). */
function permutation(from: LossTerm, to: LossTerm, label: string): number[] {
  const keys = to.derivatives.map(specKey);
  expect(new Set(keys).size, label).toBe(keys.length);
  const perm = from.derivatives.map((s) => keys.indexOf(specKey(s)));
  expect(perm.every((i) => i >= 0) && perm.length === keys.length, `${label}: derivatives ${from.derivatives.map(specKey)} vs ${keys}`).toBe(true);
  return perm;
}

/** ∂r/∂d_i of a term's f64 residual by central differences (exact up to rounding for the polynomial dependence on d here). */
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

/** Taylor coefficients of φ(x + s v) of a hard transform, by multiplying out its linear factors. */
function phiSeries(problem: PdeProblem, x: number[], v: number[], n: number): number[] {
  const { lo, hi } = problem.domain;
  let poly = [1];
  for (const { axis: a, side } of problem.hard!.factors) {
    const w = hi[a] - lo[a];
    const lin: [number, number][] = side === 'both' ? [[(4 * (x[a] - lo[a])) / w ** 2, (4 * v[a]) / w ** 2], [hi[a] - x[a], -v[a]]] : side === 'lo' ? [[(x[a] - lo[a]) / w, v[a] / w]] : [[(hi[a] - x[a]) / w, -v[a] / w]];
    for (const [al, be] of lin) {
      const next = new Array<number>(poly.length + 1).fill(0);
      poly.forEach((c, i) => {
        next[i] += c * al;
        next[i + 1] += c * be;
      });
      poly = next;
    }
  }
  return Array.from({ length: n + 1 }, (_, k) => poly[k] ?? 0);
}

/** The k-th Taylor coefficient of g(x + s v) from g's f64 form (a 9-point Fornberg stencil: ~1e-9 for these smooth g). */
function gCoefficient(problem: PdeProblem, x: number[], v: number[], k: number): number {
  const g = problem.hard?.g?.f64;
  if (!g) return 0;
  if (k === 0) return g(x);
  const h = 0.05;
  const offsets = [-4, -3, -2, -1, 0, 1, 2, 3, 4];
  const w = fornbergWeights(offsets.map((o) => o * h), k);
  return offsets.reduce((acc, o, i) => acc + w[i] * g(x.map((xi, j) => xi + o * h * v[j])), 0) / factorial(k);
}

const BATCH = 64;
const MAX_K = 4;

/**
 * Random jet coefficients c[direction][p][k], f32, shared by every kernel of a problem; the
 * order-0 coefficient is u(x_p) whatever the direction (as it is for a network's jets).
 */
class Jets {
  private readonly rng: Rng;
  private readonly byDir = new Map<string, Float32Array>();
  private readonly u: Float32Array;
  constructor(seed: number) {
    this.rng = new Rng(seed);
    this.u = Float32Array.from({ length: BATCH }, () => 2 * this.rng.uniform() - 1);
  }
  coef(v: ArrayLike<number>, p: number, k: number): number {
    if (k === 0) return this.u[p];
    const key = Array.from(v).join(',');
    let c = this.byDir.get(key);
    if (!c) {
      c = Float32Array.from({ length: BATCH * (MAX_K + 1) }, () => 2 * this.rng.uniform() - 1);
      this.byDir.set(key, c);
    }
    return c[p * (MAX_K + 1) + k];
  }
}

interface KernelRun {
  /** The residual per point (Jacobian mode with weight = batch: sqrt(w / n) r = r). */
  r: Float32Array;
  /** Per point, per (direction key, order k): the adjoint seed, dr/dd · k! (times φ's coefficient under a hard transform). */
  adj: Map<string, number>[];
}

/** One term's loss kernel as the trainer builds it (lossTermCode), on `points`, with jets from `jets`. */
async function runLossKernel(device: GPUDevice, problem: PdeProblem, term: LossTerm, points: number[][], jets: Jets, hard: boolean): Promise<KernelRun> {
  const dim = problem.dim;
  const { directions, orders } = termDirections(term, dim);
  const width = Math.max(...orders) + 1;
  const chunk = BATCH * width;
  const code = lossTermCode(dim, term, [], { orders, packed: true, chunk }, hard ? problem : undefined);
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
  const adj = Array.from({ length: BATCH }, (_, p) => {
    const m = new Map<string, number>();
    directions.forEach((v, j) => {
      for (let k = 0; k < width; k++) m.set(`${Array.from(v).join(',')}|${k}`, adjData[j * chunk + p * width + k]);
    });
    return m;
  });
  return { r, adj };
}

/** The derivative values the kernel reads at point p: k! c_k, or under the hard transform k! (Σ φ_m c_(k−m) + g_k), in f64. */
function derivativeValues(problem: PdeProblem, term: LossTerm, x: number[], p: number, jets: Jets, hard: boolean): number[] {
  return term.derivatives.map((s) => {
    const k = s.order;
    if (!hard) return factorial(k) * jets.coef(s.direction, p, k);
    const ph = phiSeries(problem, x, s.direction, k);
    let u = gCoefficient(problem, x, s.direction, k);
    for (let m = 0; m <= k; m++) u += ph[m] * jets.coef(s.direction, p, k - m);
    return factorial(k) * u;
  });
}

/*
 * f32 tolerance: the kernel computes in f32 (24-bit mantissa, 6e-8 per rounding) from f32 points
 * and jets; constants such as π², 0.01/π or (1 − 17π²) are rounded once, sin of an f32 argument
 * like 4πy (|·| ≤ 13) is off by a few ulps of the argument, and a residual sums a few such
 * terms. 1e-5 of the size of the residual's parts (1 + |r| + Σ|∂r/∂d_i · d_i|) leaves a
 * margin of ~100 roundings, while a wrong coefficient or sign is off by O(1) of that size.
 */
const F32_TOL = 1e-5;

/** GPU residual and gradient of a generated term against its f64 twin, plain or through the hard transform. */
async function expectKernelMatchesF64(problem: PdeProblem, term: LossTerm, hard: boolean, seed: number): Promise<KernelRun> {
  const rng = new Rng(seed);
  const points = randomPoints(problem, BATCH, rng);
  const jets = new Jets(seed + 1);
  const run = await runLossKernel(gpu.device, problem, term, points, jets, hard);
  for (let p = 0; p < BATCH; p++) {
    const x = points[p];
    const d = derivativeValues(problem, term, x, p, jets, hard);
    const r = term.residual(x, d);
    const g = f64Gradient(term, x, d);
    const scale = 1 + Math.abs(r) + g.reduce((a, gi, i) => a + Math.abs(gi * d[i]), 0);
    expect(Math.abs(run.r[p] - r) / scale, `${problem.id} ${term.name}${hard ? ' (hard)' : ''} residual at ${x}`).toBeLessThan(F32_TOL);
    if (hard) continue;
    const gScale = 1 + g.reduce((a, gi) => a + Math.abs(gi), 0);
    term.derivatives.forEach((s, i) => {
      const got = run.adj[p].get(`${s.direction.join(',')}|${s.order}`)! / factorial(s.order);
      expect(Math.abs(got - g[i]) / gScale, `${problem.id} ${term.name} ∂r/∂${s.name} at ${x}`).toBeLessThan(F32_TOL);
    });
  }
  return run;
}

/** Terms the kernel computes under the hard transform (the others it replaces). */
const hardTerms = (p: PdeProblem) => (p.hard ? p.terms.filter((t) => !p.hard!.replaces.includes(t.name)) : []);

describe.each(IDS.map((id) => [id] as const))('problems/%s.json', (id) => {
  const compiled = compile(id);
  const problem = compiled.problem;

  it('compiles, and validate finds its exact solution satisfies every term', () => {
    const v = validateProblem(compiled);
    expect(v.ok, JSON.stringify(v.checks)).toBe(true);
    if (id !== 'burgers-1d') expect(v.checks!.length).toBe(problem.terms.length);
    expect(problem.id).toBe(id);
  });

  it('each generated term: the WGSL residual and gradient (GPU, the loss kernel) equal the f64 residual and its gradient', async () => {
    for (const [i, term] of problem.terms.entries()) await expectKernelMatchesF64(problem, term, false, 100 + i);
    for (const [i, term] of hardTerms(problem).entries()) await expectKernelMatchesF64(problem, term, true, 200 + i);
  });

  describe('equals the hand-written problem it replaces', () => {
    const old = OLD[id];
    /** Old term name -> the new terms it became (one, except wave-1d's initial and kdv-1d's initial and boundary). */
    const split: Record<string, string[]> = id === 'wave-1d' ? { initial: ['initial', 'initial velocity'] } : id === 'kdv-1d' ? { 'initial and boundary': ['initial', 'boundary'] } : {};
    /** Names that changed (a term name is letters, digits, spaces, _ - ' in a file). */
    const renamed: Record<string, string> = id === 'beam-1d' ? { 'supports (u)': 'supports u' } : {};
    const newOf = (name: string) => (split[name] ?? [renamed[name] ?? name]).map((n) => problem.terms.find((t) => t.name === n)!);

    it('the same domain, defaults, title, description, hard transform, exact solution and terms (names, points, weights)', () => {
      expect(problem.dim).toBe(old.dim);
      expect(problem.domain).toEqual(old.domain);
      expect(problem.defaults).toEqual(old.defaults);
      expect(problem.title).toBe(old.title);
      expect(problem.description).toBe(old.description);
      expect(problem.terms.map((t) => t.name).sort()).toEqual(old.terms.flatMap((t) => newOf(t.name).map((n) => n.name)).sort());
      expect(problem.hard?.factors).toEqual(old.hard?.factors);
      expect(problem.hard?.replaces).toEqual(old.hard?.replaces);
      expect(!!problem.hard?.g).toBe(!!old.hard?.g);
      const rng = new Rng(3);
      for (const x of randomPoints(old, 50, rng)) {
        if (old.hard?.g) expect(Math.abs(problem.hard!.g!.f64(x) - old.hard.g.f64(x))).toBeLessThan(1e-14);
        // burgers-1d's reference (Cole–Hopf quadrature) is no expression: the file has none
        if (id !== 'burgers-1d') expect(Math.abs(problem.exact(x) - old.exact(x))).toBeLessThan(1e-13);
      }
      for (const t of old.terms) {
        const now = newOf(t.name);
        if (now.length === 1) {
          expect(now[0].weight, t.name).toBe(t.weight);
          expectSamePoints(now[0].points, t.points, t.name);
          continue;
        }
        if (id === 'kdv-1d') {
          expectSamePoints(
            now.flatMap((n) => n.points as number[][]),
            t.points,
            t.name,
          );
          // one term over 192 points weighs each point's r² by 10/192: the two terms keep weight / points the same
          for (const n of now) expect(n.weight / (n.points as number[][]).length, n.name).toBeCloseTo(t.weight / (t.points as number[][]).length, 14);
        } else {
          // wave-1d: the initial value and the initial velocity on the same points, each with the old weight
          for (const n of now) {
            expect(n.weight, n.name).toBe(t.weight);
            expectSamePoints(n.points, t.points, n.name);
          }
        }
      }
    });

    it('the f64 residuals agree on random derivative values and points (1e-12 relative)', () => {
      const rng = new Rng(11);
      for (const t of old.terms) {
        const now = newOf(t.name);
        if (id === 'wave-1d' && t.name === 'initial') {
          // the old term enforced (u − f) + u_t as one residual; the new ones u − f and u_t: their sum is the old residual
          const [u, ut] = [t.derivatives.findIndex((s) => s.order === 0), t.derivatives.findIndex((s) => s.order === 1)];
          expect(now[0].derivatives.map((s) => s.order)).toEqual([0]);
          expect(now[1].derivatives.map(specKey)).toEqual([specKey(t.derivatives[ut])]);
          for (const x of randomPoints(old, 100, rng)) {
            const d = t.derivatives.map(() => 6 * rng.uniform() - 3);
            const r = t.residual(x, d);
            const sum = now[0].residual(x, [d[u]]) + now[1].residual(x, [d[ut]]);
            expect(Math.abs(sum - r) / (1 + Math.abs(r) + Math.abs(d[u]) + Math.abs(d[ut])), `${t.name} at ${x}`).toBeLessThan(1e-12);
          }
          continue;
        }
        for (const n of now) {
          const perm = permutation(t, n, `${t.name} → ${n.name}`);
          for (const x of randomPoints(old, 100, rng)) {
            const d = t.derivatives.map(() => 6 * rng.uniform() - 3);
            const dn: number[] = [];
            perm.forEach((k, i) => (dn[k] = d[i]));
            const r = t.residual(x, d);
            const scale = 1 + Math.abs(r) + d.reduce((a, v) => a + Math.abs(v), 0);
            expect(Math.abs(n.residual(x, dn) - r) / scale, `${t.name} → ${n.name} at ${x}`).toBeLessThan(1e-12);
          }
        }
      }
    });

    it('on the GPU the generated and the hand-written loss kernels give the same residual and gradient (f32 rounding), plain and under the hard transform', async () => {
      const run = async (hard: boolean) => {
        const terms = hard ? hardTerms(old) : old.terms;
        for (const [i, t] of terms.entries()) {
          const rng = new Rng(300 + i);
          const points = randomPoints(old, BATCH, rng);
          const jets = new Jets(400 + i);
          const a = await runLossKernel(gpu.device, old, t, points, jets, hard);
          const now = newOf(t.name);
          const b = await Promise.all(now.map((n) => runLossKernel(gpu.device, problem, n, points, jets, hard)));
          for (let p = 0; p < BATCH; p++) {
            const x = points[p];
            // size of the residual's parts in f64, from the old term (for wave-1d's initial: the sum of the new ones)
            const d = derivativeValues(old, t, x, p, jets, hard);
            const g = f64Gradient(t, x, d);
            const scale = 1 + Math.abs(t.residual(x, d)) + g.reduce((acc, gi, k) => acc + Math.abs(gi * d[k]), 0);
            const label = `${t.name}${hard ? ' (hard)' : ''} at ${x}`;
            if (now.length === 1 || id === 'wave-1d') {
              // one new term (or the sum of wave-1d's two, each reading its own derivative)
              const r = b.reduce((acc, run) => acc + run.r[p], 0);
              expect(Math.abs(r - a.r[p]) / scale, `residual ${label}`).toBeLessThan(F32_TOL);
            } else {
              // kdv-1d: each new term is the old residual on its part of the points
              for (const run of b) expect(Math.abs(run.r[p] - a.r[p]) / scale, `residual ${label}`).toBeLessThan(F32_TOL);
            }
            const gScale = 1 + g.reduce((acc, gi) => acc + Math.abs(gi), 0);
            for (const [key, seed] of a.adj[p]) {
              // every (direction, order k) the old kernel seeds with ∂r/∂d · k! the new one seeds alike; wave-1d's u (order 0) sits on another direction
              const k = Number(key.split('|')[1]);
              const ours = b.map((run) => (k === 0 && id === 'wave-1d' ? [...run.adj[p]].filter(([key0]) => key0.endsWith('|0')).reduce((s, [, v]) => s + v, 0) : (run.adj[p].get(key) ?? 0)));
              const totals = now.length === 1 || id === 'wave-1d' ? [ours.reduce((s, v) => s + v, 0)] : ours;
              for (const total of totals) expect(Math.abs(total - seed) / factorial(k) / gScale, `∂r seed ${key} ${label}`).toBeLessThan(F32_TOL);
            }
          }
        }
      };
      await run(false);
      await run(true);
    });
  });
});
