/**
 * High-dimensional problem files: the STDE trainer's problems (src/engine/highdim) written as
 * equations, compiled with their sums kept as loops so d can be 10^3..10^6. A file of this
 * kind has one vector input x[d] (the unit ball), optionally time t after it, one output u,
 * one equation and a `model` u = G + F N that fixes boundary, initial or terminal values by
 * construction (see docs/PROBLEM_FILES.md, "High-dimensional problems"):
 *
 *   "equation": "u_t + lap(u) - sum(abs(D(u, x[i]))^1.75, i) / d = -2",
 *   "model": "u = sum(x[i], i) + (1 - t) * N"
 *
 * The compiler splits the residual into the trainer's three parts,
 *   r = temporal(t, |x|², u, u_t, u_tt) + Σ_i spatial(x_i, ∂_i u, ∂_i² u) − g(x, t),
 * (the spatial sum is what sparse STDE estimates from a few sampled axes), and from the same
 * trees writes every back end: the f64 functions, the WGSL bodies and their gradients, the
 * model's 2-jets along each axis, and the source g as one O(d) loop over the coordinates.
 *
 * Inside sum(body, i[, from, to]) a body may read x[i + k] and coefficient vectors c[i + k]
 * (k a whole number), t, parameters, and for the equation's spatial part D(u, x[i]) and
 * D(u, x[i], x[i]); D(expr, x[i + k]) is the symbolic derivative of a body expression.
 * Named `definitions` are expressions substituted where their name is used (inside a sum
 * they see its index). Tree leaves, in the shared Expr type (./expr.ts): x leaf T is t, x leaf
 * OFF + k is x[i + k], q leaf v·Q + OFF + k is coefficient vector v at i + k, obs leaf j is
 * aggregate j (a sum or |x|²), atoms UI..NET below.
 */
import { MAX_HIGHDIM_DIM, type HighDimDefaults, type HighDimProblem, type Jet2 } from '../problems/highdim-types';
import { Rng } from '../sampling/rng';
import { shownValue } from '../errors';
import { add, applyFunction, arity, fn, FUNCTIONS, leaves, mapLeaves, mul, neg, num, partial, size, sub, type Expr, type FunctionName, type Leaf } from './expr';
import { fail, isObject, type Where } from './problem-file';
import { RESERVED, TreeResolver } from './resolve';
import { LIMITS, parseEquation, parseExpression, type Ast, type Source } from './syntax';
import { astTex } from './tex';
import { wgslF32, wgslNesting, WGSL_MAX_NESTING } from './wgsl';

const T = 0;
const OFF = 64;
const MAX_OFFSET = 8;
const Q = 256;
const UI = 0;
const UII = 1;
const U = 2;
const UT = 3;
const UTT = 4;
const NET = 5;

/** A sum over the coordinates (0-based indices lo..hi of i), or |x|² (norm2). */
interface Aggregate {
  body: Expr;
  lo: number;
  hi: number;
  norm2: boolean;
  key: string;
}


/** A name a file declares: a letter, then letters, digits or underscores, at most 64 in all. */
const NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

const KNOWN_KEYS = ['id', 'title', 'description', 'inputs', 'outputs', 'domain', 'parameters', 'coefficients', 'definitions', 'equations', 'model', 'exact', 'defaults'];

/** True for a document meant for this compiler: it has a `model` (u = G + F N). */
export function isHighDimFile(json: unknown): boolean {
  return isObject(json) && 'model' in json;
}

interface Context {
  d: number;
  time: boolean;
  vector: string;
  output: string;
  parameters: Record<string, number>;
  /** Coefficient vectors by name: their number v (leaf q v·Q + OFF + k). */
  coefficients: Record<string, number>;
  definitions: Record<string, { src: Source; ast: Ast }>;
}

/** Names a high-dimensional file may not declare (the language's, and the network N of the model). */
const TAKEN = new Set([...RESERVED, 'N']);

class Resolver extends TreeResolver {
  readonly aggregates: Aggregate[] = [];
  private readonly keys = new Map<string, number>();
  /** The sum index in scope, its name and (while computing an offset) a trial value. */
  private index: { name: string; trial: number | null } | null = null;
  private offsets: number[] | null = null;
  private readonly defining: string[] = [];
  private derived = 0;
  /** Whether N (the network, in the model) and u's derivatives may be read. */
  constructor(
    private readonly ctx: Context,
    protected src: Source,
    private readonly mode: 'equation' | 'model' | 'exact',
  ) {
    super();
  }

  private aggregate(body: Expr, lo: number, hi: number, norm2 = false): Expr {
    if (!norm2 && (lo > hi || body.k === 'num')) return num(body.k === 'num' ? body.v * Math.max(0, hi - lo + 1) : 0);
    const key = JSON.stringify([body, lo, hi, norm2]);
    let j = this.keys.get(key);
    if (j === undefined) {
      j = this.aggregates.length;
      this.aggregates.push({ body, lo, hi, norm2, key });
      this.keys.set(key, j);
    }
    return { k: 'obs', i: j };
  }

  private uAtom(counts: { x: number; t: number }, at: Ast, inSum: boolean): Expr {
    const { output } = this.ctx;
    if (this.mode !== 'equation') this.fail(`${output} and its derivatives have no place here: ${this.mode === 'model' ? 'the model reads the network N' : 'an exact solution is a function of x and t alone'}`, at);
    if (counts.x > 0 && counts.t > 0) this.fail('mixed derivatives in x and t are not built for high-dimensional problems', at);
    if (counts.x > 0) {
      if (!inSum) this.fail(`a derivative along x[i] is read inside sum(..., i) or as lap(${output})`, at);
      if (counts.x > 2) this.fail('derivatives along x[i] up to the second are built for high-dimensional problems', at);
      return { k: 'atom', i: counts.x === 1 ? UI : UII };
    }
    if (counts.t > 0 && !this.ctx.time) this.fail('this problem has no time input t', at);
    if (counts.t > 2) this.fail('derivatives in t up to the second are built for high-dimensional problems', at);
    if (this.index) this.fail(`${output} and its t-derivatives are read outside sums`, at);
    return { k: 'atom', i: [U, UT, UTT][counts.t] };
  }

