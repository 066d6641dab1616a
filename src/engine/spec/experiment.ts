/**
 * The experiment spec: every setting of a run (problem, dimension, derivative method and
 * its parameters, network, optimizer, points, seed) declared once, with its type, default,
 * range, help text, URL key and command-line name. The same table
 *   - parses a link's hash (lenient: a tampered value is clamped or replaced, with a notice,
 *     never evaluated),
 *   - parses `pinn train` options (strict: one clear error, exit code 2),
 *   - writes the link and the equivalent `pinn train` command back,
 *   - and turns a spec into the trainer's configuration,
 * so the app's store, its URL, the command line and the tests cannot drift apart.
 * Free of DOM and React.
 */
import { InputError, shownValue } from '../errors';
import { ACTIVATIONS } from '../model/mlp';
import { MAX_FOURIER_FEATURES } from '../model/embedding';
import { MAX_CAUSAL_CHUNKS } from '../train/term';
import { RWF_DEFAULTS } from '../train/rwf';
import { HIGHDIM_IDS, HIGHDIM_PROBLEMS, highDimProblemWith, PROBLEM_IDS, PROBLEMS, problemById, problemWith } from '../problems';
import type { HighDimProblem } from '../problems/highdim-types';
import { periodicAxes, timeAxis, type PdeProblem } from '../problems/types';
import { SAMPLING_KINDS, type SamplingKind } from '../sampling/qmc';
import { namedSchedule, type LrSchedule, type ScheduleName } from '../train/schedule';
import { ALL_TRAIN_METHODS, TRAIN_METHODS, defaultTrainConfig, type TrainConfig, type TrainMethod } from '../train/trainer';
import { allMethods, methodById } from '../methods/registry';
import { BALL_SAMPLINGS, checkHighDimMemory, defaultHighDimConfig, type BallSampling, type HighDimConfig } from '../highdim/trainer';
import { denseUnsupportedReason } from '../highdim/dense';

import { appliesTo, fieldMethods, inOpenUnit, NUMBER, type ChoiceField, type Field, type IntField, type SpecValues, type TextField } from './fields';
export { appliesTo, fieldMethods, type ChoiceField, type Field, type FieldBase, type FieldTable, type IntField, type SpecValues, type TextField } from './fields';

/** The sections of `pinn train --help` (src/cli/usage.ts), in order. */
export const FIELD_GROUPS = ['problem', 'method', 'network', 'optimizer', 'points', 'run'] as const;
export type FieldGroup = (typeof FIELD_GROUPS)[number];
/**
 * A setting with what the command line's help needs besides its shape: its section (absent:
 * 'method' for a method's own setting), the value's name (--lr LR; absent: the choices, N for
 * an integer, VALUE for text) and a command-line wording where the app's help does not fit.
 */
export type SpecField = Field & { group?: FieldGroup; metavar?: string; cliHelp?: string };
export type SpecTable = Record<string, SpecField>;


/** --schedule: constant | linear[:final fraction, default 0.1] | exponential[:rate per quarter, default 0.5]. */
export function scheduleFromSpec(raw: string): LrSchedule {
  const m = /^(constant|linear|exponential)(?::([0-9.eE+-]+))?$/.exec(raw);
  if (!m || (m[1] === 'constant' && m[2] !== undefined)) throw new InputError(`--schedule must be constant, linear[:final fraction] or exponential[:rate per quarter], got '${shownValue(raw)}'`);
  try {
    return namedSchedule(m[1] as ScheduleName, m[2] === undefined ? undefined : Number(m[2]));
  } catch (e) {
    throw new InputError((e as Error).message);
  }
}

const common = {
  width: { kind: 'int', default: 24, min: 1, max: 512, cli: 'width', group: 'network', label: 'Width', help: 'Neurons per hidden layer.' },
  depth: { kind: 'int', default: 3, min: 1, max: 16, cli: 'depth', group: 'network', label: 'Depth', help: 'Hidden layers.' },
  lr: { kind: 'text', default: '2e-3', pattern: NUMBER, expect: 'a number in (0, 1)', check: inOpenUnit, cli: 'lr', metavar: 'LR', group: 'optimizer', label: 'Learning rate', help: 'Adam learning rate at the start (e.g. 2e-3 or 0.001); the schedule lowers it over the run.' },
  schedule: {
    kind: 'text',
    default: 'exponential',
    pattern: /^(constant|linear(:[0-9.eE+-]+)?|exponential(:[0-9.eE+-]+)?)$/,
    expect: 'constant, linear[:final fraction] or exponential[:rate per quarter]',
    check: (v: string) => {
      try {
        scheduleFromSpec(v);
        return true;
      } catch (e) {
        return (e as Error).message;
      }
    },
    cli: 'schedule',
    metavar: 'SCHEDULE',
    group: 'optimizer',
    label: 'Schedule',
    help: 'Learning rate over the run: exponential (halved every quarter; exponential:r for rate r), linear (down to a tenth at the end; linear:f for fraction f) or constant.',
  },
  steps: { kind: 'int', default: 2000, min: 1, max: 10_000_000, cli: 'steps', group: 'optimizer', label: 'Steps', help: 'Adam steps in the run (the schedule depends on it).' },
  seed: { kind: 'int', default: 0, min: 0, max: 2 ** 31 - 1, cli: 'seed', group: 'run', label: 'Seed', help: 'Seeds the initialization and the sampling: the same seed reproduces the run.' },
} as const satisfies SpecTable;

