import file from '../../../problems/kdv-1d.json';
import { compileProblem } from '../equations/problem-file';
import type { PdeProblem } from './types';

/** u_t + 6 u u_x + u_xxx = 0, the soliton u = sech²((x − 2t)/√2) on [−5, 5] × [0, 1]: compiled from problems/kdv-1d.json. */
export const kdv1d: PdeProblem = { ...compileProblem(file, { file: 'problems/kdv-1d.json' }).problem, file: 'problems/kdv-1d.json' };
