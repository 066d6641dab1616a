import { Rng } from '../sampling/rng';
import { cubeFacePoints, valueTerm, type PdeProblem } from './types';

/**
 * PINNacle's d-dimensional Poisson problem: −Δu = (π²/4) Σ sin(π x_i / 2) on [0, 1]^d,
 * u = Σ sin(π x_i / 2) (so u = g on the boundary). One second-order jet per axis: d
 * directions share one packed jet batch.
 */
const DEFAULT_DIM = 5;
const MAX_DIM = 100;

const exact = (x: number[]) => x.reduce((a, xi) => a + Math.sin((Math.PI * xi) / 2), 0);

export function poissonNd(dim = DEFAULT_DIM): PdeProblem {
  if (!Number.isInteger(dim) || dim < 1 || dim > MAX_DIM) throw new RangeError(`poisson-nd: the dimension must be an integer from 1 to ${MAX_DIM} (got ${dim})`);
  const d = dim;
  const gWgsl = `(${Array.from({ length: d }, (_, i) => `psin(0.5 * PI * x[${i}])`).join(' + ')})`;
  return {
    id: 'poisson-nd',
    title: `Poisson ${d}-D`,
    equation: `−Δu = (π²/4) Σ sin(πxᵢ/2) on [0, 1]^${d}, u = Σ sin(πxᵢ/2) on the boundary`,
    tex: String.raw`-\Delta u = \frac{\pi^2}{4} \sum_{i=1}^{${d}} \sin \frac{\pi x_i}{2} \text{ on } [0, 1]^{${d}}, \quad u = \sum_i \sin \frac{\pi x_i}{2} \text{ on the boundary}`,
    description: 'PINNacle’s high-dimensional Poisson problem: the Laplacian from one second-order jet per axis, all in one batch (or a few random ones with STDE).',
    dim: d,
    domain: { lo: Array(d).fill(0), hi: Array(d).fill(1) },
    terms: [
      {
        name: 'residual',
        points: 'interior',
        derivatives: [{ name: 'Δu', direction: Array(d).fill(0), order: 2, laplacian: true }],
        residualWgsl: `var s = 0.0;\n  for (var i = 0u; i < D; i++) { s += 0.25 * PI * PI * psin(0.5 * PI * x[i]); }\n  return -d[0] - s;`,
        residualGradWgsl: 'return array<f32, 1>(-1.0);',
        residual: (x, dd) => -dd[0] - x.reduce((a, xi) => a + (Math.PI ** 2 / 4) * Math.sin((Math.PI * xi) / 2), 0),
        weight: 1,
      },
      { ...valueTerm('boundary', cubeFacePoints(d, 1234 + d), 10, { wgsl: gWgsl, f64: exact }), redraw: (seed) => cubeFacePoints(d, seed) },
    ],
    exact,
    testPoints: () => {
      const rng = new Rng(99);
      return Array.from({ length: 2000 }, () => Array.from({ length: d }, () => rng.uniform()));
    },
    defaults: { width: 32, depth: 3, steps: 3000, lr: 2e-3, interiorPoints: 512 },
    paramRanges: { dim: [1, MAX_DIM] },
    params: { dim: d },
    variant: (p) => poissonNd(p.dim ?? DEFAULT_DIM),
  };
}