/** Every setting of a run of the low-dimensional trainer (the Train view, `pinn train --pde poisson-1d ...`). */
export const TRAIN_FIELDS = {
  pde: { kind: 'choice', default: 'poisson-1d', choices: PROBLEM_IDS, cli: 'pde', metavar: 'ID', group: 'problem', label: 'Problem', help: 'The PDE to solve; its equation is shown below.', cliHelp: 'The PDE to solve (pinn list shows each one’s equation).' },
  dim: { kind: 'int', default: 5, min: 1, max: 100, cli: 'dim', group: 'problem', label: 'Dimension', help: 'The dimension d of a d-dimensional problem (poisson-nd, poisson-sin, heat-ball).' },
  k: { kind: 'int', default: 0, min: 0, max: 3, cli: 'k', group: 'problem', label: 'Profile k', help: 'Which smooth self-similar profile (burgers-selfsimilar): lambda_k = 1/(2k+2); the smoothness term uses derivatives of order 2k+4.' },
  method: {
    kind: 'choice',
    default: 'taylor',
    choices: ALL_TRAIN_METHODS,
    cli: 'method',
    group: 'method',
    label: 'Derivatives',
    help: allMethods()
      .map((m) => `${m.id}: ${m.summary}.`)
      .join(' '),
  },
  // each derivative method's own settings (src/engine/methods/), in registry order
  ...(Object.fromEntries(allMethods().flatMap((m) => Object.entries(m.fields))) as Record<string, SpecField>),
  width: common.width,
  depth: common.depth,
  activation: { kind: 'choice', default: 'tanh', choices: ACTIVATIONS, cli: 'activation', group: 'network', label: 'Activation', help: 'tanh, or sin (a SIREN-like network; smooth, periodic).' },
  lr: common.lr,
  schedule: common.schedule,
  steps: common.steps,
  points: { kind: 'int', default: 256, min: 1, max: 262144, cli: 'points', group: 'points', label: 'Points', help: 'Interior collocation points per step.' },
  resample: { kind: 'int', default: 1, min: 0, max: 1_000_000, cli: 'resample-every', group: 'points', label: 'Resample every', help: 'Draw fresh collocation points every this many steps (1: every step; 0: never, one fixed set).' },
  sampling: { kind: 'choice', default: 'uniform', choices: SAMPLING_KINDS, cli: 'sampling', group: 'points', label: 'Sampling', help: 'How collocation points are drawn: uniform (seeded, on the GPU), sobol (scrambled quasi-random), lhs (Latin hypercube: one point per stratum of each axis).' },
  hard: { kind: 'choice', default: 'off', choices: ['off', 'on'], flags: { hard: 'on', soft: 'off' }, group: 'network', label: 'Hard constraints', help: 'on: conditions hold exactly and their loss terms go: a boundary transform u = g + φ·N with φ vanishing on the boundary (problems that declare one), and periodic inputs fed to the network as cos and sin of 2πx/L (problems with a periodic condition).' },
  tricks: { kind: 'choice', default: 'on', choices: ['on', 'none'], cli: 'tricks', group: 'network', label: 'Accuracy techniques', help: 'none: the plain PINN, for comparison: no input embedding (periodic or Fourier), weight factorization, weight balancing, attention, causal training or adaptive sampling, whatever those settings say (hard boundary transforms stay as set).' },
  rwf: { kind: 'choice', default: 'off', choices: ['off', 'on'], flags: { rwf: 'on', 'no-rwf': 'off' }, group: 'network', label: 'Weight factorization', help: 'Random weight factorization (as in jaxpi): each weight row is exp(s)·V with s drawn from N(1, 0.1²), and Adam trains V and s; it often speeds up training. L-BFGS and Levenberg–Marquardt work on the weights themselves.' },
  fourier: { kind: 'int', default: 0, min: 0, max: MAX_FOURIER_FEATURES, cli: 'fourier-features', metavar: 'M', group: 'network', label: 'Fourier features', help: 'Random Fourier features: the network reads cos(Bx) and sin(Bx), B an M x d Gaussian matrix of scale σ (0: none). They let it learn high frequencies; along a periodic input (hard constraints) each frequency is a whole multiple of 2π/L.' },
  fourierScale: { kind: 'text', default: '1', pattern: NUMBER, expect: 'a number in (0, 1000]', check: (v: string) => Number(v) > 0 && Number(v) <= 1000, cli: 'fourier-scale', metavar: 'SIGMA', group: 'network', label: 'Fourier scale σ', help: 'The standard deviation of the Fourier feature frequencies (with Fourier features): larger values resolve finer detail and fit noise sooner.' },
  balance: { kind: 'int', default: 0, min: 0, max: 1_000_000, cli: 'balance-every', metavar: 'K', group: 'points', label: 'Balance weights every', help: 'Gradient-norm balancing of the loss weights (learning-rate annealing, Wang, Teng & Perdikaris 2021): every K Adam steps each term’s weight moves towards (Σ of every term’s gradient norm) / (its own), so no term drowns the others (0: fixed weights).' },
  rba: { kind: 'choice', default: 'off', choices: ['off', 'on'], flags: { rba: 'on', 'no-rba': 'off' }, group: 'points', label: 'Residual attention', help: 'Residual-based attention (Anagnostopoulos et al. 2024): each fixed point’s weight grows where its residual stays large, λ ← 0.999 λ + 0.01 |r| / max |r|, loss weight λ². For the terms whose points stay fixed (conditions, data, and the interior with Resample every 0). Adam’s steps only.' },
  rad: { kind: 'int', default: 0, min: 0, max: 1_000_000, cli: 'rad-every', metavar: 'K', group: 'points', label: 'Adaptive points every', help: 'Residual-based adaptive sampling (RAD, Wu et al. 2023): every K steps the interior points are drawn on the GPU from 4× as many uniform candidates with density ∝ |r| / mean |r| + 1, so they gather where the residual is large (0: off).' },
  causal: { kind: 'int', default: 0, min: 0, max: MAX_CAUSAL_CHUNKS, cli: 'causal', metavar: 'M', group: 'points', label: 'Causal chunks', help: 'Causal training (time-dependent problems): the time axis in M chunks, each chunk’s residual weighted by exp(−ε × the loss of the earlier chunks), so later times are fitted only once earlier ones are (0: off). Adam’s steps only.' },
  causalEps: { kind: 'text', default: '0.01', pattern: NUMBER, expect: 'a number in (0, 1e6]', check: (v: string) => Number(v) > 0 && Number(v) <= 1e6, cli: 'causal-eps', metavar: 'EPS', group: 'points', label: 'Causal ε', help: 'Causal training’s starting ε; it grows ×10 each time every chunk’s weight passes 0.99 (at most 4 times).' },
  weights: {
    kind: 'text',
    default: '',
    // term names are letters, digits, spaces, _ - and ' (a file's "initial velocity")
    pattern: /^([\w' -]+=[^,=]*(,[\w' -]+=[^,=]*)*)?$/,
    expect: 'name=value pairs separated by commas',
    cli: 'weight',
    metavar: 'TERM=W,...',
    group: 'points',
    label: 'Loss weights',
    help: 'Weights of the loss terms by name, e.g. boundary=100,initial=10 (empty: each problem’s own).',
  },
  lbfgs: { kind: 'int', default: 0, min: 0, max: 1_000_000, cli: 'lbfgs', group: 'optimizer', label: 'L-BFGS iterations', help: 'A second phase after Adam on fixed collocation points (0: none), as DeepXDE users do.' },
  lm: {
    kind: 'int',
    default: 0,
    min: 0,
    max: 100_000,
    cli: 'lm',
    // the methods that give Levenberg–Marquardt its Jacobian rows
    method: allMethods()
      .filter((m) => m.jacobian)
      .map((m) => m.id),
    group: 'optimizer',
    label: 'Levenberg–Marquardt iterations',
    help: 'A last phase (after Adam and any L-BFGS) on fixed points: damped Gauss–Newton steps from the residuals’ Jacobian, which the GPU computes point by point, from the Taylor jets or by stacked AD’s per-point reverse pass (0: none). Each iteration costs a Jacobian and a small linear solve on the CPU; near a solution it converges in far fewer iterations than L-BFGS.',
  },
  seed: common.seed,
} as const satisfies SpecTable;

