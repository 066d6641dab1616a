/**
 * `pinn train --seconds T`: a wall-clock budget for the Adam phase, whose learning-rate schedule
 * is planned to the time as the run goes (runTraining's planToDeadline); --steps is the first guess.
 */
import { InputError } from '../engine/errors';
import type { TrainRecord } from '../engine/train/trainer';
import { numberOption, quoted, type ParsedArgs } from './args';

/** The budget in seconds (positive, at most a day), or null without --seconds. */
export function secondsOption(args: ParsedArgs): number | null {
  const v = numberOption(args, 'seconds', 0, 86_400);
  if (v === undefined) return null;
  if (!(v > 0)) throw new InputError(`--seconds must be a number of seconds in (0, 86400], got ${quoted(args.values.get('seconds')!)}`);
  return v;
}

/** How the header names the run's length. */
export function plannedText(steps: number, budget: number | null): string {
  return budget === null ? `${steps} Adam steps` : `Adam steps for ${budget} s (the schedule planned to the time; ${steps} at first)`;
}

/** The progress line's step, rate (three significant digits) and time left. */
export function progressText(r: TrainRecord, steps: number, budget: number | null): { step: string; rest: string } {
  const rate = r.step / r.seconds;
  const left = budget === null ? (steps - r.step) / rate : budget - r.seconds;
  return { step: `step ${r.step}${budget === null ? `/${steps}` : ''}`, rest: `${rate.toPrecision(3)} steps/s  ${Math.max(0, left).toFixed(0)} s left` };
}
