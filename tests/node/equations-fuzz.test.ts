/**
 * Fuzzing the equation language and the problem-file compiler (src/engine/equations) with
 * generated and adversarial inputs, seeded so every run sees the same ones:
 *  - random strings over the grammar's characters and beyond (unicode, control characters),
 *    random token sequences, random valid expression trees printed to text;
 *  - nesting past the depth limit, texts past the length limit, huge numbers, names that
 *    are Object.prototype's, JS and WGSL injection attempts;
 *  - random mutations of the heat-inverse problem file and of its JSON text.
 * Properties: only EquationError/InputError escapes; each call takes < 100 ms; every refusal
 * names a field; a valid printed tree evaluates to its own value; and the WGSL generated for
 * whatever is accepted is made of parsed tokens only (numbers, indexed reads, known functions,
 * operators), so no user text reaches a shader.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/engine/errors';
import { AtomTable, evaluate } from '../../src/engine/equations/expr';
import { compileProblem, compileProblemText, lossTerm, type CompiledProblem } from '../../src/engine/equations/problem-file';
import { resolveEquation, resolveExpression, type Scope } from '../../src/engine/equations/resolve';
import { EquationError, LIMITS, parseEquation } from '../../src/engine/equations/syntax';
import { validateProblem } from '../../src/engine/equations/validate';
import type { LossTerm } from '../../src/engine/problems/types';
import { Rng } from '../../src/engine/sampling/rng';

/**
 * Per call: a time budget (ms). Each call is timed by performance.now (wall) and by
 * process.cpuUsage (this worker process's CPU time: vitest's forks pool gives each test file
 * its own). The machine is slow and shared (load averages of 10 on 2 cores while others build
 * and test), so a call over the budget is retried up to RETRIES times and its fastest try
 * counts, and that try must be within the budget in wall time or, when other processes hold
 * the CPUs, in CPU time: a blow-up costs CPU every time, waiting for a core does not.
 */
const BUDGET_MS = 100;
const RETRIES = 4;

const HEAT = readFileSync('problems/heat-inverse.json', 'utf8');

interface Stats {
  calls: number;
  accepted: number;
  refused: number;
  /** The slowest call by its fastest try (wall), and what it was. */
  max: number;
  slowest: string;
  /** The largest CPU time of a call's fastest try, and the slowest single try (wall, scheduler and collector pauses included). */
  maxCpu: number;
  maxRaw: number;
  /** The most a call's fastest try counted (min of its wall and CPU time): asserted below the budget. */
  maxCounted: number;
}

const stats: Stats = { calls: 0, accepted: 0, refused: 0, max: 0, slowest: '', maxCpu: 0, maxRaw: 0, maxCounted: 0 };

/**
 * Run `f` on an input: returns its value or null for a refusal. A refusal must be an
 * EquationError whose message starts with its (non-empty) field; anything else thrown fails.
 */