/** Every setting of a run of the high-dimensional trainer (the High dimension view, `pinn train --pde sine-gordon-twobody ...`). */
export const HIGHDIM_FIELDS = {
  pde: { kind: 'choice', default: 'sine-gordon-twobody', choices: HIGHDIM_IDS, cli: 'pde', metavar: 'ID', group: 'problem', label: 'Problem', help: 'A PDE on the unit ball in d dimensions (the STDE paper’s test problems).' },
  dim: {
    kind: 'int',
    default: 1000,
    min: 1,
    max: 1_000_000,
    cli: 'dim',
    group: 'problem',
    label: 'Dimension d',
    help: 'Space dimension. The jets cost the same whatever d is; the first layer’s W₁x and its gradient are O(d). Too large for this GPU’s buffers: the message names the largest d that fits.',
  },
  method: { kind: 'choice', default: 'stde', choices: ['stde'], cli: 'method', group: 'method', label: 'Derivatives', help: 'STDE: random Taylor jets estimate every sum over the d coordinates.' },
  stde: { kind: 'choice', default: 'sparse', choices: ['sparse', 'dense'], cli: 'stde', group: 'method', label: 'STDE kind', help: 'sparse: B random coordinates per point (the first-layer tangent is a column of W₁), sums scaled by d/B; dense: B random ±1 directions (the first layer then costs O(d) per direction).' },
  randBatch: { kind: 'int', default: 16, min: 1, max: 1024, cli: 'rand-batch', group: 'method', label: 'Coordinates B', help: 'STDE: random jets per point each step (sparse: coordinates, at most d).' },
  unbiased: {
    kind: 'choice',
    default: 'off',
    choices: ['off', 'on'],
    flags: { 'unbiased-loss': 'on' },
    group: 'method',
    label: 'Unbiased loss',
    help: 'Sparse STDE: the residual estimated twice, from the two halves of the B axes, and the two multiplied (on); off: one estimate squared, whose mean carries the estimator’s variance.',
  },
  product: {
    kind: 'choice',
    default: 'off',
    choices: ['off', 'on'],
    flags: { 'product-rule': 'on' },
    group: 'method',
    label: 'Product rule',
    help: 'Sparse STDE on the two- and three-body problems (u = (1 − |x|²) N): Δu = −2dN − 4x·∇N + (1 − |x|²)ΔN with the first two terms exact (x·∇N from one more jet per point, along x) and only ΔN sampled (on); off: the whole Δu sampled, as in the STDE paper.',
  },
  width: { ...common.width, default: 128, max: 1024, help: 'Neurons per hidden layer (up to 1024, the trainer’s limit; at d = 10³ one wide hidden layer fits u* better than the paper’s 3 of 128, see docs/BENCHMARKS.md).' },
  depth: { ...common.depth, default: 3, max: 8, help: 'Hidden layers (tanh).' },
  lr: { ...common.lr, default: '1e-3', help: 'Adam learning rate at the start; the schedule lowers it over the run.' },
  schedule: { ...common.schedule, default: 'linear' },
  firstLr: {
    kind: 'text',
    default: 'auto',
    pattern: /^(auto|(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)$/,
    expect: 'auto or a number in (0, 10000]',
    check: (v: string) => v === 'auto' || (Number(v) > 0 && Number(v) <= 1e4),
    cli: 'first-layer-lr',
    metavar: 'X',
    group: 'optimizer',
    label: 'First-layer lr ×',
    help: 'Multiplier of the learning rate for the first layer’s weights W₁. A point in the ball has coordinates of about 1/√d, so W₁ must grow about √d-fold to express u*’s part linear in x; auto: d/1000 within [1, 10] (1 up to d = 1000, 10 from d = 10⁴).',
  },
  steps: common.steps,
  points: { kind: 'int', default: 100, min: 1, max: 65536, cli: 'points', group: 'points', label: 'Points', help: 'Collocation points per step, drawn in the ball on the GPU (see Points in the ball).' },
  ball: {
    kind: 'choice',
    default: 'volume',
    choices: BALL_SAMPLINGS,
    cli: 'ball-sampling',
    group: 'points',
    label: 'Points in the ball',
    help: 'volume: uniform in the ball, so in high dimension nearly all points lie by the sphere (|x| > 0.98 at d = 1000); radius: |x| uniform in [0, 1] as the STDE release draws them, which weights the centre. Training and test points both follow it, so errors compare with the paper’s only under radius.',
  },
  seed: common.seed,
} as const satisfies SpecTable;

export type TrainSpec = SpecValues<typeof TRAIN_FIELDS>;
export type HighDimSpec = SpecValues<typeof HIGHDIM_FIELDS>;
export type SpecKind = 'train' | 'highdim';
export const FIELDS_OF: { train: typeof TRAIN_FIELDS; highdim: typeof HIGHDIM_FIELDS } = { train: TRAIN_FIELDS, highdim: HIGHDIM_FIELDS };

/** Which table a problem id belongs to (null: unknown). */
export function specKindOf(pde: string): SpecKind | null {
  if (problemById(pde)) return 'train';
  if (HIGHDIM_PROBLEMS.some((p) => p.id === pde)) return 'highdim';
  return null;
}

/** The problem's own defaults and ranges laid over the table (network, steps, learning rate, points, dimension). */
export function fieldsFor<K extends SpecKind>(kind: K, pde: string): (typeof FIELDS_OF)[K] {
  const table = { ...FIELDS_OF[kind] } as Record<string, Field>;
  if (kind === 'train') {
    const p = problemById(pde);
    if (p) {
      const d = p.defaults;
      const r = p.paramRanges ?? {};
      table.width = { ...(table.width as IntField), default: d.width };
      table.depth = { ...(table.depth as IntField), default: d.depth };
      table.steps = { ...(table.steps as IntField), default: d.steps };
      table.points = { ...(table.points as IntField), default: d.interiorPoints };
      table.lr = { ...(table.lr as TextField), default: String(d.lr) };
      table.hard = { ...(table.hard as ChoiceField), default: d.hardBoundary ? 'on' : 'off' };
      table.precision = { ...(table.precision as ChoiceField), default: d.precision ?? 'f32' };
      // a problem file's other defaults (any setting by its spec name), where they are valid values of the field
      for (const [key, v] of Object.entries(d.settings ?? {})) {
        const f = table[key];
        if (!f || key === 'pde') continue;
        if (f.kind === 'int' && typeof v === 'number' && Number.isInteger(v) && v >= f.min && v <= f.max) table[key] = { ...f, default: v };
        else if (f.kind === 'choice' && f.choices.includes(String(v))) table[key] = { ...f, default: String(v) };
        else if (f.kind === 'text' && (typeof v === 'string' || typeof v === 'number')) table[key] = { ...f, default: String(v) };
      }
      const dim = table.dim as IntField;
      table.dim = r.dim
        ? { ...dim, min: r.dim[0], max: r.dim[1], default: clamp(p.dim, r.dim[0], r.dim[1]) }
        : { ...dim, min: p.dim, max: p.dim, default: p.dim, fixed: `${p.id} is ${p.dim}-dimensional; it takes no other --dim` };
      const k = table.k as IntField;
      table.k = r.k ? { ...k, min: r.k[0], max: r.k[1] } : { ...k, min: 0, max: 0, fixed: `${p.id} takes no --k` };
    }
  } else {
    const p = HIGHDIM_PROBLEMS.find((q) => q.id === pde);
    if (p) {
      const base = defaultHighDimConfig(p);
      const r = p.paramRanges?.dim ?? [1, 1_000_000];
      table.dim = { ...(table.dim as IntField), min: r[0], max: r[1], default: clamp(p.dim, r[0], r[1]) };
      table.width = { ...(table.width as IntField), default: base.width };
      table.depth = { ...(table.depth as IntField), default: base.depth };
      table.points = { ...(table.points as IntField), default: base.points };
      table.lr = { ...(table.lr as TextField), default: String(base.lr) };
      table.steps = { ...(table.steps as IntField), default: base.steps };
    }
  }
  return table as (typeof FIELDS_OF)[K];
}

/** A problem file's `defaults` beyond the network and training ones: each must name a setting of the spec, with a valid value. */
export function checkProblemDefaults(problem: PdeProblem): void {
  const table = FIELDS_OF.train as Record<string, Field>;
  for (const [key, v] of Object.entries(problem.defaults.settings ?? {})) {
    const f = table[key];
    const where = `${problem.file ?? problem.id}: defaults.${key}`;
    if (!f || key === 'pde') throw new InputError(`${where} is not a setting (settings: ${Object.keys(table).filter((k) => k !== 'pde').join(', ')})`);
    const ok = f.kind === 'int' ? typeof v === 'number' && Number.isInteger(v) && v >= f.min && v <= f.max : f.kind === 'choice' ? f.choices.includes(String(v)) : typeof v === 'string' || typeof v === 'number';
    if (!ok) throw new InputError(`${where}: ${JSON.stringify(v)} is not a valid value${f.kind === 'int' ? ` (an integer from ${f.min} to ${f.max})` : f.kind === 'choice' ? ` (${f.choices.join(', ')})` : ''}`);
  }
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** The defaults of every field for this problem. */
export function specDefaults<K extends SpecKind>(kind: K, pde?: string): K extends 'train' ? TrainSpec : HighDimSpec {
  const table = fieldsFor(kind, pde ?? FIELDS_OF[kind].pde.default);
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(table)) out[k] = f.default;
  if (pde !== undefined) out.pde = pde;
  return out as K extends 'train' ? TrainSpec : HighDimSpec;
}

/** URL flags a link may carry besides settings (views, benchmarks, classroom mode). */
export const URL_FLAGS = ['view', 'run', 'classroom', 'hide', 'compare'];

/**
 * The Train view's Compare ticks from a link's `compare=taylor,ad,...` (absent: the baseline
 * trio; empty: none). Unknown names are dropped with a notice, duplicates once.
 */
export function compareMethodsFromParam(raw: string | null): { methods: TrainMethod[]; notice: string | null } {
  if (raw === null) return { methods: [...TRAIN_METHODS], notice: null };
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(ALL_TRAIN_METHODS as readonly string[]).includes(n));
  const methods = ALL_TRAIN_METHODS.filter((m) => names.includes(m));
  const notice = bad.length ? `Compare: ${bad.map((b) => `'${b.slice(0, 20)}'`).join(', ')} ${bad.length > 1 ? 'are not methods' : 'is not a method'} (one of ${ALL_TRAIN_METHODS.join(', ')}); left out` : null;
  return { methods, notice };
}