  protected name(node: Extract<Ast, { kind: 'name' }>): Expr {
    const { name } = node;
    const c = this.ctx;
    if (this.index && name === this.index.name) {
      if (this.index.trial !== null) return num(this.index.trial);
      this.fail(`the index ${name} is read inside ${c.vector}[...] or a coefficient vector's [...]`, node);
    }
    if (name === c.vector) this.fail(`${name} is a vector input: write a coordinate ${name}[i] inside sum(..., i), or norm2(${name})`, node);
    if (name === 't' && c.time) return { k: 'x', i: T };
    if (name === 'N') {
      if (this.mode !== 'model') this.fail('N (the network) is read only in the model', node);
      if (this.index) this.fail('the model reads N outside sums', node);
      return { k: 'atom', i: NET };
    }
    if (name === c.output) return this.uAtom({ x: 0, t: 0 }, node, false);
    if (name.startsWith(`${c.output}_`)) {
      const sub = name.slice(c.output.length + 1);
      if (c.time && /^t{1,8}$/.test(sub)) return this.uAtom({ x: 0, t: sub.length }, node, false);
      this.fail(`"${name}": derivatives along the vector ${c.vector} are written D(${c.output}, ${c.vector}[i]) inside sum(..., i)${c.time ? `, in time ${c.output}_t or ${c.output}_tt` : ''}`, node);
    }
    if (Object.hasOwn(c.parameters, name)) return num(c.parameters[name]);
    if (Object.hasOwn(c.coefficients, name)) this.fail(`${name} is a coefficient vector: write ${name}[i] inside sum(..., i)`, node);
    if (Object.hasOwn(c.definitions, name)) {
      if (this.defining.includes(name)) this.fail(`the definition ${name} uses itself (${[...this.defining, name].join(' → ')})`, node);
      const def = c.definitions[name];
      const saved = this.src;
      this.defining.push(name);
      this.src = def.src;
      try {
        return this.expr(def.ast);
      } finally {
        this.src = saved;
        this.defining.pop();
      }
    }
    if (name === 'pi') return num(Math.PI);
    if (name === 'e') return num(Math.E);
    if (RESERVED.has(name)) this.fail(`${name} is a function: call it as ${name}(...)`, node);
    const known = [c.vector + '[i]', ...(c.time ? ['t'] : []), ...(this.mode === 'equation' ? [c.output] : []), ...(this.mode === 'model' ? ['N'] : []), ...Object.keys(c.parameters), ...Object.keys(c.definitions), 'pi', 'e'];
    this.fail(`unknown name "${name}"; known here: ${known.join(', ')}`, node);
  }

  /** x[i + k] or c[i + k]: k, checked to be a whole number within reach. */
  private offset(node: Extract<Ast, { kind: 'index' }>): number {
    if (!this.index) this.fail('a coordinate or coefficient is indexed inside sum(..., i) by i (x[i], x[i + 1]): the sums stay loops, so a fixed x[1] is not built', node);
    const at = (trial: number) => {
      this.index!.trial = trial;
      try {
        return this.expr(node.index);
      } finally {
        this.index!.trial = null;
      }
    };
    const a = at(0);
    const b = at(5);
    if (a.k !== 'num' || b.k !== 'num' || !Number.isInteger(a.v) || b.v - a.v !== 5) this.fail(`the index must be ${this.index.name} plus or minus a whole number (${this.index.name}, ${this.index.name} + 1)`, node.index);
    if (Math.abs(a.v) > MAX_OFFSET) this.fail(`offsets up to ±${MAX_OFFSET} are built`, node.index);
    this.offsets?.push(a.v);
    return a.v;
  }

  protected indexed(node: Extract<Ast, { kind: 'index' }>): Expr {
    const t = node.target;
    const c = this.ctx;
    if (t.kind === 'name' && t.name === c.vector) return { k: 'x', i: OFF + this.offset(node) };
    if (t.kind === 'name' && Object.hasOwn(c.coefficients, t.name)) return { k: 'q', i: c.coefficients[t.name] * Q + OFF + this.offset(node) };
    this.fail(`only the vector input ${c.vector} and coefficient vectors${Object.keys(c.coefficients).length ? ` (${Object.keys(c.coefficients).join(', ')})` : ''} take an index`, t);
  }

  private integer(a: Ast, what: string): number {
    const saved = this.index;
    this.index = null;
    try {
      const e = this.expr(a);
      if (e.k !== 'num' || !Number.isInteger(e.v)) this.fail(`${what} must be a whole number (numbers and parameters such as d)`, a);
      return e.v;
    } finally {
      this.index = saved;
    }
  }

