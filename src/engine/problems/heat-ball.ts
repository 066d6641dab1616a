import file from '../../../problems/heat-ball.json';
import { compileProblem } from '../equations/problem-file';
import type { PdeProblem } from './types';

const FILE = 'problems/heat-ball.json';
const DEFAULT_DIM = file.parameters.d.value;
const [MIN_DIM, MAX_DIM] = file.parameters.d.range;

/**
 * He et al.'s heat problem (the Stein-estimator paper): u_t = Δu on the unit ball in d
 * dimensions × t in [0, 1], u = |x|²/(2d) + t on the sphere and at t = 0; inputs (x, t), time
 * last, the Laplacian over the d space axes, interior points uniform in the ball (domain kind
 * 'ball-time'): compiled from problems/heat-ball.json with d = dim.
 */
export function heatBall(dim = DEFAULT_DIM): PdeProblem {
  if (!Number.isInteger(dim) || dim < MIN_DIM || dim > MAX_DIM) throw new RangeError(`heat-ball: the dimension must be an integer from ${MIN_DIM} to ${MAX_DIM} (got ${dim})`);
  return { ...compileProblem(file, { file: FILE, parameters: { d: dim } }).problem, file: FILE, variant: (p) => heatBall(p.dim ?? DEFAULT_DIM) };
}