/** The link's `compare` value for these ticks, or null when they are the default trio. */
export function compareMethodsParam(methods: readonly TrainMethod[]): string | null {
  const ordered = ALL_TRAIN_METHODS.filter((m) => methods.includes(m));
  const isDefault = ordered.length === TRAIN_METHODS.length && TRAIN_METHODS.every((m) => ordered.includes(m));
  return isDefault ? null : ordered.join(',');
}

function describe(f: Field, strict: boolean, key: string): string {
  return strict ? `--${f.cli ?? key}` : f.label;
}

/**
 * Read one field's raw text. Strict (command line): throws an InputError naming the option.
 * Lenient (a link): clamps a number out of range or falls back to the default, with a notice.
 */
function readField(f: Field, key: string, raw: string, strict: boolean, notices: string[]): number | string {
  const name = describe(f, strict, key);
  const shown = shownValue(raw);
  const fail = (msg: string, fallback: number | string) => {
    if (strict) throw new InputError(msg);
    notices.push(`${msg}; using ${fallback}`);
    return fallback;
  };
  if (f.kind === 'int') {
    const v = Number(raw);
    if (f.fixed !== undefined) {
      if (strict && v !== f.default) throw new InputError(f.fixed);
      return f.default;
    }
    const whole = /^-?\d+$/.test(raw.trim()) && Number.isSafeInteger(v);
    if (strict && (!whole || v < f.min || v > f.max)) throw new InputError(`${name} must be an integer in [${f.min}, ${f.max}], got '${shown}'`);
    if (!whole) return fail(`${name}: '${shown}' is not a whole number`, f.default);
    if (v < f.min || v > f.max) return fail(`${name}: ${v} is outside [${f.min}, ${f.max}]`, clamp(v, f.min, f.max));
    return v;
  }
  if (f.kind === 'choice') {
    if (f.choices.includes(raw)) return raw;
    return fail(strict ? `${name} must be one of ${f.choices.join(', ')}, got '${shown}'` : `${name}: '${shown}' is not one of ${f.choices.join(', ')}`, f.default);
  }
  const verdict = !f.pattern.test(raw) ? false : (f.check?.(raw) ?? true);
  if (verdict === true) return raw;
  if (strict) throw new InputError(typeof verdict === 'string' ? verdict : `${name} must be ${f.expect}, got '${shown}'`);
  return fail(`${name}: '${shown}' is not valid (${f.expect})`, f.default);
}

