import { Rng } from '../sampling/rng';
import { cubeFacePoints, type LossTerm, type PdeProblem } from './types';

/**
 * He et al.'s Poisson problem (the Stein-estimator paper): Δu = −sin(Σ xᵢ) on [0, 1]^d,
 * u = sin(Σ xᵢ)/d, so u = the exact solution on the faces. The Laplacian is one spec:
 * d axis jets (taylor, ad, fd), random ones (stde) or one Stein estimate.
 */
const DEFAULT_DIM = 10;
const MAX_DIM = 100;

export function poissonSin(dim = DEFAULT_DIM): PdeProblem {
  if (!Number.isInteger(dim) || dim < 1 || dim > MAX_DIM) throw new RangeError(`poisson-sin: the dimension must be an integer from 1 to ${MAX_DIM} (got ${dim})`);
  const d = dim;
  const exact = (x: number[]) => Math.sin(x.reduce((a, b) => a + b, 0)) / d;
  const sumWgsl = 'var s = 0.0;\n  for (var i = 0u; i < D; i++) { s += x[i]; }';
  const boundary: LossTerm = {
    name: 'boundary',
    points: cubeFacePoints(d, 4321 + d),
    redraw: (seed) => cubeFacePoints(d, seed),
    derivatives: [{ name: 'u', direction: Array.from({ length: d }, (_, m) => (m === 0 ? 1 : 0)), order: 0 }],
    residualWgsl: `${sumWgsl}\n  return d[0] - psin(s) / ${d}.0;`,
    residualGradWgsl: 'return array<f32, 1>(1.0);',
    residual: (x, dd) => dd[0] - exact(x),
    weight: 100,
  };
  return {
    id: 'poisson-sin',
    title: `Poisson sin(Σx) ${d}-D`,
    equation: `Δu = −sin(Σ xᵢ) on [0, 1]^${d}, u = sin(Σ xᵢ)/${d} on the boundary`,
    tex: String.raw`\Delta u = -\sin\left(\sum_{i=1}^{${d}} x_i\right) \text{ on } [0, 1]^{${d}}, \quad u = \frac{1}{${d}} \sin\left(\sum_i x_i\right) \text{ on the boundary}`,
    description: 'He et al.’s Poisson problem for Stein’s estimator: a Laplacian in d dimensions, solution sin(Σx)/d.',
    dim: d,
    domain: { lo: Array(d).fill(0), hi: Array(d).fill(1) },
    terms: [
      {
        name: 'residual',
        points: 'interior',
        derivatives: [{ name: 'Δu', direction: Array(d).fill(0), order: 2, laplacian: true }],
        residualWgsl: `${sumWgsl}\n  return d[0] + psin(s);`,
        residualGradWgsl: 'return array<f32, 1>(1.0);',
        residual: (x, dd) => dd[0] + Math.sin(x.reduce((a, b) => a + b, 0)),
        weight: 1,
      },
      boundary,
    ],
    exact,
    testPoints: () => {
      const rng = new Rng(77);
      return Array.from({ length: 2000 }, () => Array.from({ length: d }, () => rng.uniform()));
    },
    defaults: { width: 64, depth: 3, steps: 3000, lr: 2e-3, interiorPoints: 256 },
    paramRanges: { dim: [1, MAX_DIM] },
    params: { dim: d },
    variant: (p) => poissonSin(p.dim ?? DEFAULT_DIM),
  };
}
