import file from '../../../problems/poisson-2d.json';
import { compileProblem } from '../equations/problem-file';
import type { PdeProblem } from './types';

/** −Δu = 2π² sin(πx) sin(πy) on [0, 1]², u = 0 on the boundary; u = sin(πx) sin(πy): compiled from problems/poisson-2d.json. */
export const poisson2d: PdeProblem = { ...compileProblem(file, { file: 'problems/poisson-2d.json' }).problem, file: 'problems/poisson-2d.json' };
