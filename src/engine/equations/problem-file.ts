/**
 * A problem file (JSON, the format in docs/PROBLEM_FILES.md) compiled into the engine's
 * PdeProblem: every equation and condition parsed once (./syntax.ts), resolved (./resolve.ts),
 * and from that one tree the loss kernel's WGSL residual, its gradient with respect to each
 * derivative value and each unknown, the double-single residual and the f64 twin (./wgsl.ts,
 * ./expr.ts). Nothing here is hand-written per problem.
 */
import { operatorSpec, unknownRaw, type DerivativeSpec, type HardTransform, type LossTerm, type PdeProblem, type Unknown } from '../problems/types';
import { wgslFloat } from '../gpu/kernels';
import { Rng } from '../sampling/rng';
import { shownValue } from '../errors';
import { AtomTable, collectPolynomial, evaluate, leaves, mapLeaves, partial, size, total, add, num, type Atom, type Expr } from './expr';
import { RESERVED, resolveEquation, resolveExpression, splitSubscript, type Scope } from './resolve';
import { EquationError, parseEquation, type Source } from './syntax';
import { astTex } from './tex';
import { wgslDoubleSingle, wgslF32, wgslNesting, WGSL_MAX_NESTING } from './wgsl';

/**
 * Bounds on a file's size: the number of terms, data rows, points per condition, inputs; and
 * `generated`, the nodes of WGSL one term generates (its residual and all its gradients
 * together; a hard transform's g with all its partials), which also bounds the time a file
 * takes to compile (tens of ms at the limit).
 */
export const FILE_LIMITS = { coordinates: 1000, terms: 64, rows: 100_000, points: 65_536, inputs: 16, outputs: 16, unknowns: 32, parameters: 256, generated: 20_000 } as const;

/** The most partial derivatives of a hard transform's g (every multi-index up to the equations' order) that are generated. */
const HARD_PARTIALS = 1000;

export type ParameterSpec = number | { value: number; range?: [number, number] };

export interface ConditionSpec {
  name?: string;
  on: string | { periodic: string };
  equation?: string;
  weight?: number;
  points?: number;
}

export interface EquationSpec {
  name?: string;
  equation: string;
  weight?: number;
}

export interface DataSpec {
  columns?: string[];
  rows?: number[][];
  file?: string;
  weight?: number;
}

/** The JSON document, as typed by its author (see docs/PROBLEM_FILES.md). */
export interface ProblemFile {
  id: string;
  title?: string;
  description?: string;
  inputs: string[];
  outputs: string[];
  domain: Record<string, [number, number]>;
  parameters?: Record<string, ParameterSpec>;
  unknowns?: Record<string, { init?: number; bounds?: [number, number]; exact?: number }>;
  equations: (string | EquationSpec)[];
  conditions?: ConditionSpec[];
  data?: DataSpec;
  exact?: Record<string, string>;
  reference?: DataSpec;
  /** Published errors for this problem with their sources (an extension: see docs/PROBLEM_FILES.md). */
  published?: unknown;
  /** A hard-constraint transform u = g + φ N (an extension: see docs/PROBLEM_FILES.md). */
  hard?: { factors: Record<string, 'lo' | 'hi' | 'both'>; replaces: string[]; g?: string };
  defaults?: Record<string, number | string | boolean>;
}

/** What compiling needs besides the document: its name for messages, a reader for `"file"` data, parameter overrides. */
export interface CompileOptions {
  file?: string;
  readFile?: (name: string) => string;
  parameters?: Record<string, number>;
}

/** A compiled file: the problem and what `pinn validate` and the app show of it. */
export interface CompiledProblem {
  problem: PdeProblem;
  file: ProblemFile;
  /** Per output, the exact solution as a tree of the inputs (when `exact` is given). */
  exact: Expr[] | null;
  /** Per term: its residual tree and the atoms it reads (for validate's exact-solution check). */
  residuals: { term: LossTerm; residual: Expr; atoms: number[]; kind: 'equation' | 'condition' | 'data' }[];
  table: AtomTable;
  inputs: string[];
  outputs: string[];
  parameters: Record<string, { value: number; range?: [number, number] }>;
}

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Where in a problem file something is: the file and the field. */
export type Where = { file?: string; field: string };

/** Refuse with one EquationError naming the file and the field. */
export function fail(where: Where, detail: string): never {
  throw new EquationError(where, detail);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function finiteNumber(v: unknown, where: Where): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(where, `must be a finite number, got ${JSON.stringify(v) ?? String(v)}`);
  return v;
}

function interval(v: unknown, where: Where, what = 'an interval [lo, hi]'): [number, number] {
  if (!Array.isArray(v) || v.length !== 2) fail(where, `must be ${what}, got ${JSON.stringify(v)}`);
  const lo = finiteNumber(v[0], { ...where, field: `${where.field}[0]` });
  const hi = finiteNumber(v[1], { ...where, field: `${where.field}[1]` });
  if (!(lo < hi)) fail(where, `is empty: [${lo}, ${hi}] needs lo < hi`);
  return [lo, hi];
}

function stringArray(v: unknown, where: Where, max: number): string[] {
  if (!Array.isArray(v) || v.length === 0) fail(where, 'must be a non-empty array of names');
  if (v.length > max) fail(where, `has ${v.length} names; at most ${max} are accepted`);
  return v.map((s, i) => {
    if (typeof s !== 'string') fail({ ...where, field: `${where.field}[${i}]` }, 'must be a string');
    return s;
  });
}

const KNOWN_KEYS = ['id', 'title', 'description', 'inputs', 'outputs', 'domain', 'parameters', 'unknowns', 'equations', 'conditions', 'data', 'exact', 'reference', 'hard', 'defaults', 'published'];

/** Parse the text of a problem file (JSON) and compile it; every error is an EquationError naming the file and field. */
export function compileProblemText(text: string, options: CompileOptions = {}): CompiledProblem {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail({ file: options.file, field: 'JSON' }, `is not valid JSON: ${(e as Error).message}`);
  }
  return compileProblem(json, options);
}

