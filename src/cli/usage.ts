/**
 * The command line's options and help, from tables: the experiment spec's
 * (src/engine/spec/experiment.ts) for the settings of a run, and this file's, of the same
 * shape, for the rest (input files, output, the run's length, bench's and init-model's own
 * options). `pinn --help` lists the commands; `pinn <command> --help` lists that command's
 * options, each with its value (choices, integer range or what a text value looks like), its
 * default, its help and the derivative methods it applies to, all generated from the tables.
 * The argument parser (args.ts) takes the names it accepts from the same tables
 * (commandOptionNames), so the help lists exactly the options a command accepts.
 */
import { DEFAULT_BENCH } from '../engine/bench/ad-vs-ntp';
import { MAX_JET_ORDER } from '../engine/jets/taylor-jet';
import type { DerivativeMethodId } from '../engine/methods/types';
import { ACTIVATIONS } from '../engine/model/mlp';
import { HIGHDIM_PROBLEMS, PROBLEMS } from '../engine/problems';
import { allMethods } from '../engine/methods/registry';
import { cliNames, FIELD_GROUPS, FIELDS_OF, fieldsFor, type FieldGroup, type SpecField, type SpecKind } from '../engine/spec/experiment';
import { NUMBER } from '../engine/spec/fields';

/** The sections of a command's help, in order: the spec's, and the input files of `pinn derivs`. */
export type CliGroup = FieldGroup | 'input';
const GROUP_ORDER: readonly CliGroup[] = ['input', ...FIELD_GROUPS];
const GROUP_TITLES: Record<CliGroup, string> = {
  problem: 'Problem',
  input: 'Input',
  method: 'Derivative method and its settings',
  network: 'Network',
  optimizer: 'Optimizer',
  points: 'Points and loss terms',
  run: 'Run and output',
};

type Unlabeled<F> = F extends unknown ? Omit<F, 'label' | 'group'> & { label?: string; group: CliGroup } : never;
/**
 * An option that is not a setting of the experiment spec: a spec field's shape (no label: the
 * app never shows it), with the default as words where it is not a value (defaultText) and a
 * note of where it applies (tag, e.g. 'ball problems').
 */
export type CliOption = Unlabeled<SpecField> & { defaultText?: string; tag?: string };
type AnyField = SpecField | CliOption;

interface Command {
  /** One line for `pinn --help`. */
  summary: string;
  /** What the command prints, for its own help (no option lists: those come from the tables). */
  about?: string;
  /** Options it cannot run without (their names, without --). */
  required?: readonly string[];
  /** A positional argument it takes first (its metavar, e.g. FILE). */
  positional?: string;
  /** The spec tables whose command-line settings it takes. */
  spec?: readonly SpecKind[];
  /** Its options that are not spec settings. */
  options: Record<string, CliOption>;
  /** Section titles of its own (bench's points are a batch). */
  titles?: Partial<Record<CliGroup, string>>;
}

const HELP: CliOption = { kind: 'choice', default: 'off', choices: ['off', 'on'], flags: { help: 'on' }, group: 'run', help: 'Print these options and exit.' };
const JSON_OUT = (what: string): CliOption => ({ kind: 'choice', default: 'off', choices: ['off', 'on'], flags: { json: 'on' }, group: 'run', help: `Print ${what} as one JSON object on stdout instead of the text.` });
const SEED = { kind: 'int', default: 0, min: 0, max: 2 ** 31 - 1, cli: 'seed', group: 'run', help: 'Seeds the initialization: the same seed gives the same network.' } as const satisfies CliOption;

/** The derivative methods that give directional derivatives of a network (`pinn derivs`), in the spec's order. */
const DERIVS_METHODS: readonly DerivativeMethodId[] = allMethods()
  .filter((m) => m.directional)
  .map((m) => m.id);

