import { Rng } from '../sampling/rng';
import type { LossTerm, PdeProblem } from './types';

/**
 * He et al.'s heat problem (the Stein-estimator paper): u_t = Δu on the unit ball in d
 * dimensions × t in [0, 1], u = |x|²/(2d) + t. Inputs (x, t), time last; the Laplacian sums
 * the d space axes only (axes: d). Interior points are uniform in the ball (domain kind
 * 'ball-time'); boundary (|x| = 1) and initial (t = 0) points are fixed and seeded.
 */
const DEFAULT_DIM = 100;
const MAX_DIM = 100;

/** A point uniform in the unit ball of dimension d (onSphere: on its surface). */
function ballPoint(rng: Rng, d: number, onSphere: boolean): number[] {
  const z = Array.from({ length: d }, () => rng.normal());
  const norm = Math.sqrt(z.reduce((a, v) => a + v * v, 0));
  const r = onSphere ? 1 : rng.uniform() ** (1 / d);
  return z.map((v) => (r * v) / norm);
}

export function heatBall(dim = DEFAULT_DIM): PdeProblem {
  if (!Number.isInteger(dim) || dim < 1 || dim > MAX_DIM) throw new RangeError(`heat-ball: the dimension must be an integer from 1 to ${MAX_DIM} (got ${dim})`);
  const d = dim;
  const norm2 = (x: number[]) => x.slice(0, d).reduce((a, v) => a + v * v, 0);
  const exact = (x: number[]) => norm2(x) / (2 * d) + x[d];
  const norm2Wgsl = `var r2 = 0.0;\n  for (var i = 0u; i < ${d}u; i++) { r2 += x[i] * x[i]; }`;
  const valueTerm = (name: string, points: number[][], g: string, f64: (x: number[]) => number): LossTerm => ({
    name,
    points,
    derivatives: [{ name: 'u', direction: Array.from({ length: d + 1 }, (_, m) => (m === d ? 1 : 0)), order: 0 }],
    residualWgsl: `${norm2Wgsl}\n  return d[0] - (${g});`,
    residualGradWgsl: 'return array<f32, 1>(1.0);',
    residual: (x, dd) => dd[0] - f64(x),
    weight: 10,
  });
  const boundaryPoints = (rng: Rng) => Array.from({ length: 256 }, () => [...ballPoint(rng, d, true), rng.uniform()]);
  const initialPoints = (rng: Rng) => Array.from({ length: 256 }, () => [...ballPoint(rng, d, false), 0]);
  const rng = new Rng(2024 + d);
  const boundary = boundaryPoints(rng);
  const initial = initialPoints(rng);
  return {
    id: 'heat-ball',
    title: `Heat in the ${d}-D ball`,
    equation: `u_t = Δu on the unit ball in ${d} dimensions × [0, 1], u = |x|²/(2·${d}) + t on the sphere and at t = 0`,
    tex: String.raw`u_t = \Delta_x u \text{ on } \{|x| \le 1\} \subset \mathbb{R}^{${d}},\ t \in [0, 1], \quad u = \frac{|x|^2}{2 \cdot ${d}} + t \text{ for } |x| = 1 \text{ and at } t = 0`,
    description: 'He et al.’s high-dimensional heat equation: a Laplacian over the space axes only, interior points uniform in the ball.',
    dim: d + 1,
    domain: { lo: [...Array(d).fill(-1), 0], hi: [...Array(d).fill(1), 1], kind: 'ball-time' },
    terms: [
      {
        name: 'residual',
        points: 'interior',
        derivatives: [
          { name: 'u_t', direction: Array.from({ length: d + 1 }, (_, m) => (m === d ? 1 : 0)), order: 1 },
          { name: 'Δu', direction: Array(d + 1).fill(0), order: 2, laplacian: true, axes: d },
        ],
        residualWgsl: 'return d[0] - d[1];',
        residualGradWgsl: 'return array<f32, 2>(1.0, -1.0);',
        residual: (_x, dd) => dd[0] - dd[1],
        weight: 1,
      },
      { ...valueTerm('boundary', boundary, `r2 / ${2 * d}.0 + x[${d}]`, exact), redraw: (seed) => boundaryPoints(new Rng(seed)) },
      { ...valueTerm('initial', initial, `r2 / ${2 * d}.0`, (x) => norm2(x) / (2 * d)), redraw: (seed) => initialPoints(new Rng(seed)) },
    ],
    exact,
    testPoints: () => {
      const r = new Rng(88);
      return Array.from({ length: 2000 }, () => [...ballPoint(r, d, false), r.uniform()]);
    },
    defaults: { width: 64, depth: 3, steps: 3000, lr: 2e-3, interiorPoints: 256 },
    paramRanges: { dim: [1, MAX_DIM] },
    params: { dim: d },
    variant: (p) => heatBall(p.dim ?? DEFAULT_DIM),
  };
}