/** Compile a problem document (parsed JSON). */
export function compileProblem(json: unknown, options: CompileOptions = {}): CompiledProblem {
  const file = options.file;
  const at = (field: string): Where => ({ file, field });
  if (!isObject(json)) fail(at('document'), 'must be a JSON object with id, inputs, outputs, domain and equations');
  for (const key of Object.keys(json)) {
    if (!KNOWN_KEYS.includes(key)) fail(at(key), `is not a field of a problem file (fields: ${KNOWN_KEYS.join(', ')})`);
  }
  for (const key of ['id', 'inputs', 'outputs', 'domain', 'equations']) if (!(key in json)) fail(at(key), 'is required');
  const doc = json as unknown as ProblemFile;
  if (typeof doc.id !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(doc.id)) fail(at('id'), 'must be lower-case letters, digits and dashes (at most 64), e.g. "heat-inverse"');
  for (const key of ['title', 'description'] as const) if (doc[key] !== undefined && typeof doc[key] !== 'string') fail(at(key), 'must be a string');

  // names: inputs, outputs, parameters, unknowns; each once, none reserved, inputs prefix-free
  // an input is a name, or a vector x[d] of d coordinates x[1]..x[d] (d a number or an integer parameter)
  const declaredInputs = stringArray(doc.inputs, at('inputs'), FILE_LIMITS.inputs).map((text, i) => {
    const m = /^\s*([A-Za-z][A-Za-z0-9_]*)\s*\[\s*([A-Za-z][A-Za-z0-9_]*|[0-9]+)\s*\]\s*$/.exec(text);
    return m ? { name: m[1], size: m[2], field: `inputs[${i}]` } : { name: text, size: null, field: `inputs[${i}]` };
  });
  const inputNames = declaredInputs.map((d) => d.name);
  const outputs = stringArray(doc.outputs, at('outputs'), FILE_LIMITS.outputs);
  const paramsIn = doc.parameters ?? {};
  if (!isObject(paramsIn)) fail(at('parameters'), 'must be an object of name: value');
  const unknownsIn = doc.unknowns ?? {};
  if (!isObject(unknownsIn)) fail(at('unknowns'), 'must be an object of name: { init, bounds, exact }');
  if (Object.keys(paramsIn).length > FILE_LIMITS.parameters) fail(at('parameters'), `at most ${FILE_LIMITS.parameters} parameters`);
  if (Object.keys(unknownsIn).length > FILE_LIMITS.unknowns) fail(at('unknowns'), `at most ${FILE_LIMITS.unknowns} unknowns`);
  const declared: [string, string][] = [
    ...inputNames.map((n, i) => [n, `inputs[${i}]`] as [string, string]),
    ...outputs.map((n, i) => [n, `outputs[${i}]`] as [string, string]),
    ...Object.keys(paramsIn).map((n) => [n, `parameters.${n}`] as [string, string]),
    ...Object.keys(unknownsIn).map((n) => [n, `unknowns.${n}`] as [string, string]),
  ];
  const seen = new Map<string, string>();
  for (const [name, field] of declared) {
    if (!NAME.test(name)) fail(at(field), `"${name}" is not a name: start with a letter, then letters, digits or underscores`);
    if (RESERVED.has(name)) fail(at(field), `"${name}" is a name of the language (${[...RESERVED].join(', ')}); choose another`);
    const before = seen.get(name);
    if (before) fail(at(field), `"${name}" is declared twice (also ${before})`);
    seen.set(name, field);
  }
  for (const a of inputNames) {
    for (const b of inputNames) {
      if (a !== b && b.startsWith(a)) fail(at('inputs'), `"${a}" is a prefix of "${b}", so a derivative such as ${outputs[0]}_${b} would be ambiguous; rename one`);
    }
  }
  // a declared name that also reads as a derivative (a parameter u_x with output u and input x)
  for (const [name, field] of declared) {
    for (const o of outputs) {
      if (name.startsWith(`${o}_`) && splitSubscript(name.slice(o.length + 1), inputNames)) fail(at(field), `"${name}" also reads as a derivative of ${o}; choose another name`);
    }
  }

  // parameters (with overrides from the caller: the app's sliders, the CLI)
  const parameters: CompiledProblem['parameters'] = Object.create(null) as CompiledProblem['parameters'];
  for (const [name, spec] of Object.entries(paramsIn)) {
    const where = at(`parameters.${name}`);
    let value: number;
    let range: [number, number] | undefined;
    if (isObject(spec)) {
      value = finiteNumber(spec.value, { ...where, field: `${where.field}.value` });
      if (spec.range !== undefined) range = interval(spec.range, { ...where, field: `${where.field}.range` });
    } else value = finiteNumber(spec, where);
    // own keys only: a parameter named toString or constructor is not Object.prototype's
    const over = options.parameters && Object.hasOwn(options.parameters, name) ? options.parameters[name] : undefined;
    if (over !== undefined) value = finiteNumber(over, { file, field: `the setting for parameter ${name}` });
    if (range && (value < range[0] || value > range[1])) fail(where, `${value} is outside its range [${range[0]}, ${range[1]}]`);
    parameters[name] = { value, range };
  }
  for (const name of Object.keys(options.parameters ?? {})) if (!(name in parameters)) fail({ file, field: 'parameters' }, `has no parameter "${name}" (parameters: ${Object.keys(parameters).join(', ') || 'none'})`);
  const paramValues = Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, v.value]));

  // coordinates: the scalar inputs, and each vector input's x[1]..x[d]
  const vectors: Record<string, { start: number; size: number; param: string | null }> = Object.create(null) as Record<string, { start: number; size: number; param: string | null }>;
  const inputs: string[] = [];
  for (const d of declaredInputs) {
    if (d.size === null) {
      inputs.push(d.name);
      continue;
    }
    const param = /^[0-9]+$/.test(d.size) ? null : d.size;
    if (param !== null && !(param in parameters)) fail(at(d.field), `the size ${param} of ${d.name} is not a parameter (parameters: ${Object.keys(parameters).join(', ') || 'none'})`);
    const size = param === null ? Number(d.size) : parameters[param].value;
    if (!Number.isInteger(size) || size < 1 || size > FILE_LIMITS.coordinates) fail(at(param ? `parameters.${param}` : d.field), `the size of ${d.name} must be an integer from 1 to ${FILE_LIMITS.coordinates}, got ${size}`);
    if (d.name === 't') fail(at(d.field), 't is time: it cannot be a vector');
    vectors[d.name] = { start: inputs.length, size, param };
    for (let i = 1; i <= size; i++) inputs.push(`${d.name}[${i}]`);
  }

  // domain: a box (an interval per input; a vector's interval for each of its coordinates), or a ball × an interval
  if (!isObject(doc.domain)) fail(at('domain'), 'must be an object of input: [lo, hi]');
  for (const key of Object.keys(doc.domain)) if (!inputNames.includes(key)) fail(at(`domain.${key}`), `"${key}" is not an input (inputs: ${inputNames.join(', ')})`);
  const lo: number[] = [];
  const hi: number[] = [];
  let ball = false;
  declaredInputs.forEach((d, k) => {
    const n = d.name;
    if (!Object.hasOwn(doc.domain, n)) fail(at('domain'), `has no interval for the input ${n}`);
    const spec = doc.domain[n] as unknown;
    const copies = d.size === null ? 1 : vectors[n].size;
    if (isObject(spec) && 'ball' in spec) {
      // the ball of radius r about 0 times the time interval after it: the engine's 'ball-time' domain
      const r = finiteNumber(spec.ball, at(`domain.${n}.ball`));
      if (!(r > 0)) fail(at(`domain.${n}.ball`), 'the radius must be positive');
      if (d.size === null || k !== 0 || declaredInputs.length !== 2 || declaredInputs[1].size !== null) fail(at(`domain.${n}`), 'a ball is for a first, vector input followed by one scalar input (time): "inputs": ["x[d]", "t"]');
      ball = true;
      for (let i = 0; i < copies; i++) {
        lo.push(-r);
        hi.push(r);
      }
      return;
    }
    const [a, b] = interval(spec, at(`domain.${n}`));
    for (let i = 0; i < copies; i++) {
      lo.push(a);
      hi.push(b);
    }
  });
  const dim = inputs.length;

  // unknowns: the optimizer's raw parameter is unknownRaw(init)
  const unknownNames = Object.keys(unknownsIn);
  const unknowns: Unknown[] = unknownNames.map((name) => {
    const spec = unknownsIn[name];
    const where = at(`unknowns.${name}`);
    if (!isObject(spec)) fail(where, 'must be an object { "init": value, "bounds": [lo, hi], "exact": value } (all optional)');
    for (const key of Object.keys(spec)) if (!['init', 'bounds', 'exact'].includes(key)) fail({ ...where, field: `${where.field}.${key}` }, 'is not a field of an unknown (init, bounds, exact)');
    const bounds = spec.bounds === undefined ? undefined : interval(spec.bounds, { ...where, field: `${where.field}.bounds` });
    const init = spec.init === undefined ? (bounds ? (bounds[0] + bounds[1]) / 2 : 1) : finiteNumber(spec.init, { ...where, field: `${where.field}.init` });
    if (bounds && !(init > bounds[0] && init < bounds[1])) fail({ ...where, field: `${where.field}.init` }, `${init} must lie strictly inside the bounds [${bounds[0]}, ${bounds[1]}]`);
    const exact = spec.exact === undefined ? undefined : finiteNumber(spec.exact, { ...where, field: `${where.field}.exact` });
    const u: Unknown = { name, init: 0, bounds, exact };
    u.init = unknownRaw(u, init);
    return u;
  });

  const table = new AtomTable();
  const scope: Scope = { inputs, vectors, outputs, parameters: paramValues, unknowns: unknownNames, derivatives: true, table };
  const exactScope: Scope = { ...scope, derivatives: false };
  const residuals: CompiledProblem['residuals'] = [];
  const terms: LossTerm[] = [];
  const names = new Set<string>();
  const termName = (wanted: unknown, fallback: string, where: Where) => {
    if (wanted !== undefined && (typeof wanted !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9 _'-]{0,47}$/.test(wanted))) fail(where, 'a term name is letters, digits, spaces, _ - and \' (at most 48)');
    const name = (wanted as string | undefined) ?? fallback;
    if (names.has(name)) fail(where, `a second term named "${name}": names must differ (they are the --weight keys)`);
    names.add(name);
    return name;
  };
  // a weight: a number, or a constant expression of the parameters (e.g. "1 / sum(k[i]^2, i)^4" in d dimensions)
  const constScope: Scope = { inputs: [], vectors: Object.fromEntries(Object.entries(vectors).map(([n, v]) => [n, { start: 0, size: v.size }])), outputs: [], parameters: paramValues, unknowns: [], derivatives: false, table: new AtomTable() };
  const weightOf = (v: unknown, fallback: number, where: Where) => {
    if (v === undefined) return fallback;
    let w: number;
    if (typeof v === 'string') {
      const e = resolveExpression({ ...where, text: v }, constScope);
      if (e.k !== 'num') fail(where, 'a weight is a number or a constant expression of the parameters');
      w = e.v;
    } else w = finiteNumber(v, where);
    if (w < 0) fail(where, 'a weight must be ≥ 0');
    return w;
  };
  const push = (term: LossTerm, residual: Expr, atoms: number[], kind: 'equation' | 'condition' | 'data') => {
    if (terms.length >= FILE_LIMITS.terms) fail(at('equations'), `at most ${FILE_LIMITS.terms} loss terms`);
    terms.push(term);
    residuals.push({ term, residual, atoms, kind });
  };

  // equations and conditions are resolved first and built after: whether any reads an operator
  // decides how all of them read a Laplacian (below)
  const pending: { residual: Expr; build: (slots: boolean) => void }[] = [];

  // equations: interior residuals
  if (!Array.isArray(doc.equations) || doc.equations.length === 0) fail(at('equations'), 'must be a non-empty array of equations such as "u_t = k * u_xx"');
  doc.equations.forEach((eq, i) => {
    const field = `equations[${i}]`;
    const spec: EquationSpec = typeof eq === 'string' ? { equation: eq } : isObject(eq) ? (eq as unknown as EquationSpec) : fail(at(field), 'must be a string "a = b" or { "equation": ..., "name": ..., "weight": ... }');
    if (isObject(eq)) for (const key of Object.keys(eq)) if (!['name', 'equation', 'weight'].includes(key)) fail(at(`${field}.${key}`), 'is not a field of an equation (name, equation, weight)');
    const src: Source = { file, field: typeof eq === 'string' ? field : `${field}.equation`, text: spec.equation };
    const residual = resolveEquation(src, scope);
    const name = termName(spec.name, doc.equations.length === 1 ? 'residual' : `equation ${i + 1}`, at(`${field}.name`));
    const weight = weightOf(spec.weight, 1, at(`${field}.weight`));
    pending.push({
      residual,
      build: (slots) => {
        const { term, atoms, residual: tree } = lossTerm(name, 'interior', weight, residual, { table, inputs, outputs, unknowns: unknowns.length, where: src, slots });
        push(term, tree, atoms, 'equation');
      },
    });
  });

  // conditions: each its own term on a face, on the boundary, or periodic
  const conditions = doc.conditions ?? [];
  if (!Array.isArray(conditions)) fail(at('conditions'), 'must be an array of { "on": ..., "equation": ... }');
  const shape: DomainShape = { inputs, lo, hi, ball };
  conditions.forEach((c, i) => {
    const field = `conditions[${i}]`;
    if (!isObject(c)) fail(at(field), 'must be an object { "on": "x = 0", "equation": "u = 0" }');
    for (const key of Object.keys(c)) if (!['name', 'on', 'equation', 'weight', 'points', 'periodic'].includes(key)) fail(at(`${field}.${key}`), 'is not a field of a condition (name, on, equation, weight, points; or periodic)');
    const spec = c as unknown as ConditionSpec;
    // { "on": { "periodic": "x" } }, or the short form { "periodic": "x" }
    if (isObject(spec.on) || 'periodic' in c) {
      periodicCondition(spec, i, field);
      return;
    }
    if (typeof spec.on !== 'string') fail(at(`${field}.on`), 'must be "<input> = <number>", "boundary" or { "periodic": "<input>" }');
    if (typeof spec.equation !== 'string') fail(at(`${field}.equation`), 'is required: the condition as an equation, e.g. "u = 0"');
    const count = spec.points === undefined ? undefined : finiteNumber(spec.points, at(`${field}.points`));
    if (count !== undefined && (!Number.isInteger(count) || count < 1 || count > FILE_LIMITS.points)) fail(at(`${field}.points`), `must be an integer from 1 to ${FILE_LIMITS.points}`);
    const { points, redraw } = conditionPoints(spec.on, count, shape, 1234 + 7919 * i + dim, at(`${field}.on`));
    const src: Source = { file, field: `${field}.equation`, text: spec.equation };
    const residual = resolveEquation(src, scope);
    const name = termName(spec.name, spec.on === 'boundary' ? 'boundary' : `condition ${i + 1}`, at(`${field}.name`));
    const weight = weightOf(spec.weight, 10, at(`${field}.weight`));
    pending.push({
      residual,
      build: (slots) => {
        const { term, atoms, residual: tree } = lossTerm(name, points, weight, residual, { table, inputs, outputs, unknowns: unknowns.length, where: src, slots });
        if (redraw) term.redraw = redraw;
        push(term, tree, atoms, 'condition');
      },
    });
  });

  /**
   * A periodic condition on input x: every output and its first derivative along x equal at the
   * two ends, x = lo and x = hi, at the same other coordinates. Each is its own paired term (its
   * points, then their partners at the other end; the residual reads one atom at each).
   */
  function periodicCondition(spec: ConditionSpec, i: number, field: string): void {
    const inner = isObject(spec.on) ? (spec.on as Record<string, unknown>) : null;
    const where = inner ? at(`${field}.on.periodic`) : at(`${field}.periodic`);
    if (inner) for (const key of Object.keys(inner)) if (key !== 'periodic') fail(at(`${field}.on.${key}`), 'is not a field of a periodic set: write { "periodic": "<input>" }');
    if (inner && 'periodic' in spec) fail(at(`${field}.periodic`), 'is given twice: in "on" and beside it');
    const axisName = inner ? inner.periodic : (spec as unknown as { periodic: unknown }).periodic;
    if (typeof axisName !== 'string') fail(where, 'must name an input, e.g. { "periodic": "x" }');
    if (spec.equation !== undefined) fail(at(`${field}.equation`), 'a periodic condition has no equation: it makes every output and its first derivative along the input equal at both ends');
    if (!inner && spec.on !== undefined) fail(at(`${field}.on`), 'a periodic condition is { "on": { "periodic": "x" } } or { "periodic": "x" }, not both forms');
    if (ball) fail(where, 'a ball has no periodic inputs (its sets are "boundary" and "t = c")');
    const axis = inputs.indexOf(axisName.replace(/\s+/g, ''));
    if (axis < 0) fail(where, `"${axisName}" is not an input (inputs: ${inputs.length > 8 ? `${inputs.slice(0, 8).join(', ')}, ...` : inputs.join(', ')})`);
    const count = spec.points === undefined ? undefined : finiteNumber(spec.points, at(`${field}.points`));
    if (count !== undefined && (!Number.isInteger(count) || count < 1 || count > FILE_LIMITS.points / 2)) fail(at(`${field}.points`), `must be an integer from 1 to ${FILE_LIMITS.points / 2} (pairs)`);
    const ends = conditionPoints(`${inputs[axis]} = ${lo[axis]}`, count, shape, 1234 + 7919 * i + dim, where);
    const paired = (pts: number[][]) => [...pts, ...pts.map((x) => x.map((v, m) => (m === axis ? hi[axis] : v)))];
    const name = termName(spec.name, `periodic ${inputs[axis]}`, at(`${field}.name`));
    const weight = weightOf(spec.weight, 10, at(`${field}.weight`));
    outputs.forEach((_, o) => {
      for (const order of [0, 1]) {
        const alpha = inputs.map((_, m) => (m === axis && order === 1 ? 1 : 0));
        const here = table.add({ output: o, alpha });
        const there = table.add({ output: o, alpha, partner: true });
        const residual: Expr = { k: '-', a: { k: 'atom', i: here }, b: { k: 'atom', i: there } };
        const label = atomName(table.atoms[here], inputs, outputs);
        pending.push({
          residual,
          build: (slots) => {
            const { term, atoms, residual: tree } = lossTerm(`${name}: ${label}`, paired(ends.points), weight, residual, { table, inputs, outputs, unknowns: unknowns.length, where, slots });
            term.pairs = true;
            term.periodicAxis = axis;
            const redraw = ends.redraw;
            if (redraw) term.redraw = (seed) => paired(redraw(seed));
            push(term, tree, atoms, 'condition');
          },
        });
      }
    });
  }

  // a problem that reads an operator (a mixed partial, lap(lap(u))) reads every Laplacian as an
  // operator too (Σ ∂ᵢ²): slot jets in its term, and one STDE batch size (terms drawn with
  // replacement, so above d) for all of them, as a sampled Laplacian would bound it by d
  const slots = pending.some((t) => leaves(t.residual, 'atom').some((i) => slotted(table.atoms[i])));
  pending.forEach((t) => t.build(slots));

  // data: a misfit term per observed output, on the observations' inputs
  if (doc.data !== undefined) {
    const data = readTable(doc.data, at('data'), options, inputs, outputs);
    const weight = weightOf(doc.data.weight, 1, at('data.weight'));
    for (const [o, values] of data.outputs) {
      const residual: Expr = { k: '-', a: { k: 'atom', i: table.add({ output: o, alpha: inputs.map(() => 0) }) }, b: { k: 'obs', i: 0 } };
      const name = termName(undefined, data.outputs.length === 1 ? 'data' : `data ${outputs[o]}`, at('data'));
      const { term, atoms, residual: tree } = lossTerm(name, data.points, weight, residual, { table, inputs, outputs, unknowns: unknowns.length, where: { file, field: 'data' } });
      term.observations = Float64Array.from(values);
      push(term, tree, atoms, 'data');
    }
  }

  // exact solution, or a reference table
  let exactTrees: Expr[] | null = null;
  let exactF: ((x: number[]) => number)[] | null = null;
  if (doc.exact !== undefined) {
    if (!isObject(doc.exact)) fail(at('exact'), 'must be an object of output: expression');
    for (const key of Object.keys(doc.exact)) if (!outputs.includes(key)) fail(at(`exact.${key}`), `"${key}" is not an output (outputs: ${outputs.join(', ')})`);
    exactTrees = outputs.map((o) => {
      const text = doc.exact![o];
      if (typeof text !== 'string') fail(at(`exact.${o}`), `is missing: give an expression for every output (${outputs.join(', ')})`);
      return resolveExpression({ file, field: `exact.${o}`, text }, exactScope);
    });
    exactF = exactTrees.map((e) => (x: number[]) => evaluate(e, { x, atoms: [] }));
  }
  let testPoints: number[][] = testPointsFor(shape);
  if (!exactF && doc.reference !== undefined) {
    const ref = readTable(doc.reference, at('reference'), options, inputs, outputs);
    if (ref.outputs.length !== outputs.length) fail(at('reference'), `must have a column for every output (${outputs.join(', ')})`);
    const lookup = ref.outputs.map(([, values]) => new Map(ref.points.map((x, p) => [x.join(','), values[p]])));
    exactF = lookup.map((m) => (x: number[]) => m.get(x.join(',')) ?? NaN);
    testPoints = ref.points;
  }

  const hard = doc.hard === undefined ? undefined : hardTransform(doc.hard, { inputs, lo, hi, names, exactScope, file, maxOrder: maxAtomOrder(table) });
  const defaults = problemDefaults(doc.defaults, at('defaults'), dim);
  // a problem that asks for double-single jets has terms that cancel beyond f32: its f32 residuals
  // and gradients are computed in double-single arithmetic too (from the f32 derivatives)
  if (defaults.precision === 'double-single') for (const r of residuals) doubleSingleArithmetic(r.term, r.residual, r.atoms, unknowns.length);
  const plain = doc.equations.map((e) => (typeof e === 'string' ? e : e.equation)).join('; ');
  const problem: PdeProblem = {
    id: doc.id,
    title: doc.title ?? doc.id,
    tex: texOf(doc.equations.map((e) => (typeof e === 'string' ? e : e.equation))),
    equation: `${plain} on ${declaredInputs
      .map((d) => {
        if (d.size === null) {
          const j = inputs.indexOf(d.name);
          return `${d.name} ∈ [${lo[j]}, ${hi[j]}]`;
        }
        const { start, size } = vectors[d.name];
        return ball ? `|${d.name}| ≤ ${hi[start]} in ${size} dimensions` : `${d.name} ∈ [${lo[start]}, ${hi[start]}]^${size}`;
      })
      .join(', ')}`,
    description: doc.description ?? '',
    dim,
    domain: ball ? { lo, hi, kind: 'ball-time' } : { lo, hi },
    terms,
    exact: exactF ? exactF[0] : () => NaN,
    testPoints: () => testPoints,
    defaults,
    unknowns: unknowns.length ? unknowns : undefined,
    inputs: [...inputs],
    published: publishedErrors(doc.published, at('published')),
    outputs,
    hard,
    exactOutputs: exactF ?? undefined,
    file: options.file,
  };
  // a vector whose size is a parameter with a range: the spec's --dim picks the variant
  const sized = Object.values(vectors).find((v) => v.param !== null && parameters[v.param].range);
  if (sized) {
    const name = sized.param!;
    const [a, b] = parameters[name].range!;
    problem.paramRanges = { dim: [Math.ceil(a), Math.floor(b)] };
    problem.params = { dim: sized.size };
    problem.variant = (p) => {
      return compileProblem(json, { ...options, parameters: { ...options.parameters, [name]: p.dim ?? sized.size } }).problem;
    };
  }
  if (exactTrees) {
    const trees = exactTrees;
    const cache = new Map<string, Expr>();
    const partialOf = (o: number, alpha: number[]) => {
      const key = `${o}:${alpha.join(',')}`;
      let e = cache.get(key);
      if (!e) {
        e = trees[o];
        alpha.forEach((n, j) => {
          for (let r = 0; r < n; r++) e = total(e!, j, table);
        });
        cache.set(key, e);
      }
      return e;
    };
    problem.exactPartial = (x, alpha) => evaluate(partialOf(0, [...alpha]), { x, atoms: [] });
    problem.exactPartialOf = (o, x, alpha) => evaluate(partialOf(o, [...alpha]), { x, atoms: [] });
  }
  return { problem, file: doc, exact: exactTrees, residuals, table, inputs, outputs, parameters };
}

