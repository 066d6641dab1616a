/**
 * The equation language (src/engine/equations): the parser's precedence, numbers and error
 * carets; symbolic differentiation against f64 central differences; the f32 and double-single
 * WGSL back ends on the GPU against the f64 interpreter; the problem file's refusals; and
 * `validate` on a correct and a mistyped exact solution.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AtomTable, evaluate, leaves, partial, total, type Expr, type Values } from '../../src/engine/equations/expr';
import { compileProblem, compileProblemText, lossTerm, type CompiledProblem, type ProblemFile } from '../../src/engine/equations/problem-file';
import { MAX_ORDER, resolveEquation, resolveExpression, type Scope } from '../../src/engine/equations/resolve';
import { EquationError, LIMITS, parseEquation, parseExpression, type Ast } from '../../src/engine/equations/syntax';
import { EXACT_TOLERANCE, validateProblem } from '../../src/engine/equations/validate';
import { wgslNesting, WGSL_MAX_NESTING } from '../../src/engine/equations/wgsl';
import { bindBuffers } from '../../src/engine/gpu/kernels';
import { readBuffer } from '../../src/engine/gpu/gpu';
import { fillTemplate } from '../../src/engine/gpu/shaders';
import type { LossTerm } from '../../src/engine/problems/types';
import { Rng } from '../../src/engine/sampling/rng';
import { useNodeGpu } from './helpers';

const HEAT_INVERSE = 'problems/heat-inverse.json';

/** A scope of inputs x, t, output u, parameter alpha, unknown k (derivatives allowed unless `exact`). */
function scope(exact = false, inputs = ['x', 't']): Scope {
  return { inputs, outputs: ['u'], parameters: { alpha: 0.5 }, unknowns: ['k'], derivatives: !exact, table: new AtomTable() };
}

/** The EquationError `f` throws (fails the test when it throws nothing or something else). */
function refusal(f: () => unknown): EquationError {
  try {
    f();
  } catch (e) {
    if (!(e instanceof EquationError)) throw new Error(`expected an EquationError, got ${String(e)}`);
    return e;
  }
  throw new Error('expected a refusal, but it was accepted');
}

/**
 * The caret lines of an error message: the shown text, the caret's column in it, and the
 * characters underlined (what a reader sees the carets point at).
 */
function caret(e: EquationError): { shown: string; column: number; underlined: string } {
  const lines = e.message.split('\n');
  expect(lines, e.message).toHaveLength(3);
  const shown = lines[1].slice(2);
  const marks = lines[2].slice(2);
  expect(marks, e.message).toMatch(/^ *\^+$/);
  const column = marks.indexOf('^');
  return { shown, column, underlined: shown.slice(column, marks.length) };
}

/** Refused in field `field` with the carets under `under` (and the detail matching `detail`). */
function expectCaret(text: string, under: string, detail: RegExp, sc: Scope = scope(), column = text.indexOf(under)): EquationError {
  const e = refusal(() => resolveEquation({ file: 'p.json', field: 'equations[0]', text }, sc));
  expect(e.message.startsWith('p.json: equations[0]: '), e.message).toBe(true);
  expect(e.detail).toMatch(detail);
  const c = caret(e);
  expect(c.shown).toBe(text);
  expect(c.underlined, e.message).toBe(under);
  expect(c.column).toBe(column);
  return e;
}

