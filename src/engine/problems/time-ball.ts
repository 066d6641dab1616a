/**
 * Shared by the time-dependent high-dimensional problems (hjb-lin, bsb, wave-sinh): space
 * is the unit ball in d dimensions, t ∈ [0, 1] is input coordinate d, and the model fixes
 * the terminal (t = T) or initial (t = 0) values by construction. As in the STDE paper,
 * only the residual is trained, at points sampled in the ball (these equations hold in all
 * of R^d; no condition is imposed on the sphere).
 */
import { wgslFloat } from '../gpu/kernels';
import type { HighDimDefaults, Jet2 } from './highdim-types';

export const HORIZON = 1;

export const TIME_DEFAULTS: HighDimDefaults = { width: 128, depth: 3, steps: 2000, lr: 1e-3, points: 100, randBatch: 16 };

/** F = T − t (vanishes at the terminal time): its jet along axis a (a = d: time). */
export function terminalFactor(z: ArrayLike<number>, a: number, d: number): Jet2 {
  return [HORIZON - z[d], a === d ? -1 : 0, 0];
}

export const TERMINAL_FACTOR_WGSL = `let tt = z[p * DIN + D];
  if (a == D) { return vec3f(T_END - tt, -1.0, 0.0); }
  return vec3f(T_END - tt, 0.0, 0.0);`;

export const TIME_HELPERS = `const T_END : f32 = ${wgslFloat(HORIZON)};`;