/** The equations typeset (the app's heading): each side of each equation from its syntax tree. */
function texOf(equations: string[]): string | undefined {
  try {
    return equations
      .map((text) => {
        const { left, right } = parseEquation({ field: 'tex', text });
        return right ? `${astTex(left)} = ${astTex(right)}` : `${astTex(left)} = 0`;
      })
      .join(', \\quad ');
  } catch {
    return undefined;
  }
}

/** The total order of an atom (a Laplacian: 2; an operator: its highest term's). */
export function atomOrder(a: Atom): number {
  if (a.operator) return Math.max(...a.operator.map((t) => t.alpha.reduce((s, v) => s + v, 0)));
  return a.alpha.reduce((s, v) => s + v, 0) + (a.lap ? 2 : 0);
}

function maxAtomOrder(table: AtomTable): number {
  return Math.max(0, ...table.atoms.map(atomOrder));
}

/** The name of a derivative atom as the author would write it: u, u_xx, D(u, x, t), lap(u). */
export function atomName(a: Atom, inputs: readonly string[], outputs: readonly string[]): string {
  if (a.partner) return `${atomName({ ...a, partner: false }, inputs, outputs)} (other end)`;
  const out = outputs[a.output];
  if (a.operator) {
    const orders = new Set(a.operator.map((t) => t.alpha.reduce((x, y) => x + y, 0)));
    return orders.size === 1 && orders.has(2) ? `lap(${out})` : orders.size === 1 && orders.has(4) ? `lap(lap(${out}))` : `L(${out})`;
  }
  if (a.lap) return a.lap.length === inputs.filter((n) => n !== 't').length && a.lap.every((j) => inputs[j] !== 't') ? `lap(${out})` : `lap(${[out, ...a.lap.map((j) => inputs[j])].join(', ')})`;
  const subs = a.alpha.flatMap((n, j) => Array<string>(n).fill(inputs[j]));
  if (subs.length === 0) return out;
  return inputs.every((n) => n.length === 1) ? `${out}_${subs.join('')}` : `D(${[out, ...subs].join(', ')})`;
}

