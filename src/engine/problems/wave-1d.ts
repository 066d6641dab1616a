import file from '../../../problems/wave-1d.json';
import { compileProblem } from '../equations/problem-file';
import type { PdeProblem } from './types';

/** u_tt = 4 u_xx on [0, 1]² (x, t), two standing waves; u = 0 at x = 0, 1, u and u_t given at t = 0: compiled from problems/wave-1d.json. */
export const wave1d: PdeProblem = { ...compileProblem(file, { file: 'problems/wave-1d.json' }).problem, file: 'problems/wave-1d.json' };
