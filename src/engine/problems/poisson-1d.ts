import file from '../../../problems/poisson-1d.json';
import { compileProblem } from '../equations/problem-file';
import type { PdeProblem } from './types';

/** −u″ = π² sin(πx) on [−1, 1], u(±1) = 0; u = sin(πx): compiled from problems/poisson-1d.json. */
export const poisson1d: PdeProblem = { ...compileProblem(file, { file: 'problems/poisson-1d.json' }).problem, file: 'problems/poisson-1d.json' };