/** One atom as a derivative the methods compute: a direction and an order, a Laplacian, or a mixed partial (operator). */
function derivativeSpec(a: Atom, name: string, dim: number): DerivativeSpec {
  const unit = (j: number) => Array.from({ length: dim }, (_, m) => (m === j ? 1 : 0));
  const output = { ...(a.output === 0 ? {} : { output: a.output }), ...(a.partner ? { partner: true } : {}) };
  if (a.operator) return { ...operatorSpec(name, dim, a.operator.map((t) => ({ coefficient: t.coefficient, alpha: [...t.alpha] }))), ...output };
  if (a.lap) return { name, direction: new Array<number>(dim).fill(0), order: 2, laplacian: true, axes: a.lap.length, ...output };
  const axes = a.alpha.flatMap((n, j) => (n > 0 ? [j] : []));
  if (axes.length === 0) return { name, direction: unit(0), order: 0, ...output };
  if (axes.length === 1) return { name, direction: unit(axes[0]), order: a.alpha[axes[0]], ...output };
  return { ...operatorSpec(name, dim, [{ coefficient: 1, alpha: [...a.alpha] }]), ...output };
}

/** An atom read from slot jets: an operator, or a mixed partial. */
function slotted(a: Atom): boolean {
  return a.operator !== undefined || (!a.lap && a.alpha.filter((n) => n > 0).length > 1);
}

