import { InputError, shownValue } from '../engine/errors';
import { commandOptionNames, ownOptionNames, type CommandName } from './usage';

/** Parsed `--name value` options and `--flag`s; anything not declared is an error. */
export interface ParsedArgs {
  values: Map<string, string>;
  flags: Set<string>;
}

/** Edit distance (insertions, deletions, substitutions and swaps of neighbours). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The candidate nearest to `name`: the only one that starts with it (or that it starts with), else the fewest edits (ties: the longer shared start, then the first). */
export function nearestName(name: string, candidates: readonly string[]): string | null {
  const affix = candidates.filter((c) => name.length >= 3 && (c.startsWith(name) || name.startsWith(c)));
  if (affix.length === 1) return affix[0];
  const shared = (c: string) => [...c].findIndex((ch, i) => name[i] !== ch);
  let best: string | null = null;
  let bestScore = Infinity;
  for (const c of candidates) {
    const prefix = shared(c) < 0 ? c.length : shared(c);
    const score = distance(name, c) - prefix / 100;
    if (score < bestScore) [best, bestScore] = [c, score];
  }
  return best;
}

/**
 * Parse `--name value` (or `--name=value`) options and `--flag`s against the names a command
 * takes. An unknown name is one line naming it and the nearest known one; `command` (when
 * given) points to its help.
 */
export function parseArgs(argv: string[], spec: { values: string[]; flags: string[] }, command?: string): ParsedArgs {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const given = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new InputError(`unexpected argument ${quoted(arg)}`);
    const eq = arg.indexOf('=');
    const name = (eq > 0 ? arg.slice(2, eq) : arg.slice(2)).trim();
    const known = spec.flags.includes(name) || spec.values.includes(name);
    if (known && given.has(name)) throw new InputError(`--${name} is given twice: give each option once`);
    given.add(name);
    if (spec.flags.includes(name)) {
      // --flag, or --flag=true / --flag=false (and on/off, yes/no, 1/0)
      const v = eq > 0 ? arg.slice(eq + 1).trim().toLowerCase() : 'true';
      if (['true', 'on', 'yes', '1'].includes(v)) flags.add(name);
      else if (!['false', 'off', 'no', '0'].includes(v)) throw new InputError(`--${name} is a switch: give it alone, or =true or =false, not ${quoted(arg.slice(eq + 1))}`);
    } else if (spec.values.includes(name)) {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new InputError(`--${name} needs a value`);
      values.set(name, v);
    } else {
      const near = nearestName(name, [...spec.values, ...spec.flags]);
      const hint = near === null ? 'no options here' : `did you mean --${near}?`;
      throw new InputError(`unknown option --${quotedName(name)} (${hint}${command ? ` pinn ${command} --help lists the options` : ''})`);
    }
  }
  return { values, flags };
}

/** A value as it is echoed in a message: quoted, control characters escaped, at most 40 characters. */
export function quoted(raw: string): string {
  return `'${shownValue(raw)}'`;
}

/** An option name as echoed: printable and at most 40 characters. */
function quotedName(name: string): string {
  const q = quoted(name);
  return /^'[\w-]*'$/.test(q) ? name : q;
}

/** A decimal number as a person types it (3, -2.5, 1e-3); not '', 0x10, Infinity or 1_000. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A `--name x` option that is a finite decimal number in [lo, hi] (undefined when absent). */
export function numberOption(args: ParsedArgs, name: string, lo = -Infinity, hi = Infinity): number | undefined {
  const raw = args.values.get(name);
  if (raw === undefined) return undefined;
  const v = Number(raw.trim());
  if (!DECIMAL.test(raw.trim()) || !Number.isFinite(v) || v < lo || v > hi) {
    const range = Number.isFinite(lo) || Number.isFinite(hi) ? ` in [${lo}, ${hi}]` : '';
    throw new InputError(`--${name} must be a decimal number${range}, got ${quoted(raw)}`);
  }
  return v;
}

export function requireValue(args: ParsedArgs, name: string): string {
  const v = args.values.get(name);
  if (v === undefined) throw new InputError(`--${name} is required`);
  return v;
}

export function intOption(args: ParsedArgs, name: string, def: number, lo: number, hi: number): number {
  const raw = args.values.get(name);
  if (raw === undefined) return def;
  const v = Number(raw.trim());
  if (!/^[+-]?\d+$/.test(raw.trim()) || !Number.isInteger(v) || v < lo || v > hi) throw new InputError(`--${name} must be an integer in [${lo}, ${hi}], got ${quoted(raw)}`);
  return v;
}

export function choiceOption<T extends string>(args: ParsedArgs, name: string, def: T, choices: readonly T[]): T {
  const raw = args.values.get(name);
  if (raw === undefined) return def;
  if (!choices.includes(raw as T)) throw new InputError(`--${name} must be one of ${choices.join(', ')}, got ${quoted(raw)}`);
  return raw as T;
}

/** Parse a command's arguments against its option tables (usage.ts), the ones its help lists. */
export function parseCommand(command: CommandName, argv: string[]): ParsedArgs {
  return parseArgs(argv, commandOptionNames(command), command);
}

/** A `--name N` option read by its table's entry (usage.ts): its default, range and message. */
export function intField(args: ParsedArgs, f: { cli: string; default: number; min: number; max: number }): number {
  return intOption(args, f.cli, f.default, f.min, f.max);
}

/** A `--name choice` option read by its table's entry (usage.ts). */
export function choiceField<T extends string>(args: ParsedArgs, f: { cli: string; default: T; choices: readonly T[] }): T {
  return choiceOption(args, f.cli, f.default, f.choices);
}

/** Options of `pinn train` about the run and its output, not the experiment (the spec leaves them out): usage.ts's TRAIN_OPTIONS. */
export const CLI_ONLY = ownOptionNames('train');

