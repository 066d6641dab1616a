import file from '../../../problems/beam-1d.json';
import { compileProblem } from '../equations/problem-file';
import type { PdeProblem } from './types';

/** Euler–Bernoulli beam u⁗ = π⁴ sin(πx) on [0, 1], simply supported (u = u″ = 0 at both ends): compiled from problems/beam-1d.json. */
export const beam1d: PdeProblem = { ...compileProblem(file, { file: 'problems/beam-1d.json' }).problem, file: 'problems/beam-1d.json' };
