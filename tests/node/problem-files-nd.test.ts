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
import { factorial } from '../../src/engine/jets/taylor-jet';
import { problemById, problemWith } from '../../src/engine/problems';
import { biharmonicNd } from '../../src/engine/problems/biharmonic-nd';
import { heatBall } from '../../src/engine/problems/heat-ball';
import { poissonNd } from '../../src/engine/problems/poisson-nd';
import { poissonSin } from '../../src/engine/problems/poisson-sin';
import type { LossTerm, PdeProblem } from '../../src/engine/problems/types';
import { Rng } from '../../src/engine/sampling/rng';
import { BATCH, f64Gradient, RandomJets, randomPoints, runLossKernel, type LossKernelRun, unit } from './fixtures/loss-kernel';
import { useNodeGpu } from './helpers';

const gpu = useNodeGpu();

const IDS = ['poisson-nd', 'poisson-sin', 'heat-ball', 'biharmonic-nd'] as const;
type Id = (typeof IDS)[number];

function compile(id: string, d?: number): CompiledProblem {
  const file = `problems/${id}.json`;
  return compileProblemText(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'), { file, parameters: d === undefined ? undefined : { d } });
}



/**
 * Per point, per spec of the term: ∂r/∂d_i read back from a kernel run's adjoint seeds (a
 * Laplacian's from each of its axes: they must agree).
 */
function kernelGradient(run: LossKernelRun, term: LossTerm, dim: number): number[][] {
  return Array.from({ length: BATCH }, (_, p) =>
    term.derivatives.map((s) => {
      if (s.operator) return run.seed(p, s.direction, 0);
      if (s.laplacian) {
        // every axis jet of the Laplacian is seeded with ∂r/∂Δu · 2!
        const each = Array.from({ length: s.axes ?? dim }, (_, i) => run.seed(p, unit(dim, i), 2) / 2);
        for (const g of each) expect(g, `${term.name}: the Laplacian's axis seeds agree`).toBe(each[0]);
        return each[0];
      }
      return run.seed(p, s.direction, s.order) / factorial(s.order);
    }),
  );
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
  const jets = new RandomJets(seed + 1, problem.dim);
  const run = await runLossKernel(gpu.device, problem, term, points, jets);
  const grad = kernelGradient(run, term, problem.dim);
  for (let p = 0; p < BATCH; p++) {
    const x = points[p];
    const d = term.derivatives.map((s) => jets.value(s, p));
    const r = term.residual(x, d);
    const g = f64Gradient(term, x, d);
    const scale = partsSize(term, x, d, g);
    expect(Math.abs(run.r[p] - r) / scale, `${problem.id} ${term.name} residual at point ${p}`).toBeLessThan(F32_TOL);
    const gScale = 1 + g.reduce((a, gi) => a + Math.abs(gi), 0);
    term.derivatives.forEach((s, i) => {
      expect(Math.abs(grad[p][i] - g[i]) / gScale, `${problem.id} ${term.name} ∂r/∂${s.name} at point ${p}`).toBeLessThan(F32_TOL);
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
