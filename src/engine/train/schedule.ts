import { InputError } from '../errors';

/** Learning rate against step: constant, linear decay to a final fraction, or exponential decay. */
export type LrSchedule =
  | { kind: 'constant' }
  | { kind: 'linear'; finalFraction: number }
  | { kind: 'exponential'; rate: number; every: number };

/** lr at step t (0-based) of `steps`. */
export function learningRate(lr0: number, schedule: LrSchedule, t: number, steps: number): number {
  switch (schedule.kind) {
    case 'constant':
      return lr0;
    case 'linear':
      return lr0 * (1 - (1 - schedule.finalFraction) * Math.min(1, t / Math.max(1, steps)));
    case 'exponential':
      return lr0 * schedule.rate ** (t / schedule.every);
  }
}

export function validateSchedule(s: LrSchedule): void {
  if (s.kind === 'linear' && !(s.finalFraction >= 0 && s.finalFraction <= 1)) {
    throw new InputError(`linear decay's final fraction must be in [0, 1], got ${s.finalFraction}`);
  }
  if (s.kind === 'exponential' && !(s.rate > 0 && s.rate <= 1 && s.every >= 1)) {
    throw new InputError(`exponential decay needs a rate in (0, 1] and a period of at least 1 step`);
  }
}

export type ScheduleName = 'exponential' | 'linear' | 'constant';
export const SCHEDULE_NAMES: readonly ScheduleName[] = ['exponential', 'linear', 'constant'];

/**
 * A schedule by name for a run of `steps` (the playground's, the command line's and the
 * benchmarks' one definition): exponential, `value` (default 0.5) per quarter of the run;
 * linear down to the fraction `value` (default 0.1); constant.
 */
export function namedSchedule(name: ScheduleName, steps: number, value?: number): LrSchedule {
  const s: LrSchedule =
    name === 'constant'
      ? { kind: 'constant' }
      : name === 'linear'
        ? { kind: 'linear', finalFraction: value ?? 0.1 }
        : { kind: 'exponential', rate: value ?? 0.5, every: Math.max(1, Math.round(steps / 4)) };
  validateSchedule(s);
  return s;
}