function attempt<T>(label: string, f: () => T): T | null {
  const once = (): { value: T | null; ms: number; cpu: number } => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const done = () => {
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      return { ms, cpu: (c.user + c.system) / 1000 };
    };
    try {
      const value = f();
      return { value, ...done() };
    } catch (e) {
      const time = done();
      if (!(e instanceof InputError)) throw new Error(`${label}: escaped ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      expect(e, `${label}: a refusal is an EquationError`).toBeInstanceOf(EquationError);
      const err = e as EquationError;
      expect(err.message.length, label).toBeGreaterThan(0);
      expect(typeof err.source.field === 'string' && err.source.field.length > 0, `${label}: names a field`).toBe(true);
      // (control characters of a field, a JSON key say, are shown as spaces)
      // eslint-disable-next-line no-control-regex
      const where = [err.source.file, err.source.field].filter(Boolean).join(': ').replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, ' ');
      expect(err.message.startsWith(`${where}: `), `${label}: the message starts with the field: ${err.message}`).toBe(true);
      // nothing raw for a terminal: no control characters but the newlines before the caret lines
      // eslint-disable-next-line no-control-regex
      expect(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]/.test(err.message), `${label}: control characters in ${JSON.stringify(err.message)}`).toBe(false);
      expect(err.message.split('\n').length === 1 || err.message.split('\n').length === 3, label).toBe(true);
      expect(err.detail.trim().length, label).toBeGreaterThan(0);
      return { value: null, ...time };
    }
  };
  let best = once();
  stats.maxRaw = Math.max(stats.maxRaw, best.ms);
  for (let retry = 0; retry < RETRIES && Math.min(best.ms, best.cpu) >= BUDGET_MS; retry++) {
    const r = once();
    if (r.ms < best.ms) best = r;
  }
  stats.calls++;
  if (best.value === null) stats.refused++;
  else stats.accepted++;
  if (best.ms > stats.max) {
    stats.max = best.ms;
    stats.slowest = label.slice(0, 120);
  }
  stats.maxCpu = Math.max(stats.maxCpu, best.cpu);
  const counted = Math.min(best.ms, best.cpu);
  stats.maxCounted = Math.max(stats.maxCounted, counted);
  expect(counted, `${label}: took ${best.ms.toFixed(1)} ms (${best.cpu.toFixed(1)} ms of CPU)`).toBeLessThan(BUDGET_MS);
  return best.value;
}

const FUNCTIONS = ['psin', 'pcos', 'exp', 'log', 'sqrt', 'abs', 'sinh', 'cosh', 'sign', 'tan', 'min', 'max', 'tanh', 'clamp', 'pow', 'powi', 'select'];
const DS = ['dsAdd', 'dsNeg', 'dsMul', 'dsDiv', 'dsPowi', 'dsTanh', 'dsToF', 'vec2f'];
const WORDS = new Set([...FUNCTIONS, ...DS, 'array', 'f32', 'return']);
/** Reads: an array name and what may index it. */
const INDEXED: Record<string, RegExp> = { d: /^\d+$/, x: /^\d+$/, q: /^\d+$/, dd: /^\d+$/, qd: /^\d+$/, obs: /^point$/ };

/**
 * The first token of generated WGSL that is not on the whitelist (null when all are): numbers,
 * d[k] x[k] q[k] dd[k] qd[k] obs[point], the known functions, array<f32, N>, return, operators
 * and punctuation.
 */
function foreignToken(code: string): string | null {
  const token = /\s*(?:(\d+\.?\d*(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(<=|[-+*/(),<>;[\]]))/y;
  let i = 0;
  while (i < code.length) {
    if (/^\s*$/.test(code.slice(i))) return null;
    token.lastIndex = i;
    const m = token.exec(code);
    if (!m) return code.slice(i, i + 20);
    i = token.lastIndex;
    const word = m[2];
    if (word === undefined) continue;
    if (word in INDEXED) {
      const idx = /^\[([A-Za-z0-9_]+)\]/.exec(code.slice(i));
      if (!idx || !INDEXED[word].test(idx[1])) return `${word}${code.slice(i, i + 10)}`;
      i += idx[0].length;
      continue;
    }
    if (!WORDS.has(word)) return word;
  }
  return null;
}

/** Every piece of WGSL a loss term carries. */
function termWgsl(t: LossTerm): string[] {
  return [t.residualWgsl, t.residualGradWgsl, t.residualUnknownGradWgsl, t.residualDsWgsl].filter((s): s is string => s !== undefined);
}

function expectWhitelisted(label: string, code: string) {
  const bad = foreignToken(code);
  expect(bad, `${label}: generated WGSL has a foreign token in ${code.slice(0, 300)}`).toBeNull();
}

// ---------------------------------------------------------------------------------------------
// expression-level harness

/** A fresh scope: inputs x, t; output u; parameter a; unknown k. */
function scope(derivatives = true): Scope {
  return { inputs: ['x', 't'], outputs: ['u'], parameters: { a: 0.5 }, unknowns: ['k'], derivatives, table: new AtomTable() };
}

/** A scope with a vector input: x[1..3] and t; output u; parameters a and n = 2; unknown k. */
function vectorScope(derivatives = true): Scope {
  return { inputs: ['x[1]', 'x[2]', 'x[3]', 't'], vectors: { x: { start: 0, size: 3 } }, outputs: ['u'], parameters: { a: 0.5, n: 2 }, unknowns: ['k'], derivatives, table: new AtomTable() };
}

/** Parse, resolve as an equation and as an exact solution; where accepted, generate a loss term and check its WGSL. */
function fuzzText(label: string, text: string, makeScope: (derivatives?: boolean) => Scope = scope): void {
  attempt(`${label} parse ${JSON.stringify(text.slice(0, 80))}`, () => parseEquation({ field: 'fuzz', text }));
  const sc = makeScope();
  const residual = attempt(`${label} resolve ${JSON.stringify(text.slice(0, 80))}`, () => resolveEquation({ file: 'fuzz.json', field: 'equations[0]', text }, sc));
  if (residual) {
    const made = attempt(`${label} lossTerm ${JSON.stringify(text.slice(0, 80))}`, () =>
      lossTerm('fuzz', 'interior', 1, residual, { table: sc.table, inputs: sc.inputs, outputs: sc.outputs, unknowns: 1, where: { file: 'fuzz.json', field: 'equations[0]' } }),
    );
    if (made) for (const code of termWgsl(made.term)) expectWhitelisted(`${label} ${JSON.stringify(text.slice(0, 80))}`, code);
  }
  attempt(`${label} exact ${JSON.stringify(text.slice(0, 80))}`, () => resolveExpression({ field: 'exact.u', text }, makeScope(false)));
}

// ---------------------------------------------------------------------------------------------
// generators

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng.uniform() * xs.length)];
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng.uniform() * (hi - lo + 1));

const GRAMMAR_CHARS = [...'0123456789.eE+-*/^()[],= _xtukaDlpsincoqrhgmv'];
const BEYOND = ['é', '∂', 'π', '²', '√', '😀', '\u0000', '\u0007', '\u001b', '\u007f', '\u00a0', '\u2028', '\u2029', '\ufeff', '\uffff', '\ud800', '\udc00', '\t', '\n', '\r', '\v', '#', '$', '`', '{', '}', ';', '@', '<', '>', '"', "'", '\\', '%', '!', '&', '|', '~', '?', ':', '.', '٣', 'ｘ'];

function randomChars(rng: Rng): string {
  const n = int(rng, 0, 60);
  let s = '';
  for (let i = 0; i < n; i++) s += rng.uniform() < 0.85 ? pick(rng, GRAMMAR_CHARS) : pick(rng, BEYOND);
  return s;
}

const TOKENS = ['u', 'u_x', 'u_xx', 'u_t', 'u_xt', 'u_tx', 'u_xq', 'u_', 'x', 't', 'k', 'a', 'pi', 'e', 'sin(', 'cos(', 'min(', 'max(', 'tanh(', 'log(', 'D(u,', 'D(', 'lap(u)', 'lap(', 'sum(', 'x[', ']', '(', ')', ',', '+', '-', '*', '/', '^', '=', '1', '0', '.5', '1e3', '2.', '1e39', '3.4e38', '__proto__', 'constructor', 'toString', ' ', '**', '=='];

/** Tokens of vector inputs: coordinates, sums over an index, norms. */
const VECTOR_TOKENS = ['x[1]', 'x[3]', 'x[4]', 'x[0]', 'x[i]', 'x[n]', 'x[i+1]', 'x[-1]', 'x[1.5]', 'x', 'x[', 'i', 'j', 'n', 'sum(', 'sum(x[i], i)', ', i)', ', i, 1, n)', ', j, 1, 1e6)', 'norm2(x)', 'norm2(', 'D(u, x[1])', 'D(u, x[2], x[2])', 'lap(u)', 'lap(lap(u))', 'lap(u, x[1])', 'u_t'];

function randomTokens(rng: Rng, vocabulary: readonly string[] = TOKENS): string {
  const n = int(rng, 1, 30);
  return Array.from({ length: n }, () => pick(rng, vocabulary)).join(rng.uniform() < 0.5 ? '' : ' ');
}

/** Values of the leaves a generated tree reads (the atoms by their subscripts). */
interface Env {
  x: number[];
  q: number;
  atom: (alpha: string) => number;
}

interface Gen {
  text: string;
  f: (v: Env) => number;
}

/** A random valid expression over x, t, u and its derivatives, k, a, pi, e and numbers, printed with random spacing and extra parentheses. */
function randomTree(rng: Rng, depth: number): Gen {
  const sp = () => (rng.uniform() < 0.3 ? ' ' : '');
  const wrap = (g: Gen): Gen => (rng.uniform() < 0.15 ? { text: `(${sp()}${g.text}${sp()})`, f: g.f } : g);
  if (depth <= 0 || rng.uniform() < 0.2) {
    const leaf = int(rng, 0, 12);
    switch (leaf) {
      case 0:
        return { text: 'x', f: (v) => v.x[0] };
      case 1:
        return { text: 't', f: (v) => v.x[1] };
      case 2:
        return { text: 'u', f: (v) => v.atom('') };
      case 3:
        return { text: 'u_x', f: (v) => v.atom('x') };
      case 4:
        return { text: 'u_xx', f: (v) => v.atom('xx') };
      case 5:
        return { text: pick(rng, ['u_xt', 'u_tx', 'D(u, x, t)', 'D(u,t,x)']), f: (v) => v.atom('xt') };
      case 6:
        return { text: 'k', f: (v) => v.q };
      case 7:
        return { text: 'a', f: () => 0.5 };
      case 8:
        return { text: 'pi', f: () => Math.PI };
      case 9:
        return { text: 'e', f: () => Math.E };
      default: {
        const text = pick(rng, ['1', '2', '3', '0.5', '.5', '3.', '1e-3', '2.5E+1', '0.25', '7', '1e2', '0']);
        return { text, f: () => Number(text) };
      }
    }
  }
  const a = randomTree(rng, depth - 1);
  const kind = int(rng, 0, 9);
  if (kind <= 3) {
    const b = randomTree(rng, depth - 1);
    const op = pick(rng, ['+', '-', '*', '/'] as const);
    const f = op === '+' ? (v: Env) => a.f(v) + b.f(v) : op === '-' ? (v: Env) => a.f(v) - b.f(v) : op === '*' ? (v: Env) => a.f(v) * b.f(v) : (v: Env) => a.f(v) / b.f(v);
    return wrap({ text: `(${a.text}${sp()}${op}${sp()}${b.text})`, f });
  }
  if (kind === 4) {
    const n = pick(rng, ['2', '3', '0.5', '-1', '(-2)', '1.5']);
    const p = Number(n.replace(/[()]/g, ''));
    return wrap({ text: `(${a.text})^${n}`, f: (v) => a.f(v) ** p });
  }
  if (kind === 5) return wrap({ text: `-(${a.text})`, f: (v) => -a.f(v) });
  const fn = pick(rng, ['sin', 'cos', 'tan', 'exp', 'log', 'sqrt', 'abs', 'tanh', 'sinh', 'cosh', 'sign', 'min', 'max'] as const);
  if (fn === 'min' || fn === 'max') {
    const b = randomTree(rng, depth - 1);
    const m = fn === 'min' ? Math.min : Math.max;
    return wrap({ text: `${fn}(${a.text},${sp()}${b.text})`, f: (v) => m(a.f(v), b.f(v)) });
  }
  const g = Math[fn];
  // exp of a large value would fold past f32 on a constant argument: keep exponents tame
  const arg = fn === 'exp' || fn === 'sinh' || fn === 'cosh' ? { text: `tanh(${a.text})`, f: (v: Env) => Math.tanh(a.f(v)) } : a;
  return wrap({ text: `${fn}(${sp()}${arg.text}${sp()})`, f: (v) => g(arg.f(v)) });
}

/** The adversarial texts: nesting, length, numbers, prototype names, JS and WGSL injection. */
function adversarialTexts(): string[] {
  const out: string[] = [];
  for (const n of [10, 20, 23, 24, 25, 30, 47, 48, 49, 50, 100, 1000, 3000]) {
    out.push(`${'('.repeat(n)}u${')'.repeat(n)}`, `u = ${'-('.repeat(n)}x${')'.repeat(n)}`, `u = ${'-'.repeat(n)}x`, `u = ${'2^'.repeat(n)}u`, `${'sin('.repeat(n)}u${')'.repeat(n)}`);
    out.push(`u = ${'x['.repeat(n)}1${']'.repeat(n)}`, `${'('.repeat(n)}`, `${')'.repeat(n)}`, `u = ${'D('.repeat(n)}u, x${')'.repeat(n)}`);
  }
  for (const n of [LIMITS.chars - 1, LIMITS.chars, LIMITS.chars + 1, 100_000]) out.push(`u = ${'x'.repeat(n)}`, `u = ${'x+'.repeat(n >> 1)}1`.slice(0, n), 'u'.repeat(n));
  out.push(`u = ${Array(1999).fill('u').join('*')}`, `u = ${Array(900).fill('u_x').join('+')}`, `u = ${Array(400).fill('(u+1)').join('*')}`);
  out.push(`u_t = ${Array(LIMITS.nodes).fill('1').join('+')}`);
  // derivatives that grow when written out
  for (const n of [1, 4, 8, 12, 20, 21]) {
    out.push(`D(${Array(30).fill('u').join('*')}, ${Array(n).fill('x').join(', ')}) = 0`, `D(sin(u) * cos(u_x) / (1 + u^2), ${Array(n).fill('x').join(', ')}) = 0`);
    out.push(`D(exp(u * u_x), ${Array(n).fill('t').join(', ')}) = lap(u)`, `u_${'x'.repeat(n)} = 0`);
  }
  // numbers
  out.push(...['1e400', '1e39', '3.4e38', '3.5e38', '1e-400', `0.${'0'.repeat(3000)}1`, '9'.repeat(400), '1e38*10', '1e20^2', 'exp(89)', 'exp(88)', '2^128', '2^127', '(-1)^0.5', '0^-1', '0^0', 'log(0)', 'log(-1)', 'sqrt(-1)', '1/0', '0/0', '1/(1-1)', 'x/(x-x)', '1e-45', '1e-39', '-0', '0.1e', '1e+', '1e-', '1.2.3', '..5', '1__0', '0x1F', '1.0f', '1h', '1i', '1u', '1_000', 'NaN', 'Infinity', '-Infinity', 'undefined', 'null', 'true'].flatMap((n) => [`u = ${n}`, `u = u_x * ${n}`, n]));
  // names Object.prototype has
  const protoNames = ['__proto__', 'constructor', 'toString', 'prototype', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf', 'u___proto__', 'u_constructor', 'u_toString', 'D', 'lap', 'sum', 'norm2', 'boundary', 'periodic'];
  for (const n of protoNames) out.push(`u = ${n}`, `${n}(u)`, `u = ${n}(x, t)`, `u_t = ${n} * u_xx`, `D(u, ${n})`, `lap(u, ${n})`, `D(${n}, x)`);
  // JS injection
  out.push(...['process.exit()', 'process.exit(1)', '${process.exit()}', '`${1}`', '`u`', 'eval("u")', 'eval(u)', 'Function("return process")()', 'require("fs")', 'this.constructor.constructor("return process")()', "u'; process.exit(); '", 'u"); process.exit(); ("', '__proto__.polluted = 1', 'u.__proto__', 'constructor.prototype', '[].constructor', '({}).x', 'new Function', 'import("fs")', 'u => u', 'async () => 1', 'u; while(true){}', 'globalThis', 'u // comment', '/* */ u', '<!-- u -->'].flatMap((s) => [s, `u = ${s}`, `u_t = k * u_xx + ${s}`]));
  // WGSL injection
  out.push(...['u; } fn main() {', 'd[0]); return 0.0; //', '@compute', '@compute @workgroup_size(1) fn f() {}', 'var<storage>', 'var<storage, read_write> y : array<f32>;', 'd[0]', 'x[0]', 'q[0]', 'obs[point]', 'dd[0]', 'u /* */', 'u // c', 'bitcast<f32>(1)', 'vec2f(1.0, 2.0)', 'select(1.0, 2.0, true)', 'array<f32, 2>(1.0, 2.0)', 'u & 1', 'u | 1', '!u', 'u << 2', 'u.x', 'u; return 1.0;', 'u}', '{u', 'u;', 'powi(u, 2)', 'psin(u)', 'dsAdd(u, u)', 'workgroupBarrier()', 'loop {}', 'let y = 1', 'fn', 'struct', 'u_t = k * u_xx; }\n@compute @workgroup_size(64) fn main2() {'].flatMap((s) => [s, `u = ${s}`, `u_t = k * u_xx + ${s}`]));
  return out;
}

// ---------------------------------------------------------------------------------------------
// problem files

function heat(): Record<string, unknown> {
  return JSON.parse(HEAT) as Record<string, unknown>;
}

/**
 * Compile a document (or, viaText, its JSON text: what a file gives, since compileProblem's
 * contract is parsed JSON and an array with an own "constructor" key is not that); where
 * accepted, check its WGSL and validate it (also timed).
 */
function fuzzDoc(label: string, doc: unknown, options: Parameters<typeof compileProblem>[1] = {}, viaText = false): CompiledProblem | null {
  const text = viaText ? (JSON.stringify(doc) ?? 'undefined') : '';
  const c = attempt(`${label} compile`, () => (viaText ? compileProblemText(text, { file: 'fuzz.json', ...options }) : compileProblem(doc, { file: 'fuzz.json', ...options })));
  if (c) {
    for (const term of c.problem.terms) for (const code of termWgsl(term)) expectWhitelisted(label, code);
    if (c.problem.hard?.g) {
      // the hard transform's jets: the same tokens, plus its case statements and the direction v[j]
      const jet = c.problem.hard.g.jetWgsl.replace(/if \(k == \d+u\) \{ return /g, '(').replace(/; \}/g, ')').replace(/v\[(\d+)\]/g, 'x[$1]').replace(/return 0\.0;/, '0.0');
      expectWhitelisted(`${label} hard.g`, jet);
    }
    attempt(`${label} validate`, () => validateProblem(c));
  }
  return c;
}

/** Every path (keys and indices) into a JSON value, rows of the data table left out (there are many). */
function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(v)) {
    if (prefix[prefix.length - 1] === 'rows') return [...out, [...prefix, 0], [...prefix, 0, 2]];
    v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  } else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}

function setPath(doc: Record<string, unknown>, path: (string | number)[], value: unknown, remove = false): unknown {
  if (path.length === 0) return value;
  let o = doc as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (remove) {
    if (Array.isArray(o) && typeof last === 'number') o.splice(last, 1);
    else delete o[last];
  } else Object.defineProperty(o, last, { value, enumerable: true, writable: true, configurable: true });
  return doc;
}

function valuePool(rng: Rng, texts: () => string): unknown[] {
  return [
    null,
    true,
    false,
    0,
    -1,
    1,
    0.5,
    2,
    1e308,
    -1e308,
    1e-320,
    1e39,
    '',
    ' ',
    'x',
    'u',
    't',
    'k',
    'a',
    'u = 0',
    'x = 0',
    'x = 1',
    't = 0',
    'x = 2',
    'x=1e400',
    'boundary',
    '__proto__',
    'constructor',
    'toString',
    'sin',
    'u_x',
    'x'.repeat(5000),
    [],
    [0],
    [1, 1],
    [0, 1],
    [1, 0],
    [-1e308, 1e308],
    ['x'],
    ['x', 't'],
    ['x', 't', 'u'],
    ['u', 'v'],
    [[0.5, 0.5, 1]],
    {},
    { a: 1 },
    { periodic: 'x' },
    { value: 1, range: [0, 2] },
    { value: 5, range: [0, 2] },
    { init: 1, bounds: [0, 2], exact: 1 },
    { equation: 'u = 0', weight: 2 },
    { on: 'x = 0', equation: 'u_x = 0' },
    { columns: ['x', 't', 'u'], rows: [[0, 0, 0]] },
    { file: '../../etc/passwd.csv' },
    { file: 'data.csv' },
    { factors: { x: 'both' }, replaces: ['left'], g: 'x * t' },
    { factors: { x: 'both', t: 'lo' }, replaces: ['left', 'right'], g: texts() },
    Array.from({ length: 300 }, (_, i) => i),
    texts(),
    texts(),
    int(rng, -5, 5),
  ];
}

// ---------------------------------------------------------------------------------------------

describe('equation language fuzz', () => {
  it('random character strings and token sequences', () => {
    const rng = new Rng(0xf00d);
    for (let i = 0; i < 700; i++) fuzzText(`chars#${i}`, randomChars(rng));
    for (let i = 0; i < 600; i++) fuzzText(`tokens#${i}`, randomTokens(rng));
    // with a vector input x[1..3]: coordinates, sums, norms, bilaplacians
    const vocabulary = [...TOKENS, ...VECTOR_TOKENS, ...VECTOR_TOKENS];
    for (let i = 0; i < 400; i++) fuzzText(`vector tokens#${i}`, randomTokens(rng, vocabulary), vectorScope);
    for (const t of ['u = sum(x[i]^2, i)', 'lap(lap(u)) = norm2(x)', 'u_t = sum(sum(x[i] * x[j], j), i)', 'u = sum(x[i], i, 1, 1e6)', `u = ${'sum('.repeat(30)}x[1]${', i)'.repeat(30)}`, 'u = sum(sum(sum(x[i] * x[j] * x[k], k, 1, 3), j, 1, 3), i, 1, 3)', 'D(u, x[1], x[2], x[3]) = sum(D(u, x[i], x[i]), i)']) {
      fuzzText(`vector ${t}`, t, vectorScope);
    }
  });

  it('random valid expression trees: the text parses and evaluates to the tree’s own value', () => {
    const rng = new Rng(0xbeef);
    const alphaKey = (alpha: number[]) => 'x'.repeat(alpha[0]) + 't'.repeat(alpha[1]);
    let compared = 0;
    for (let i = 0; i < 600; i++) {
      const g = randomTree(rng, int(rng, 1, 6));
      const text = rng.uniform() < 0.5 ? g.text : `u_t = ${g.text}`;
      fuzzText(`tree#${i}`, text);
      expect(() => parseEquation({ field: 'tree', text }), text).not.toThrow();
      const sc = scope();
      let e;
      try {
        e = resolveEquation({ field: 'tree', text }, sc);
      } catch (err) {
        // the only refusals of a well-formed tree: a divisor or a constant part that folds badly
        expect((err as EquationError).detail, text).toMatch(/division by zero|constant part|too large|nests/);
        continue;
      }
      const values = new Map<string, number>();
      const atom = (key: string) => {
        if (!values.has(key)) values.set(key, rng.range(0.2, 1.5));
        return values.get(key)!;
      };
      const env: Env = { x: [rng.range(0.1, 1), rng.range(0.1, 1)], q: rng.range(0.5, 1.5), atom };
      const direct = text.startsWith('u_t = ') ? atom('t') - g.f(env) : g.f(env);
      const got = evaluate(e, { x: env.x, atoms: sc.table.atoms.map((a) => atom(alphaKey(a.alpha))), q: [env.q] });
      if (Number.isFinite(direct)) {
        // the resolver's simplifications (x·1, x + 0, a − (−b), folded constants) are exact in f64
        expect(Math.abs(got - direct), `${text}: ${got} vs ${direct}`).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(direct)));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(300);
  });

  it('adversarial texts: nesting, length, numbers, prototype names, JS and WGSL injection', () => {
    const texts = adversarialTexts();
    expect(texts.length).toBeGreaterThan(500);
    texts.forEach((t, i) => fuzzText(`adversarial#${i}`, t));
    // nesting past the limit is refused as such
    for (const t of [`${'('.repeat(60)}u${')'.repeat(60)}`, `u = ${'-('.repeat(60)}x${')'.repeat(60)}`, `u = ${'2^'.repeat(100)}u`]) {
      expect(() => parseEquation({ field: 'deep', text: t })).toThrow(/nested too deeply/);
    }
    expect(() => parseEquation({ field: 'long', text: 'x'.repeat(LIMITS.chars + 1) })).toThrow(/at most 4000/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('problem files: names Object.prototype has, injections, and random mutations of heat-inverse', () => {
    const rng = new Rng(0xcafe);
    // the base file compiles, and is valid
    expect(fuzzDoc('heat-inverse', heat())).not.toBeNull();
    // adversarial names as inputs, outputs, parameters, unknowns (in expressions too) and as settings
    const names = ['\u001b[2J', 'x\u0000', 'u\u2028', '__proto__', 'constructor', 'toString', 'prototype', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'sin', 'pi', 'e', 'D', 'lap', 'u_x', 'x1', 'xx', 'T', 'process', 'eval', 'd', 'q', 'obs', 'point', 'dd', 'qd', 'f32', 'return', 'fn', 'var', 'let'];
    for (const n of names) {
      fuzzDoc(`param ${n}`, { ...heat(), parameters: Object.fromEntries([['a', 0.5], [n, 2]]), equations: [`u_t = k * u_xx * ${n}`] });
      fuzzDoc(`param ${n} set`, { ...heat(), parameters: Object.fromEntries([['a', 0.5], [n, 2]]), equations: [`u_t = k * u_xx * ${n}`] }, { parameters: Object.fromEntries([[n, 3]]) });
      fuzzDoc(`setting ${n}`, heat(), { parameters: Object.fromEntries([[n, 3]]) });
      fuzzDoc(`unknown ${n}`, { ...heat(), unknowns: Object.fromEntries([[n, { init: 1 }]]), equations: [`u_t = ${n} * u_xx`] });
      fuzzDoc(`output ${n}`, { ...heat(), outputs: [n], equations: [`${n}_t = k * ${n}_xx`], conditions: [], data: undefined, exact: Object.fromEntries([[n, 'sin(pi * x) * exp(-a * pi^2 * t)']]) });
      fuzzDoc(`input ${n}`, { ...heat(), inputs: [n, 't'], domain: Object.fromEntries([[n, [0, 1]], ['t', [0, 1]]]), equations: [`u_t = k * D(u, ${n}, ${n})`], conditions: [], data: undefined, exact: undefined });
      fuzzDoc(`input ${n} no domain`, { ...heat(), inputs: [n, 't'], domain: { t: [0, 1] }, equations: ['u_t = k * u'], conditions: [], data: undefined, exact: undefined });
      fuzzDoc(`term ${n}`, { ...heat(), equations: [{ name: n, equation: 'u_t = k * u_xx' }] });
      fuzzDoc(`key ${n}`, Object.fromEntries([...Object.entries(heat()), [n, 1]]));
      fuzzDoc(`domain key ${n}`, { ...heat(), domain: Object.fromEntries([['x', [0, 1]], ['t', [0, 1]], [n, [0, 1]]]) });
      fuzzDoc(`column ${n}`, { ...heat(), data: { columns: ['x', 't', n], rows: [[0, 0, 1]] } });
      fuzzDoc(`exact ${n}`, { ...heat(), exact: Object.fromEntries([[n, 'x']]) });
      fuzzDoc(`defaults ${n}`, { ...heat(), defaults: Object.fromEntries([[n, 'u; } fn main() {']]) });
      fuzzDoc(`on ${n}`, { ...heat(), conditions: [{ on: `${n} = 0`, equation: 'u = 0' }] });
    }
    // JSON texts with __proto__ keys (JSON.parse makes them own keys) and truncations
    const protoTexts = [
      HEAT.replace('"id"', '"__proto__": { "polluted": 1 }, "id"'),
      HEAT.replace('"a": 0.5', '"a": 0.5, "__proto__": 1'),
      HEAT.replace('"x": [0, 1],', '"x": [0, 1], "__proto__": [0, 1],'),
      HEAT.replace('"k": {', '"__proto__": { "init": 1 }, "k": {'),
      HEAT.replace('"init": 1,', '"init": 1, "__proto__": { "polluted": 1 },'),
      HEAT.replace('"u": "sin(pi * x) * exp(-a * pi^2 * t)"', '"u": "sin(pi * x) * exp(-a * pi^2 * t)", "__proto__": "x"'),
      HEAT.replace('"width": 32,', '"width": 32, "__proto__": 1, "constructor": 2,'),
      '{"__proto__": null}',
      '[]',
      'null',
      '"u = 0"',
      '1e400',
      '',
      '\u0000',
      '{',
    ];
    protoTexts.forEach((t, i) => attempt(`json#${i}`, () => compileProblemText(t, { file: 'fuzz.json' })));
    for (let i = 0; i < 80; i++) {
      const cut = HEAT.slice(0, int(rng, 0, HEAT.length));
      attempt(`truncated#${i}`, () => compileProblemText(cut, { file: 'fuzz.json' }));
    }
    // random mutations: set a value, delete a key, add a key, swap an equation's text
    const texts = adversarialTexts();
    const someText = () => (rng.uniform() < 0.5 ? pick(rng, texts) : rng.uniform() < 0.5 ? randomTokens(rng) : randomTree(rng, 3).text);
    const all = paths(heat());
    for (let i = 0; i < 700; i++) {
      let doc: unknown = heat();
      const edits = int(rng, 1, 3);
      for (let m = 0; m < edits; m++) {
        const path = pick(rng, all);
        const op = rng.uniform();
        if (typeof doc !== 'object' || doc === null) break;
        try {
          if (op < 0.55) doc = setPath(doc as Record<string, unknown>, path, pick(rng, valuePool(rng, someText)));
          else if (op < 0.7 && path.length > 0) doc = setPath(doc as Record<string, unknown>, path, undefined, true);
          else if (op < 0.8) doc = setPath(doc as Record<string, unknown>, [...path, pick(rng, ['extra', '__proto__', 'constructor', 'weight', 'name', 'equation', 'on', 'points', 'g'])], pick(rng, valuePool(rng, someText)));
          else doc = setPath(doc as Record<string, unknown>, ['equations', 0], someText());
        } catch {
          // a path through a value an earlier edit replaced: keep the document as it is
        }
      }
      fuzzDoc(`mutation#${i}`, doc, {}, true);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
  });

  it('problem files with a vector input (poisson-nd, heat-ball at d = 3): random mutations', () => {
    const rng = new Rng(0xd1ce);
    const texts = adversarialTexts();
    const vectorText = () => (rng.uniform() < 0.3 ? pick(rng, texts) : randomTokens(rng, [...TOKENS, ...VECTOR_TOKENS, ...VECTOR_TOKENS]));
    for (const file of ['poisson-nd', 'heat-ball']) {
      const base = JSON.parse(readFileSync(`problems/${file}.json`, 'utf8')) as Record<string, unknown>;
      expect(fuzzDoc(file, base, { parameters: { d: 3 } })).not.toBeNull();
      const all = paths(base);
      for (let i = 0; i < 200; i++) {
        let doc: unknown = JSON.parse(JSON.stringify(base));
        for (let m = int(rng, 1, 2); m > 0; m--) {
          if (typeof doc !== 'object' || doc === null) break;
          const path = pick(rng, all);
          try {
            if (rng.uniform() < 0.4) doc = setPath(doc as Record<string, unknown>, ['equations', 0], vectorText());
            else if (rng.uniform() < 0.8) doc = setPath(doc as Record<string, unknown>, path, pick(rng, [...valuePool(rng, vectorText), 'x[d]', ['x[d]'], ['x[d]', 't'], ['x[3]', 'y[2]'], { ball: 1 }, { ball: -1 }, { value: 3, range: [1, 4] }, { value: 1001, range: [1, 2000] }]));
            else doc = setPath(doc as Record<string, unknown>, path, undefined, true);
          } catch {
            // a path through a value an earlier edit replaced
          }
        }
        fuzzDoc(`${file} mutation#${i}`, doc, { parameters: { d: 3 } }, true);
      }
    }
  });

  it('report', () => {
    console.log(
      `equations fuzz: ${stats.calls} calls (${stats.accepted} accepted, ${stats.refused} refused); slowest call ${stats.max.toFixed(1)} ms wall (${stats.slowest}), ` +
        `most CPU ${stats.maxCpu.toFixed(1)} ms, most counted (min of wall and CPU) ${stats.maxCounted.toFixed(1)} ms; slowest single try ${stats.maxRaw.toFixed(1)} ms wall`,
    );
    expect(stats.calls).toBeGreaterThan(2000);
    expect(stats.maxCounted).toBeLessThan(BUDGET_MS);
  });
});
