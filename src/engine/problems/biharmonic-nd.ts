import type { MultiIndex, OperatorTerm } from '../jets/jet-slots';
import { Rng } from '../sampling/rng';
import { wgslFloat } from '../gpu/kernels';
import { cubeFacePoints, operatorSpec, valueTerm, type PdeProblem } from './types';

/**
 * The biharmonic equation Δ²u = |k|⁴ sin(k·x) on [0, 1]^d with Navier conditions u = sin(k·x),
 * Δu = −|k|² sin(k·x) on the boundary; u = sin(k·x) with k_i = (π/√d)(1/2 + i/d), so the mixed
 * terms matter (a sum of one-variable functions would make them vanish).
 *
 * Δ² = Σ_i ∂_i⁴ + 2 Σ_{i<j} ∂_i²∂_j² is an operator of d(d + 1)/2 terms, each read from one slot
 * jet (∂_i⁴ from a 4-jet along e_i; ∂_i²∂_j² from a 14-jet with e_i at t³ and e_j at t⁴, the
 * lowest layout no other partition of 14 reaches): every term with --method taylor, B of them
 * drawn in proportion to their coefficients with --method stde. The boundary Laplacian is an
 * operator of d terms read the same way.
 */
const DEFAULT_DIM = 5;
const MAX_DIM = 40;

const wave = (d: number) => Array.from({ length: d }, (_, i) => (Math.PI / Math.sqrt(d)) * (0.5 + i / d));

/** Σ_i ∂_i⁴ + 2 Σ_{i<j} ∂_i²∂_j² as terms. */
export function bilaplacian(d: number): OperatorTerm[] {
  const unit = (pairs: [number, number][]) => {
    const a = new Array<number>(d).fill(0);
    for (const [i, k] of pairs) a[i] += k;
    return a;
  };
  const terms: OperatorTerm[] = [];
  for (let i = 0; i < d; i++) {
    terms.push({ coefficient: 1, alpha: unit([[i, 4]]) });
    for (let j = i + 1; j < d; j++) terms.push({ coefficient: 2, alpha: unit([[i, 2], [j, 2]]) });
  }
  return terms;
}

/** Σ_i ∂_i² as terms. */
export function laplacianTerms(d: number): OperatorTerm[] {
  return Array.from({ length: d }, (_, i) => ({ coefficient: 1, alpha: Array.from({ length: d }, (_, m) => (m === i ? 2 : 0)) }));
}

export function biharmonicNd(dim = DEFAULT_DIM): PdeProblem {
  if (!Number.isInteger(dim) || dim < 2 || dim > MAX_DIM) throw new RangeError(`biharmonic-nd: the dimension must be an integer from 2 to ${MAX_DIM} (got ${dim})`);
  const d = dim;
  const k = wave(d);
  const k2 = k.reduce((a, v) => a + v * v, 0);
  const phase = (x: number[]) => x.reduce((a, xi, i) => a + k[i] * xi, 0);
  const exact = (x: number[]) => Math.sin(phase(x));
  const phaseWgsl = `(${k.map((ki, i) => `${wgslFloat(Math.fround(ki))} * x[${i}]`).join(' + ')})`;
  const face = (seed: number) => cubeFacePoints(d, seed);
  return {
    id: 'biharmonic-nd',
    title: `Biharmonic ${d}-D`,
    equation: `Δ²u = |k|⁴ sin(k·x) on [0, 1]^${d}, u = sin(k·x) and Δu = −|k|² sin(k·x) on the boundary (kᵢ = (π/√d)(1/2 + i/d))`,
    tex: String.raw`\Delta^2 u = |k|^4 \sin(k \cdot x) \text{ on } [0, 1]^{${d}}, \quad u = \sin(k \cdot x), \ \Delta u = -|k|^2 \sin(k \cdot x) \text{ on the boundary}`,
    description: `A fourth-order operator with ${(d * (d + 1)) / 2} terms (∂ᵢ⁴ and the mixed ∂ᵢ²∂ⱼ²), each read from one slot jet: all of them with Taylor jets, a few drawn at random per point with STDE.`,
    dim: d,
    domain: { lo: Array(d).fill(0), hi: Array(d).fill(1) },
    terms: [
      {
        name: 'residual',
        points: 'interior',
        derivatives: [operatorSpec('Δ²u', d, bilaplacian(d))],
        residualWgsl: `return d[0] - ${wgslFloat(Math.fround(k2 * k2))} * psin(${phaseWgsl});`,
        residualGradWgsl: 'return array<f32, 1>(1.0);',
        residual: (x, dd) => dd[0] - k2 * k2 * exact(x),
        // the residual in units of |k|⁴ sin(k·x)'s amplitude
        weight: 1 / k2 ** 4,
      },
      { ...valueTerm('boundary', face(4321 + d), 10, { wgsl: `psin(${phaseWgsl})`, f64: exact }), redraw: face },
      {
        name: 'boundary Δu',
        points: face(8765 + d),
        redraw: face,
        derivatives: [operatorSpec('Δu', d, laplacianTerms(d))],
        residualWgsl: `return d[0] + ${wgslFloat(Math.fround(k2))} * psin(${phaseWgsl});`,
        residualGradWgsl: 'return array<f32, 1>(1.0);',
        residual: (x, dd) => dd[0] + k2 * exact(x),
        weight: 10 / k2 ** 2,
      },
    ],
    exact,
    exactPartial: (x: number[], alpha: MultiIndex) => {
      const m = alpha.reduce((a, v) => a + v, 0);
      return alpha.reduce((a, v, i) => a * k[i] ** v, 1) * Math.sin(phase(x) + (m * Math.PI) / 2);
    },
    testPoints: () => {
      const rng = new Rng(77);
      return Array.from({ length: 2000 }, () => Array.from({ length: d }, () => rng.uniform()));
    },
    defaults: { width: 32, depth: 3, steps: 2000, lr: 2e-3, interiorPoints: 256 },
    paramRanges: { dim: [2, MAX_DIM] },
    params: { dim: d },
    variant: (p) => biharmonicNd(p.dim ?? DEFAULT_DIM),
  };
}
