/**
 * Dense STDE (Hutchinson) for the high-dimensional trainer: per point, B Rademacher
 * directions v ∈ {±1}^d, and Δu ≈ (1/B) Σ_b vᵀ(∇²u)v = (1/B) Σ_b 2 c₂(v_b). Unbiased because
 * E[v vᵀ] = I, so E[vᵀHv] = tr H; its variance per direction is 2 Σ_{i≠j} H_ij² (the
 * diagonal adds none, unlike sparse STDE, whose d/B rescaled diagonal sample has no
 * off-diagonal noise). The price: the first layer's tangent is W₁v, O(d·width) per
 * direction, where sparse STDE reads one column of W₁.
 *
 * Only quantities whose Rademacher estimate is unbiased are offered: Δu (and, with f(u),
 * the ball problems' Δu + f(u) = g). Sums that are not quadratic forms of the derivatives
 * (hjb-lin's Σ|∂ᵢu|^1.75) have no such estimate and are refused.
 */
import type { HighDimProblem } from '../problems/highdim-types';
import { philox4x32 } from '../sampling/random';

/** The most directions per point dense STDE takes (a private array per thread in the kernels). */
export const MAX_DENSE_DIRECTIONS = 1024;

/** Philox purpose word of direction b (the 4th counter word; hd_sample uses 1 to 3). */
const DIRECTION_PURPOSE = 0x10000;

/** Direction b at point p of sampling stream `stream` (the CPU twin of shaders/hd_dense_directions.wgsl). */
export function denseDirection(seed: number, stream: number, p: number, b: number, d: number): Float64Array {
  const v = new Float64Array(d);
  for (let blk = 0; blk * 128 < d; blk++) {
    const words = philox4x32([p, blk, stream, DIRECTION_PURPOSE + b], [seed, 0]);
    for (let j = blk * 128; j < Math.min(d, blk * 128 + 128); j++) v[j] = (words[(j >> 5) & 3] >>> (j & 31)) & 1 ? 1 : -1;
  }
  return v;
}

/**
 * Why dense STDE cannot train this problem, or null when it can. Supported: problems of the
 * ball problems' form, Δu + f(u) = g with u = (1 − |x|²) N and no time (productRule: the
 * kernel hd_loss_dense writes that model's jet along a direction).
 * The message names the problem and says "<id> uses sparse STDE only" first.
 */
export function denseUnsupportedReason(problem: HighDimProblem): string | null {
  if (problem.productRule) return null;
  const why: Record<string, string> = {
    'hjb-lin': `its residual has (1/d) Σᵢ |∂u/∂xᵢ|^1.75, not a quadratic form of the derivatives: random ±1 directions give no unbiased estimate of it`,
    bsb: `its residual has Σᵢ xᵢ² ∂²u/∂xᵢ² (which would need directions x∘v) and Σᵢ xᵢ ∂u/∂xᵢ; dense STDE here estimates Δu only`,
    'hjb-lqg': `its |∇u|² would need E[(v·∇u)²] beside Δu, which dense STDE does not implement here`,
    'wave-sinh': 'dense STDE does not implement the time jet of the time-dependent problems',
  };
  return `${problem.id} uses sparse STDE only: ${why[problem.id] ?? 'dense STDE is implemented for the ball problems Δu + f(u) = g (poisson, allen-cahn, sine-gordon; two- and three-body)'}; use --stde sparse`;
}