/** `pinn train`'s options about the run and its output, not the experiment (the spec leaves them out). */
export const TRAIN_OPTIONS = {
  problem: {
    kind: 'text',
    default: '',
    defaultText: 'none (--pde names a shipped problem)',
    pattern: /^.+$/,
    expect: 'a file name',
    metavar: 'FILE',
    cli: 'problem',
    group: 'problem',
    help: 'Train the problem in this problem file (JSON: inputs, outputs, domain, equations, conditions, data, exact; see docs/PROBLEM_FILES.md) instead of --pde; a data file it names is read next to it. A file with a model u = G + F * N is a high-dimensional problem, trained with STDE like the ball problems (--dim N).',
  },
  param: {
    kind: 'text',
    default: '',
    defaultText: 'the file’s values',
    pattern: /^.+$/,
    expect: 'name=value pairs separated by commas',
    metavar: 'NAME=V,...',
    cli: 'param',
    group: 'problem',
    help: 'Set parameters of a --problem file, e.g. a=0.7,nu=0.01 (within any range the file gives; d=N sets a high-dimensional file’s dimension).',
  },
  seconds: {
    kind: 'text',
    default: '',
    defaultText: 'none (run the steps)',
    pattern: NUMBER,
    expect: 'a number of seconds in (0, 86400]',
    metavar: 'T',
    cli: 'seconds',
    group: 'optimizer',
    help: 'Adam for T seconds of wall time instead of a number of steps; the learning-rate schedule is re-planned from the pace as the run goes so that its decay ends with the time (the steps are the first guess).',
  },
  finalTest: {
    kind: 'int',
    default: 0,
    min: 0,
    max: 1_000_000,
    cli: 'final-test',
    tag: 'ball problems',
    group: 'run',
    help: 'After training, the L2 relative error on N fresh points drawn like the test set, with its standard error (the test set logged during training has at most 1000 points); 0: none.',
  },
  logEvery: { kind: 'int', default: 100, defaultText: '100, or the steps if fewer', min: 1, max: 1_000_000, cli: 'log-every', group: 'run', help: 'Record the loss and the L2 relative error every N steps (the progress lines and the histories).' },
  json: JSON_OUT('the result, {"pde", "method", "steps", "seconds", "l2re", "l2re_by_output": {"u": ...}, "unknowns": {"k": {"value", "exact", "error"}}, "loss": [...], "l2re_history": [...], ...},'),
  help: HELP,
} as const satisfies Record<string, CliOption>;

export const VALIDATE_OPTIONS = {
  param: TRAIN_OPTIONS.param,
  json: JSON_OUT('the summary and the exact-solution check'),
  help: HELP,
} as const satisfies Record<string, CliOption>;

export const DERIVS_OPTIONS = {
  model: { kind: 'text', default: '', pattern: /^.+$/, expect: 'a file name', metavar: 'FILE', cli: 'model', group: 'input', help: 'The network: an MLP in PyTorch nn.Linear JSON, weight [out][in] and bias [out] per layer (pinn init-model writes one).' },
  points: { kind: 'text', default: '', pattern: /^.+$/, expect: 'a file name', metavar: 'FILE', cli: 'points', group: 'input', help: 'The points: a JSON array of points, each an array of d numbers (d: the model’s input dimension).' },
  direction: {
    kind: 'text',
    default: '',
    defaultText: 'the first coordinate axis',
    pattern: /^.+$/,
    expect: 'a file name',
    metavar: 'FILE',
    cli: 'direction',
    group: 'input',
    help: 'The direction v: a JSON array of d numbers, or one such array per point.',
  },
  order: { kind: 'int', default: 0, min: 0, max: MAX_JET_ORDER, cli: 'order', group: 'method', help: 'The highest derivative: prints u, u′, ..., u^(N) along v at each point (derivatives, not divided by k!).' },
  method: {
    kind: 'choice',
    default: 'taylor',
    choices: DERIVS_METHODS,
    cli: 'method',
    group: 'method',
    help: allMethods()
      .filter((m) => m.directional)
      .map((m) => `${m.id}: ${m.summary}.`)
      .join(' '),
  },
  step: {
    kind: 'text',
    default: '',
    defaultText: 'about ε^(1/(k+2)) for order k',
    pattern: /^.+$/,
    expect: 'a positive number',
    metavar: 'H',
    cli: 'step',
    method: 'fd',
    group: 'method',
    help: 'The finite-difference step.',
  },
  help: HELP,
} as const satisfies Record<string, CliOption>;

