/**
 * `pinn train`'s progress on stderr: on a terminal one line overwritten in place, otherwise a
 * line each; the run's divergence notices on lines of their own, with --json too (stdout keeps
 * the JSON, which carries them as well); and the run's part of that JSON.
 */
import type { RunResult } from '../engine/train/run';

export interface StderrProgress {
  /** A progress line (overwrites the last on a terminal). */
  line(text: string): void;
  /** A line that stays: a divergence notice. */
  notice(text: string): void;
  /** End an overwritten line (before other output). */
  end(): void;
}

export function stderrProgress(tty: boolean): StderrProgress {
  let open = false;
  const end = () => {
    if (open) process.stderr.write('\n');
    open = false;
  };
  return {
    line(text) {
      if (!tty) return void process.stderr.write(`${text}\n`);
      process.stderr.write(`\r\x1b[K${text}`);
      open = true;
    },
    notice(text) {
      end();
      process.stderr.write(`${text}\n`);
    },
    end,
  };
}

/** A run's result as `pinn train --json` prints it (both kinds of problem). */
export function runJson(result: RunResult, budget: number | null) {
  return {
    steps: result.steps,
    seconds: result.seconds,
    budget_seconds: budget,
    l2re: result.l2re,
    loss: result.history.map((h) => h.loss),
    l2re_history: result.history.map((h) => h.l2re),
    history_steps: result.history.map((h) => h.step),
    stop_reason: result.stopReason,
    notices: result.notices.map((n) => n.message),
  };
}
