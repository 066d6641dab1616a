/**
 * `pinn train` for the high-dimensional ball problems (two- and three-body Poisson,
 * Allen–Cahn, Sine–Gordon) and the time-dependent ones: sparse STDE with the first-layer
 * column trick (src/engine/highdim), or `--stde dense` (Rademacher directions; the ball
 * problems Δu + f(u) = g only; W₁v costs O(d·width) per direction, so it is slower than
 * sparse at large d). Called by main.ts when --pde names one of them.
 */
import { InputError } from '../engine/errors';
import { adapterLabel } from '../engine/gpu';
import { denseUnsupportedReason, MAX_DENSE_DIRECTIONS } from '../engine/highdim/dense';
import { defaultHighDimConfig, HighDimTrainer, type HighDimConfig } from '../engine/highdim/trainer';
import { highDimProblemWith } from '../engine/problems';
import type { HighDimProblem } from '../engine/problems/highdim-types';
import type { LrSchedule } from '../engine/train/schedule';
import { nodeDevice } from '../node/webgpu-node';
import { choiceOption, intOption, type ParsedArgs } from './args';

/** Options of `pinn train` that have no meaning for a ball problem. */
const NOT_FOR_BALL = ['k', 'fd-step', 'lbfgs', 'sampling', 'weight', 'sigma', 'samples'];

export async function trainBall(args: ParsedArgs, id: string, scheduleOption: (raw: string | undefined, steps: number) => LrSchedule): Promise<number> {
  for (const name of NOT_FOR_BALL) if (args.values.has(name)) throw new InputError(`--${name} does not apply to ${id} (a high-dimensional problem trained with STDE)`);
  if (args.flags.has('hard')) throw new InputError(`${id} always builds its boundary, terminal or initial values into the model (u = G + F·N); --hard is implied`);
  const method = choiceOption(args, 'method', 'stde', ['stde', 'taylor', 'ad', 'fd', 'stein'] as const);
  if (method !== 'stde') throw new InputError(`${id} is trained with --method stde only (a Laplacian in up to 10⁶ dimensions; the exact methods would need d jets per point)`);
  const stde = choiceOption(args, 'stde', 'sparse', ['sparse', 'dense'] as const);
  const dimRaw = args.values.get('dim');
  if (dimRaw !== undefined && !/^\d+$/.test(dimRaw)) throw new InputError(`--dim must be a positive integer, got '${dimRaw}'`);
  let problem: HighDimProblem;
  try {
    problem = highDimProblemWith(id, dimRaw === undefined ? undefined : Number(dimRaw))!;
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  if (stde === 'dense') {
    const why = denseUnsupportedReason(problem);
    if (why) throw new InputError(why);
  }
  const base = defaultHighDimConfig(problem);
  const steps = intOption(args, 'steps', base.steps, 1, 10_000_000);
  const lrRaw = args.values.get('lr');
  const lr = lrRaw === undefined ? base.lr : Number(lrRaw);
  if (!(lr > 0 && lr < 1)) throw new InputError(`--lr must be a number in (0, 1), got '${lrRaw}'`);
  const config: HighDimConfig = {
    ...base,
    steps,
    lr,
    schedule: args.values.has('schedule') ? scheduleOption(args.values.get('schedule'), steps) : base.schedule,
    seed: intOption(args, 'seed', 0, 0, 2 ** 31 - 1),
    width: intOption(args, 'width', base.width, 1, 1024),
    depth: intOption(args, 'depth', base.depth, 1, 16),
    points: intOption(args, 'points', base.points, 1, 1 << 16),
    // sparse: distinct coordinates, at most d; dense: any number of directions
    randBatch: intOption(args, 'rand-batch', base.randBatch, 1, stde === 'dense' ? MAX_DENSE_DIRECTIONS : problem.dim),
    stde,
    logEvery: intOption(args, 'log-every', Math.min(100, steps), 1, 1_000_000),
  };
  const json = args.flags.has('json');
  const gpu = await nodeDevice();
  const trainer = new HighDimTrainer(gpu.device, problem, config);
  const tty = process.stderr.isTTY && !json;
  if (!json) {
    console.log(`${problem.id}: ${problem.equation}`);
    const kind =
      stde === 'dense'
        ? `dense STDE, ${config.randBatch} Rademacher directions per point (W₁v: O(d·width) each)`
        : `sparse STDE, ${config.randBatch} of ${problem.dim} coordinates per point`;
    console.log(`device: ${adapterLabel(gpu.adapter)}; ${kind}; net ${config.depth}x${config.width} tanh, ${config.points} points, ${steps} Adam steps; GPU memory ${(trainer.memoryBytes() / 2 ** 20).toFixed(1)} MiB`);
  }
  const result = await trainer.run((r) => {
    if (json) return;
    const rate = r.step / r.seconds;
    const line = `step ${r.step}/${steps}  loss ${r.loss.toExponential(3)}  L2 rel. error ${r.l2re.toExponential(3)}  ${rate.toFixed(2)} steps/s  ${((steps - r.step) / rate).toFixed(0)} s left`;
    process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
  });
  if (tty) process.stderr.write('\n');
  if (json) {
    process.stdout.write(
      JSON.stringify({
        pde: problem.id,
        dim: problem.dim,
        method: 'stde',
        stde,
        rand_batch: config.randBatch,
        steps: result.steps,
        seconds: result.seconds,
        steps_per_second: result.steps / result.seconds,
        l2re: result.l2re,
        loss: result.history.map((h) => h.loss),
        l2re_history: result.history.map((h) => h.l2re),
        history_steps: result.history.map((h) => h.step),
        stop_reason: result.stopReason,
        memory_bytes: trainer.memoryBytes(),
      }) + '\n',
    );
  } else {
    console.log(`${result.stopReason}: ${result.steps} Adam steps in ${result.seconds.toFixed(1)} s, L2 relative error ${result.l2re.toExponential(3)}`);
  }
  trainer.destroy();
  return result.stopReason.startsWith('diverged') ? 1 : 0;
}
