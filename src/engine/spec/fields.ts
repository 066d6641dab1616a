/**
 * The shape of a setting in the experiment spec (./experiment.ts): its type, default, range,
 * help text and command-line name. Derivative methods declare their own settings with these
 * (src/engine/methods/), and the spec gathers them into its tables.
 */
export interface FieldBase {
  label: string;
  help: string;
  /** The `pinn train` option (`--name value`); absent: not a command-line setting. */
  cli?: string;
  /** Only meaningful for this derivative method, or these (the CLI refuses it with another). */
  method?: string | readonly string[];
  /** Shown in the app only where this holds (e.g. a setting that matters for some problems only). */
  when?: (context: { method: string; problem: { terms: readonly { derivatives: readonly { operator?: unknown }[] }[] } }) => boolean;
  /** The section of `pinn train --help` (default: 'method' for a method's own setting). */
  group?: string;
  /** The value's name in the usage (--lr LR); default: the choices, N for an integer, VALUE for text. */
  metavar?: string;
  /** A command-line wording where the app's help does not fit. */
  cliHelp?: string;
}

/** The derivative methods a field applies to; null: every method. */
function methodList(f: Pick<FieldBase, 'method'>): readonly string[] | null {
  return f.method === undefined ? null : typeof f.method === 'string' ? [f.method] : f.method;
}

/** The derivative methods a field applies to, as a phrase ("taylor", "taylor or ad"); null: every method. */
export function fieldMethods(f: FieldBase): string | null {
  return methodList(f)?.join(' or ') ?? null;
}

/** Whether a field (any setting with an optional `method`, a CLI option too) means something for `method`. */
export function appliesTo(f: object, method: unknown): boolean {
  return methodList(f as Pick<FieldBase, 'method'>)?.includes(method as string) ?? true;
}
export type IntField = FieldBase & {
  kind: 'int';
  default: number;
  min: number;
  max: number;
  /** Set when this problem does not take the setting: the command line's message when it is given (a link's value is ignored). */
  fixed?: string;
};
export type ChoiceField = FieldBase & {
  kind: 'choice';
  default: string;
  choices: readonly string[];
  /** Command-line flags that set this choice (e.g. --hard sets 'on'), instead of `--cli value`. */
  flags?: Record<string, string>;
};
export type TextField = FieldBase & {
  kind: 'text';
  default: string;
  pattern: RegExp;
  /** What a valid value looks like, for messages ("a number in (0, 1)"). */
  expect: string;
  /** Further checks of a value that matches the pattern: true (valid), false (not what `expect` says), or a message of its own. */
  check?: (v: string) => boolean | string;
};
export type Field = IntField | ChoiceField | TextField;
export type FieldTable = Record<string, Field>;
export type SpecValues<T extends FieldTable> = { [K in keyof T]: T[K] extends { kind: 'int' } ? number : string };

export const NUMBER = /^(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
export const inOpenUnit = (v: string) => Number(v) > 0 && Number(v) < 1;