export interface ParsedSpec<T> {
  values: T;
  notices: string[];
  /** Keys the source set explicitly (the rest are defaults). */
  given: Set<string>;
}

/**
 * Parse a link's settings (`get` returns the raw text of a URL key, or null). Lenient: an
 * invalid value becomes its default or is clamped, with a notice; unknown keys are reported.
 * The problem is read first so that its own defaults and ranges apply.
 */
export function specFromParams<K extends SpecKind>(kind: K, params: URLSearchParams): ParsedSpec<K extends 'train' ? TrainSpec : HighDimSpec> {
  const notices: string[] = [];
  const given = new Set<string>();
  const base = FIELDS_OF[kind];
  const rawPde = params.get('pde');
  const pde = rawPde === null ? base.pde.default : (readField(base.pde, 'pde', rawPde, false, notices) as string);
  const table = fieldsFor(kind, pde) as Record<string, Field>;
  const values = specDefaults(kind, pde) as Record<string, number | string>;
  for (const [key, f] of Object.entries(table)) {
    const raw = params.get(key);
    if (raw === null || key === 'pde') continue;
    given.add(key);
    values[key] = readField(f, key, raw, false, notices);
  }
  if (rawPde !== null) given.add('pde');
  for (const k of params.keys()) {
    if (!(k in table) && !URL_FLAGS.includes(k)) notices.push(`unknown setting '${shownValue(k)}' ignored`);
  }
  if (kind === 'train') {
    const problem = problemById(pde);
    if (problem && values.weights !== '') {
      try {
        weightsFromSpec(String(values.weights), problem);
      } catch (e) {
        notices.push(`${table.weights.label}: ${(e as Error).message}; using the problem's own`);
        values.weights = '';
      }
    }
    if (problem && !problem.hard && periodicAxes(problem).length === 0) values.hard = 'off';
  }
  // sparse STDE draws B distinct coordinates of a Laplacian; an operator alone draws terms with replacement (any B)
  const sumsLaplacian = kind === 'highdim' || (problemById(pde)?.terms.some((t) => t.derivatives.some((s) => s.laplacian)) ?? true);
  if (Number(values.randBatch) > Number(values.dim) && values.stde === 'sparse' && sumsLaplacian && (kind === 'highdim' || appliesTo(table.randBatch, values.method))) {
    notices.push(`${table.randBatch.label}: ${values.randBatch} is more than the dimension; using ${values.dim}`);
    values.randBatch = values.dim;
  }
  return { values: values as K extends 'train' ? TrainSpec : HighDimSpec, notices, given };
}