describe('parser', () => {
  const value = (text: string, x: Record<string, number> = {}) => {
    const names = Object.keys(x);
    const sc: Scope = { inputs: names, outputs: [], parameters: {}, unknowns: [], derivatives: false, table: new AtomTable() };
    return evaluate(resolveExpression({ field: 'test', text }, sc), { x: names.map((n) => x[n]), atoms: [] });
  };

  it('binds - below ^, ^ to the right, + - * / to the left', () => {
    expect(value('-x^2', { x: 3 })).toBe(-9);
    expect(value('-2^2')).toBe(-4);
    expect(value('2^3^2')).toBe(512);
    expect(value('2^-1')).toBe(0.5);
    expect(value('2*-3')).toBe(-6);
    expect(value('a-b-c', { a: 10, b: 3, c: 2 })).toBe(5);
    expect(value('a/b/c', { a: 12, b: 3, c: 2 })).toBe(2);
    expect(value('a-b+c', { a: 10, b: 3, c: 2 })).toBe(9);
    expect(value('a+b*c^2', { a: 1, b: 2, c: 3 })).toBe(19);
    expect(value('(a+b)*c', { a: 1, b: 2, c: 3 })).toBe(9);
    expect(value('--a', { a: 4 })).toBe(4);
    expect(value('+a', { a: 4 })).toBe(4);
    // the trees themselves
    const ast = (text: string) => parseExpression({ field: 't', text });
    const shape = (a: Ast): string =>
      a.kind === 'num' ? String(a.value) : a.kind === 'name' ? a.name : a.kind === 'neg' ? `neg(${shape(a.arg)})` : a.kind === 'bin' ? `(${shape(a.left)} ${a.op} ${shape(a.right)})` : a.kind === 'call' ? `${a.name}(${a.args.map(shape).join(',')})` : `${shape(a.target)}[${shape(a.index)}]`;
    expect(shape(ast('-x^2'))).toBe('neg((x ^ 2))');
    expect(shape(ast('2^3^2'))).toBe('(2 ^ (3 ^ 2))');
    expect(shape(ast('a-b-c'))).toBe('((a - b) - c)');
    expect(shape(ast('a/b*c'))).toBe('((a / b) * c)');
    expect(shape(ast('-a*b'))).toBe('(neg(a) * b)');
    expect(shape(ast('max(a, b^c)'))).toBe('max(a,(b ^ c))');
    const eq = parseEquation({ field: 't', text: 'u_t = k*u_xx' });
    expect(shape(eq.left)).toBe('u_t');
    expect(shape(eq.right!)).toBe('(k * u_xx)');
  });

  it('reads numbers: 1e-3, .5, 3., 1E+2, 2.5e3, 007', () => {
    const num = (text: string) => {
      const a = parseExpression({ field: 't', text });
      expect(a.kind).toBe('num');
      return (a as { value: number }).value;
    };
    expect(num('1e-3')).toBe(1e-3);
    expect(num('.5')).toBe(0.5);
    expect(num('3.')).toBe(3);
    expect(num('1E+2')).toBe(100);
    expect(num('2.5e3')).toBe(2500);
    expect(num('007')).toBe(7);
    expect(num('3.4e38')).toBe(3.4e38);
    // spans: a number's characters exactly
    const a = parseExpression({ field: 't', text: '  1.5e-2 ' });
    expect(a.span).toEqual({ start: 2, end: 8 });
  });

  it('names the field and puts the caret under the offending characters', () => {
    expectCaret('u_t = alpah * u_xx', 'alpah', /unknown name "alpah" \(did you mean "alpha"\?\)/);
    expectCaret('u_t = sine(x) * u', 'sine', /unknown function "sine" \(did you mean "sin"\?\)/);
    expectCaret('u = min(x) + 1', 'min(x)', /min takes 2 arguments, not 1/);
    expectCaret('u = 2 * sin(x, t)', 'sin(x, t)', /sin takes one argument, not 2/);
    expectCaret('u = x / 0', '0', /division by zero/);
    expectCaret('u = x / 0.0 + 1', '0.0', /division by zero/);
    // a divisor that folds to 0 (WGSL refuses the constant 1.0 / 0.0)
    expectCaret('u = 1 / (1 - 1)', '1 - 1', /division by zero/);
    expectCaret('u_xq = 0', 'u_xq', /"q" is not an input/);
    expectCaret('u_t = D(u, x, q)', 'q', /must be an input name/);
    const high = `u_${'x'.repeat(MAX_ORDER + 1)}`;
    expectCaret(`u = ${high}`, high, new RegExp(`order ${MAX_ORDER + 1}: the engine computes up to order ${MAX_ORDER}`));
    const highD = `D(u, ${Array(MAX_ORDER + 1).fill('x').join(', ')})`;
    expectCaret(`u_t = ${highD}`, highD, /order 21/);
    expectCaret('u = x ** 2', '**', /write powers with \^/);
    expectCaret('u == x', '==', /one =/);
    expectCaret('u = 2x', '2x', /a number followed by a name/);
    expectCaret('u = x # 2', '#', /unexpected character "#"/);
    expectCaret('u = sin', 'sin', /sin is a function/);
    expectCaret('u = x)', ')', /has no matching \(/);
    expectCaret('u = t = x', '=', /one =/, scope(), 6);
    expectCaret('u = lap(x)', 'x', /lap\(u\) takes an output/);
    expectCaret('u = x[0]', 'x', /needs a vector input/);
    expectCaret('u = log(0) * x', 'log(0)', /not a finite number/);
    expectCaret('u = exp(100) * x', 'exp(100)', /beyond f32/);
    expectCaret('u = 1e39', '1e39', /beyond f32/);
    expectCaret('u = 1e400', '1e400', /beyond f32/);
    expectCaret('u = k(x)', 'k(x)', /k is not a function/);
  });

  it('puts the caret just past the text where it ends early, and at 0 for an empty text', () => {
    for (const text of ['u = (x + 1', 'u = sin(x', 'u = x +', 'u =']) {
      const e = refusal(() => resolveEquation({ field: 'equations[2]', text }, scope()));
      expect(e.message.startsWith('equations[2]: '), e.message).toBe(true);
      expect(e.detail).toMatch(/ends early/);
      expect(caret(e).column).toBe(text.length);
    }
    for (const text of ['', '   ']) {
      const e = refusal(() => parseEquation({ field: 'exact.u', text }));
      expect(e.detail).toBe('is empty');
      expect(e.message.startsWith('exact.u: is empty'), e.message).toBe(true);
      expect(caret(e).column).toBe(0);
    }
    // a long text is cut around the error, and the caret still points at it
    const long = `u = ${Array(60).fill('x').join(' + ')} + oops + ${Array(60).fill('t').join(' + ')}`;
    const e = refusal(() => resolveEquation({ field: 'equations[0]', text: long }, scope()));
    const c = caret(e);
    expect(c.shown.startsWith('…')).toBe(true);
    expect(c.underlined).toBe('oops');
    // past the length limit: refused before tokenizing, naming the field
    expect(refusal(() => parseEquation({ field: 'equations[0]', text: 'x+'.repeat(LIMITS.chars) })).message).toMatch(/^equations\[0\]: the text is \d+ characters long/);
  });

  it('writes no control character raw: an ESC in a text or a JSON key is shown as a space, the caret still aligned', () => {
    const text = 'u = x\u001b[2J + 1';
    const e = refusal(() => resolveEquation({ field: 'equations[0]', text }, scope()));
    expect(e.detail).toMatch(/unexpected character U\+001B/);
    expect(e.message.includes('\u001b')).toBe(false);
    expect(caret(e)).toEqual({ shown: text.replace('\u001b', ' '), column: 5, underlined: ' ' });
    const k = refusal(() => compileProblemText('{ "\\u001b[31mred": 1 }', { file: 'p.json' }));
    expect(k.message.includes('\u001b')).toBe(false);
    expect(k.message.startsWith('p.json:  [31mred: is not a field of a problem file')).toBe(true);
  });

  it('keeps outputs and derivatives out of exact solutions', () => {
    expectCaret('sin(x) * u', 'u', /an exact solution is a function of the inputs/, scope(true));
    expectCaret('u_x + 1', 'u_x', /no place here/, scope(true));
  });
});

/** f64 values for an expression's leaves: inputs, atoms (by table index), unknowns. */
function randomValues(rng: Rng, table: AtomTable, lo = 0.3, hi = 1.4): Values & { q: number[]; atoms: number[] } {
  return { x: [rng.range(lo, hi), rng.range(lo, hi)], atoms: table.atoms.map(() => rng.range(lo, hi)), q: [rng.range(lo, hi)] };
}

/** Central difference of f at v (f64), with the step for a value of v's size. */
function central(f: (v: number) => number, v: number): number {
  const h = 1e-5 * Math.max(1, Math.abs(v));
  return (f(v + h) - f(v - h)) / (2 * h);
}

/** Every function of the language, powers with integer and non-integer exponents, division. */
const RESIDUALS = [
  'u_t = k * u_xx',
  'sin(u) * cos(u_x) + tan(u_t / 2) = 0',
  'exp(-k * u) + log(u_x) - sqrt(u_t + 1) = x',
  'abs(u - u_x) * tanh(k * u_t) + sinh(u) / cosh(u_x) = t',
  'sign(u - 0.1) * u^3 + u_x^-2 + u_t^2.5 + k^u = 0',
  'min(u, u_x) * max(u_t, k) + u / (u_x + x) = 0',
  '(u^k - x * u_x) / (1 + u_t^2) = alpha',
  'x^2 * u_xx + t * u_xt = u^(1/3) + (u_x + 1)^0.5',
  'lap(u) * k + D(u * u_x, x) = sin(cos(exp(u * u_x))) * log(sqrt(u_t + 2))',
  'u_t + u * u_x = 0.01 / pi * u_xx',
  'u^u_x + 2^u_t - e^(k * u) = 0',
];

describe('symbolic differentiation', () => {
  it('partial: each atom and unknown against f64 central differences of evaluate', () => {
    const rng = new Rng(11);
    let checked = 0;
    for (const text of RESIDUALS) {
      const sc = scope();
      const e = resolveEquation({ field: 'test', text }, sc);
      const vars = [...leaves(e, 'atom').map((i) => ({ k: 'atom' as const, i })), ...leaves(e, 'q').map((i) => ({ k: 'q' as const, i }))];
      expect(vars.length).toBeGreaterThan(0);
      for (let trial = 0; trial < 20; trial++) {
        const v = randomValues(rng, sc.table);
        for (const w of vars) {
          const arr = w.k === 'atom' ? v.atoms : v.q;
          const at = (s: number) => {
            const copy = arr.slice();
            copy[w.i] = s;
            return evaluate(e, w.k === 'atom' ? { ...v, atoms: copy } : { ...v, q: copy });
          };
          const got = evaluate(partial(e, w), v);
          const want = central(at, arr[w.i]);
          // central differences: O(h²) truncation and ~1e-16/h rounding, relative to the values involved
          expect(Math.abs(got - want), `${text}: d/d${w.k}${w.i} at ${JSON.stringify(v)}`).toBeLessThan(1e-6 * (1 + Math.abs(want) + Math.abs(at(arr[w.i]))));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('total: exact solutions (the inputs alone) against central differences along x and t, to second order', () => {
    const exacts = [
      'sin(pi * x) * exp(-alpha * pi^2 * t)',
      'tanh(x - t) + cosh(x * t) - sinh(t / 2)',
      'log(1 + x^2) * sqrt(t + 1) / (2 + cos(x))',
      'abs(x - 0.25) * sign(t - 0.2) + min(x, t) + max(x^2, t)',
      'x^t + tan(x / 2) + t^-3 + x^2.5',
      '(x^3 - 2 * x * t) / (t + x^2)',
      'exp(sin(x * t)) * 2^x',
    ];
    const rng = new Rng(12);
    for (const text of exacts) {
      const sc = scope(true);
      const e = resolveExpression({ field: 'exact.u', text }, sc);
      for (let trial = 0; trial < 20; trial++) {
        const x = [rng.range(0.3, 1.4), rng.range(0.3, 1.4)];
        for (let j = 0; j < 2; j++) {
          const d1 = total(e, j, sc.table);
          const along = (f: Expr) => (s: number) => evaluate(f, { x: x.map((v, m) => (m === j ? s : v)), atoms: [] });
          const want1 = central(along(e), x[j]);
          expect(Math.abs(evaluate(d1, { x, atoms: [] }) - want1), `${text}: d/d${j}`).toBeLessThan(1e-6 * (1 + Math.abs(want1)));
          for (let m = 0; m < 2; m++) {
            const d2 = total(d1, m, sc.table);
            const want2 = central((s) => evaluate(d1, { x: x.map((v, i) => (i === m ? s : v)), atoms: [] }), x[m]);
            expect(Math.abs(evaluate(d2, { x, atoms: [] }) - want2), `${text}: d²/d${j}d${m}`).toBeLessThan(1e-6 * (1 + Math.abs(want2)));
          }
        }
        expect(sc.table.atoms).toHaveLength(0);
      }
    }
  });

  it('total: expressions of derivatives, with u = sin(2x + 3t) filling every atom (a new atom per new derivative)', () => {
    // ∂^α sin(a x + b t) = a^αx b^αt sin(θ + |α| π/2)
    const [a, b] = [2, 3];
    const atomValue = (table: AtomTable, i: number, x: number[]) => {
      const at = table.atoms[i];
      const d = (alpha: number[]) => a ** alpha[0] * b ** alpha[1] * Math.sin(a * x[0] + b * x[1] + ((alpha[0] + alpha[1]) * Math.PI) / 2);
      return at.lap ? at.lap.reduce((s, j) => s + d(at.alpha.map((v, m) => v + (m === j ? 2 : 0))), 0) : d(at.alpha);
    };
    const rng = new Rng(13);
    for (const text of ['u * u_x + sin(u_t) * x', 'lap(u) * t + u_xt^2', 'exp(u) / (5 + u_xx) + abs(u_t) * k', 'D(u, x, t) * D(u^2, x)']) {
      const sc = scope();
      const e = resolveExpression({ field: 'test', text }, sc);
      for (let trial = 0; trial < 10; trial++) {
        const x = [rng.range(-1, 1), rng.range(-1, 1)];
        const q = [rng.range(0.5, 1.5)];
        for (let j = 0; j < 2; j++) {
          const d = total(e, j, sc.table);
          const values = (p: number[]) => ({ x: p, atoms: sc.table.atoms.map((_, i) => atomValue(sc.table, i, p)), q });
          const want = central((s) => evaluate(e, values(x.map((v, m) => (m === j ? s : v)))), x[j]);
          expect(Math.abs(evaluate(d, values(x)) - want), `${text}: d/d${j}`).toBeLessThan(1e-6 * (1 + Math.abs(want)));
        }
      }
    }
  });
});

/*
 * The WGSL back ends on the GPU. Each residual of RESIDUALS_GPU is compiled as a loss term
 * (the real generated code, in the real loss_term.wgsl template with its psin, pcos, powi and
 * the double-single library), but main's load and store are this test's: d, x and q come from
 * buffers and r, ∂r/∂d, ∂r/∂q and the double-single residual go to one. The f64 reference is
 * the interpreter on the same f32-rounded inputs, so only the kernel's arithmetic differs.
 * Tolerance: f32's unit roundoff is 6e-8; these residuals have O(1) values, no cancellation
 * (sums of positive parts on the sampled ranges) and a few dozen operations, and WGSL's
 * exp/log/pow/sqrt and the psin/pcos polynomials are good to a few ulp there, so 1e-5
 * relative (plus 1e-5 absolute) holds with room; the double-single residual is read back
 * through one f32 rounding, so 1e-6.
 */
const RESIDUALS_GPU = [
  'u_t = k * u_xx',
  'u_t + u * u_x = 0.01 / pi * u_xx',
  'sin(u) * cos(u_x) + exp(-u_t) * log(1 + u) + sqrt(u_xx) = 0',
  'tan(u_x / 2) + sinh(u) + cosh(u_t) + tanh(k * u) = 0',
  'u^3 + u_x^2.5 + abs(u_t - 2) + sign(u) + min(u, u_x) * max(u_t, k) = 0',
  'u^k + x * t / (1 + u_x^2) + u^-2 = 0',
  'D(u * u_x, x) + lap(u) = 0',
  'u_x = -pi * exp(-0.5 * pi^2 * t)',
  '3 * tanh(u * u_x) + (u + u_t)^0.5 + u_xx * u_xx * k = 0',
];

function gpuProblem(): CompiledProblem {
  return compileProblem({
    id: 'gpu-check',
    inputs: ['x', 't'],
    outputs: ['u'],
    domain: { x: [0, 1], t: [0, 1] },
    unknowns: { k: { init: 1 } },
    equations: RESIDUALS_GPU.map((equation, i) => ({ name: `r${i}`, equation })),
  });
}

interface GpuResult {
  r: number[];
  grad: number[][];
  gradQ: number[];
  ds: number[] | null;
}

/** Run one term's generated residual, gradient, unknowns' gradient and double-single residual at the given values. */
async function runTerm(device: GPUDevice, term: LossTerm, xs: number[][], ds: number[][], q: number[]): Promise<GpuResult> {
  const n = xs.length;
  const nd = term.derivatives.length;
  const nq = q.length;
  const width = 2 + nd + nq;
  const hasDs = term.residualDsWgsl !== undefined;
  const code = fillTemplate('loss_term', {
    D: 2,
    ND: nd,
    NQ: nq,
    BINDINGS: [
      '@group(0) @binding(3) var<storage, read> dv : array<f32>;',
      '@group(0) @binding(4) var<storage, read_write> outv : array<f32>;',
      '@group(0) @binding(5) var<storage, read> unknowns : array<f32>;',
    ].join('\n'),
    RESIDUAL: term.residualWgsl,
    RESIDUAL_GRAD: term.residualGradWgsl,
    RESIDUAL_Q_GRAD: term.residualUnknownGradWgsl ?? `return array<f32, ${nq}>(${q.map(() => '0.0').join(', ')});`,
    Q_VALUES: [`  var qd : array<vec2f, NQ>;`, ...q.map((_, i) => `  q[${i}] = unknowns[${i}];\n  qd[${i}] = vec2f(q[${i}], 0.0);`)].join('\n'),
    LOAD: ['  var dd : array<vec2f, ND>;', ...Array.from({ length: nd }, (_, i) => `  d[${i}] = dv[p * ND + ${i}u];\n  dd[${i}] = vec2f(d[${i}], 0.0);`)].join('\n'),
    DS_RESIDUAL: hasDs ? `fn residualDs(x : array<f32, D>, dd : array<vec2f, ND>, q : array<f32, NQ>, qd : array<vec2f, NQ>) -> f32 {\n  ${term.residualDsWgsl}\n}` : '',
    RESIDUAL_VALUE: 'residual(x, d, q)',
    HELPERS: '',
    POINT_WEIGHT: '',
    PAIRS: 1,
    PAIR_IDLE: '',
    STORE: [
      `  let o = p * ${width}u;`,
      '  outv[o] = r;',
      ...Array.from({ length: nd }, (_, i) => `  outv[o + ${1 + i}u] = g[${i}];`),
      '  let gq = residualUnknownGrad(x, d, q);',
      ...q.map((_, i) => `  outv[o + ${1 + nd + i}u] = gq[${i}];`),
      `  outv[o + ${1 + nd + nq}u] = ${hasDs ? 'residualDs(x, dd, q, qd)' : '0.0'};`,
    ].join('\n'),
  });
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ label: `equations test: ${term.name}`, code });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error').map((m) => `${m.lineNum}:${m.linePos} ${m.message}`);
  expect(errors, `${term.name} compiles`).toEqual([]);
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const buffer = (data: ArrayBufferView, usage: number) => {
    const b = device.createBuffer({ size: Math.max(16, data.byteLength), usage: usage | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(b, 0, data.buffer, data.byteOffset, data.byteLength);
    return b;
  };
  const params = new ArrayBuffer(16);
  new Uint32Array(params, 0, 1)[0] = n;
  new Float32Array(params, 4, 2).set([1, 1]);
  const out = device.createBuffer({ size: n * width * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const buffers = [
    buffer(Float32Array.from(xs.flat()), GPUBufferUsage.STORAGE),
    device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE }),
    buffer(new Uint8Array(params), GPUBufferUsage.UNIFORM),
    buffer(Float32Array.from(ds.flat()), GPUBufferUsage.STORAGE),
    out,
    buffer(Float32Array.from(q), GPUBufferUsage.STORAGE),
  ];
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindBuffers(device, pipeline, buffers));
  pass.dispatchWorkgroups(Math.ceil(n / 64));
  pass.end();
  device.queue.submit([enc.finish()]);
  const got = await readBuffer(device, out);
  expect(await device.popErrorScope()).toBeNull();
  buffers.forEach((b) => b.destroy());
  const row = (p: number) => Array.from(got.subarray(p * width, (p + 1) * width));
  return {
    r: xs.map((_, p) => row(p)[0]),
    grad: xs.map((_, p) => row(p).slice(1, 1 + nd)),
    gradQ: xs.map((_, p) => row(p)[1 + nd]),
    ds: hasDs ? xs.map((_, p) => row(p)[1 + nd + nq]) : null,
  };
}

describe('WGSL back ends on the GPU', () => {
  const gpu = useNodeGpu();

  it('f32 residual, its gradients and the double-single residual agree with the f64 interpreter', async () => {
    const c = gpuProblem();
    const rng = new Rng(21);
    const n = 256;
    const f32 = (v: number) => Math.fround(v);
    let withDs = 0;
    for (const [k, term] of c.problem.terms.entries()) {
      const { residual: tree, atoms } = c.residuals[k];
      const xs = Array.from({ length: n }, () => [f32(rng.range(0.2, 1)), f32(rng.range(0.2, 1))]);
      const ds = Array.from({ length: n }, () => term.derivatives.map(() => f32(rng.range(0.5, 1.5))));
      const q = [f32(rng.range(0.5, 1.5))];
      const got = await runTerm(gpu.device, term, xs, ds, q);
      for (let p = 0; p < n; p++) {
        const values: Values = { x: xs[p], atoms: [], q };
        atoms.forEach((a, i) => ((values.atoms as number[])[a] = ds[p][i]));
        const near = (g: number, want: number, tol: number, what: string) => expect(Math.abs(g - want), `${RESIDUALS_GPU[k]}: ${what} at point ${p}: GPU ${g}, f64 ${want}`).toBeLessThanOrEqual(tol * (1 + Math.abs(want)));
        const r = evaluate(tree, values);
        expect(term.residual(xs[p], ds[p], q)).toBe(r);
        near(got.r[p], r, 1e-5, 'r');
        atoms.forEach((a, i) => near(got.grad[p][i], evaluate(partial(tree, { k: 'atom', i: a }), values), 1e-5, `dr/d${term.derivatives[i].name}`));
        near(got.gradQ[p], evaluate(partial(tree, { k: 'q', i: 0 }), values), 1e-5, 'dr/dk');
        if (got.ds) near(got.ds[p], r, 1e-6, 'double-single r');
      }
      if (got.ds) withDs++;
    }
    // the double-single back end covers + - * /, integer powers and tanh: at least the first two and the last two
    expect(withDs).toBeGreaterThanOrEqual(3);
  });

  it('a residual nested past what GPU compilers take is refused; long sums are collected into balanced trees and compile', async () => {
    const doc = (equation: string) => ({ id: 'deep', inputs: ['x', 't'], outputs: ['u'], domain: { x: [0, 1], t: [0, 1] }, equations: [equation] });
    // a tree that stays deep (130 nested functions: nothing to collect) is refused, naming the term
    const table = new AtomTable();
    let deep: Expr = { k: 'atom', i: table.add({ output: 0, alpha: [0, 0] }) };
    for (let i = 0; i < 130; i++) deep = { k: 'fn', f: 'sin', args: [deep] };
    const tooDeep = refusal(() => lossTerm('deep', 'interior', 1, deep, { table, inputs: ['x', 't'], outputs: ['u'], unknowns: 0, where: { field: 'equations[0]' } }));
    expect(tooDeep.message).toMatch(/^equations\[0\]: the generated residual nests \d+ levels deep/);
    // a long left-deep sum nests one level per term as written; its like terms collected, it is shallow
    const c = compileProblem(doc(`${Array(130).fill('u').join(' + ')} = x`));
    const distinct = compileProblem(doc(`${Array.from({ length: 130 }, (_, i) => `sin(u + ${i})`).join(' + ')} = x`));
    for (const term of [c.problem.terms[0], distinct.problem.terms[0]]) {
      expect(wgslNesting(term.residualWgsl)).toBeLessThanOrEqual(WGSL_MAX_NESTING);
      const got = await runTerm(gpu.device, term, [[0.5, 0.5]], [term.derivatives.map(() => 1)], [0]);
      expect(got.r[0]).toBeCloseTo(term.residual([0.5, 0.5], [1], [0]), 4);
    }
  });
});

/** A fresh copy of the heat-inverse document (the example). */
function heatDoc(): ProblemFile & Record<string, unknown> {
  return JSON.parse(readFileSync(HEAT_INVERSE, 'utf8')) as ProblemFile & Record<string, unknown>;
}

/** The refusal of compiling `doc` as file `heat.json`: its message starts with the file and the field. */
function fileRefusal(doc: unknown, field: string, detail: RegExp, options: Parameters<typeof compileProblem>[1] = {}): EquationError {
  const e = refusal(() => compileProblem(doc, { file: 'heat.json', ...options }));
  expect(e.message.startsWith(`heat.json: ${field}: `), e.message).toBe(true);
  expect(e.detail).toMatch(detail);
  return e;
}

describe('problem files', () => {
  it('compiles the heat-inverse example: terms, derivatives, unknowns, data', () => {
    const c = compileProblemText(readFileSync(HEAT_INVERSE, 'utf8'), { file: HEAT_INVERSE });
    expect(c.problem.terms.map((t) => t.name)).toEqual(['residual', 'initial', 'left', 'right', 'data']);
    expect(c.problem.terms[0].derivatives.map((d) => d.name)).toEqual(['u_t', 'u_xx']);
    expect(c.problem.terms[3].weight).toBe(10);
    expect(c.problem.unknowns?.map((u) => u.name)).toEqual(['k']);
    expect(c.problem.terms[4].observations).toHaveLength(64);
    const x = [0.3, 0.4];
    expect(c.problem.exact(x)).toBeCloseTo(Math.sin(Math.PI * 0.3) * Math.exp(-0.5 * Math.PI ** 2 * 0.4), 14);
    // every condition point lies on its face
    expect((c.problem.terms[1].points as number[][]).every((p) => p[1] === 0)).toBe(true);
    expect((c.problem.terms[3].points as number[][]).every((p) => p[0] === 1)).toBe(true);
  });

  it('refuses each mistake with the file and the field named', () => {
    const without = heatDoc();
    delete (without as Partial<ProblemFile>).equations;
    fileRefusal(without, 'equations', /is required/);
    fileRefusal({ ...heatDoc(), equation: ['u_t = u_xx'] }, 'equation', /is not a field of a problem file/);
    fileRefusal({ ...heatDoc(), domain: { x: [1, 1], t: [0, 1] } }, 'domain.x', /is empty: \[1, 1\] needs lo < hi/);
    fileRefusal({ ...heatDoc(), domain: { x: [0, 1] } }, 'domain', /has no interval for the input t/);
    fileRefusal({ ...heatDoc(), domain: { x: [0, 1], t: [0, 1], y: [0, 1] } }, 'domain.y', /"y" is not an input/);
    fileRefusal({ ...heatDoc(), conditions: [{ on: 'x = 2', equation: 'u = 0' }] }, 'conditions[0].on', /x = 2 is outside the domain, where x ∈ \[0, 1\]/);
    fileRefusal({ ...heatDoc(), conditions: [{ on: 'y = 0', equation: 'u = 0' }] }, 'conditions[0].on', /"y" is not an input/);
    fileRefusal({ ...heatDoc(), conditions: [{ on: 'x = 0', equation: 'u = 0', wieght: 3 }] }, 'conditions[0].wieght', /is not a field of a condition/);
    fileRefusal({ ...heatDoc(), inputs: ['x', 'xt'], domain: { x: [0, 1], xt: [0, 1] }, conditions: [], data: undefined, exact: undefined, equations: ['u_xt = u'] }, 'inputs', /"x" is a prefix of "xt"/);
    fileRefusal({ ...heatDoc(), inputs: ['sin', 't'] }, 'inputs[0]', /"sin" is a name of the language/);
    fileRefusal({ ...heatDoc(), parameters: { a: 0.5, k: 1 } }, 'unknowns.k', /"k" is declared twice \(also parameters.k\)/);
    fileRefusal({ ...heatDoc(), outputs: ['u', 'x'] }, 'outputs[1]', /"x" is declared twice \(also inputs\[0\]\)/);
    fileRefusal({ ...heatDoc(), parameters: { a: 0.5, u_x: 1 } }, 'parameters.u_x', /"u_x" also reads as a derivative of u/);
    fileRefusal({ ...heatDoc(), parameters: { a: 0.5, '2a': 1 } }, 'parameters.2a', /is not a name/);
    fileRefusal({ ...heatDoc(), unknowns: { k: { init: 1, bounds: [10, 0.01] } } }, 'unknowns.k.bounds', /is empty/);
    fileRefusal({ ...heatDoc(), unknowns: { k: { init: 20, bounds: [0.01, 10] } } }, 'unknowns.k.init', /20 must lie strictly inside the bounds \[0.01, 10\]/);
    fileRefusal({ ...heatDoc(), unknowns: { k: { init: 1, guess: 2 } } }, 'unknowns.k.guess', /is not a field of an unknown/);
    fileRefusal({ ...heatDoc(), data: { columns: ['x', 't', 'v'], rows: [[0, 0, 1]] } }, 'data.columns', /"v" is neither an input nor an output/);
    fileRefusal({ ...heatDoc(), data: { columns: ['x', 'u'], rows: [[0, 1]] } }, 'data.columns', /needs a column for every input \(missing: t\)/);
    fileRefusal({ ...heatDoc(), data: { columns: ['x', 't', 'u'], rows: [[0, 1]] } }, 'data.rows[0]', /must have 3 numbers/);
    fileRefusal({ ...heatDoc(), exact: { v: 'x' } }, 'exact.v', /"v" is not an output/);
    fileRefusal({ ...heatDoc(), exact: { u: 'u_x' } }, 'exact.u', /no place here/);
    fileRefusal({ ...heatDoc(), equations: [] }, 'equations', /non-empty array/);
    fileRefusal({ ...heatDoc(), equations: ['x = t'] }, 'equations[0]', /reads no output/);
    fileRefusal({ ...heatDoc(), equations: [{ equation: 'u_t = k * u_xx', wieght: 2 }] }, 'equations[0].wieght', /is not a field of an equation/);
    fileRefusal({ ...heatDoc(), equations: [{ equation: 'u_t = k * u_xx', weight: -1 }] }, 'equations[0].weight', /≥ 0/);
    fileRefusal({ ...heatDoc(), id: 'Heat Inverse' }, 'id', /lower-case/);
    fileRefusal({ ...heatDoc(), defaults: { width: 0 } }, 'defaults.width', /integer from 1/);
    fileRefusal(heatDoc(), 'the setting for parameter a', /finite number/, { parameters: { a: Infinity } });
    fileRefusal(heatDoc(), 'parameters', /has no parameter "b"/, { parameters: { b: 1 } });
    // a mistake inside an equation: the field and the caret
    const e = fileRefusal({ ...heatDoc(), equations: ['u_t = kk * u_xx'] }, 'equations[0]', /unknown name "kk" \(did you mean "k"\?\)/);
    expect(caret(e).underlined).toBe('kk');
    const inCondition = fileRefusal({ ...heatDoc(), conditions: [{ on: 't = 0', equation: 'u = sin(pi * x' }] }, 'conditions[0].equation', /ends early/);
    expect(caret(inCondition).column).toBe('u = sin(pi * x'.length);
    expect(refusal(() => compileProblemText('{ "id": ', { file: 'heat.json' })).message).toMatch(/^heat\.json: JSON: is not valid JSON/);
  });

  it('takes parameter names Object.prototype has (toString, constructor) with settings given', () => {
    const doc = { ...heatDoc(), parameters: { toString: 0.5, constructor: 2 }, equations: ['u_t = k * u_xx * constructor + toString'], conditions: [], data: undefined, exact: undefined };
    // the CLI passes {} when no --param is given: it must not read Object.prototype's members
    const c = compileProblem(doc, { parameters: {} });
    expect(Object.entries(c.parameters)).toEqual([
      ['toString', { value: 0.5, range: undefined }],
      ['constructor', { value: 2, range: undefined }],
    ]);
    expect(Object.entries(compileProblem(doc, { parameters: { toString: 3 } }).parameters)[0]).toEqual(['toString', { value: 3, range: undefined }]);
    // an input of that name with no interval is named as missing
    fileRefusal({ ...doc, parameters: {}, inputs: ['x', 'valueOf'], domain: { x: [0, 1] }, equations: ['u_valueOf = u_xx'] }, 'domain', /has no interval for the input valueOf/);
  });

  it('puts one condition point in the middle of its face (not 0 / 0)', () => {
    const c = compileProblem({ ...heatDoc(), conditions: [{ name: 'one', on: 'x = 0', equation: 'u = 0', points: 1 }, { name: 'b', on: 'boundary', equation: 'u = 0', points: 2 }] });
    expect(c.problem.terms[1].points).toEqual([[0, 0.5]]);
    expect(c.problem.terms[2].points).toEqual([
      [0, 0.5],
      [1, 0.5],
    ]);
  });

  it('refuses a hard transform whose g folds to a constant beyond f32, naming hard.g', () => {
    const doc = { ...heatDoc(), conditions: [{ name: 'b', on: 'x = 0', equation: 'u = 0' }], hard: { factors: { x: 'lo' }, replaces: ['b'], g: 'x + 1e38 * 1e38' } };
    const e = fileRefusal(doc, 'hard.g', /beyond f32/);
    expect(caret(e).underlined).toBe('1e38 * 1e38');
    fileRefusal({ ...doc, hard: { ...doc.hard, g: 'log(0) * x' } }, 'hard.g', /not a finite number/);
    // a working one: u = g + x N with g = t x, its jets in WGSL
    const ok = compileProblem({ ...doc, hard: { ...doc.hard, g: 't * x' } });
    expect(ok.problem.hard?.g?.f64([0.5, 2])).toBe(1);
    expect(ok.problem.hard?.g?.jetWgsl).toMatch(/if \(k == 2u\)/);
  });
});

describe('bounded work', () => {
  const doc = (equation: string) => ({ id: 'big', inputs: ['x', 't'], outputs: ['u'], domain: { x: [0, 1], t: [0, 1] }, equations: [equation] });

  it('refuses a derivative D(expr, ...) that grows too large when written out, quickly and with a caret', () => {
    const text = `D(${Array(300).fill('u').join('*')}, x, x) = 0`;
    const t0 = performance.now();
    const e = refusal(() => resolveEquation({ field: 'equations[0]', text }, scope()));
    // (written out without the bound: minutes and gigabytes)
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(e.detail).toMatch(new RegExp(`grows past ${LIMITS.derived} terms`));
    expect(caret(e).column).toBe(0);
    expect(caret(e).underlined.startsWith('D(u*u*u')).toBe(true);
  });

  it('refuses a term whose residual and gradients together pass the generated limit; one below compiles', () => {
    expect(refusal(() => compileProblem(doc('D(sin(u) * cos(u_x) / (1 + u^2), x, x, x, x) = 0'))).message).toMatch(/^equations\[0\]: the generated residual and its gradients are too large/);
    const ok = compileProblem(doc('D(sin(u) * cos(u_x) / (1 + u^2), x, x, x) = 0'));
    expect(ok.problem.terms[0].derivatives.map((d) => d.name).sort()).toEqual(['u', 'u_x', 'u_xx', 'u_xxx', 'u_xxxx']);
  });

  it('refuses a hard transform that would need too many partial derivatives of g', () => {
    const inputs = ['x', 'y', 'z', 'w', 'v', 's', 't'];
    const hard = {
      id: 'hard',
      inputs,
      outputs: ['u'],
      domain: Object.fromEntries(inputs.map((n) => [n, [0, 1]])),
      equations: ['D(u, x, x, x, x, x, x) = 0'],
      conditions: [{ name: 'b', on: 'x = 0', equation: 'u = 0' }],
      hard: { factors: { x: 'lo' }, replaces: ['b'], g: 'y * z' },
    };
    const e = refusal(() => compileProblem(hard));
    expect(e.message).toMatch(/^hard\.g: needs g's partial derivatives up to order 6 in 7 inputs/);
    // order 2 needs C(9, 2) = 36 of them
    expect(compileProblem({ ...hard, equations: ['u_xx = 0'] }).problem.hard?.g?.jetWgsl).toMatch(/k == 2u/);
  });
});

describe('validate', () => {
  it('passes the heat-inverse file: every residual of its exact solution vanishes', () => {
    const v = validateProblem(compileProblemText(readFileSync(HEAT_INVERSE, 'utf8'), { file: HEAT_INVERSE }));
    expect(v.ok).toBe(true);
    expect(v.checks!.map((c) => c.name)).toEqual(['residual', 'initial', 'left', 'right']);
    for (const c of v.checks!) expect(c.largest, c.name).toBeLessThan(EXACT_TOLERANCE);
    expect(v.derivatives).toEqual(['u_t', 'u_xx', 'u', 'u_x']);
    expect(v.maxOrder).toBe(2);
  });

  it('fails a typo in the exact solution with a large residual on the equation', () => {
    const doc = heatDoc();
    doc.exact = { u: doc.exact!.u.replace('exp(-a * pi^2 * t)', 'exp(-2 * a * pi^2 * t)') };
    expect(doc.exact.u).toBe('sin(pi * x) * exp(-2 * a * pi^2 * t)');
    const v = validateProblem(compileProblem(doc, { file: 'typo.json' }));
    expect(v.ok).toBe(false);
    const byName = Object.fromEntries(v.checks!.map((c) => [c.name, c]));
    // u_t − k u_xx = (−2 a π² + k π²) u = −π²/2 · u: of the order of the solution itself
    expect(byName.residual.largest).toBeGreaterThan(0.1);
    expect(byName.right.largest).toBeGreaterThan(0.01);
    // t = 0 and x = 0 still hold
    expect(byName.initial.largest).toBeLessThan(EXACT_TOLERANCE);
    expect(byName.left.largest).toBeLessThan(EXACT_TOLERANCE);
  });

  it('skips (does not hang on) an exact solution whose derivatives are too large to write out', () => {
    const doc = { ...heatDoc(), equations: [`D(u, ${Array(12).fill('x').join(', ')}) = u`], conditions: [], data: undefined, exact: { u: Array(40).fill('sin(x * t)').join(' * ') } };
    const t0 = performance.now();
    const v = validateProblem(compileProblem(doc));
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(v.checks).toEqual([]);
    expect(v.skipped[0]).toMatch(/too large to write out/);
  });
});
