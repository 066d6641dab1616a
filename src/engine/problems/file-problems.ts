/**
 * Problems that exist only as files: each compiled as it is (their sources are in the files'
 * descriptions). Systems of several outputs, inverse problems with unknowns and data, periodic conditions.
 */
import advection from '../../../problems/advection-1d.json';
import allenCahn from '../../../problems/allen-cahn-1d.json';
import heatInverse from '../../../problems/heat-inverse.json';
import kleinGordon from '../../../problems/klein-gordon-1d.json';
import kovasznay from '../../../problems/kovasznay.json';
import lorenz from '../../../problems/lorenz-inverse.json';
import oscillator from '../../../problems/oscillator.json';
import { compileProblem } from '../equations/problem-file';
import type { PdeProblem } from './types';

const compiled = (json: unknown, id: string): PdeProblem => compileProblem(json, { file: `problems/${id}.json` }).problem;

export const FILE_PROBLEMS: readonly PdeProblem[] = [
  compiled(kleinGordon, 'klein-gordon-1d'),
  compiled(kovasznay, 'kovasznay'),
  compiled(oscillator, 'oscillator'),
  compiled(heatInverse, 'heat-inverse'),
  compiled(lorenz, 'lorenz-inverse'),
  compiled(advection, 'advection-1d'),
  compiled(allenCahn, 'allen-cahn-1d'),
];
