import { InputError } from '../errors';

/**
 * Learning rate against step: constant, linear decay to a final fraction, or exponential decay
 * by `rate` per quarter of the run. Both decays follow the run's length as learningRate is
 * given it, so a run planned to a deadline (runTraining) decays over its planned length.
 */
export type LrSchedule =
  | { kind: 'constant' }
  | { kind: 'linear'; finalFraction: number }
  | { kind: 'exponential'; rate: number };

/** lr at step t (0-based) of `steps`. */
export function learningRate(lr0: number, schedule: LrSchedule, t: number, steps: number): number {
  switch (schedule.kind) {
    case 'constant':
      return lr0;
    case 'linear':
      return lr0 * (1 - (1 - schedule.finalFraction) * Math.min(1, t / Math.max(1, steps)));
    case 'exponential':
      return lr0 * schedule.rate ** ((4 * t) / Math.max(1, steps));
  }
}

export function validateSchedule(s: LrSchedule): void {
  if (s.kind === 'linear' && !(s.finalFraction >= 0 && s.finalFraction <= 1)) {
    throw new InputError(`linear decay's final fraction must be in [0, 1], got ${s.finalFraction}`);
  }
  if (s.kind === 'exponential' && !(s.rate > 0 && s.rate <= 1)) {
    throw new InputError(`exponential decay needs a rate per quarter of the run in (0, 1], got ${s.rate}`);
  }
}

export type ScheduleName = 'exponential' | 'linear' | 'constant';
export const SCHEDULE_NAMES: readonly ScheduleName[] = ['exponential', 'linear', 'constant'];

/**
 * A schedule by name (the playground's, the command line's and the benchmarks' one
 * definition): exponential, `value` (default 0.5) per quarter of the run; linear down to the
 * fraction `value` (default 0.1); constant.
 */
export function namedSchedule(name: ScheduleName, value?: number): LrSchedule {
  const s: LrSchedule =
    name === 'constant'
      ? { kind: 'constant' }
      : name === 'linear'
        ? { kind: 'linear', finalFraction: value ?? 0.1 }
        : { kind: 'exponential', rate: value ?? 0.5 };
  validateSchedule(s);
  return s;
}
