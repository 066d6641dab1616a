import file from '../../../problems/poisson-nd.json';
import { compileProblem } from '../equations/problem-file';
import type { PdeProblem } from './types';

const FILE = 'problems/poisson-nd.json';
const DEFAULT_DIM = file.parameters.d.value;
const [MIN_DIM, MAX_DIM] = file.parameters.d.range;

/**
 * PINNacle's d-dimensional Poisson problem: −Δu = (π²/4) Σ sin(π x_i / 2) on [0, 1]^d,
 * u = Σ sin(π x_i / 2) on the boundary: compiled from problems/poisson-nd.json with d = dim.
 */
export function poissonNd(dim = DEFAULT_DIM): PdeProblem {
  if (!Number.isInteger(dim) || dim < MIN_DIM || dim > MAX_DIM) throw new RangeError(`poisson-nd: the dimension must be an integer from ${MIN_DIM} to ${MAX_DIM} (got ${dim})`);
  return { ...compileProblem(file, { file: FILE, parameters: { d: dim } }).problem, file: FILE, variant: (p) => poissonNd(p.dim ?? DEFAULT_DIM) };
}