/**
 * A residual tree as a loss term: its atoms become the term's derivative list (a Laplacian over
 * axes that are not the leading ones is written out as second derivatives), and the WGSL
 * residual, gradient, unknowns' gradient, double-single residual and f64 residual are generated
 * from the one tree.
 */
export function lossTerm(
  name: string,
  points: LossTerm['points'],
  weight: number,
  residual: Expr,
  ctx: { table: AtomTable; inputs: readonly string[]; outputs: readonly string[]; unknowns: number; where: Where; slots?: boolean },
): { term: LossTerm; atoms: number[]; residual: Expr } {
  const { table, inputs, outputs } = ctx;
  const dim = inputs.length;
  // Laplacians the methods read as one slot must sum over leading axes 0..a−1; others are expanded
  let expanded = mapLeaves(residual, (l) => {
    if (l.k !== 'atom') return l;
    const a = table.atoms[l.i];
    if (!a.lap || a.lap.every((j, n) => j === n)) return l;
    return a.lap.map((j) => ({ k: 'atom', i: table.add({ output: a.output, alpha: a.alpha.map((v, m) => v + (m === j ? 2 : 0)) }) }) as Expr).reduce(add, num(0));
  });
  // a term that reads an operator (a mixed partial, lap(lap(u))) reads all its derivatives from slot
  // jets, where a Laplacian is an operator too (Σ ∂ᵢ²); so does every term of a problem that has one (ctx.slots)
  const needsSlots = ctx.slots === true || leaves(expanded, 'atom').some((i) => slotted(table.atoms[i]));
  if (needsSlots) {
    expanded = mapLeaves(expanded, (l) => {
      if (l.k !== 'atom') return l;
      const a = table.atoms[l.i];
      if (!a.lap) return l;
      const operator = a.lap.map((j) => ({ coefficient: 1, alpha: a.alpha.map((v, m) => v + (m === j ? 2 : 0)) }));
      return { k: 'atom', i: table.add({ output: a.output, alpha: a.alpha, operator }) };
    });
  }
  // like terms collected where that makes the tree smaller (a D(...) of a product writes out many equal Leibniz terms)
  const collected = collectPolynomial(expanded);
  if (collected && size(collected) <= size(expanded)) expanded = collected;
  const atoms = leaves(expanded, 'atom');
  if (atoms.length === 0) throw new EquationError(ctx.where, 'reads no output: a residual must involve the solution (an output or its derivatives)');
  const local = new Map(atoms.map((a, k) => [a, k]));
  const d = (i: number) => `d[${local.get(i)}]`;
  const derivatives = atoms.map((i) => derivativeSpec(table.atoms[i], atomName(table.atoms[i], inputs, outputs), dim));
  // the residual and its gradients together: each gradient can be larger than the residual
  let written = 0;
  const gen = (e: Expr) => {
    written += size(e, FILE_LIMITS.generated - written);
    if (written > FILE_LIMITS.generated) throw new EquationError(ctx.where, `the generated residual and its gradients are too large (more than ${FILE_LIMITS.generated} nodes); simplify the equation`);
    let code: string;
    try {
      code = wgslF32(e, { atom: d, obs: () => 'obs[point]' });
    } catch (err) {
      throw new EquationError(ctx.where, (err as Error).message);
    }
    if (wgslNesting(code) > WGSL_MAX_NESTING) throw new EquationError(ctx.where, `the generated residual nests ${wgslNesting(code)} levels deep, more than GPU compilers take (${WGSL_MAX_NESTING} here); group long sums and products in parentheses`);
    return code;
  };
  const residualWgsl = `return ${gen(expanded)};`;
  const residualGradWgsl = `return array<f32, ${atoms.length}>(${atoms.map((i) => gen(partial(expanded, { k: 'atom', i }))).join(', ')});`;
  const residualUnknownGradWgsl = ctx.unknowns > 0 ? `return array<f32, ${ctx.unknowns}>(${Array.from({ length: ctx.unknowns }, (_, i) => gen(partial(expanded, { k: 'q', i }))).join(', ')});` : undefined;
  // (too deep for the compiler: the loss kernel then takes the f32 residual of rounded derivatives)
  const dsCode = wgslDoubleSingle(expanded, { atom: (i) => `dd[${local.get(i)}]`, obs: () => 'obs[point]' });
  const ds = dsCode !== null && wgslNesting(dsCode) <= WGSL_MAX_NESTING ? dsCode : null;
  const term: LossTerm = {
    name,
    points,
    derivatives,
    residualWgsl,
    residualGradWgsl,
    residualUnknownGradWgsl,
    residualDsWgsl: ds ? `return dsToF(${ds});` : undefined,
    residual: (x, dv, q, p) => {
      const values: number[] = [];
      atoms.forEach((a, k) => (values[a] = dv[k]));
      return evaluate(expanded, { x, atoms: values, q, obs: p === undefined ? undefined : [term.observations?.[p] ?? NaN] });
    },
    weight,
  };
  return { term, atoms, residual: expanded };
}

