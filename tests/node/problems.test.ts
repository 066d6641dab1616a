import { describe, expect, it } from 'vitest';
import { PROBLEMS } from '../../src/engine/problems';
import { expandDerivative, type DerivativeSpec, type PdeProblem } from '../../src/engine/problems/types';
import { fornbergWeights, centralStencil } from '../../src/engine/methods/fd';

/** Directional derivative of the exact solution by central differences in f64. */
function fdDerivative(p: PdeProblem, x: number[], s: DerivativeSpec, h: number): number {
  // a system: the output the derivative reads
  if (s.output) return fdDerivative({ ...p, exact: p.exactOutputs![s.output] }, x, { ...s, output: undefined }, h);
  if (s.operator) return s.operator.reduce((acc, t) => acc + t.coefficient * fdPartial(p.exact, x, t.alpha, h), 0);
  if (s.laplacian) return expandDerivative(s, p.dim).reduce((acc, v) => acc + fdDerivative(p, x, { ...s, laplacian: false, direction: v }, h), 0);
  if (s.order === 0) return p.exact(x);
  const offsets = centralStencil(s.order);
  const w = fornbergWeights(offsets.map((o) => o * h), s.order);
  return offsets.reduce((acc, o, i) => acc + w[i] * p.exact(x.map((xj, j) => xj + o * h * s.direction[j])), 0);
}

/** ∂^α f by central differences in every coordinate α differentiates (a tensor product of 1-D stencils). */
function fdPartial(f: (x: number[]) => number, x: number[], alpha: readonly number[], h: number): number {
  const c = alpha.findIndex((k) => k > 0);
  if (c < 0) return f(x);
  const rest = alpha.map((k, i) => (i === c ? 0 : k));
  const offsets = centralStencil(alpha[c]);
  const w = fornbergWeights(offsets.map((o) => o * h), alpha[c]);
  return offsets.reduce((acc, o, i) => acc + w[i] * fdPartial(f, x.map((v, j) => (j === c ? v + o * h : v)), rest, h), 0);
}

/** Problems whose solution is known everywhere (not only at a reference table's rows, as lorenz-inverse's). */
const EXACT = PROBLEMS.filter((p) => Number.isFinite(p.exact(p.domain.lo.map((l, j) => l + 0.3141 * (p.domain.hi[j] - l)))));

