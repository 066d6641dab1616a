import { gridPoints, valueTerm, type PdeProblem } from './types';

const boundary: number[][] = [];
for (let i = 0; i <= 32; i++) {
  const t = i / 32;
  boundary.push([t, 0], [t, 1], [0, t], [1, t]);
}

/** -Lap u = 2 pi^2 sin(pi x) sin(pi y) on [0,1]^2, u = 0 on the boundary; u = sin(pi x) sin(pi y). */
export const poisson2d: PdeProblem = {
  id: 'poisson-2d',
  title: 'Poisson 2-D',
  equation: '−Δu = 2π² sin(πx) sin(πy) on [0, 1]², u = 0 on the boundary',
  tex: String.raw`-\Delta u = 2 \pi^2 \sin(\pi x) \sin(\pi y) \text{ on } [0, 1]^2, \quad u = 0 \text{ on the boundary}`,
  description: 'Two second-order jets per point, one along each axis.',
  dim: 2,
  domain: { lo: [0, 0], hi: [1, 1] },
  terms: [
    {
      name: 'residual',
      points: 'interior',
      derivatives: [
        { name: 'u_xx', direction: [1, 0], order: 2 },
        { name: 'u_yy', direction: [0, 1], order: 2 },
      ],
      residualWgsl: 'return -(d[0] + d[1]) - 2.0 * PI * PI * psin(PI * x[0]) * psin(PI * x[1]);',
      residualGradWgsl: 'return array<f32, 2>(-1.0, -1.0);',
      residual: (x, d) => -(d[0] + d[1]) - 2 * Math.PI ** 2 * Math.sin(Math.PI * x[0]) * Math.sin(Math.PI * x[1]),
      weight: 1,
    },
    valueTerm('boundary', boundary, 10),
  ],
  exact: (x) => Math.sin(Math.PI * x[0]) * Math.sin(Math.PI * x[1]),
  hard: { factors: [{ axis: 0, side: 'both' }, { axis: 1, side: 'both' }], replaces: ['boundary'] },
  testPoints: () => gridPoints([0, 0], [1, 1], 51),
  defaults: { width: 32, depth: 3, steps: 3000, lr: 2e-3, interiorPoints: 512 },
};
