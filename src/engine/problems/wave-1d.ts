import { gridPoints, linePoints, valueTerm, type PdeProblem } from './types';


/** u_tt = 4 u_xx on [0, 1]^2 (x, t), standing waves; u(0, t) = u(1, t) = 0, u(x, 0) and u_t(x, 0) = 0 given. */
export const wave1d: PdeProblem = {
  id: 'wave-1d',
  title: 'Wave 1-D',
  equation: 'u_tt = 4 u_xx on [0, 1]², u = sin(πx) cos(2πt) + ½ sin(4πx) cos(8πt)',
  tex: String.raw`u_{tt} = 4 u_{xx} \text{ on } [0, 1]^2, \quad u = \sin(\pi x) \cos(2 \pi t) + \frac{1}{2} \sin(4 \pi x) \cos(8 \pi t)`,
  description: 'Two standing waves, one fast: hard for a plain PINN (PINNacle reports failure without tricks).',
  dim: 2,
  domain: { lo: [0, 0], hi: [1, 1] },
  terms: [
    {
      name: 'residual',
      points: 'interior',
      derivatives: [
        { name: 'u_tt', direction: [0, 1], order: 2 },
        { name: 'u_xx', direction: [1, 0], order: 2 },
      ],
      residualWgsl: 'return d[0] - 4.0 * d[1];',
      residualGradWgsl: 'return array<f32, 2>(1.0, -4.0);',
      residual: (_x, d) => d[0] - 4 * d[1],
      weight: 1,
    },
    {
      name: 'initial',
      points: linePoints(128, (s) => [s, 0]),
      derivatives: [
        { name: 'u', direction: [0, 1], order: 0 },
        { name: 'u_t', direction: [0, 1], order: 1 },
      ],
      residualWgsl: 'return (d[0] - psin(PI * x[0]) - 0.5 * psin(4.0 * PI * x[0])) + d[1];',
      residualGradWgsl: 'return array<f32, 2>(1.0, 1.0);',
      residual: (x, d) => d[0] - Math.sin(Math.PI * x[0]) - 0.5 * Math.sin(4 * Math.PI * x[0]) + d[1],
      weight: 10,
    },
    valueTerm('boundary', [...linePoints(64, (s) => [0, s]), ...linePoints(64, (s) => [1, s])], 10),
  ],
  exact: (x) => Math.sin(Math.PI * x[0]) * Math.cos(2 * Math.PI * x[1]) + 0.5 * Math.sin(4 * Math.PI * x[0]) * Math.cos(8 * Math.PI * x[1]),
  testPoints: () => gridPoints([0, 0], [1, 1], 51),
  defaults: { width: 64, depth: 4, steps: 5000, lr: 1e-3, interiorPoints: 1024 },
};
