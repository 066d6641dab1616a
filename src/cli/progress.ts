/**
 * `pinn train`'s progress on stderr: on a terminal one line overwritten in place, otherwise a
 * line each; the run's divergence notices on lines of their own, with --json too (stdout keeps
 * the JSON, which carries them as well).
 */
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
