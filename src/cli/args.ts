import { InputError } from '../engine/errors';

/** Parsed `--name value` options and `--flag`s; anything not declared is an error. */
export interface ParsedArgs {
  values: Map<string, string>;
  flags: Set<string>;
}

export function parseArgs(argv: string[], spec: { values: string[]; flags: string[] }): ParsedArgs {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new InputError(`unexpected argument '${arg}'`);
    const eq = arg.indexOf('=');
    const name = (eq > 0 ? arg.slice(2, eq) : arg.slice(2)).trim();
    if (spec.flags.includes(name)) {
      flags.add(name);
    } else if (spec.values.includes(name)) {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new InputError(`--${name} needs a value`);
      values.set(name, v);
    } else {
      const known = [...spec.values, ...spec.flags].map((n) => `--${n}`).join(', ');
      throw new InputError(`unknown option --${name} (known: ${known})`);
    }
  }
  return { values, flags };
}

export function requireValue(args: ParsedArgs, name: string): string {
  const v = args.values.get(name);
  if (v === undefined) throw new InputError(`--${name} is required`);
  return v;
}

export function intOption(args: ParsedArgs, name: string, def: number, lo: number, hi: number): number {
  const raw = args.values.get(name);
  if (raw === undefined) return def;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < lo || v > hi) throw new InputError(`--${name} must be an integer in [${lo}, ${hi}], got '${raw}'`);
  return v;
}

export function choiceOption<T extends string>(args: ParsedArgs, name: string, def: T, choices: readonly T[]): T {
  const raw = args.values.get(name);
  if (raw === undefined) return def;
  if (!choices.includes(raw as T)) throw new InputError(`--${name} must be one of ${choices.join(', ')}, got '${raw}'`);
  return raw as T;
}

/** Options of `pinn train` about the run and its output, not the experiment (the spec leaves them out). */
export const CLI_ONLY = { values: ['log-every', 'seconds', 'final-test'], flags: ['json'] };