/**
 * A term's f32 residual, its gradients and its unknowns' gradients evaluated in double-single
 * arithmetic from the f32 derivatives (each result rounded to f32 once): where the residual's
 * terms cancel (self-similar Burgers' smoothness term, terms near 24 summing to 1e-2), plain f32
 * loses the digits that Levenberg–Marquardt's last steps and λ's gradient need. Left in f32 where
 * an expression has no double-single form or nests too deep.
 */
export function doubleSingleArithmetic(term: LossTerm, tree: Expr, atoms: readonly number[], unknowns: number): void {
  const local = new Map(atoms.map((a, k) => [a, k]));
  const leavesDs = { atom: (i: number) => `vec2f(d[${local.get(i)}], 0.0)`, q: (i: number) => `vec2f(q[${i}], 0.0)`, obs: () => 'obs[point]' };
  const ds = (e: Expr): string | null => {
    const code = wgslDoubleSingle(e, leavesDs);
    return code !== null && wgslNesting(code) < WGSL_MAX_NESTING ? `dsToF(${code})` : null;
  };
  const value = ds(tree);
  const grads = atoms.map((i) => ds(partial(tree, { k: 'atom', i })));
  const qGrads = Array.from({ length: unknowns }, (_, i) => ds(partial(tree, { k: 'q', i })));
  if (value === null || grads.includes(null) || qGrads.includes(null)) return;
  term.residualWgsl = `return ${value};`;
  term.residualGradWgsl = `return array<f32, ${atoms.length}>(${grads.join(', ')});`;
  if (unknowns > 0) term.residualUnknownGradWgsl = `return array<f32, ${unknowns}>(${qGrads.join(', ')});`;
}

/** A point uniform in the ball of radius r about 0 in d dimensions, or on its sphere. */
function ballPoint(rng: Rng, d: number, r: number, onSphere: boolean): number[] {
  const z = Array.from({ length: d }, () => rng.normal());
  const norm = Math.sqrt(z.reduce((a, v) => a + v * v, 0));
  const rho = r * (onSphere ? 1 : rng.uniform() ** (1 / d));
  return z.map((v) => (rho * v) / norm);
}

/** The domain a condition's points lie in: the box (lo, hi), or with `ball` the ball of the first dim − 1 coordinates times the last. */
interface DomainShape {
  inputs: string[];
  lo: number[];
  hi: number[];
  ball: boolean;
}

/**
 * Points of a condition: a face "x = c" of the box, or "boundary" (every face of the inputs other
 * than t; a ball's sphere). In one or two dimensions they are fixed and evenly spaced; in more, or
 * in a ball, seeded random points redrawn every step (a few hundred fixed points on the faces of
 * a cube in 10-D leave room for a network that meets the condition there and misses it between).
 */
function conditionPoints(on: string, count: number | undefined, shape: DomainShape, seed: number, where: Where): { points: number[][]; redraw?: (seed: number) => number[][] } {
  const { inputs, lo, hi, ball } = shape;
  const dim = inputs.length;
  const random = (gen: (rng: Rng) => number[][]) => ({ points: gen(new Rng(seed)), redraw: (s: number) => gen(new Rng(s)) });
  const uniform = (rng: Rng, m: number) => lo[m] + (hi[m] - lo[m]) * rng.uniform();
  const face = (axis: number, value: number, n: number, rng: Rng): number[][] => {
    if (dim === 1) return [[value]];
    if (dim === 2) {
      const other = 1 - axis;
      return Array.from({ length: n }, (_, i) => {
        const x = [0, 0];
        x[axis] = value;
        // evenly spaced from end to end; one point: the middle (not 0 / 0)
        x[other] = n === 1 ? (lo[other] + hi[other]) / 2 : lo[other] + ((hi[other] - lo[other]) * i) / (n - 1);
        return x;
      });
    }
    return Array.from({ length: n }, () => Array.from({ length: dim }, (_, m) => (m === axis ? value : uniform(rng, m))));
  };
  const t = dim - 1;
  if (on.trim() === 'boundary') {
    if (ball) {
      const n = count ?? 256;
      return random((rng) => Array.from({ length: n }, () => [...ballPoint(rng, t, hi[0], true), uniform(rng, t)]));
    }
    const spatial = inputs.flatMap((n, j) => (n === 't' ? [] : [j]));
    if (spatial.length === 0) fail(where, '"boundary" means the faces of every input except t, and this problem has no other');
    const per = count !== undefined ? Math.max(1, Math.round(count / (2 * spatial.length))) : dim === 2 ? 64 : dim === 1 ? 1 : Math.max(2, Math.round(512 / (2 * spatial.length)));
    const all = (rng: Rng) => spatial.flatMap((j) => [...face(j, lo[j], per, rng), ...face(j, hi[j], per, rng)]);
    return dim <= 2 ? { points: all(new Rng(seed)) } : random(all);
  }
  const m = /^\s*([A-Za-z][A-Za-z0-9_]*(?:\[[0-9]+\])?)\s*=\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$/.exec(on);
  if (!m) fail(where, `"${on}" is not a set: write "<input> = <number>" (e.g. "t = 0"), "boundary" or { "periodic": "x" }`);
  const axis = inputs.indexOf(m[1].replace(/\s+/g, ''));
  if (axis < 0) fail(where, `"${m[1]}" is not an input (inputs: ${inputs.length > 8 ? `${inputs.slice(0, 8).join(', ')}, ...` : inputs.join(', ')})`);
  const value = Number(m[2]);
  if (value < lo[axis] || value > hi[axis]) fail(where, `${m[1]} = ${value} is outside the domain, where ${m[1]} ∈ [${lo[axis]}, ${hi[axis]}]`);
  if (ball) {
    if (axis !== t) fail(where, `a ball's sets are "boundary" (its sphere) and "${inputs[t]} = c" (the ball at one time)`);
    const n = count ?? 256;
    return random((rng) => Array.from({ length: n }, () => [...ballPoint(rng, t, hi[0], false), value]));
  }
  const n = count ?? (dim === 2 ? 128 : 256);
  return dim <= 2 ? { points: face(axis, value, n, new Rng(seed)) } : random((rng) => face(axis, value, n, rng));
}

