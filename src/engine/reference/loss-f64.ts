import type { Mlp } from '../model/mlp';
import { residualCount, unknownValue, type PdeProblem } from '../problems/types';
import { referenceJets } from '../jets/jet-f64';

/**
 * The training loss of a problem with fixed points in f64 (what the GPU computes in f32):
 * Σ_terms weight · mean_p r(x_p, d, q)², the derivatives d from f64 Taylor jets of the
 * network (minus the mirrored jets at −x along −v for an odd model), q the unknowns'
 * values from their raw parameters. For precision checks of the GPU loss and the optimizers;
 * f32Points: at the f32 roundings of the points, as the GPU has them.
 */
export function lossF64(problem: PdeProblem, mlp: Mlp, params: ArrayLike<number>, unknownRaw: ArrayLike<number> = [], f32Points = false): number {
  return residualsF64(problem, mlp, params, unknownRaw, f32Points).reduce((s, r) => s + r * r, 0);
}

/**
 * The weighted residual vector whose sum of squares is lossF64: sqrt(weight / n) r(x_p) for
 * every term's points, in term order (what Levenberg–Marquardt's Jacobian differentiates); a
 * paired term's partners have rows of 0 after its pairs'.
 */
export function residualsF64(problem: PdeProblem, mlp: Mlp, params: ArrayLike<number>, unknownRaw: ArrayLike<number> = [], f32Points = false): number[] {
  const q = (problem.unknowns ?? []).map((u, i) => unknownValue(u, unknownRaw[i]));
  const dim = problem.dim;
  const out: number[] = [];
  for (const term of problem.terms) {
    if (term.points === 'interior') throw new Error(`lossF64: ${problem.id}'s ${term.name} term samples its points; only fixed points are supported`);
    if (term.derivatives.some((s) => s.laplacian)) throw new Error('lossF64: Laplacian terms are not supported');
    if (term.points.length && term.points[0].length !== dim) throw new Error(`lossF64: ${term.name}'s points are not ${dim}-dimensional`);
    const pts = f32Points ? term.points.map((x) => x.map(Math.fround)) : term.points;
    const jets = term.derivatives.map((s) => {
      const plus = referenceJets(mlp, pts.flat(), s.direction, s.order, params);
      if (!problem.oddModel) return plus;
      const minus = referenceJets(mlp, pts.flat().map((v) => -v), s.direction.map((v) => -v), s.order, params);
      return plus.map((v, i) => v - minus[i]);
    });
    // a paired term: one residual per pair, a `partner` derivative read at point p + n/2
    const n = residualCount(term, pts);
    const scale = Math.sqrt(term.weight / n);
    for (let p = 0; p < n; p++) {
      const d = term.derivatives.map((s, i) => {
        let fact = 1;
        for (let m = 2; m <= s.order; m++) fact *= m;
        const at = term.pairs && s.partner ? p + n : p;
        return fact * jets[i][at * (s.order + 1) + s.order];
      });
      out.push(scale * term.residual(pts[p], d, q, p));
    }
    // the partners' rows, 0 (as on the GPU, whose Jacobian keeps a row per point)
    if (term.pairs) out.push(...new Array<number>(n).fill(0));
  }
  return out;
}
