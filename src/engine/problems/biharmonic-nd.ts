import file from '../../../problems/biharmonic-nd.json';
import { dimensional } from './from-file';
import type { OperatorTerm } from '../jets/jet-slots';

/**
 * The biharmonic equation Δ²u = |k|⁴ sin(k·x) on [0, 1]^d with Navier conditions u = sin(k·x),
 * Δu = −|k|² sin(k·x) on the boundary, k_i = (π/√d)(1/2 + (i − 1)/d) so the mixed terms matter:
 * compiled from problems/biharmonic-nd.json with d = dim. Its lap(lap(u)) is one operator of
 * d(d + 1)/2 terms (∂ᵢ⁴ and 2 ∂ᵢ²∂ⱼ², i < j), each read from one slot jet: every term with
 * --method taylor, B of them drawn in proportion to their coefficients with --method stde.
 */
export const biharmonicNd = dimensional(file, 'problems/biharmonic-nd.json');

/** Δ² = Σ_i ∂_i⁴ + 2 Σ_{i<j} ∂_i²∂_j² in d dimensions: the operator biharmonic-nd's residual reads (its file's lap(lap(u))). */
export function bilaplacian(d: number): OperatorTerm[] {
  return biharmonicNd(d).terms.find((t) => t.points === 'interior')!.derivatives[0].operator!;
}
