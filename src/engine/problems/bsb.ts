import { wgslFloat } from '../gpu/kernels';
import { checkDim, MAX_HIGHDIM_DIM, norm2, type HighDimProblem } from './highdim-types';
import { HORIZON, terminalFactor, TERMINAL_FACTOR_WGSL, TIME_DEFAULTS, TIME_HELPERS } from './time-ball';

const R = 0.05;
const SIGMA = 0.4;

/**
 * Black–Scholes–Barenblatt (STDE paper): u_t + ½σ² Σ x_i² ∂²u/∂x_i² − r (u − Σ x_i ∂u/∂x_i) = 0
 * on the unit ball × [0, 1], u = exp((r + σ²)(T − t)) |x|², r = 0.05, σ = 0.4. Terminal
 * values by construction: u = |x|² + (T − t) N.
 */
export function bsb(dim = 1000): HighDimProblem {
  checkDim('bsb', dim, 1);
  const d = dim;
  return {
    kind: 'highdim',
    id: 'bsb',
    title: `Black–Scholes–Barenblatt, ${d}-D`,
    equation: `u_t + ½σ² Σ xᵢ² ∂²u/∂xᵢ² − r (u − Σ xᵢ ∂u/∂xᵢ) = 0 on the unit ball in ${d} dimensions × [0, 1], u = e^((r+σ²)(1−t)) |x|²`,
    tex: String.raw`u_t + \frac{\sigma^2}{2} \sum_i x_i^2 \partial_{ii} u - r \left(u - \sum_i x_i \partial_i u\right) = 0, \quad u = e^{(r + \sigma^2)(T - t)} |x|^2, \quad d = ${d}`,
    description: 'Black–Scholes–Barenblatt: a second-order term weighted by x_i² and a first-order one, both estimated from random coordinate jets.',
    dim: d,
    horizon: HORIZON,
    exact: (z) => Math.exp((R + SIGMA ** 2) * (HORIZON - z[d])) * norm2(z, d),
    factorJet: (z, a) => terminalFactor(z, a, d),
    offsetJet: (z, a) => (a === d ? [norm2(z, d), 0, 0] : [norm2(z, d), 2 * z[a], 1]),
    spatial: (xi, ui, uii) => 0.5 * SIGMA ** 2 * xi * xi * uii + R * xi * ui,
    temporal: (_z, u, ut) => ut - R * u,
    source: () => 0,
    coefficients: new Float64Array(1),
    wgsl: {
      helpers: `${TIME_HELPERS}\nconst RATE : f32 = ${wgslFloat(R)};\nconst SIGMA2 : f32 = ${wgslFloat(SIGMA ** 2)};`,
      source: 'return vec2f(0.0, 0.0);',
      factor: TERMINAL_FACTOR_WGSL,
      offset: 'if (a == D) { return vec3f(zz[p], 0.0, 0.0); }\n  return vec3f(zz[p], 2.0 * z[p * DIN + a], 1.0);',
      spatial: 'return 0.5 * SIGMA2 * xi * xi * uii + RATE * xi * ui;',
      spatialGrad: 'return vec2f(RATE * xi, 0.5 * SIGMA2 * xi * xi);',
      temporal: 'return ut - RATE * u;',
      temporalGrad: 'return vec3f(-RATE, 1.0, 0.0);',
    },
    defaults: TIME_DEFAULTS,
    paramRanges: { dim: [1, MAX_HIGHDIM_DIM] },
    params: { dim: d },
    variant: (p) => bsb(p.dim ?? d),
  };
}