describe.each(EXACT.map((p) => [p.id, p] as const))('%s', (_id, problem) => {
  it('its exact solution satisfies every loss term (f64: second-order differences converge, Richardson-extrapolated residual vanishes)', () => {
    const { lo, hi } = problem.domain;
    // (a data term's observations are checked against the solution by the problem-file tests)
    for (const term of problem.terms.filter((t) => !t.observations)) {
      const all = term.points === 'interior' ? Array.from({ length: 25 }, (_, i) => lo.map((l, j) => l + (hi[j] - l) * ((i * (j + 3) * 0.6180339887) % 1))) : term.points;
      // a paired (periodic) term: its first half, each derivative marked `partner` at the pair's other point
      const half = term.pairs ? all.length / 2 : all.length;
      const pts = all.slice(0, half);
      const q = problem.unknowns?.map((u) => u.exact!);
      for (const [p, here] of pts.entries()) {
        if (!(problem.smoothAt?.(here) ?? true)) continue;
        const at = (s: DerivativeSpec) => (term.pairs && s.partner ? all[p + half] : here);
        const x = here;
        if (term.derivatives.some((s) => s.operator)) {
          // exact partials of the solution (fourth-order differences in many variables lose too much)
          const d = term.derivatives.map((s) =>
            s.operator ? s.operator.reduce((a, t) => a + t.coefficient * problem.exactPartial!(at(s), t.alpha), 0) : fdDerivative(problem, at(s), s, 0.01),
          );
          const scale = 1 + d.reduce((a, v) => a + Math.abs(v), 0);
          expect(Math.abs(term.residual(x, d, q)) / scale, `${term.name} at ${x}`).toBeLessThan(1e-9);
          continue;
        }
        if (problem.exactDerivatives) {
          // exact high-order derivatives where differences cannot reach
          const d = term.derivatives.map((s) => problem.exactDerivatives!(at(s), s.direction, s.order)[s.order]);
          const scale = 1 + d.reduce((a, v) => a + Math.abs(v), 0);
          expect(Math.abs(term.residual(x, d, q)) / scale, `${term.name} at ${x}`).toBeLessThan(1e-9);
          continue;
        }
        const d1 = term.derivatives.map((s) => fdDerivative(problem, at(s), s, 0.02));
        const d2 = term.derivatives.map((s) => fdDerivative(problem, at(s), s, 0.01));
        const extrapolated = term.derivatives.map((_, i) => (4 * d2[i] - d1[i]) / 3);
        const scale = 1 + d2.reduce((a, v) => a + Math.abs(v), 0);
        expect(Math.abs(term.residual(x, extrapolated, q)) / scale, `${term.name} at ${x}`).toBeLessThan(1e-4);
      }
    }
  });

  it('the residual of a wrong solution is not small (the check can fail)', () => {
    const wrong = { ...problem, exact: (x: number[]) => problem.exact(x) + 0.1 * Math.exp(x[0]) };
    const term = problem.terms.find((t) => t.points === 'interior') ?? problem.terms.find((t) => t.name === 'residual')!;
    const x = problem.domain.lo.map((l, j) => (l + problem.domain.hi[j]) / 2 + 0.1);
    const q = problem.unknowns?.map((u) => u.exact!);
    const r = term.residual(x, term.derivatives.map((s) => fdDerivative(wrong, x, s, 1e-3)), q);
    expect(Math.abs(r)).toBeGreaterThan(0.01);
  });
});

describe('burgers-1d reference (Cole-Hopf by quadrature)', () => {
  it('tends to the initial condition as t -> 0, is odd in x, and keeps the boundary at zero', async () => {
    const { burgersColeHopf } = await import('../../src/engine/problems/burgers-1d');
    for (const x of [-0.9, -0.4, 0.1, 0.55]) {
      expect(burgersColeHopf(x, 1e-5)).toBeCloseTo(-Math.sin(Math.PI * x), 3);
      expect(burgersColeHopf(-x, 0.6)).toBeCloseTo(-burgersColeHopf(x, 0.6), 10);
    }
    expect(Math.abs(burgersColeHopf(1, 0.7))).toBeLessThan(1e-8);
    // the front: a jump of almost 2 across x = 0 at t = 1 (the well-known steep profile)
    expect(burgersColeHopf(-0.02, 1) - burgersColeHopf(0.02, 1)).toBeGreaterThan(1.2);
  });
});

describe('biharmonic-nd', () => {
  it('its exact partials agree with central differences of its solution, and its operator is Δ² (Σ of every ∂ᵢ²∂ⱼ²)', async () => {
    const { biharmonicNd, bilaplacian } = await import('../../src/engine/problems/biharmonic-nd');
    const p = biharmonicNd(3);
    const x = [0.3, 0.55, 0.8];
    for (const alpha of [[4, 0, 0], [2, 2, 0], [0, 2, 2], [1, 0, 1], [0, 1, 0]]) {
      const fd = fdPartial(p.exact, x, alpha, 0.02);
      expect(Math.abs(fd - p.exactPartial!(x, alpha)), alpha.join(',')).toBeLessThan(2e-3 * (1 + Math.abs(fd)));
    }
    // Δ² as Σ_{i,j} ∂_i²∂_j² over ordered pairs: the operator's coefficients sum to d² and every ordered pair is counted
    const ops = bilaplacian(3);
    expect(ops.reduce((a, t) => a + t.coefficient, 0)).toBe(9);
    expect(ops).toHaveLength(6);
  });
});
