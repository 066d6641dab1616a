/**
 * `pinn train` up to the GPU: every setting read and checked (the option table, the experiment
 * spec, the run's own options), nothing allocated. main.ts and train-ball.ts run what this
 * returns; the command line's fuzz test (tests/node/cli-fuzz.test.ts) calls it in-process.
 */
import { InputError, shownValue } from '../engine/errors';
import { HIGHDIM_PROBLEMS, PROBLEMS } from '../engine/problems';
import { highDimSetup, specFromCli, specKindOf, trainSetup } from '../engine/spec/experiment';
import { checkFreshTestPoints, type HighDimConfig } from '../engine/highdim/trainer';
import type { TrainConfig } from '../engine/train/trainer';
import type { PdeProblem } from '../engine/problems/types';
import type { HighDimProblem } from '../engine/problems/highdim-types';
import { CLI_ONLY, intOption, parseCommand, requireValue, type ParsedArgs } from './args';
import { secondsOption } from './budget';
import { openProblemFile, parseParams } from './problem-file';

export type TrainPlan =
  | { kind: 'pde'; args: ParsedArgs; problem: PdeProblem; config: TrainConfig; lbfgs: number; lm: number; budget: number | null; json: boolean }
  | { kind: 'ball'; args: ParsedArgs; problem: HighDimProblem; config: HighDimConfig; budget: number | null; json: boolean; finalTest: number };

export function planTrain(argv: string[]): TrainPlan {
  const args = parseCommand('train', argv);
  const file = args.values.get('problem');
  if (file !== undefined) {
    if (args.values.has('pde')) throw new InputError('give either --pde (a shipped problem) or --problem (a problem file), not both');
    args.values.set('pde', openProblemFile(file, parseParams(args.values.get('param'))));
  } else if (args.values.has('param')) throw new InputError('--param sets parameters of a --problem file');
  if (!args.values.has('pde')) throw new InputError('--pde (a shipped problem: pinn list) or --problem FILE (a problem file) is required');
  const id = requireValue(args, 'pde');
  const kind = specKindOf(id);
  if (kind === null) throw new InputError(`unknown problem '${shownValue(id)}' (pinn list names them: ${[...PROBLEMS, ...HIGHDIM_PROBLEMS].map((p) => p.id).join(', ')})`);
  const json = args.flags.has('json');
  if (kind === 'highdim') {
    const method = args.values.get('method');
    if (method !== undefined && method !== 'stde') throw new InputError(`${id} is trained with --method stde only (a Laplacian in up to 10⁶ dimensions; the exact methods would need d jets per point)`);
    // the experiment spec validates every setting (src/engine/spec/experiment.ts), as the app's link does
    const { values: spec } = specFromCli('highdim', args, [...CLI_ONLY.values, ...CLI_ONLY.flags]);
    const { problem, config: specConfig } = highDimSetup(spec);
    const budget = secondsOption(args);
    const config: HighDimConfig = { ...specConfig, logEvery: intOption(args, 'log-every', Math.min(100, specConfig.steps), 1, 1_000_000) };
    // after training, the error on this many fresh points drawn like the test set (0: none)
    const finalTest = intOption(args, 'final-test', 0, 0, 1_000_000);
    if (finalTest === 1) throw new InputError('--final-test needs at least 2 points (or 0 for none)');
    if (finalTest > 0) checkFreshTestPoints(finalTest, problem.dim);
    return { kind: 'ball', args, problem, config, budget, json, finalTest };
  }
  const { values: spec, given } = specFromCli('train', args, [...CLI_ONLY.values, ...CLI_ONLY.flags]);
  const { problem, config: specConfig, lbfgs, lm } = trainSetup(spec, given);
  const budget = secondsOption(args);
  if (args.values.has('final-test')) throw new InputError(`--final-test (the error on fresh points of the ball) is for the high-dimensional ball problems; ${id} measures on its fixed test set`);
  const config: TrainConfig = { ...specConfig, logEvery: intOption(args, 'log-every', Math.min(100, specConfig.steps), 1, 1_000_000) };
  return { kind: 'pde', args, problem, config, lbfgs, lm, budget, json };
}
