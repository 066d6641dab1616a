import file from '../../../problems/helmholtz-2d.json';
import { compileProblem } from '../equations/problem-file';
import type { PdeProblem } from './types';

/** Δu + u = q on [−1, 1]², u = sin(πx) sin(4πy), u = 0 on the boundary: compiled from problems/helmholtz-2d.json. */
export const helmholtz2d: PdeProblem = { ...compileProblem(file, { file: 'problems/helmholtz-2d.json' }).problem, file: 'problems/helmholtz-2d.json' };
