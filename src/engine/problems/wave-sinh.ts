import { checkDim, MAX_HIGHDIM_DIM, type HighDimProblem } from './highdim-types';
import { HORIZON, TIME_DEFAULTS, TIME_HELPERS } from './time-ball';

/**
 * A high-dimensional wave equation (STDE paper): u_tt = Δu on the unit ball × [0, 1],
 * u = cosh(t) Σ sinh(x_i). The initial values u = Σ sinh x_i and u_t = 0 hold by
 * construction: u = Σ sinh x_i + t² N.
 */
export function waveSinh(dim = 1000): HighDimProblem {
  checkDim('wave-sinh', dim, 1);
  const d = dim;
  const sumSinh = (z: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < d; i++) s += Math.sinh(z[i]);
    return s;
  };
  return {
    kind: 'highdim',
    id: 'wave-sinh',
    title: `Wave, ${d}-D`,
    equation: `u_tt = Δu on the unit ball in ${d} dimensions × [0, 1], u = cosh(t) Σ sinh(xᵢ)`,
    tex: String.raw`u_{tt} = \Delta u, \quad u = \cosh t \sum_i \sinh x_i, \quad d = ${d}`,
    description: 'A wave equation in many dimensions: a second time derivative from one jet along t, the Laplacian from random coordinate jets.',
    dim: d,
    horizon: HORIZON,
    exact: (z) => Math.cosh(z[d]) * sumSinh(z),
    factorJet: (z, a) => (a === d ? [z[d] ** 2, 2 * z[d], 1] : [z[d] ** 2, 0, 0]),
    offsetJet: (z, a) => (a === d ? [sumSinh(z), 0, 0] : [sumSinh(z), Math.cosh(z[a]), Math.sinh(z[a]) / 2]),
    spatial: (_xi, _ui, uii) => uii,
    temporal: (_z, _u, _ut, utt) => -utt,
    source: () => 0,
    coefficients: new Float64Array(1),
    wgsl: {
      helpers: TIME_HELPERS,
      source: `var s = 0.0;\n  for (var i = 0u; i < D; i++) { s += sinh(z[p * DIN + i]); }\n  return vec2f(0.0, s);`,
      factor: 'let tt = z[p * DIN + D];\n  if (a == D) { return vec3f(tt * tt, 2.0 * tt, 1.0); }\n  return vec3f(tt * tt, 0.0, 0.0);',
      offset: 'if (a == D) { return vec3f(aux, 0.0, 0.0); }\n  let xa = z[p * DIN + a];\n  return vec3f(aux, cosh(xa), 0.5 * sinh(xa));',
      spatial: 'return uii;',
      spatialGrad: 'return vec2f(0.0, 1.0);',
      temporal: 'return -utt;',
      temporalGrad: 'return vec3f(0.0, 0.0, -1.0);',
    },
    defaults: TIME_DEFAULTS,
    paramRanges: { dim: [1, MAX_HIGHDIM_DIM] },
    params: { dim: d },
    variant: (p) => waveSinh(p.dim ?? d),
  };
}