export const INIT_MODEL_OPTIONS = {
  dim: { kind: 'int', default: 1, min: 1, max: 1 << 20, cli: 'dim', group: 'network', help: 'The input dimension d.' },
  width: { kind: 'int', default: 24, min: 1, max: 4096, cli: 'width', group: 'network', help: 'Neurons per hidden layer.' },
  depth: { kind: 'int', default: 3, min: 0, max: 64, cli: 'depth', group: 'network', help: 'Hidden layers.' },
  activation: { kind: 'choice', default: 'tanh', choices: ACTIVATIONS, cli: 'activation', group: 'network', help: 'The hidden layers’ activation.' },
  seed: SEED,
  out: { kind: 'text', default: '', defaultText: 'stdout', pattern: /^.+$/, expect: 'a file name', metavar: 'FILE', cli: 'out', group: 'run', help: 'Write the model to this file.' },
  help: HELP,
} as const satisfies Record<string, CliOption>;

export const BENCH_OPTIONS = {
  batch: { kind: 'int', default: DEFAULT_BENCH.batch, min: 1, max: 1 << 20, cli: 'batch', group: 'points', help: 'Points per training step.' },
  width: { kind: 'int', default: DEFAULT_BENCH.width, min: 1, max: 1024, cli: 'width', group: 'network', help: 'Neurons per hidden layer.' },
  depth: { kind: 'int', default: DEFAULT_BENCH.depth, min: 1, max: 32, cli: 'depth', group: 'network', help: 'Hidden layers.' },
  activation: { kind: 'choice', default: DEFAULT_BENCH.activation, choices: ACTIVATIONS, cli: 'activation', group: 'network', help: 'The hidden layers’ activation.' },
  orders: {
    kind: 'text',
    default: `${DEFAULT_BENCH.orders[0]}-${DEFAULT_BENCH.orders[DEFAULT_BENCH.orders.length - 1]}`,
    pattern: /^[\d\s,-]+$/,
    expect: 'a range or list of orders such as 0-9 or 1,3,5',
    metavar: 'LIST',
    cli: 'orders',
    group: 'method',
    help: 'The derivative orders n to time: each step takes derivatives 0..n.',
  },
  adMaxOrder: { kind: 'int', default: 0, defaultText: 'every order', min: 0, max: MAX_JET_ORDER, cli: 'ad-max-order', group: 'method', help: 'Time stacked AD up to this order only (its graph grows fast with the order).' },
  reps: { kind: 'int', default: DEFAULT_BENCH.reps, min: 1, max: 1000, cli: 'reps', group: 'run', help: 'Timed steps per order (the median is reported).' },
  warmup: { kind: 'int', default: DEFAULT_BENCH.warmup, min: 0, max: 100, cli: 'warmup', group: 'run', help: 'Untimed steps before them.' },
  seed: SEED,
  json: JSON_OUT('the device, the timer, the configuration and one row per order'),
  help: HELP,
} as const satisfies Record<string, CliOption>;

/** Every command of `pinn` (main.ts dispatches exactly these). */
export const COMMANDS = {
  train: {
    summary: 'Train a PINN on the GPU and report its L2 relative error',
    about:
      'Adam, then any L-BFGS and Levenberg–Marquardt phases, on the GPU; progress (step, loss, L2 relative error, steps/s, time left) goes to stderr. The high-dimensional ball problems (pinn list) train with STDE. Every setting is a field of the experiment spec that the app’s links use too: the app’s “Copy command” gives the same run.',
    spec: ['train', 'highdim'],
    options: TRAIN_OPTIONS,
  },
  derivs: {
    summary: 'Derivatives 0..N of a network along a direction at each point',
    about: 'Prints {"method", "order", "values": [[u, u′, ..., u^(N)], ...]}, one row per point.',
    required: ['model', 'points', 'order'],
    options: DERIVS_OPTIONS,
  },
  'init-model': {
    summary: 'A Glorot-initialised MLP in PyTorch nn.Linear JSON (weight [out][in], bias [out])',
    required: ['dim'],
    options: INIT_MODEL_OPTIONS,
  },
  bench: {
    summary: 'Time a training step by stacked AD and by n-TangentProp against derivative order',
    about:
      'One step: derivatives 0..n, the sum of their mean squares and the gradient of every parameter. Prints, per order, the median ms of each, the AD/nTP ratio, the graph sizes and the peak GPU bytes.',
    options: BENCH_OPTIONS,
    titles: { points: 'Batch', method: 'Derivative orders', run: 'Timing and output' },
  },
  validate: {
    summary: 'Check a problem file: parse it, list what it needs, verify its exact solution in f64',
    about:
      'Parses every equation and condition (an error names the field and points at the characters), lists the inputs, outputs, loss terms and the derivatives they need, and where the file gives an exact solution, evaluates every residual of it in f64 with its derivatives taken symbolically: the largest residual per term, relative to the size of its derivatives, must be below 1e-8. Exit status 2 on an error or a failed check.',
    positional: 'FILE',
    options: VALIDATE_OPTIONS,
  },
  list: { summary: 'The problems with their equations and the problem files they come from', options: { help: HELP } },
  check: { summary: 'Compare this GPU’s jet kernels with the f64 reference', options: { help: HELP } },
  device: { summary: 'Show the WebGPU adapter in use and its limits', options: { help: HELP } },
} as const satisfies Record<string, Command>;
export type CommandName = keyof typeof COMMANDS;