  private sum(node: Extract<Ast, { kind: 'call' }>): Expr {
    const { args } = node;
    if (args.length !== 2 && args.length !== 4) this.fail('sum takes (expression, i) or (expression, i, from, to)', node);
    if (this.index) this.fail('sums do not nest in a high-dimensional problem (each is one loop over the coordinates)', node);
    const ix = args[1];
    const c = this.ctx;
    if (ix.kind !== 'name' || TAKEN.has(ix.name) || ix.name === c.vector || ix.name === 't' || ix.name === c.output || Object.hasOwn(c.parameters, ix.name) || Object.hasOwn(c.coefficients, ix.name) || Object.hasOwn(c.definitions, ix.name)) {
      this.fail('the second argument of sum is a new index name (e.g. i), not one in use', ix);
    }
    const from = args.length === 4 ? this.integer(args[2], 'the first index') : 1;
    const to = args.length === 4 ? this.integer(args[3], 'the last index') : c.d;
    this.index = { name: ix.name, trial: null };
    this.offsets = [];
    let body: Expr;
    let offsets: number[];
    try {
      body = this.expr(args[0]);
      offsets = this.offsets;
    } finally {
      this.index = null;
      this.offsets = null;
    }
    if (from <= to && offsets.length > 0) {
      const lo = Math.min(...offsets);
      const hi = Math.max(...offsets);
      if (from + lo < 1) this.fail(`at ${ix.name} = ${from} the sum reads ${c.vector}[${from + lo}], before ${c.vector}[1]: start it at ${1 - lo}`, node);
      if (to + hi > c.d) this.fail(`at ${ix.name} = ${to} the sum reads ${c.vector}[${to + hi}], past ${c.vector}[d] (d = ${c.d}): end it at d - ${hi}`, node);
    }
    return this.aggregate(body, from - 1, to - 1);
  }

  protected call(node: Extract<Ast, { kind: 'call' }>): Expr {
    const { name, args } = node;
    const c = this.ctx;
    if ((FUNCTIONS as readonly string[]).includes(name)) {
      const n = arity(name as FunctionName);
      if (args.length !== n) this.fail(`${name} takes ${n === 1 ? 'one argument' : `${n} arguments`}, not ${args.length}`, node);
      return fn(name as FunctionName, args.map((a) => this.expr(a)));
    }
    if (name === 'sum') return this.sum(node);
    if (name === 'norm2') {
      if (args.length !== 1 || args[0].kind !== 'name' || args[0].name !== c.vector) this.fail(`norm2 takes the vector input: norm2(${c.vector})`, node);
      if (this.index) this.fail(`norm2(${c.vector}) is read outside sums`, node);
      return this.aggregate({ k: '*', a: { k: 'x', i: OFF }, b: { k: 'x', i: OFF } }, 0, c.d - 1, true);
    }
    if (name === 'lap') {
      if (args.length !== 1 || args[0].kind !== 'name' || args[0].name !== c.output) this.fail(`lap takes the output: lap(${c.output}), the Laplacian over ${c.vector}`, node);
      if (this.index) this.fail(`lap(${c.output}) is read outside sums`, node);
      const atom = this.uAtom({ x: 2, t: 0 }, node, true);
      return this.aggregate(atom, 0, c.d - 1);
    }
    if (name === 'D') {
      if (args.length < 2) this.fail('D(u, x[i], ...) needs what to differentiate and at least one input', node);
      const axes = args.slice(1).map((a) => {
        if (a.kind === 'name' && a.name === 't' && c.time) return { k: 'x' as const, i: T };
        if (a.kind === 'index' && a.target.kind === 'name' && a.target.name === c.vector) return { k: 'x' as const, i: OFF + this.offset(a) };
        this.fail(`each argument of D after the first is ${c.time ? 't or ' : ''}a coordinate ${c.vector}[i + k]`, a);
      });
      const target = args[0];
      if (target.kind === 'name' && target.name === c.output) {
        const x = axes.filter((a) => a.i !== T);
        if (x.some((a) => a.i !== OFF)) this.fail(`derivatives of ${c.output} are along ${c.vector}[i] itself (the sampled axis), not a neighbour`, node);
        return this.uAtom({ x: x.length, t: axes.length - x.length }, node, this.index !== null);
      }
      let e = this.expr(target);
      if (leaves(e, 'atom').length > 0) this.fail(`D of an expression of ${c.output} is not built for high-dimensional problems; name the derivative (D(${c.output}, ${c.vector}[i]))`, node);
      if (leaves(e, 'obs').length > 0) this.fail('D of an expression holding a sum or norm2 is not built; differentiate the terms inside the sum', node);
      for (const ax of axes) {
        e = partial(e, { k: 'x', i: ax.i });
        const left = LIMITS.derived - this.derived;
        if (size(e, left) > left) this.fail(`this derivative grows past ${LIMITS.derived} terms when written out; differentiate a simpler expression`, node);
      }
      this.derived += size(e);
      return e;
    }
    this.fail(`unknown function "${name}"; functions: ${FUNCTIONS.join(' ')}, sum, norm2, lap, D`, { span: node.nameSpan });
  }
}

/** An expression with every leaf matching `is` replaced by 0 (constructors fold what follows). */
function zeroed(e: Expr, is: (l: Leaf) => boolean): Expr {
  return mapLeaves(e, (l) => (is(l) ? num(0) : l));
}

/** The additive terms of an expression (through +, − and unary minus), each with its sign folded in. */
function terms(e: Expr, sign = 1, out: Expr[] = []): Expr[] {
  if (e.k === '+' || e.k === '-') {
    terms(e.a, sign, out);
    terms(e.b, e.k === '+' ? sign : -sign, out);
  } else if (e.k === 'neg') terms(e.a, -sign, out);
  else out.push(sign === 1 ? e : neg(e));
  return out;
}

const reads = (e: Expr, kind: Leaf['k'], is: (i: number) => boolean = () => true) => leaves(e, kind).some(is);

// ---- f64: closures over the trees -------------------------------------------------------------

interface Env {
  z: ArrayLike<number>;
  /** 0-based i in a sum body; the axis a in a model jet. */
  i: number;
  agg: Float64Array;
  atoms: number[];
}

type Fn64 = (env: Env) => number;