/** The link's settings for a spec (every field, so the link reproduces the run). */
export function specToParams(kind: SpecKind, values: Record<string, number | string>): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of Object.keys(FIELDS_OF[kind])) p.set(k, String(values[k]));
  return p;
}

/** What `parseArgs` gives: `--name value` options and `--flag`s. */
export interface CliOptions {
  values: Map<string, string>;
  flags: Set<string>;
}

/** The command-line options and flags a table accepts (for the argument parser). */
export function cliNames(kind: SpecKind): { values: string[]; flags: string[] } {
  const values: string[] = [];
  const flags: string[] = [];
  for (const f of Object.values(FIELDS_OF[kind]) as Field[]) {
    if (f.cli) values.push(f.cli);
    if (f.kind === 'choice' && f.flags) flags.push(...Object.keys(f.flags));
  }
  return { values, flags };
}

/**
 * Parse `pinn train` options against the table (strict: the first invalid value throws an
 * InputError naming the option and what it accepts). Options of another derivative method
 * are refused, as are options the table does not know for this kind of problem.
 */
export function specFromCli<K extends SpecKind>(kind: K, args: CliOptions, ignore: readonly string[] = []): ParsedSpec<K extends 'train' ? TrainSpec : HighDimSpec> {
  const notices: string[] = [];
  const given = new Set<string>();
  const pdeRaw = args.values.get('pde');
  if (pdeRaw === undefined) throw new InputError('--pde is required');
  const table = fieldsFor(kind, pdeRaw) as Record<string, Field>;
  const values = specDefaults(kind, pdeRaw) as Record<string, number | string>;
  const known = cliNames(kind);
  for (const name of args.values.keys()) if (!known.values.includes(name) && !ignore.includes(name)) throw new InputError(`--${name} does not apply to ${pdeRaw}`);
  for (const name of args.flags) if (!known.flags.includes(name) && !ignore.includes(name)) throw new InputError(`--${name} does not apply to ${pdeRaw}`);
  // method first: options of other methods are refused by name
  const methodField = table.method as ChoiceField;
  const methodRaw = args.values.get('method');
  const method = methodRaw === undefined ? methodField.default : (readField(methodField, 'method', methodRaw, true, notices) as string);
  // the first derivative method whose own options were given while another method trains
  let misplaced: string | null = null;
  for (const [key, f] of Object.entries(table)) {
    const setBy = [...(f.cli && args.values.has(f.cli) ? [`--${f.cli}`] : []), ...(f.kind === 'choice' && f.flags ? Object.keys(f.flags).filter((fl) => args.flags.has(fl)).map((fl) => `--${fl}`) : [])];
    if (setBy.length === 0) continue;
    // one setting given two ways (--hard --soft, or --x v with a flag for it): which would win is not the user's to guess
    if (setBy.length > 1) throw new InputError(`${setBy.join(' and ')} set the same thing (${f.label}): give one`);
    if (!appliesTo(f, method)) {
      misplaced ??= fieldMethods(f);
      continue;
    }
    given.add(key);
    if (f.cli && args.values.has(f.cli)) values[key] = readField(f, key, args.values.get(f.cli)!, true, notices);
    if (f.kind === 'choice' && f.flags) for (const [fl, v] of Object.entries(f.flags)) if (args.flags.has(fl)) values[key] = v;
  }
  if (misplaced !== null) {
    const m = misplaced;
    const all = Object.values(table).flatMap((f) => (fieldMethods(f) === m ? [...(f.cli ? [`--${f.cli}`] : []), ...(f.kind === 'choice' && f.flags ? Object.keys(f.flags).map((x) => `--${x}`) : [])] : []));
    const list = all.length > 1 ? `${all.slice(0, -1).join(', ')} and ${all[all.length - 1]}` : all[0];
    throw new InputError(`${list} ${all.length > 1 ? 'apply' : 'applies'} to --method ${m} only`);
  }
  // the default B in fewer dimensions than it: all d coordinates (a B the user gave is checked as given)
  if (kind === 'highdim' && !given.has('randBatch') && Number(values.randBatch) > Number(values.dim)) values.randBatch = values.dim;
  return { values: values as K extends 'train' ? TrainSpec : HighDimSpec, notices, given };
}

