import file from '../../../problems/poisson-sin.json';
import { compileProblem } from '../equations/problem-file';
import type { PdeProblem } from './types';

const FILE = 'problems/poisson-sin.json';
const DEFAULT_DIM = file.parameters.d.value;
const [MIN_DIM, MAX_DIM] = file.parameters.d.range;

/**
 * He et al.'s Poisson problem (the Stein-estimator paper): Δu = −sin(Σ xᵢ) on [0, 1]^d,
 * u = sin(Σ xᵢ)/d on the boundary: compiled from problems/poisson-sin.json with d = dim.
 */
export function poissonSin(dim = DEFAULT_DIM): PdeProblem {
  if (!Number.isInteger(dim) || dim < MIN_DIM || dim > MAX_DIM) throw new RangeError(`poisson-sin: the dimension must be an integer from ${MIN_DIM} to ${MAX_DIM} (got ${dim})`);
  return { ...compileProblem(file, { file: FILE, parameters: { d: dim } }).problem, file: FILE, variant: (p) => poissonSin(p.dim ?? DEFAULT_DIM) };
}
