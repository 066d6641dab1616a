import { gridPoints, valueTerm, type PdeProblem } from './types';

/** -u'' = pi^2 sin(pi x) on [-1, 1], u(+-1) = 0; u = sin(pi x). */
export const poisson1d: PdeProblem = {
  id: 'poisson-1d',
  title: 'Poisson 1-D',
  equation: "−u″ = π² sin(πx) on [−1, 1], u(±1) = 0",
  tex: String.raw`-u'' = \pi^2 \sin(\pi x) \text{ on } [-1, 1], \quad u(\pm 1) = 0`,
  description: 'The simplest second-order problem: one jet of order 2 per point.',
  dim: 1,
  domain: { lo: [-1], hi: [1] },
  terms: [
    {
      name: 'residual',
      points: 'interior',
      derivatives: [{ name: 'u_xx', direction: [1], order: 2 }],
      residualWgsl: 'return -d[0] - PI * PI * psin(PI * x[0]);',
      residualGradWgsl: 'return array<f32, 1>(-1.0);',
      residual: (x, d) => -d[0] - Math.PI ** 2 * Math.sin(Math.PI * x[0]),
      weight: 1,
    },
    valueTerm('boundary', [[-1], [1]], 10),
  ],
  exact: (x) => Math.sin(Math.PI * x[0]),
  hard: { factors: [{ axis: 0, side: 'both' }], replaces: ['boundary'] },
  testPoints: () => gridPoints([-1], [1], 1001),
  defaults: { width: 24, depth: 3, steps: 2000, lr: 2e-3, interiorPoints: 256 },
};
