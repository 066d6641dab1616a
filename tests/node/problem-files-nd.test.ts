/**
 * The shipped problems in d dimensions as problem files (problems/poisson-nd.json,
 * poisson-sin.json, heat-ball.json, biharmonic-nd.json: a vector input x[d] with d a parameter
 * that --dim picks): at d = 3 each file validates (its exact solution satisfies every term,
 * symbolically), the shipped problem's variant is the compiled file, and each generated term's
 * WGSL residual and gradient, run through the real loss kernel (lossTermCode) on the GPU, agree
 * with its generated f64 twin on random values (Laplacians and operators included).
 *
 * (Until the hand-written TypeScript problems were deleted, this file also compared the compiled
 * ones with them term by term at d = 3 and each default d — names, weights, derivative specs,
 * domain, defaults, parameter ranges, exact solution, f64 residuals, both loss kernels on the
 * GPU, and where their fixed points lie; see its history.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileProblemText, type CompiledProblem } from '../../src/engine/equations/problem-file';
import { validateProblem } from '../../src/engine/equations/validate';
import { createStorageBuffer, readBuffer } from '../../src/engine/gpu/gpu';
import { kernelPass } from '../../src/engine/gpu/kernels';
import { factorial } from '../../src/engine/jets/taylor-jet';
import { problemById, problemWith } from '../../src/engine/problems';
import { biharmonicNd } from '../../src/engine/problems/biharmonic-nd';
import { heatBall } from '../../src/engine/problems/heat-ball';
import { poissonNd } from '../../src/engine/problems/poisson-nd';
import { poissonSin } from '../../src/engine/problems/poisson-sin';
import type { DerivativeSpec, LossTerm, PdeProblem } from '../../src/engine/problems/types';
import { Rng } from '../../src/engine/sampling/rng';
import { lossTermCode, termDirections } from '../../src/engine/train/loss-term';
import { useNodeGpu } from './helpers';

const gpu = useNodeGpu();

const IDS = ['poisson-nd', 'poisson-sin', 'heat-ball', 'biharmonic-nd'] as const;
type Id = (typeof IDS)[number];

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

/** The shipped module's function of each file (its dimension as the argument). */
const MODULES: Record<Id, (dim?: number) => PdeProblem> = { 'poisson-nd': poissonNd, 'poisson-sin': poissonSin, 'heat-ball': heatBall, 'biharmonic-nd': biharmonicNd };

/** What a compiled problem trains: its domain, defaults and terms (names, weights, points, derivatives, generated code). */
const trained = (p: PdeProblem) => ({
  dim: p.dim,
  domain: p.domain,
  defaults: p.defaults,
  paramRanges: p.paramRanges,
  params: p.params,
  terms: p.terms.map((t) => [t.name, t.weight, t.points, t.derivatives, t.residualWgsl, t.residualGradWgsl, t.residualDsWgsl]),
});

describe.each(IDS.map((id) => [id] as const))('problems/%s.json', (id) => {
  const compiled = compile(id, 3);
  const problem = compiled.problem;

  it('compiles at d = 3, and validate finds its exact solution satisfies every term', () => {
    const v = validateProblem(compiled);
    expect(v.ok, JSON.stringify(v.checks)).toBe(true);
    expect(v.checks!.length).toBe(problem.terms.length);
    expect(problem.id).toBe(id);
    expect(problem.dim).toBe(id === 'heat-ball' ? 4 : 3);
    expect(problem.params).toEqual({ dim: 3 });
  });

  it('is the shipped problem (src/engine/problems), which names its file, in its default dimension and as the variant --dim 3 picks', () => {
    const shipped = problemById(id)!;
    const three = problemWith(id, { dim: 3 })!;
    for (const p of [shipped, three, three.variant!({ dim: 4 })]) expect(p.file).toBe(`problems/${id}.json`);
    expect(trained(shipped)).toEqual(trained(compile(id).problem));
    expect(trained(three)).toEqual(trained(problem));
    expect(three.variant!({ dim: 4 }).params).toEqual({ dim: 4 });
    const [lo, hi] = shipped.paramRanges!.dim!;
    for (const bad of [lo - 1, hi + 1, 2.5]) expect(() => MODULES[id](bad)).toThrow(new RegExp(`^${id}: the dimension must be an integer from ${lo} to ${hi} \\(got ${bad}\\)$`));
  });

  it('each generated term: the WGSL residual and gradient (GPU, the loss kernel) equal the f64 residual and its gradient', async () => {
    for (const [i, term] of problem.terms.entries()) await expectKernelMatchesF64(problem, term, 100 + i);
  });
});
