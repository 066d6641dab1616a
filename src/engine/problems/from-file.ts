import { compileProblem } from '../equations/problem-file';
import type { PdeProblem } from './types';

/** A shipped problem file whose vector input has the ranged size parameter d. */
interface DimensionalFile {
  id: string;
  parameters: { d: { value: number; range: number[] } };
}

/**
 * A problem file in d dimensions as a function of d: the dimension checked against the file's
 * range (a RangeError naming it), each variant compiled anew from the file.
 */
export function dimensional(json: DimensionalFile, path: string): (dim?: number) => PdeProblem {
  const { value, range } = json.parameters.d;
  const [lo, hi] = range;
  const make = (dim = value): PdeProblem => {
    if (!Number.isInteger(dim) || dim < lo || dim > hi) throw new RangeError(`${json.id}: the dimension must be an integer from ${lo} to ${hi} (got ${dim})`);
    return { ...compileProblem(json, { file: path, parameters: { d: dim } }).problem, variant: (p) => make(p.dim ?? value) };
  };
  return make;
}