function closure(e: Expr, coef: Float64Array, d: number): Fn64 {
  const c = (x: Expr) => closure(x, coef, d);
  switch (e.k) {
    case 'num': {
      const v = e.v;
      return () => v;
    }
    case 'x': {
      if (e.i === T) return (env) => env.z[d];
      const k = e.i - OFF;
      return (env) => env.z[env.i + k];
    }
    case 'q': {
      const base = Math.floor(e.i / Q) * d + ((e.i % Q) - OFF);
      return (env) => coef[base + env.i];
    }
    case 'atom': {
      const i = e.i;
      return (env) => env.atoms[i];
    }
    case 'obs': {
      const i = e.i;
      return (env) => env.agg[i];
    }
    case 'neg': {
      const a = c(e.a);
      return (env) => -a(env);
    }
    case '+': {
      const [a, b] = [c(e.a), c(e.b)];
      return (env) => a(env) + b(env);
    }
    case '-': {
      const [a, b] = [c(e.a), c(e.b)];
      return (env) => a(env) - b(env);
    }
    case '*': {
      const [a, b] = [c(e.a), c(e.b)];
      return (env) => a(env) * b(env);
    }
    case '/': {
      const [a, b] = [c(e.a), c(e.b)];
      return (env) => a(env) / b(env);
    }
    case '^': {
      const [a, b] = [c(e.a), c(e.b)];
      return (env) => a(env) ** b(env);
    }
    case 'fn': {
      const args = e.args.map(c);
      const f = e.f;
      if (args.length === 1) {
        const [a] = args;
        return (env) => applyFunction(f, [a(env)]);
      }
      return (env) => applyFunction(f, args.map((a) => a(env)));
    }
  }
}

// ---- the compiled problem ---------------------------------------------------------------------

export interface HighDimCompileOptions {
  file?: string;
  /** The dimension d (default: the file's). */
  dim?: number;
  /** Parameter values in place of the file's (the CLI's --param; d here is the dimension). */
  parameters?: Record<string, number>;
}

/** What validation needs beyond the problem: the trees and the aggregates they read. */
export interface HighDimCompiled {
  problem: HighDimProblem;
  /**
   * The largest |residual| of the exact solution (its derivatives taken symbolically) over
   * `points` points of the ball (default: fewer as d grows, since each costs O(d)), and the
   * scale it is relative to; null without `exact`.
   */
  checkExact(points?: number): { points: number; maxResidual: number; scale: number } | null;
  summary: string[];
}

function parameterValues(json: Record<string, unknown>, where: (f: string) => Where, dim: number | undefined, over: Record<string, number> = {}): { values: Record<string, number>; range: [number, number]; d: number } {
  const p = json.parameters;
  if (!isObject(p) || !isObject(p.d)) fail(where('parameters.d'), 'a high-dimensional problem declares its dimension: "d": { "value": 1000, "range": [1, 1000000] }');
  const spec = p.d as Record<string, unknown>;
  const range = spec.range;
  if (!Array.isArray(range) || range.length !== 2 || !range.every((v) => Number.isInteger(v))) fail(where('parameters.d.range'), 'must be [lo, hi], two whole numbers');
  const [lo, hi] = range as [number, number];
  if (!(lo >= 1 && lo <= hi && hi <= MAX_HIGHDIM_DIM)) fail(where('parameters.d.range'), `must lie within [1, ${MAX_HIGHDIM_DIM}] with lo ≤ hi`);
  const value = spec.value;
  if (!Number.isInteger(value)) fail(where('parameters.d.value'), 'must be a whole number');
  for (const name of Object.keys(over)) if (!Object.hasOwn(p, name)) fail(where('parameters'), `has no parameter "${name}" (parameters: ${Object.keys(p).join(', ')})`);
  const d = dim ?? (Object.hasOwn(over, 'd') ? over.d : (value as number));
  if (!Number.isInteger(d) || d < lo || d > hi) throw new RangeError(`${String(json.id)}: the dimension must be an integer from ${lo} to ${hi} (got ${d})`);
  const values: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const [name, v] of Object.entries(p)) {
    if (!NAME.test(name) || TAKEN.has(name)) fail(where(`parameters.${name}`), `"${shownValue(name)}" is not a name free for a parameter`);
    if (name === 'd') continue;
    const x = Object.hasOwn(over, name) ? over[name] : isObject(v) ? v.value : v;
    if (typeof x !== 'number' || !Number.isFinite(x)) fail(where(`parameters.${name}`), 'must be a finite number or { "value": ... }');
    values[name] = x;
  }
  values.d = d;
  return { values, range: [lo, hi], d };
}

const DEFAULTS: HighDimDefaults = { width: 128, depth: 3, steps: 2000, lr: 1e-3, points: 100, randBatch: 16 };

function defaultsOf(v: unknown, where: Where): HighDimDefaults {
  if (v === undefined) return DEFAULTS;
  if (!isObject(v)) fail(where, 'must be an object of settings');
  const out = { ...DEFAULTS };
  for (const [key, x] of Object.entries(v)) {
    if (!Object.hasOwn(DEFAULTS, key)) fail({ ...where, field: `defaults.${key}` }, `is not a high-dimensional setting (${Object.keys(DEFAULTS).join(', ')})`);
    if (typeof x !== 'number' || !(x > 0) || !Number.isFinite(x) || (key !== 'lr' && !Number.isInteger(x))) fail({ ...where, field: `defaults.${key}` }, key === 'lr' ? 'must be a positive number' : 'must be a positive whole number');
    out[key as keyof HighDimDefaults] = x;
  }
  return out;
}

