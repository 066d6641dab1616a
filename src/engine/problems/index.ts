import { poisson1d } from './poisson-1d';
import { poisson2d } from './poisson-2d';
import type { PdeProblem } from './types';

/** Every problem the playground ships; adding one means adding its file and a line here. */
export const PROBLEMS: readonly PdeProblem[] = [poisson1d, poisson2d];

export function problemById(id: string): PdeProblem | undefined {
  return PROBLEMS.find((p) => p.id === id);
}