export function isCommand(name: string | undefined): name is CommandName {
  return name !== undefined && Object.hasOwn(COMMANDS, name);
}

/** The `--name value` options and `--flag`s a field takes on the command line. */
function namesOf(f: AnyField): { values: string[]; flags: string[] } {
  return { values: f.cli ? [f.cli] : [], flags: f.kind === 'choice' && f.flags ? Object.keys(f.flags) : [] };
}

/** The options and flags a command accepts: its spec tables' and its own (what the parser takes). */
export function commandOptionNames(name: CommandName): { values: string[]; flags: string[] } {
  const cmd: Command = COMMANDS[name];
  const values = new Set<string>();
  const flags = new Set<string>();
  for (const kind of cmd.spec ?? []) {
    const n = cliNames(kind);
    n.values.forEach((v) => values.add(v));
    n.flags.forEach((v) => flags.add(v));
  }
  for (const f of Object.values(cmd.options)) {
    const n = namesOf(f);
    n.values.forEach((v) => values.add(v));
    n.flags.forEach((v) => flags.add(v));
  }
  return { values: [...values], flags: [...flags] };
}

/** The names (without --) of a command's options that are not spec settings. */
export function ownOptionNames(name: CommandName): { values: string[]; flags: string[] } {
  const all = Object.values(COMMANDS[name].options as Record<string, CliOption>).map(namesOf);
  return { values: all.flatMap((n) => n.values), flags: all.flatMap((n) => n.flags) };
}

// ---- the text ----

export const WIDTH = 100;
const HELP_COLUMN = 30;

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

function indented(text: string, indent: number): string {
  return wrap(text, WIDTH - indent)
    .map((l) => ' '.repeat(indent) + l)
    .join('\n');
}