/** The `pinn train` command that runs this spec (settings equal to their defaults are left out). */
export function specToCli(kind: SpecKind, values: Record<string, number | string>): string {
  const table = fieldsFor(kind, String(values.pde)) as Record<string, Field>;
  const parts = ['pinn', 'train'];
  for (const [key, f] of Object.entries(table)) {
    const v = values[key];
    if (key !== 'pde' && (v === f.default || !appliesTo(f, values.method))) continue;
    if (key === 'dim' && f.kind === 'int' && f.min === f.max) continue;
    if (f.kind === 'choice' && f.flags) {
      const flag = Object.entries(f.flags).find(([, fv]) => fv === v)?.[0];
      if (flag) parts.push(`--${flag}`);
      continue;
    }
    if (f.cli) parts.push(`--${f.cli}`, String(v));
  }
  return parts.join(' ');
}

/** --weight name=w,...: loss-term weights by term name, checked against the problem's terms. */
export function weightsFromSpec(raw: string, problem: PdeProblem): Record<string, number> | undefined {
  if (raw === '') return undefined;
  const names = problem.terms.map((t) => t.name);
  const out: Record<string, number> = {};
  for (const item of raw.split(',')) {
    const m = /^([^=]+)=(.+)$/.exec(item.trim());
    if (!m) throw new InputError(`--weight takes name=value pairs separated by commas (terms of ${problem.id}: ${names.join(', ')}), got '${shownValue(item)}'`);
    const name = m[1].trim();
    if (!names.includes(name)) throw new InputError(`${problem.id} has no loss term '${shownValue(name)}' (its terms: ${names.join(', ')})`);
    const w = Number(m[2]);
    if (!Number.isFinite(w) || w < 0) throw new InputError(`the weight of ${name} must be a number >= 0, got '${shownValue(m[2])}'`);
    out[name] = w;
  }
  return out;
}

/**
 * A train spec as the problem and the trainer's configuration. Cross-field rules live here
 * (the problem's dimension and profile, a hard transform it declares, loss-term names);
 * anything wrong throws an InputError with one clear line.
 * `given`: which fields were set explicitly (a dimension or profile the problem does not
 * take is refused only when given).
 */
