import file from '../../../problems/heat-1d.json';
import { compileProblem } from '../equations/problem-file';
import type { PdeProblem } from './types';

/** u_t = 0.4 u_xx on [0, 1]² (x, t), u(x, 0) = sin(πx), u(0, t) = u(1, t) = 0: compiled from problems/heat-1d.json. */
export const heat1d: PdeProblem = { ...compileProblem(file, { file: 'problems/heat-1d.json' }).problem, file: 'problems/heat-1d.json' };