/** Test points: a grid over the box in one or two dimensions (201, 51²), else 2000 seeded points uniform in the domain. */
function testPointsFor(shape: DomainShape): number[][] {
  const { lo, hi, ball } = shape;
  const d = lo.length;
  if (d <= 2 && !ball) {
    const n = d === 1 ? 201 : 51;
    const axes = lo.map((l, j) => Array.from({ length: n }, (_, i) => l + ((hi[j] - l) * i) / (n - 1)));
    return axes.reduce<number[][]>((acc, axis) => acc.flatMap((p) => axis.map((v) => [...p, v])), [[]]);
  }
  const rng = new Rng(99);
  return Array.from({ length: 2000 }, () => (ball ? [...ballPoint(rng, d - 1, hi[0], false), lo[d - 1] + (hi[d - 1] - lo[d - 1]) * rng.uniform()] : lo.map((l, j) => l + (hi[j] - l) * rng.uniform())));
}

/** A table of observations: inline rows or a CSV file next to the problem; columns are inputs and outputs. */
function readTable(spec: DataSpec, where: Where, options: CompileOptions, inputs: string[], outputs: string[]): { points: number[][]; outputs: [number, number[]][] } {
  if (!isObject(spec)) fail(where, 'must be { "columns": [...], "rows": [[...], ...] } or { "file": "name.csv" }');
  for (const key of Object.keys(spec)) if (!['columns', 'rows', 'file', 'weight'].includes(key)) fail({ ...where, field: `${where.field}.${key}` }, 'is not a field here (columns, rows, file, weight)');
  let columns: string[];
  let rows: unknown[];
  if (spec.file !== undefined) {
    if (typeof spec.file !== 'string' || !/^[A-Za-z0-9._-]+\.csv$/.test(spec.file) || spec.file.startsWith('.')) fail({ ...where, field: `${where.field}.file` }, 'must be the name of a .csv file next to the problem file (letters, digits, . _ -)');
    if (!options.readFile) fail({ ...where, field: `${where.field}.file` }, `cannot read ${spec.file} here: open it together with the problem file`);
    let text: string;
    try {
      text = options.readFile(spec.file);
    } catch (e) {
      fail({ ...where, field: `${where.field}.file` }, `cannot read ${spec.file}: ${(e as Error).message}`);
    }
    ({ columns, rows } = parseCsv(text, { ...where, field: `${where.field}.file (${spec.file})` }));
  } else {
    columns = stringArray(spec.columns, { ...where, field: `${where.field}.columns` }, 64);
    if (!Array.isArray(spec.rows) || spec.rows.length === 0) fail({ ...where, field: `${where.field}.rows` }, 'must be a non-empty array of rows');
    rows = spec.rows;
  }
  if (rows.length > FILE_LIMITS.rows) fail(where, `has ${rows.length} rows; at most ${FILE_LIMITS.rows} are accepted`);
  for (const c of columns) if (!inputs.includes(c) && !outputs.includes(c)) fail({ ...where, field: `${where.field}.columns` }, `"${c}" is neither an input nor an output`);
  if (new Set(columns).size !== columns.length) fail({ ...where, field: `${where.field}.columns` }, 'names a column twice');
  const missing = inputs.filter((n) => !columns.includes(n));
  if (missing.length) fail({ ...where, field: `${where.field}.columns` }, `needs a column for every input (missing: ${missing.join(', ')})`);
  const observed = outputs.flatMap((n, o) => (columns.includes(n) ? [o] : []));
  if (observed.length === 0) fail({ ...where, field: `${where.field}.columns` }, `needs at least one output column (${outputs.join(', ')})`);
  const numbers = rows.map((r, i) => {
    if (!Array.isArray(r) || r.length !== columns.length) fail({ ...where, field: `${where.field}.rows[${i}]` }, `must have ${columns.length} numbers (${columns.join(', ')})`);
    return r.map((v, j) => finiteNumber(v, { ...where, field: `${where.field}.rows[${i}][${j}]` }));
  });
  const points = numbers.map((r) => inputs.map((n) => r[columns.indexOf(n)]));
  return { points, outputs: observed.map((o) => [o, numbers.map((r) => r[columns.indexOf(outputs[o])])]) };
}

/** A CSV table of numbers with a header row (commas; blank lines skipped). */
/** A decimal number as a CSV cell may hold it: sign, digits with an optional point, optional exponent. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function parseCsv(text: string, where: Where): { columns: string[]; rows: number[][] } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) fail(where, 'needs a header line and at least one row');
  const columns = lines[0].split(',').map((s) => s.trim().replace(/^"(.*)"$/, '$1'));
  const rows = lines.slice(1).map((l, i) =>
    l.split(',').map((s, j) => {
      const cell = s.trim();
      // plain decimal only: Number() would also take 0x10, 0b1 and an empty cell (as 0)
      if (!DECIMAL.test(cell)) fail(where, `line ${i + 2}, column ${j + 1}: "${shownValue(cell)}" is not a decimal number`);
      const v = Number(cell);
      if (!Number.isFinite(v)) fail(where, `line ${i + 2}, column ${j + 1}: "${shownValue(cell)}" is not a finite number`);
      return v;
    }),
  );
  return { columns, rows };
}

function problemDefaults(spec: unknown, where: Where, dim: number): PdeProblem['defaults'] {
  const out: PdeProblem['defaults'] = { width: dim > 2 ? 64 : 32, depth: 3, steps: 5000, lr: 1e-3, interiorPoints: 1024 };
  if (spec === undefined) return out;
  if (!isObject(spec)) fail(where, 'must be an object of setting: value');
  const settings: Record<string, number | string | boolean> = {};
  for (const [key, v] of Object.entries(spec)) {
    const f = { ...where, field: `${where.field}.${key}` };
    if (typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean') fail(f, 'must be a number, a string or true/false');
    const int = (lo: number, hi: number) => {
      const n = finiteNumber(v, f);
      if (!Number.isInteger(n) || n < lo || n > hi) fail(f, `must be an integer from ${lo} to ${hi}`);
      return n;
    };
    if (key === 'width') out.width = int(1, 1024);
    else if (key === 'depth') out.depth = int(1, 16);
    else if (key === 'steps') out.steps = int(1, 1_000_000);
    else if (key === 'points') out.interiorPoints = int(1, 1 << 20);
    else if (key === 'lr') {
      const n = finiteNumber(v, f);
      if (!(n > 0 && n < 10)) fail(f, 'must be a learning rate in (0, 10)');
      out.lr = n;
    } else if (key === 'hard') out.hardBoundary = v === true || v === 'on';
    else if (key === 'precision') {
      if (v !== 'f32' && v !== 'double-single') fail(f, 'must be "f32" or "double-single"');
      out.precision = v;
    } else settings[key] = v;
  }
  if (Object.keys(settings).length) out.settings = settings;
  return out;
}

/**
 * The hard-constraint extension: u = g + φ N with φ a product of face factors (per input: 'lo',
 * 'hi' or 'both') and g an expression of the inputs; its Taylor coefficients along v in WGSL
 * come from g's symbolic partials, Σ_{|α| = k} v^α / α! ∂^α g.
 */
