import { describe, expect, it } from 'vitest';
import { PROBLEMS } from '../../src/engine/problems';
import type { DerivativeSpec, PdeProblem } from '../../src/engine/problems/types';
import { fornbergWeights, centralStencil } from '../../src/engine/methods/finite-difference';

/** Directional derivative of the exact solution by central differences in f64. */
function fdDerivative(p: PdeProblem, x: number[], s: DerivativeSpec, h: number): number {
  if (s.order === 0) return p.exact(x);
  const offsets = centralStencil(s.order);
  const w = fornbergWeights(offsets.map((o) => o * h), s.order);
  return offsets.reduce((acc, o, i) => acc + w[i] * p.exact(x.map((xj, j) => xj + o * h * s.direction[j])), 0);
}

describe.each(PROBLEMS.map((p) => [p.id, p] as const))('%s', (_id, problem) => {
  it('its exact solution satisfies every loss term (f64, finite differences converging as h shrinks)', () => {
    const { lo, hi } = problem.domain;
    for (const term of problem.terms) {
      const pts = term.points === 'interior' ? Array.from({ length: 25 }, (_, i) => lo.map((l, j) => l + (hi[j] - l) * ((i * (j + 3) * 0.6180339887) % 1))) : term.points;
      const residualAt = (h: number) => Math.max(...pts.map((x) => Math.abs(term.residual(x, term.derivatives.map((s) => fdDerivative(problem, x, s, h))))));
      const coarse = residualAt(1e-2);
      const fine = residualAt(1e-3);
      expect(fine, term.name).toBeLessThan(1e-4);
      // second-order differences: the residual left over is truncation error, shrinking ~100x
      if (coarse > 1e-9) expect(fine, term.name).toBeLessThan(coarse / 20);
    }
  });

  it('the residual of a wrong solution is not small (the check can fail)', () => {
    const wrong = { ...problem, exact: (x: number[]) => problem.exact(x) + 0.1 * x[0] * x[0] };
    const term = problem.terms.find((t) => t.points === 'interior')!;
    const x = problem.domain.lo.map((l, j) => (l + problem.domain.hi[j]) / 2 + 0.1);
    const r = term.residual(x, term.derivatives.map((s) => fdDerivative(wrong, x, s, 1e-3)));
    expect(Math.abs(r)).toBeGreaterThan(0.1);
  });
});
