/**
 * The shipped fixed-dimension problems as problem files (problems/*.json, compiled by
 * src/engine/equations/problem-file.ts): each file validates (its exact solution satisfies every
 * term, symbolically), the shipped problem is the compiled file, and each generated term's WGSL
 * residual and gradient, run through the real loss kernel (lossTermCode) on the GPU, plain and
 * under the problem's hard transform, agree with its generated f64 twin on random values.
 *
 * (Until the hand-written TypeScript problems were deleted, this file also compared the compiled
 * ones with them term by term — points, weights, derivative specs, f64 residuals, and both loss
 * kernels on the GPU; see its history.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileProblemText, type CompiledProblem } from '../../src/engine/equations/problem-file';
import { validateProblem } from '../../src/engine/equations/validate';
import { factorial } from '../../src/engine/jets/taylor-jet';
import { fornbergWeights } from '../../src/engine/methods/fd';
import { problemById } from '../../src/engine/problems';
import type { LossTerm, PdeProblem } from '../../src/engine/problems/types';
import { Rng } from '../../src/engine/sampling/rng';
import { BATCH, f64Gradient, RandomJets, randomPoints, runLossKernel } from './fixtures/loss-kernel';
import { useNodeGpu } from './helpers';

const gpu = useNodeGpu();

const IDS = ['poisson-1d', 'poisson-2d', 'heat-1d', 'wave-1d', 'helmholtz-2d', 'kdv-1d', 'beam-1d', 'burgers-1d'] as const;


function compile(id: string): CompiledProblem {
  const file = `problems/${id}.json`;
  return compileProblemText(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'), { file });
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

/** The derivative values the kernel reads at point p: k! c_k, or under the hard transform k! (Σ φ_m c_(k−m) + g_k), in f64. */
function derivativeValues(problem: PdeProblem, term: LossTerm, x: number[], p: number, jets: RandomJets, hard: boolean): number[] {
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
async function expectKernelMatchesF64(problem: PdeProblem, term: LossTerm, hard: boolean, seed: number): Promise<void> {
  const rng = new Rng(seed);
  const points = randomPoints(problem, BATCH, rng);
  const jets = new RandomJets(seed + 1, problem.dim);
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
      const got = run.seed(p, s.direction, s.order) / factorial(s.order);
      expect(Math.abs(got - g[i]) / gScale, `${problem.id} ${term.name} ∂r/∂${s.name} at ${x}`).toBeLessThan(F32_TOL);
    });
  }
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

  it('is the shipped problem (src/engine/problems), which names its file', () => {
    const shipped = problemById(id)!;
    expect(shipped.file).toBe(`problems/${id}.json`);
    expect(shipped.terms.map((t) => [t.name, t.weight, t.residualWgsl, t.residualGradWgsl])).toEqual(problem.terms.map((t) => [t.name, t.weight, t.residualWgsl, t.residualGradWgsl]));
    expect(shipped.terms.map((t) => t.points)).toEqual(problem.terms.map((t) => t.points));
    expect(shipped.defaults).toEqual(problem.defaults);
  });

  it('each generated term: the WGSL residual and gradient (GPU, the loss kernel) equal the f64 residual and its gradient, plain and under the hard transform', async () => {
    for (const [i, term] of problem.terms.entries()) await expectKernelMatchesF64(problem, term, false, 100 + i);
    for (const [i, term] of hardTerms(problem).entries()) await expectKernelMatchesF64(problem, term, true, 200 + i);
  });
});