function hardTransform(spec: unknown, ctx: { inputs: string[]; lo: number[]; hi: number[]; names: Set<string>; exactScope: Scope; file?: string; maxOrder: number }): HardTransform {
  const where = { file: ctx.file, field: 'hard' };
  if (!isObject(spec)) fail(where, 'must be { "factors": { "x": "both" }, "replaces": ["boundary"], "g": "..." }');
  const s = spec as { factors?: unknown; replaces?: unknown; g?: unknown };
  if (!isObject(s.factors) || Object.keys(s.factors).length === 0) fail({ ...where, field: 'hard.factors' }, 'must name at least one input: "lo", "hi" or "both"');
  const factors = Object.entries(s.factors).map(([name, side]) => {
    const axis = ctx.inputs.indexOf(name);
    if (axis < 0) fail({ ...where, field: `hard.factors.${name}` }, `"${name}" is not an input`);
    if (side !== 'lo' && side !== 'hi' && side !== 'both') fail({ ...where, field: `hard.factors.${name}` }, 'must be "lo", "hi" or "both"');
    return { axis, side: side as 'lo' | 'hi' | 'both' };
  });
  const replaces = stringArray(s.replaces, { ...where, field: 'hard.replaces' }, 64);
  for (const r of replaces) if (!ctx.names.has(r)) fail({ ...where, field: 'hard.replaces' }, `"${r}" is not a term (terms: ${[...ctx.names].join(', ')})`);
  if (s.g === undefined) return { factors, replaces };
  if (typeof s.g !== 'string') fail({ ...where, field: 'hard.g' }, 'must be an expression of the inputs');
  const g = resolveExpression({ file: ctx.file, field: 'hard.g', text: s.g }, ctx.exactScope);
  const dim = ctx.inputs.length;
  const table = new AtomTable();
  // every multi-index of total order k, and g's partial for it
  const indices = (k: number, from = 0): number[][] => (k === 0 ? [new Array<number>(dim).fill(0)] : from >= dim ? [] : [...indices(k, from + 1), ...indices(k - 1, from).map((a) => a.map((v, j) => (j === from ? v + 1 : v)))]);
  // bounded work: the multi-indices up to order K in dim inputs number C(dim + K, K), and each
  // partial (its differentiations one by one) and all of them together stay within the limit
  const top = Math.max(ctx.maxOrder, 1);
  let count = 1;
  for (let k = 1; k <= top && count <= HARD_PARTIALS; k++) count = (count * (dim + k)) / k;
  if (count > HARD_PARTIALS) fail({ ...where, field: 'hard.g' }, `needs g's partial derivatives up to order ${top} in ${dim} inputs, more than ${HARD_PARTIALS}; drop g (u = φ N) or lower the equations' order`);
  let written = 0;
  const tooLarge = () => fail({ ...where, field: 'hard.g' }, `g's partial derivatives grow past ${FILE_LIMITS.generated} terms when written out; simplify g`);
  const partialOf = (alpha: number[]) =>
    alpha.reduce(
      (e, n, j) =>
        Array.from({ length: n }).reduce<Expr>((acc) => {
          const next = total(acc, j, table);
          if (size(next, FILE_LIMITS.generated - written) > FILE_LIMITS.generated - written) tooLarge();
          return next;
        }, e),
      g,
    );
  const code = (e: Expr) => {
    written += size(e, FILE_LIMITS.generated);
    if (written > FILE_LIMITS.generated) tooLarge();
    let text: string;
    try {
      text = wgslF32(e, { atom: () => '0.0' });
    } catch (err) {
      fail({ ...where, field: 'hard.g' }, (err as Error).message);
    }
    if (wgslNesting(text) > WGSL_MAX_NESTING) fail({ ...where, field: 'hard.g' }, `a partial derivative of g nests ${wgslNesting(text)} levels deep, more than GPU compilers take (${WGSL_MAX_NESTING} here); simplify g`);
    return text;
  };
  const cases: string[] = [];
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  for (let k = 0; k <= top; k++) {
    const uniq = [...new Map(indices(k).map((a) => [a.join(','), a])).values()];
    const parts = uniq.map((alpha) => {
      const coef = 1 / alpha.reduce((p, n) => p * fact(n), 1);
      const vs = alpha.flatMap((n, j) => Array<string>(n).fill(`v[${j}]`));
      return `${[wgslFloat(coef), ...vs].join(' * ')} * ${code(partialOf(alpha))}`;
    });
    cases.push(`  if (k == ${k}u) { return ${parts.join(' + ') || '0.0'}; }`);
  }
  const f64 = (x: number[]) => evaluate(g, { x, atoms: [] });
  return { factors, replaces, g: { f64, jetWgsl: `${cases.join('\n')}\n  return 0.0;` } };
}

/**
 * The `published` extension: errors others report for this problem, [{ "l2re": 1.45e-2,
 * "source": "PINNacle (Hao et al. 2024), plain PINN" }], shown as reference lines in the app.
 */
function publishedErrors(spec: unknown, where: Where): { l2re: number; source: string }[] | undefined {
  if (spec === undefined) return undefined;
  if (!Array.isArray(spec) || spec.length > 16) fail(where, 'must be a list of at most 16 { "l2re": <number>, "source": "<who, what>" }');
  return spec.map((e: unknown, i: number) => {
    const w = { ...where, field: `${where.field}[${i}]` };
    if (!isObject(e)) fail(w, 'must be { "l2re": <number>, "source": "<who, what>" }');
    for (const key of Object.keys(e)) if (key !== 'l2re' && key !== 'source') fail({ ...w, field: `${w.field}.${key}` }, 'is not a field here (l2re, source)');
    const l2re = e.l2re;
    if (typeof l2re !== 'number' || !(l2re > 0) || !Number.isFinite(l2re)) fail({ ...w, field: `${w.field}.l2re` }, 'must be a positive number');
    if (typeof e.source !== 'string' || e.source.trim() === '' || e.source.length > 200) fail({ ...w, field: `${w.field}.source` }, 'must name the source (1 to 200 characters)');
    return { l2re, source: e.source };
  });
}
