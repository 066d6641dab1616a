import { beam1d } from './beam-1d';
import { burgers1d } from './burgers-1d';
import { heat1d } from './heat-1d';
import { helmholtz2d } from './helmholtz-2d';
import { kdv1d } from './kdv-1d';
import { poisson1d } from './poisson-1d';
import { poisson2d } from './poisson-2d';
import { wave1d } from './wave-1d';
import type { PdeProblem } from './types';

/** Every problem the playground ships; adding one means adding its file and a line here. */
export const PROBLEMS: readonly PdeProblem[] = [poisson1d, poisson2d, heat1d, wave1d, helmholtz2d, kdv1d, beam1d, burgers1d];

export function problemById(id: string): PdeProblem | undefined {
  return PROBLEMS.find((p) => p.id === id);
}
