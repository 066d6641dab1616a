import { gridPoints, valueTerm, type PdeProblem } from './types';

const A1 = 1;
const A2 = 4;
const K2 = 1;
const edge = (n: number) => {
  const pts: number[][] = [];
  for (let i = 0; i < n; i++) {
    const s = -1 + (2 * i) / (n - 1);
    pts.push([s, -1], [s, 1], [-1, s], [1, s]);
  }
  return pts;
};
const forcing = (x: number[]) => (K2 - (A1 * Math.PI) ** 2 - (A2 * Math.PI) ** 2) * Math.sin(A1 * Math.PI * x[0]) * Math.sin(A2 * Math.PI * x[1]);

/** Delta u + k^2 u = q on [-1, 1]^2, u = sin(pi x) sin(4 pi y), u = 0 on the boundary. */
export const helmholtz2d: PdeProblem = {
  id: 'helmholtz-2d',
  title: 'Helmholtz 2-D',
  equation: 'Δu + u = q on [−1, 1]², u = sin(πx) sin(4πy), u = 0 on the boundary',
  tex: String.raw`\Delta u + u = q \text{ on } [-1, 1]^2, \quad u = \sin(\pi x) \sin(4 \pi y), \quad u = 0 \text{ on the boundary}`,
  description: 'A stiff, oscillatory benchmark (a1 = 1, a2 = 4, k = 1).',
  dim: 2,
  domain: { lo: [-1, -1], hi: [1, 1] },
  terms: [
    {
      name: 'residual',
      points: 'interior',
      derivatives: [
        { name: 'u_xx', direction: [1, 0], order: 2 },
        { name: 'u_yy', direction: [0, 1], order: 2 },
        { name: 'u', direction: [1, 0], order: 0 },
      ],
      residualWgsl: `let f = (1.0 - PI * PI - 16.0 * PI * PI) * psin(PI * x[0]) * psin(4.0 * PI * x[1]);
  return d[0] + d[1] + d[2] - f;`,
      residualGradWgsl: 'return array<f32, 3>(1.0, 1.0, 1.0);',
      residual: (x, d) => d[0] + d[1] + K2 * d[2] - forcing(x),
      weight: 1,
    },
    valueTerm('boundary', edge(64), 10),
  ],
  exact: (x) => Math.sin(A1 * Math.PI * x[0]) * Math.sin(A2 * Math.PI * x[1]),
  hard: { factors: [{ axis: 0, side: 'both' }, { axis: 1, side: 'both' }], replaces: ['boundary'] },
  testPoints: () => gridPoints([-1, -1], [1, 1], 61),
  defaults: { width: 64, depth: 3, steps: 5000, lr: 1e-3, interiorPoints: 1024 },
};
