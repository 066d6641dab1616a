import { gridPoints, linePoints, type PdeProblem } from './types';

const C = 2;
const L = 5;
const soliton = (x: number, t: number) => (C / 2) / Math.cosh((Math.sqrt(C) / 2) * (x - C * t)) ** 2;

/** u_t + 6 u u_x + u_xxx = 0, a soliton u = (c/2) sech^2(sqrt(c)/2 (x - c t)), c = 2, on [-5, 5] x [0, 1]. */
export const kdv1d: PdeProblem = {
  id: 'kdv-1d',
  title: 'KdV 1-D (soliton)',
  equation: 'u_t + 6 u u_x + u_xxx = 0 on [−5, 5] × [0, 1], u = sech²((x − 2t)/√2)',
  tex: String.raw`u_t + 6 u\, u_x + u_{xxx} = 0 \text{ on } [-5, 5] \times [0, 1], \quad u = \text{sech}^2 \frac{x - 2t}{\sqrt{2}}`,
  description: 'Third order and nonlinear: one jet of order 3 in x gives u, u_x and u_xxx together.',
  dim: 2,
  domain: { lo: [-L, 0], hi: [L, 1] },
  terms: [
    {
      name: 'residual',
      points: 'interior',
      derivatives: [
        { name: 'u', direction: [1, 0], order: 0 },
        { name: 'u_x', direction: [1, 0], order: 1 },
        { name: 'u_xxx', direction: [1, 0], order: 3 },
        { name: 'u_t', direction: [0, 1], order: 1 },
      ],
      residualWgsl: 'return d[3] + 6.0 * d[0] * d[1] + d[2];',
      residualGradWgsl: 'return array<f32, 4>(6.0 * d[1], 6.0 * d[0], 1.0, 1.0);',
      residual: (_x, d) => d[3] + 6 * d[0] * d[1] + d[2],
      weight: 1,
    },
    {
      name: 'initial and boundary',
      points: [...linePoints(128, (s) => [-L + 2 * L * s, 0]), ...linePoints(32, (s) => [-L, s]), ...linePoints(32, (s) => [L, s])],
      derivatives: [{ name: 'u', direction: [1, 0], order: 0 }],
      residualWgsl: `let a = 0.70710678 * (x[0] - 2.0 * x[1]);
  let e = exp(-2.0 * abs(a));
  let sech = 2.0 * sqrt(e) / (1.0 + e);
  return d[0] - sech * sech;`,
      residualGradWgsl: 'return array<f32, 1>(1.0);',
      residual: (x, d) => d[0] - soliton(x[0], x[1]),
      weight: 10,
    },
  ],
  exact: (x) => soliton(x[0], x[1]),
  testPoints: () => gridPoints([-L, 0], [L, 1], 51),
  defaults: { width: 32, depth: 3, steps: 4000, lr: 2e-3, interiorPoints: 512 },
};