/** Compile a high-dimensional problem document (parsed JSON) at dimension options.dim. */
export function compileHighDim(json: unknown, options: HighDimCompileOptions = {}): HighDimCompiled {
  const file = options.file;
  const where = (field: string): Where => ({ file, field });
  if (!isObject(json)) fail(where('document'), 'must be a JSON object');
  for (const key of Object.keys(json)) if (!KNOWN_KEYS.includes(key)) fail(where(key), `is not a field of a high-dimensional problem file (fields: ${KNOWN_KEYS.join(', ')})`);
  for (const key of ['id', 'inputs', 'outputs', 'domain', 'parameters', 'equations', 'model']) if (!(key in json)) fail(where(key), 'is required');
  const id = json.id;
  if (typeof id !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(id)) fail(where('id'), 'must be lower-case letters, digits and dashes (at most 64)');
  const inputs = json.inputs;
  if (!Array.isArray(inputs) || inputs.length < 1 || inputs.length > 2 || !inputs.every((s) => typeof s === 'string')) fail(where('inputs'), 'must be ["x[d]"] or ["x[d]", "t"]: a vector input, then optionally time');
  const m = /^\s*([A-Za-z][A-Za-z0-9_]{0,63})\s*\[\s*d\s*\]\s*$/.exec(inputs[0] as string);
  if (!m || TAKEN.has(m[1]) || m[1] === 't') fail(where('inputs[0]'), 'must be a vector input of size d, e.g. "x[d]"');
  const vector = m[1];
  if (inputs.length === 2 && inputs[1] !== 't') fail(where('inputs[1]'), 'must be "t" (time, after the vector input)');
  const time = inputs.length === 2;
  const outputs = json.outputs;
  if (!Array.isArray(outputs) || outputs.length !== 1 || typeof outputs[0] !== 'string' || !/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(outputs[0]) || TAKEN.has(outputs[0]) || outputs[0] === vector || outputs[0] === 't') fail(where('outputs'), 'must name one output, e.g. ["u"]');
  const output = outputs[0] as string;
  const domain = json.domain;
  if (!isObject(domain) || !isObject(domain[vector]) || (domain[vector] as Record<string, unknown>).ball !== 1) fail(where(`domain.${vector}`), 'must be { "ball": 1 }: the unit ball');
  let horizon: number | undefined;
  if (time) {
    const tt = domain.t;
    if (!Array.isArray(tt) || tt.length !== 2 || tt[0] !== 0 || typeof tt[1] !== 'number' || !(tt[1] > 0) || !Number.isFinite(tt[1])) fail(where('domain.t'), 'must be [0, T] with T > 0');
    horizon = tt[1];
  }
  for (const key of Object.keys(domain)) if (key !== vector && !(time && key === 't')) fail(where(`domain.${key}`), `"${shownValue(key)}" is not an input`);
  const { values: parameters, range, d } = parameterValues(json, where, options.dim, options.parameters);
  for (const name of [vector, output, 't']) if (Object.hasOwn(parameters, name)) fail(where(`parameters.${name}`), `"${name}" is an input or output`);

  // coefficient vectors: d standard normal numbers each, from a seed
  const coefficients: Record<string, number> = Object.create(null) as Record<string, number>;
  const coefValues: number[] = [];
  const cin = json.coefficients ?? {};
  if (!isObject(cin)) fail(where('coefficients'), 'must be an object of name: { "normal": seed }');
  for (const [name, spec] of Object.entries(cin)) {
    if (!NAME.test(name) || TAKEN.has(name) || Object.hasOwn(parameters, name) || name === vector || name === output || name === 't') fail(where(`coefficients.${name}`), `"${shownValue(name)}" is not a free name`);
    const seed = isObject(spec) ? spec.normal : undefined;
    if (!Number.isInteger(seed) || (seed as number) < 0) fail(where(`coefficients.${name}`), 'must be { "normal": seed }, d standard normal numbers drawn from a whole-number seed');
    coefficients[name] = Object.keys(coefficients).length;
    const rng = new Rng(seed as number);
    for (let i = 0; i < d; i++) coefValues.push(rng.normal());
  }
  const coef = Float64Array.from(coefValues.length ? coefValues : [0]);

  const definitions: Context['definitions'] = Object.create(null) as Context['definitions'];
  const din = json.definitions ?? {};
  if (!isObject(din)) fail(where('definitions'), 'must be an object of name: expression');
  for (const [name, text] of Object.entries(din)) {
    if (!NAME.test(name) || TAKEN.has(name) || Object.hasOwn(parameters, name) || Object.hasOwn(coefficients, name) || name === vector || name === output || name === 't') fail(where(`definitions.${name}`), `"${shownValue(name)}" is not a free name`);
    if (typeof text !== 'string') fail(where(`definitions.${name}`), 'must be an expression (a string)');
    const src: Source = { file, field: `definitions.${name}`, text };
    definitions[name] = { src, ast: parseExpression(src) };
  }
  const ctx: Context = { d, time, vector, output, parameters, coefficients, definitions };

  const eqs = json.equations;
  if (!Array.isArray(eqs) || eqs.length !== 1 || typeof eqs[0] !== 'string') fail(where('equations'), 'a high-dimensional problem has one equation (a string)');
  const eqSrc: Source = { file, field: 'equations[0]', text: eqs[0] as string };
  const eqResolver = new Resolver(ctx, eqSrc, 'equation');
  const { left, right } = parseEquation(eqSrc);
  const residual = right ? sub(eqResolver.expr(left), eqResolver.expr(right)) : eqResolver.expr(left);
  const aggs = eqResolver.aggregates;

  // the spatial part: sums whose bodies read u's derivatives along x[i], each with a constant factor
  const spatialAggs = aggs.flatMap((a, j) => (reads(a.body, 'atom') ? [j] : []));
  let spatial: Expr = num(0);
  for (const j of spatialAggs) {
    const a = aggs[j];
    if (a.lo !== 0 || a.hi !== d - 1) fail(where('equations[0]'), `a sum of ${output}'s derivatives runs over every coordinate (i from 1 to d), as STDE samples them`);
    if (reads(a.body, 'x', (i) => i !== OFF) || reads(a.body, 'q')) fail(where('equations[0]'), `a sum of ${output}'s derivatives reads ${vector}[i], D(${output}, ${vector}[i]), D(${output}, ${vector}[i], ${vector}[i]) and constants (no time, neighbours or coefficient vectors)`);
    const factor = partial(residual, { k: 'obs', i: j });
    if (factor.k !== 'num') fail(where('equations[0]'), `the sums of ${output}'s derivatives enter the equation linearly, each times a constant (STDE estimates a sum, not a function of one)`);
    spatial = add(spatial, mul(factor, a.body));
  }
  const isSpatial = (l: Leaf) => l.k === 'obs' && spatialAggs.includes(l.i);
  const rest = zeroed(residual, isSpatial);
  const uTerms: Expr[] = [];
  const gTerms: Expr[] = [];
  for (const t of terms(rest)) (reads(t, 'atom') ? uTerms : gTerms).push(t);
  const temporal = uTerms.reduce(add, num(0));
  if (reads(temporal, 'obs', (i) => !aggs[i].norm2)) fail(where('equations[0]'), `a term with ${output} or its t-derivatives may read t and norm2(${vector}), not a sum (move the sum into its own term)`);
  const source = neg(gTerms.reduce(add, num(0)));
  if (reads(source, 'atom')) throw new Error('internal: the source reads u');

  // the model u = G + F N
  if (typeof json.model !== 'string') fail(where('model'), `must be "${output} = G + F * N": the network N times a factor F that vanishes where values are fixed, plus G`);
  const modelSrc: Source = { file, field: 'model', text: json.model };
  const model = parseEquation(modelSrc);
  if (model.left.kind !== 'name' || model.left.name !== output || !model.right) fail(where('model'), `must read "${output} = G + F * N"`);
  const modelResolver = new Resolver(ctx, modelSrc, 'model');
  const rhs = modelResolver.expr(model.right);
  const F = partial(rhs, { k: 'atom', i: NET });
  const G = zeroed(rhs, (l) => l.k === 'atom' && l.i === NET);
  if (reads(F, 'atom') || F.k === 'num') fail(where('model'), 'must be linear in N with a factor F that depends on the inputs: G + F * N');
  const modelAggs = modelResolver.aggregates;
  for (const a of modelAggs) {
    if (reads(a.body, 'x', (i) => i !== OFF) || reads(a.body, 'q')) fail(where('model'), `a sum in the model reads ${vector}[i] alone (no neighbours, time or coefficient vectors): its derivative along an axis is then one term`);
  }
  const auxAggs = modelAggs.flatMap((a, j) => (a.norm2 ? [] : [j]));
  if (auxAggs.length > 1) fail(where('model'), 'the model reads at most one sum besides norm2 (the kernels keep one number per point for it)');

  // ---- f64 ----
  const aggF64 = (list: Aggregate[]) =>
    list.map((a) => {
      const body = closure(a.body, coef, d);
      return (z: ArrayLike<number>) => {
        const env: Env = { z, i: 0, agg: new Float64Array(0), atoms: [] };
        let s = 0;
        for (let i = a.lo; i <= a.hi; i++) {
          env.i = i;
          s += body(env);
        }
        return s;
      };
    });
  const eqAgg64 = aggF64(aggs);
  const modelAgg64 = aggF64(modelAggs);
  const sourceF = closure(source, coef, d);
  const sourceAggs = leaves(source, 'obs');
  const temporalF = closure(temporal, coef, d);
  const temporalAggs = leaves(temporal, 'obs');
  const spatialF = closure(spatial, coef, d);
  const aggValues = (list: ((z: ArrayLike<number>) => number)[], used: number[], z: ArrayLike<number>) => {
    const agg = new Float64Array(list.length);
    for (const j of used) agg[j] = list[j](z);
    return agg;
  };

  /** E's 2-jet along a space axis (leaf x OFF = x_a) and along t: (value, first, half the second). */
  const jets = (E: Expr) => {
    const used = leaves(E, 'obs');
    const dA = used.map((j) => partial(E, { k: 'obs', i: j }));
    const h1 = used.map((j) => partial(modelAggs[j].body, { k: 'x', i: OFF }));
    const h2 = h1.map((h) => partial(h, { k: 'x', i: OFF }));
    let e1: Expr = num(0);
    let e2: Expr = num(0);
    used.forEach((_, m) => {
      e1 = add(e1, mul(dA[m], h1[m]));
      e2 = add(e2, mul(dA[m], h2[m]));
      used.forEach((k, n) => {
        const second = partial(dA[m], { k: 'obs', i: k });
        e2 = add(e2, mul(second, mul(h1[m], h1[n])));
      });
    });
    const dt = (x: Expr) => partial(x, { k: 'x', i: T });
    return { space: [E, e1, mul(num(0.5), e2)], time: [E, dt(E), mul(num(0.5), dt(dt(E)))], used };
  };
  const jetF64 = (E: Expr) => {
    const j = jets(E);
    const space = j.space.map((e) => closure(e, coef, d));
    const time = j.time.map((e) => closure(e, coef, d));
    return (z: ArrayLike<number>, a: number): Jet2 => {
      const env: Env = { z, i: a, agg: aggValues(modelAgg64, j.used, z), atoms: [] };
      const f = a === d ? time : space;
      return [f[0](env), f[1](env), f[2](env)];
    };
  };
  const factorJet = jetF64(F);
  const offsetJet = jetF64(G);

  let exactF: ((z: ArrayLike<number>) => number) | undefined;
  let exactTree: { e: Expr; aggs: Aggregate[] } | undefined;
  if (json.exact !== undefined) {
    const ex = json.exact;
    if (!isObject(ex) || typeof ex[output] !== 'string' || Object.keys(ex).length !== 1) fail(where('exact'), `must be { "${output}": expression }`);
    const src: Source = { file, field: `exact.${output}`, text: ex[output] as string };
    const r = new Resolver(ctx, src, 'exact');
    const e = r.expr(parseExpression(src));
    exactTree = { e, aggs: r.aggregates };
    const f = closure(e, coef, d);
    const a64 = aggF64(r.aggregates);
    const used = leaves(e, 'obs');
    exactF = (z) => f({ z, i: 0, agg: aggValues(a64, used, z), atoms: [] });
  }

  // ---- WGSL ----
  const bodyLeaves = {
    x: (i: number) => (i === T ? 'z[o + D]' : i === OFF ? 'z[o + i]' : i > OFF ? `z[o + i + ${i - OFF}u]` : `z[o + i - ${OFF - i}u]`),
    q: (i: number) => {
      const k = (i % Q) - OFF;
      const base = Math.floor(i / Q) * d;
      return `coef[${base ? `${base}u + ` : ''}i${k > 0 ? ` + ${k}u` : k < 0 ? ` - ${-k}u` : ''}]`;
    },
    atom: () => {
      throw new Error('internal: an atom in a source body');
    },
  };
  const checked = (code: string, field: string) => {
    if (wgslNesting(code) > WGSL_MAX_NESTING) fail(where(field), `the generated code nests ${wgslNesting(code)} levels deep, more than GPU compilers take (${WGSL_MAX_NESTING}); simplify it`);
    return code;
  };
  // the source: one loop over the coordinates accumulating every sum it (and the model's aux) reads
  const loop = (list: Aggregate[], used: number[], prefix: string) => {
    const sums = used.filter((j) => !list[j].norm2);
    if (sums.length === 0) return '';
    const lines = sums.map((j) => {
      const a = list[j];
      const body = checked(wgslF32(a.body, bodyLeaves), 'equations[0]');
      const guard = a.lo === 0 && a.hi === d - 1 ? '' : a.lo === 0 ? `if (i <= ${a.hi}u) ` : `if (i >= ${a.lo}u && i <= ${a.hi}u) `;
      return `    ${guard}{ ${prefix}${j} += ${body}; }`;
    });
    return `${sums.map((j) => `  var ${prefix}${j} = 0.0;`).join('\n')}\n  for (var i = 0u; i < D; i++) {\n${lines.join('\n')}\n  }\n`;
  };
  const pointLeaves = (list: Aggregate[], prefix: string) => ({
    x: (i: number) => (i === T ? 'z[p * DIN + D]' : 'xa'),
    obs: (i: number) => (list[i].norm2 ? 'zz[p]' : `${prefix}${i}`),
    atom: (i: number) => ['ui', 'uii', 'u', 'ut', 'utt'][i],
  });
  const auxIndex = auxAggs[0];
  const auxCode = auxIndex === undefined ? '0.0' : `m${auxIndex}`;
  const sourceCode = `let o = p * DIN;\n${loop(aggs, sourceAggs, 'a')}${auxIndex === undefined ? '' : loop(modelAggs, [auxIndex], 'm')}  return vec2f(${checked(wgslF32(source, pointLeaves(aggs, 'a')), 'equations[0]')}, ${auxCode});`;
  const jetWgsl = (E: Expr, field: string) => {
    const j = jets(E);
    const leavesOf = { ...pointLeaves(modelAggs, 'm'), obs: (i: number) => (modelAggs[i].norm2 ? 'zz[p]' : 'aux') };
    const vec = (es: Expr[]) => `vec3f(${es.map((e) => checked(wgslF32(e, leavesOf), field)).join(', ')})`;
    const usesXa = j.space.some((e) => reads(e, 'x', (i) => i === OFF));
    const space = `${usesXa ? 'let xa = z[p * DIN + a];\n  ' : ''}return ${vec(j.space)};`;
    return time ? `if (a == D) { return ${vec(j.time)}; }\n  ${space}` : space;
  };
  const spatialLeaves = { x: () => 'xi', atom: (i: number) => ['ui', 'uii'][i] };
  const temporalLeaves = pointLeaves(aggs, 'a');
  const part = (e: Expr, v: number) => partial(e, { k: 'atom', i: v });
  const wgsl = {
    helpers: '',
    source: sourceCode,
    factor: jetWgsl(F, 'model'),
    offset: jetWgsl(G, 'model'),
    spatial: `return ${checked(wgslF32(spatial, spatialLeaves), 'equations[0]')};`,
    spatialGrad: `return vec2f(${wgslF32(part(spatial, UI), spatialLeaves)}, ${wgslF32(part(spatial, UII), spatialLeaves)});`,
    temporal: `return ${checked(wgslF32(temporal, temporalLeaves), 'equations[0]')};`,
    temporalGrad: `return vec3f(${[U, UT, UTT].map((v) => wgslF32(part(temporal, v), temporalLeaves)).join(', ')});`,
  };

  // the product-rule estimator's form: u = (1 − |x|²) N, a plain Laplacian, no time
  const productRule =
    !time &&
    G.k === 'num' &&
    G.v === 0 &&
    [0, 0.3, 0.8].every((r) => Math.abs(closure(F, coef, d)({ z: [], i: 0, agg: Float64Array.from(modelAggs.map((a) => (a.norm2 ? r : NaN))), atoms: [] }) - (1 - r)) < 1e-12) &&
    leaves(spatial, 'x').length === 0 &&
    part(spatial, UI).k === 'num' &&
    (part(spatial, UI) as { v: number }).v === 0 &&
    part(spatial, UII).k === 'num' &&
    (part(spatial, UII) as { v: number }).v === 1;

  const text = (f: string) => (typeof json[f] === 'string' ? (json[f] as string) : '');
  const tex = (() => {
    try {
      const eq = parseEquation(eqSrc);
      const mo = parseEquation(modelSrc);
      return `${astTex(eq.left)} = ${eq.right ? astTex(eq.right) : '0'}, \\quad ${astTex(mo.left)} = ${astTex(mo.right!)}, \\quad d = ${d}`;
    } catch {
      return '';
    }
  })();
  const problem: HighDimProblem = {
    kind: 'highdim',
    id,
    title: `${text('title') || id}, ${d}-D`,
    equation: `${eqs[0] as string} on the unit ball in ${d} dimensions${time ? ` × [0, ${horizon}]` : ''}, ${json.model}`,
    tex,
    description: text('description'),
    dim: d,
    horizon,
    exact: exactF ?? (() => NaN),
    factorJet,
    offsetJet,
    spatial: (xi, ui, uii) => spatialF({ z: [xi], i: 0, agg: new Float64Array(0), atoms: [ui, uii] }),
    productRule: productRule || undefined,
    temporal: (z, u, ut, utt) => temporalF({ z, i: 0, agg: aggValues(eqAgg64, temporalAggs, z), atoms: [0, 0, u, ut, utt] }),
    source: (z) => sourceF({ z, i: 0, agg: aggValues(eqAgg64, sourceAggs, z), atoms: [] }),
    coefficients: coef,
    wgsl,
    defaults: defaultsOf(json.defaults, where('defaults')),
    paramRanges: { dim: range },
    params: { dim: d },
    variant: (p) => compileHighDim(json, { ...options, dim: p.dim ?? d }).problem,
    file,
  };

  const checkExact = (count = d <= 1000 ? 20 : d <= 100_000 ? 4 : 1) => {
    if (!exactTree) return null;
    const { e, aggs: ea } = exactTree;
    if (ea.some((a) => reads(a.body, 'x', (i) => i === T))) fail(where(`exact.${output}`), 'the check takes t outside sums: write the exact solution with t outside sum(...)');
    const used = leaves(e, 'obs');
    const dA = used.map((j) => partial(e, { k: 'obs', i: j }));
    const dAA = dA.map((x) => used.map((j) => closure(partial(x, { k: 'obs', i: j }), coef, d)));
    const dAF = dA.map((x) => closure(x, coef, d));
    const dt = (x: Expr) => partial(x, { k: 'x', i: T });
    const et = closure(dt(e), coef, d);
    const ett = closure(dt(dt(e)), coef, d);
    const eF = closure(e, coef, d);
    // the body's first and second derivatives along each neighbour x[i + k] it reads
    const parts = used.map((j) => {
      const a = ea[j];
      const ks = [...new Set(leaves(a.body, 'x').filter((i) => i !== T).map((i) => i - OFF))];
      return ks.map((k) => {
        const b1 = partial(a.body, { k: 'x', i: OFF + k });
        const b2 = partial(b1, { k: 'x', i: OFF + k });
        return { k, b1: closure(b1, coef, d), b2: closure(b2, coef, d) };
      });
    });
    const a64 = aggF64(ea);
    const rng = new Rng(4242);
    let maxResidual = 0;
    let scale = 0;
    for (let n = 0; n < count; n++) {
      // a point in the ball (radius uniform in [0, 0.9]) and a time
      const z = Array.from({ length: d + 1 }, () => rng.normal());
      const r = Math.sqrt(z.slice(0, d).reduce((s, v) => s + v * v, 0));
      const rad = 0.9 * rng.uniform();
      for (let i = 0; i < d; i++) z[i] *= rad / r;
      z[d] = (horizon ?? 1) * rng.uniform();
      const agg = aggValues(a64, used, z);
      const env: Env = { z, i: 0, agg, atoms: [] };
      const uVal = eF(env);
      const g1 = dAF.map((f) => f(env));
      const g2 = dAA.map((row) => row.map((f) => f(env)));
      let lapTerm = 0;
      const first = new Float64Array(used.length);
      const second = new Float64Array(used.length);
      for (let a = 0; a < d; a++) {
        for (let m = 0; m < used.length; m++) {
          const agA = ea[used[m]];
          let s1 = 0;
          let s2 = 0;
          for (const { k, b1, b2 } of parts[m]) {
            const i = a - k;
            if (i < agA.lo || i > agA.hi) continue;
            const be: Env = { z, i, agg, atoms: [] };
            s1 += b1(be);
            s2 += b2(be);
          }
          first[m] = s1;
          second[m] = s2;
        }
        let ua = 0;
        let uaa = 0;
        for (let m = 0; m < used.length; m++) {
          ua += g1[m] * first[m];
          uaa += g1[m] * second[m];
          for (let q = 0; q < used.length; q++) uaa += g2[m][q] * first[m] * first[q];
        }
        lapTerm += problem.spatial(z[a], ua, uaa);
      }
      const tAgg = aggValues(eqAgg64, temporalAggs, z);
      const tv = temporalF({ z, i: 0, agg: tAgg, atoms: [0, 0, uVal, et(env), ett(env)] });
      const g = problem.source(z);
      const res = tv + lapTerm - g;
      maxResidual = Math.max(maxResidual, Math.abs(res));
      scale = Math.max(scale, Math.abs(g), Math.abs(tv), Math.abs(lapTerm));
    }
    return { points: count, maxResidual, scale };
  };

  const summary = [
    `${id}: ${problem.title}`,
    `inputs: ${vector}[1..${d}]${time ? `, t in [0, ${horizon}]` : ''}; output: ${output}; model ${json.model}`,
    `spatial term (sampled by STDE): ${wgsl.spatial.replace(/^return |;$/g, '')}`,
    `temporal term: ${wgsl.temporal.replace(/^return |;$/g, '')}`,
    `sums in the source: ${sourceAggs.filter((j) => !aggs[j].norm2).length}${productRule ? '; product-rule estimator available' : ''}`,
  ];
  return { problem, checkExact, summary };
}

/** A shipped high-dimensional file as a function of d (the dimension checked against its range). */
export function highDimFromFile(json: unknown, file: string): (dim?: number) => HighDimProblem {
  return (dim?: number) => compileHighDim(json, { file, dim }).problem;
}
