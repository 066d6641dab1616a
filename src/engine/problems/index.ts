import { beam1d } from './beam-1d';
import { burgers1d } from './burgers-1d';
import { burgersSelfSimilar0 } from './burgers-selfsimilar';
import { heat1d } from './heat-1d';
import { helmholtz2d } from './helmholtz-2d';
import { kdv1d } from './kdv-1d';
import { poisson1d } from './poisson-1d';
import { poisson2d } from './poisson-2d';
import { poissonNd } from './poisson-nd';
import { biharmonicNd } from './biharmonic-nd';
import { poissonSin } from './poisson-sin';
import { heatBall } from './heat-ball';
import { wave1d } from './wave-1d';
import { FILE_PROBLEMS } from './file-problems';
import type { PdeProblem, ProblemParams } from './types';
import type { HighDimProblem } from './highdim-types';
import { allenCahnThreebody, allenCahnTwobody, bsb, hjbLin, poissonThreebody, poissonTwobody, sineGordonThreebody, sineGordonTwobody, waveSinh } from './highdim-files';
import { hjbLqg } from './hjb-lqg';

const problems: PdeProblem[] = [poisson1d, poisson2d, poissonNd(), heat1d, wave1d, helmholtz2d, kdv1d, beam1d, burgers1d, burgersSelfSimilar0, poissonSin(), heatBall(), biharmonicNd(), ...FILE_PROBLEMS];

/**
 * Every problem the playground ships (parametric ones in their default variant), then any the
 * user opened (registerProblem); adding one to the product means adding its file and a line here.
 * All but self-similar Burgers are problem files (problems/*.json) compiled by their modules here.
 */
export const PROBLEMS: readonly PdeProblem[] = problems;

/** The ids of PROBLEMS, kept in step with it (the spec's problem menu reads this array). */
export const PROBLEM_IDS: readonly string[] = problems.map((p) => p.id);

/** How many of PROBLEMS ship with the playground (the rest were opened from files). */
export const SHIPPED_COUNT = problems.length;

/**
 * Add a problem compiled from a file (the CLI's --problem, the app's open-file), or replace the
 * one with its id when it was opened before. A shipped problem's id is refused, unless
 * `replaceShipped` (the CLI: `--problem problems/heat-inverse.json` trains the file as it is now,
 * edits included, for the one run).
 */
export function registerProblem(problem: PdeProblem, options: { replaceShipped?: boolean } = {}): void {
  const i = problems.findIndex((p) => p.id === problem.id);
  if (i >= 0 && i < SHIPPED_COUNT && !options.replaceShipped) throw new RangeError(`a shipped problem is called ${problem.id}; give the file another id`);
  if (HIGHDIM_PROBLEMS.some((p) => p.id === problem.id)) throw new RangeError(`a shipped problem is called ${problem.id}; give the file another id`);
  if (i >= 0) problems[i] = problem;
  else {
    problems.push(problem);
    (PROBLEM_IDS as string[]).push(problem.id);
  }
}

export function problemById(id: string): PdeProblem | undefined {
  return PROBLEMS.find((p) => p.id === id);
}

/**
 * A problem with its parameters (dimension, profile index) checked against the ranges it
 * declares; a parameter it does not take must be absent or equal to its fixed value.
 * Throws a RangeError naming the accepted values.
 */
export function problemWith(id: string, params: ProblemParams): PdeProblem | undefined {
  const base = problemById(id);
  if (!base) return undefined;
  const ranges = base.paramRanges ?? {};
  for (const key of ['dim', 'k'] as const) {
    const v = params[key];
    if (v === undefined) continue;
    const range = ranges[key];
    if (!range) {
      if (key === 'dim' && v === base.dim) continue;
      throw new RangeError(key === 'dim' ? `${id} is ${base.dim}-dimensional; it takes no other --dim` : `${id} takes no --${key}`);
    }
    if (!Number.isInteger(v) || v < range[0] || v > range[1]) throw new RangeError(`${id}: --${key} must be an integer from ${range[0]} to ${range[1]} (got ${v})`);
  }
  return base.variant && (params.dim !== undefined || params.k !== undefined) ? base.variant({ ...base.params, ...params }) : base;
}

const highDim: HighDimProblem[] = [poissonTwobody(), allenCahnTwobody(), sineGordonTwobody(), poissonThreebody(), allenCahnThreebody(), sineGordonThreebody(), hjbLin(), bsb(), waveSinh(), hjbLqg()];

/** The high-dimensional problems on the unit ball (problem files, trained by src/engine/highdim with sparse STDE), in their default dimension, then any opened from files. */
export const HIGHDIM_PROBLEMS: readonly HighDimProblem[] = highDim;

/** The ids of HIGHDIM_PROBLEMS, kept in step with it (the high-dimensional spec's problem menu reads this array). */
export const HIGHDIM_IDS: readonly string[] = highDim.map((p) => p.id);

const HIGHDIM_SHIPPED = highDim.length;

/**
 * Add a high-dimensional problem compiled from a file (the CLI's --problem), or replace the one
 * with its id; a shipped id only with `replaceShipped` (the file as it is now, for one run).
 */
export function registerHighDimProblem(problem: HighDimProblem, options: { replaceShipped?: boolean } = {}): void {
  const i = highDim.findIndex((p) => p.id === problem.id);
  if ((i >= 0 && i < HIGHDIM_SHIPPED && !options.replaceShipped) || problems.some((p) => p.id === problem.id)) throw new RangeError(`a shipped problem is called ${problem.id}; give the file another id`);
  if (i >= 0) highDim[i] = problem;
  else {
    highDim.push(problem);
    (HIGHDIM_IDS as string[]).push(problem.id);
  }
}

/** A ball problem by id at dimension `dim` (default: its own); a RangeError names the accepted dimensions. */
export function highDimProblemWith(id: string, dim?: number): HighDimProblem | undefined {
  const base = HIGHDIM_PROBLEMS.find((p) => p.id === id);
  return base && dim !== undefined ? base.variant({ dim }) : base;
}
