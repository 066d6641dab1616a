import { gridPoints, linePoints, sineBoundaryValues, valueTerm, type PdeProblem } from './types';

const K = 0.4;

/** u_t = 0.4 u_xx on x in [0, 1], t in [0, 1]; u(x, 0) = sin(pi x), u(0, t) = u(1, t) = 0. Inputs (x, t). */
export const heat1d: PdeProblem = {
  id: 'heat-1d',
  title: 'Heat 1-D',
  equation: 'u_t = 0.4 u_xx on [0, 1] × [0, 1], u(x, 0) = sin(πx), u(0, t) = u(1, t) = 0',
  tex: String.raw`u_t = 0.4\, u_{xx} \text{ on } [0, 1] \times [0, 1], \quad u(x, 0) = \sin(\pi x), \quad u(0, t) = u(1, t) = 0`,
  description: 'Diffusion of a sine: a first-order jet in t and a second-order jet in x per point.',
  dim: 2,
  domain: { lo: [0, 0], hi: [1, 1] },
  terms: [
    {
      name: 'residual',
      points: 'interior',
      derivatives: [
        { name: 'u_t', direction: [0, 1], order: 1 },
        { name: 'u_xx', direction: [1, 0], order: 2 },
      ],
      residualWgsl: 'return d[0] - 0.4 * d[1];',
      residualGradWgsl: 'return array<f32, 2>(1.0, -0.4);',
      residual: (_x, d) => d[0] - K * d[1],
      weight: 1,
    },
    valueTerm('initial', linePoints(64, (s) => [s, 0]), 10, { wgsl: 'psin(PI * x[0])', f64: (x) => Math.sin(Math.PI * x[0]) }),
    valueTerm('boundary', [...linePoints(32, (s) => [0, s]), ...linePoints(32, (s) => [1, s])], 10),
  ],
  exact: (x) => Math.exp(-K * Math.PI ** 2 * x[1]) * Math.sin(Math.PI * x[0]),
  // u = sin(πx) + t·φ(x)·N: the initial and boundary values hold exactly
  hard: { factors: [{ axis: 0, side: 'both' }, { axis: 1, side: 'lo' }], replaces: ['initial', 'boundary'], g: sineBoundaryValues(1, 0) },
  testPoints: () => gridPoints([0, 0], [1, 1], 51),
  defaults: { width: 32, depth: 3, steps: 3000, lr: 2e-3, interiorPoints: 512 },
};