/** "a", "a or b", "a, b or c". */
function orList(items: readonly string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}` : (items[0] ?? '');
}

function methodsOf(f: AnyField): readonly string[] | null {
  return f.method === undefined ? null : typeof f.method === 'string' ? [f.method] : f.method;
}

function metavarOf(f: AnyField): string | null {
  if (!f.cli) return null;
  if (f.metavar) return f.metavar;
  if (f.kind === 'int') return 'N';
  if (f.kind === 'choice') {
    const joined = f.choices.join('|');
    return joined.length <= 24 ? joined : 'NAME';
  }
  return 'VALUE';
}

/**
 * What values an option takes, over its per-problem versions: "an integer in [1, 512]", "one of
 * a, b" or the text's expectation; null: its metavar says it (unless `explicit`).
 */
function valueText(vs: readonly AnyField[], explicit = false): string | null {
  const f = vs[0];
  if (f.kind === 'int') {
    const lo = Math.min(...vs.map((v) => (v as typeof f).min));
    const hi = Math.max(...vs.map((v) => (v as typeof f).max));
    return `an integer in [${lo}, ${hi}]`;
  }
  if (f.kind === 'choice') {
    const choices = [...new Set(vs.flatMap((v) => (v as typeof f).choices))];
    if (!f.cli || (!explicit && metavarOf(f) === choices.join('|'))) return null;
    return choices.length === 1 ? `${choices[0]} only` : `one of ${choices.join(', ')}`;
  }
  return f.expect;
}

/** The default over its per-problem versions: "default 16", "default per problem: 24, 32 or 64". */
function defaultText(vs: readonly AnyField[]): string {
  const f = vs[0];
  if ('defaultText' in f && f.defaultText) return `default ${f.defaultText}`;
  const all = [...new Set(vs.map((v) => String(v.default)))];
  if (all.every((d) => d !== '' && Number.isFinite(Number(d)))) all.sort((a, b) => Number(a) - Number(b));
  if (all.length === 1) return `default ${all[0] === '' ? 'none' : all[0]}`;
  return all.length <= 6 ? `default per problem: ${orList(all)}` : 'default per problem';
}

function sentence(parts: readonly (string | null)[]): string {
  const s = parts.filter(Boolean).join('; ');
  return s ? `${s[0].toUpperCase()}${s.slice(1)}.` : '';
}

interface Entry {
  field: AnyField;
  /** The field as each problem sets it (defaults and ranges follow the problem); [field] for a CLI option. */
  variants: AnyField[];
  /** The same option as the ball problems take it, when it differs in range, choices or default. */
  ball?: AnyField[];
  /** Where it applies, besides its derivative methods (e.g. 'ball problems'). */
  tag?: string;
  required: boolean;
}

function entryHeading(e: Entry): string {
  const n = namesOf(e.field);
  const names = [...n.values, ...n.flags].map((x) => `--${x}`).join(', ');
  const meta = metavarOf(e.field);
  return `  ${names}${meta ? ` ${meta}` : ''}`;
}

function entryText(e: Entry): string {
  const f = e.field;
  const tags = [e.tag, methodsOf(f)?.join(', ')].filter(Boolean);
  const parts: string[] = [];
  if (tags.length) parts.push(`[${tags.join('; ')}]`);
  parts.push(f.cliHelp ?? f.help);
  const value = valueText(e.variants);
  if (f.kind === 'choice' && f.flags && f.label) {
    // a setting that flags set: what each sets it to
    const sets = Object.entries(f.flags).map(([fl, v]) => (f.cli || Object.keys(f.flags!).length > 1 ? `${v} with --${fl}` : `${v} with the flag`));
    parts.push(`${f.label}: ${sets.join(', ')}; ${defaultText(e.variants)}.`);
  } else if (f.kind !== 'choice' || f.cli) {
    parts.push(sentence([value, e.required ? 'required' : defaultText(e.variants)]));
  }
  if (e.ball) {
    const ballValue = valueText(e.ball, true);
    const ballDefault = defaultText(e.ball);
    const single = e.ball[0].kind === 'choice' && e.ball[0].choices.length === 1;
    const differs = [ballValue !== valueText(e.variants, true) ? ballValue : null, !single && !e.required && ballDefault !== defaultText(e.variants) ? ballDefault : null];
    if (differs.some(Boolean)) parts.push(`Ball problems: ${differs.filter(Boolean).join('; ')}.`);
  }
  return parts.filter(Boolean).join(' ');
}

function formatEntry(e: Entry): string {
  const head = entryHeading(e);
  const body = wrap(entryText(e), WIDTH - HELP_COLUMN);
  const pad = ' '.repeat(HELP_COLUMN);
  const first = head.length <= HELP_COLUMN - 2 ? [head.padEnd(HELP_COLUMN) + body[0], ...body.slice(1).map((l) => pad + l)] : [head, ...body.map((l) => pad + l)];
  return first.join('\n');
}

/** The field of a spec table as each of its problems sets it. */
function variantsOf(kind: SpecKind, key: string): SpecField[] {
  const ids = (kind === 'train' ? PROBLEMS : HIGHDIM_PROBLEMS).map((p) => p.id);
  return ids.map((id) => (fieldsFor(kind, id) as Record<string, SpecField>)[key]);
}

const sameNames = (a: AnyField, b: AnyField) => JSON.stringify(namesOf(a)) === JSON.stringify(namesOf(b));

/** A command's options as help entries: the spec tables' (the ball problems' beside the others), then its own. */
function entries(name: CommandName): Entry[] {
  const cmd: Command = COMMANDS[name];
  const required = (f: AnyField) => [...namesOf(f).values, ...namesOf(f).flags].some((n) => cmd.required?.includes(n) ?? false);
  const out: Entry[] = [];
  const [first, ...others] = cmd.spec ?? [];
  if (first) {
    const base = FIELDS_OF[first] as Record<string, SpecField>;
    for (const key of Object.keys(base)) {
      const f = base[key];
      const twin = others.flatMap((k) => Object.entries(FIELDS_OF[k] as Record<string, SpecField>).filter(([, g]) => sameNames(f, g)).map(([gk]) => variantsOf(k, gk)))[0];
      out.push({ field: f, variants: variantsOf(first, key), ball: twin, required: required(f) });
    }
    for (const kind of others) {
      for (const [key, f] of Object.entries(FIELDS_OF[kind] as Record<string, SpecField>)) {
        if (Object.values(base).some((g) => sameNames(f, g))) continue;
        out.push({ field: f, variants: variantsOf(kind, key), tag: 'ball problems', required: required(f) });
      }
    }
  }
  for (const f of Object.values(cmd.options) as CliOption[]) out.push({ field: f, variants: [f], tag: f.tag, required: required(f) });
  return out;
}

/** A field's section: its group, else 'method' for a method's own setting, else 'run'. */
function groupOf(f: AnyField): CliGroup {
  const g = f.group as string | undefined;
  return g !== undefined && (GROUP_ORDER as readonly string[]).includes(g) ? (g as CliGroup) : f.method !== undefined ? 'method' : 'run';
}

/** `pinn --help`: the commands, one line each. */
export function overview(): string {
  const names = Object.keys(COMMANDS) as CommandName[];
  const col = Math.max(...names.map((n) => n.length)) + 4;
  const line = (n: string, s: string) => `  ${n.padEnd(col)}${wrap(s, WIDTH - col - 2).join(`\n${' '.repeat(col + 2)}`)}`;
  return [
    'pinn — physics-informed neural networks on WebGPU (Node + Dawn)',
    '',
    'Usage: pinn <command> [options]',
    '',
    'Commands:',
    ...names.map((n) => line(n, COMMANDS[n].summary)),
    line('help', 'This overview; pinn help <command>: that command’s options'),
    '',
    'pinn <command> --help lists a command’s options.',
    'Exit codes: 0 success, 1 a check failed or an internal error, 2 bad input.',
  ].join('\n');
}

/** `pinn <command> --help`: the command's options in sections, wrapped to 100 columns. */
export function commandHelp(name: CommandName): string {
  const cmd: Command = COMMANDS[name];
  const all = entries(name);
  const req = all.filter((e) => e.required).map((e) => `${entryHeading(e).trim()}`);
  const out = [`pinn ${name} — ${cmd.summary}`, '', `Usage: pinn ${name}${cmd.positional ? ` ${cmd.positional}` : ''}${req.length ? ` ${req.join(' ')}` : ''}${all.some((e) => !e.required) ? ' [options]' : ''}`];
  if (cmd.about) out.push('', indented(cmd.about, 0));
  const tagged = all.some((e) => e.tag || methodsOf(e.field));
  if (tagged) {
    const legend = ['[m]: only with --method m'];
    if (all.some((e) => e.tag === 'ball problems')) legend.push('[ball problems]: only for the high-dimensional ball problems (pinn list)');
    out.push('', indented(`${legend.join('; ')}.`, 0));
  }
  for (const g of GROUP_ORDER) {
    const inGroup = all.filter((e) => groupOf(e.field) === g);
    if (!inGroup.length) continue;
    out.push('', `${cmd.titles?.[g] ?? GROUP_TITLES[g]}:`, ...inGroup.map(formatEntry));
  }
  if (cmd.spec && cmd.spec.length > 1) {
    // the options one kind of problem takes and another refuses
    const [first, ...others] = cmd.spec;
    const names = (k: SpecKind) => [...cliNames(k).values, ...cliNames(k).flags];
    const refused = names(first).filter((n) => others.every((k) => !names(k).includes(n)));
    if (refused.length) out.push('', indented(`The ball problems (${HIGHDIM_PROBLEMS.map((p) => p.id).join(', ')}) refuse ${orList(refused.map((n) => `--${n}`))}.`, 0));
  }
  return out.join('\n');
}