export function trainSetup(spec: TrainSpec, given: ReadonlySet<string> = new Set()): { problem: PdeProblem; config: TrainConfig; lbfgs: number; lm: number } {
  const base = problemById(spec.pde);
  if (!base) throw new InputError(`unknown problem '${spec.pde}' (pinn list names them: ${[...PROBLEMS, ...HIGHDIM_PROBLEMS].map((p) => p.id).join(', ')})`);
  const ranges = base.paramRanges ?? {};
  let problem: PdeProblem;
  try {
    problem = problemWith(spec.pde, {
      dim: ranges.dim || given.has('dim') ? spec.dim : undefined,
      k: ranges.k || given.has('k') ? spec.k : undefined,
    })!;
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  const hard = spec.hard === 'on';
  const tricks = spec.tricks !== 'none';
  const hasPeriodic = periodicAxes(problem).length > 0;
  const periodic = tricks && hasPeriodic;
  if (hard && !problem.hard && !hasPeriodic) {
    if (given.has('hard')) throw new InputError(`${problem.id} declares no hard boundary transform and no periodic condition (--hard works for ${PROBLEMS.filter((p) => p.hard || periodicAxes(p).length).map((p) => p.id).join(', ')})`);
  }
  if (spec.causal > 0 && timeAxis(problem) < 0 && given.has('causal')) throw new InputError(`${problem.id} has no time input (an input named t): causal training weighs the residual by time`);
  const method = spec.method as TrainMethod;
  const config: TrainConfig = {
    ...defaultTrainConfig(problem),
    method,
    width: spec.width,
    depth: spec.depth,
    activation: spec.activation as TrainConfig['activation'],
    lr: Number(spec.lr),
    steps: spec.steps,
    schedule: scheduleFromSpec(spec.schedule),
    seed: spec.seed,
    interiorPoints: spec.points,
    resampleEvery: spec.resample,
    sampling: spec.sampling as SamplingKind,
    weights: weightsFromSpec(spec.weights, problem),
    hardBoundary: hard && problem.hard !== undefined,
    periodicEmbedding: hard && periodic,
    // the accuracy techniques (none with --tricks none)
    fourier: tricks && spec.fourier > 0 ? { features: spec.fourier, scale: Number(spec.fourierScale) } : undefined,
    rba: tricks && spec.rba === 'on' ? { gamma: 0.999, eta: 0.01 } : undefined,
    rad: tricks && spec.rad > 0 ? { every: spec.rad, pool: 4, k: 1, c: 1 } : undefined,
    balance: tricks && spec.balance > 0 ? { every: spec.balance, alpha: 0.9 } : undefined,
    rwf: tricks && spec.rwf === 'on' ? { ...RWF_DEFAULTS } : undefined,
    causal: tricks && spec.causal > 0 ? { chunks: spec.causal, eps: Number(spec.causalEps) } : undefined,
    precision: 'f32',
    // the method's own settings, read by the method from the spec's values
    ...methodById(method).configFromSpec?.(spec),
  };
  return { problem, config, lbfgs: spec.lbfgs, lm: appliesTo(TRAIN_FIELDS.lm, method) ? spec.lm : 0 };
}

/** A high-dimensional spec as the problem and the trainer's configuration (InputError when invalid). */
export function highDimSetup(spec: HighDimSpec): { problem: HighDimProblem; config: HighDimConfig } {
  let problem: HighDimProblem;
  try {
    const p = highDimProblemWith(spec.pde, spec.dim);
    if (!p) throw new RangeError(`unknown problem '${spec.pde}'`);
    problem = p;
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  if (spec.stde === 'sparse' && spec.randBatch > problem.dim) throw new InputError(`--rand-batch must be an integer in [1, ${problem.dim}], got '${spec.randBatch}'`);
  if (spec.stde === 'dense') {
    const why = denseUnsupportedReason(problem);
    if (why) throw new InputError(why);
  }
  if (spec.product === 'on' && !problem.productRule) throw new InputError(`--product-rule is built for u = (1 − |x|²) N with a plain Laplacian (the two- and three-body problems); ${problem.id} is not of that form`);
  if (spec.product === 'on' && spec.stde === 'dense') throw new InputError('--product-rule is built for sparse STDE only');
  const base = defaultHighDimConfig(problem);
  const config: HighDimConfig = {
    ...base,
    width: spec.width,
    depth: spec.depth,
    lr: Number(spec.lr),
    steps: spec.steps,
    schedule: scheduleFromSpec(spec.schedule),
    points: spec.points,
    randBatch: spec.randBatch,
    stde: spec.stde as 'sparse' | 'dense',
    unbiasedLoss: spec.unbiased === 'on',
    productRule: spec.product === 'on',
    firstLayerLr: spec.firstLr === 'auto' ? undefined : Number(spec.firstLr),
    ballSampling: spec.ball as BallSampling,
    seed: spec.seed,
  };
  // the memory it would take, before anything is allocated (the app shows the message in place of a run)
  checkHighDimMemory(problem, config);
  return { problem, config };
}

/** The settings that follow the problem (network, steps, learning rate, points, boundary, dimension) at its defaults. */
export function problemDefaultsPatch(kind: SpecKind, pde: string): Record<string, string | number> {
  const d = specDefaults(kind, pde) as Record<string, string | number>;
  const keys = kind === 'train' ? ['width', 'depth', 'lr', 'steps', 'points', 'hard', 'precision', 'dim', 'k'] : ['width', 'depth', 'lr', 'steps', 'points', 'dim', 'product'];
  return Object.fromEntries(keys.map((k) => [k, d[k]]));
}
