import { wgslFloat } from '../gpu/kernels';
import { checkDim, MAX_HIGHDIM_DIM, type HighDimProblem } from './highdim-types';
import { HORIZON, terminalFactor, TERMINAL_FACTOR_WGSL, TIME_DEFAULTS, TIME_HELPERS } from './time-ball';

/**
 * HJB-LIN (STDE paper, after Hu et al.): u_t + Δu − (1/d) Σ |∂u/∂x_i|^1.75 = −2 on the unit
 * ball × [0, 1], u = Σ x_i + T − t. Terminal values hold by construction: u = Σ x_i + (T − t) N.
 * Both sums over coordinates are estimated from the same sampled coordinate jets.
 */
export function hjbLin(dim = 1000): HighDimProblem {
  checkDim('hjb-lin', dim, 1);
  const d = dim;
  const sum = (z: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < d; i++) s += z[i];
    return s;
  };
  return {
    kind: 'highdim',
    id: 'hjb-lin',
    title: `HJB-LIN, ${d}-D`,
    equation: `u_t + Δu − (1/d) Σ |∂u/∂xᵢ|^1.75 = −2 on the unit ball in ${d} dimensions × [0, 1], u = Σ xᵢ + 1 − t`,
    tex: String.raw`u_t + \Delta u - \frac{1}{d} \sum_i |\partial_i u|^{1.75} = -2, \quad u = \sum_i x_i + T - t, \quad d = ${d}`,
    description: 'A Hamilton–Jacobi–Bellman equation with a linear solution: the Laplacian and the gradient term both estimated from a few random coordinate jets.',
    dim: d,
    horizon: HORIZON,
    exact: (z) => sum(z) + HORIZON - z[d],
    factorJet: (z, a) => terminalFactor(z, a, d),
    offsetJet: (z, a) => [sum(z), a === d ? 0 : 1, 0],
    spatial: (_xi, ui, uii) => uii - Math.abs(ui) ** 1.75 / d,
    temporal: (_z, _u, ut) => ut,
    source: () => -2,
    coefficients: new Float64Array(1),
    wgsl: {
      helpers: TIME_HELPERS,
      source: `var s = 0.0;\n  for (var i = 0u; i < D; i++) { s += z[p * DIN + i]; }\n  return vec2f(-2.0, s);`,
      factor: TERMINAL_FACTOR_WGSL,
      offset: 'if (a == D) { return vec3f(aux, 0.0, 0.0); }\n  return vec3f(aux, 1.0, 0.0);',
      spatial: `return uii - pow(abs(ui), 1.75) / ${wgslFloat(d)};`,
      spatialGrad: `return vec2f(-1.75 * pow(abs(ui), 0.75) * sign(ui) / ${wgslFloat(d)}, 1.0);`,
      temporal: 'return ut;',
      temporalGrad: 'return vec3f(0.0, 1.0, 0.0);',
    },
    defaults: TIME_DEFAULTS,
    paramRanges: { dim: [1, MAX_HIGHDIM_DIM] },
    params: { dim: d },
    variant: (p) => hjbLin(p.dim ?? d),
  };
}
