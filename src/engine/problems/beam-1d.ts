import { gridPoints, valueTerm, type PdeProblem } from './types';

/** Euler-Bernoulli beam u'''' = pi^4 sin(pi x) on [0, 1], simply supported: u = u'' = 0 at both ends; u = sin(pi x). */
export const beam1d: PdeProblem = {
  id: 'beam-1d',
  title: 'Euler–Bernoulli beam 1-D',
  equation: 'u⁗ = π⁴ sin(πx) on [0, 1], u = u″ = 0 at x = 0 and 1',
  tex: String.raw`u'''' = \pi^4 \sin(\pi x) \text{ on } [0, 1], \quad u = u'' = 0 \text{ at } x = 0, 1`,
  description: 'Fourth order: stacked AD needs four nested gradients here, one jet does it in one pass.',
  dim: 1,
  domain: { lo: [0], hi: [1] },
  terms: [
    {
      name: 'residual',
      points: 'interior',
      derivatives: [{ name: 'u_xxxx', direction: [1], order: 4 }],
      residualWgsl: 'return d[0] - PI * PI * PI * PI * psin(PI * x[0]);',
      residualGradWgsl: 'return array<f32, 1>(1.0);',
      residual: (x, d) => d[0] - Math.PI ** 4 * Math.sin(Math.PI * x[0]),
      weight: 1e-2,
    },
    {
      name: 'supports',
      points: [[0], [1]],
      derivatives: [
        { name: 'u', direction: [1], order: 0 },
        { name: 'u_xx', direction: [1], order: 2 },
      ],
      // two conditions in one term: r = u + u_xx would let them cancel, so weight them apart
      residualWgsl: 'return d[0] + 0.1 * d[1];',
      residualGradWgsl: 'return array<f32, 2>(1.0, 0.1);',
      residual: (_x, d) => d[0] + 0.1 * d[1],
      weight: 10,
    },
    valueTerm('supports (u)', [[0], [1]], 10),
  ],
  exact: (x) => Math.sin(Math.PI * x[0]),
  testPoints: () => gridPoints([0], [1], 1001),
  defaults: { width: 24, depth: 3, steps: 3000, lr: 2e-3, interiorPoints: 256 },
};
