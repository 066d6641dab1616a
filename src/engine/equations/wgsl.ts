/**
 * WGSL back ends of a resolved expression (./expr.ts): the residual in f32 and in double-single
 * arithmetic (shaders/lib/double_single.wgsl), as the statement bodies the loss kernel
 * (shaders/train/loss_term.wgsl) calls. Only parsed tokens reach the code: numbers are
 * re-printed from their values, names became indices while resolving.
 */
import { wgslFloat } from '../gpu/kernels';
import type { Expr } from './expr';

/** How the leaves read in WGSL: a derivative atom as `d[k]` (the term's own order), and so on. */
export interface Leaves {
  atom(i: number): string;
  x?(i: number): string;
  q?(i: number): string;
  obs?(i: number): string;
}

/**
 * The deepest nesting of generated WGSL, as a WGSL parser counts it: each parenthesis or call
 * one level, a unary minus right after one another. Tint (Dawn, Chrome) stops at a fixed
 * depth (a `return` of 125 nested parentheses is its most), so a deeper residual would be
 * accepted here and fail to compile in the GPU driver; see WGSL_MAX_NESTING.
 */
export function wgslNesting(code: string): number {
  const open: number[] = [];
  let depth = 0;
  let most = 0;
  for (let i = 0; i < code.length; i++) {
    if (code[i] === '(') {
      const step = code[i + 1] === '-' ? 2 : 1;
      open.push(step);
      depth += step;
      most = Math.max(most, depth);
    } else if (code[i] === ')') depth -= open.pop() ?? 0;
  }
  return most;
}

/** The nesting a generated expression may reach (Tint's limit less room for the statement and function around it). */
export const WGSL_MAX_NESTING = 100;

const F32_FUNCTIONS: Record<string, string> = { sin: 'psin', cos: 'pcos', exp: 'exp', log: 'log', sqrt: 'sqrt', abs: 'abs', sinh: 'sinh', cosh: 'cosh', sign: 'sign', tan: 'tan', min: 'min', max: 'max' };

/** True for a small integer (an exponent written as repeated products, exact for negative bases). */
function smallInteger(e: Expr): e is { k: 'num'; v: number } {
  return e.k === 'num' && Number.isInteger(e.v) && Math.abs(e.v) <= 64;
}

/** The expression in f32 WGSL. */
export function wgslF32(e: Expr, leaves: Leaves): string {
  const w = (x: Expr) => wgslF32(x, leaves);
  switch (e.k) {
    case 'num':
      return wgslFloat(e.v);
    case 'x':
      return leaves.x ? leaves.x(e.i) : `x[${e.i}]`;
    case 'q':
      return leaves.q ? leaves.q(e.i) : `q[${e.i}]`;
    case 'atom':
      return leaves.atom(e.i);
    case 'obs':
      if (!leaves.obs) throw new Error('an observation outside a data term');
      return leaves.obs(e.i);
    case 'neg':
      return `(-${w(e.a)})`;
    case '+':
    case '-':
    case '*':
    case '/':
      return `(${w(e.a)} ${e.k} ${w(e.b)})`;
    case '^':
      return smallInteger(e.b) ? `powi(${w(e.a)}, ${e.b.v})` : `pow(${w(e.a)}, ${w(e.b)})`;
    case 'fn':
      if (e.f === 'le') return `select(0.0, 1.0, ${w(e.args[0])} <= ${w(e.args[1])})`;
      // tanh of a large argument overflows exp inside some implementations: tanh(±15) is ±1 in f32
      if (e.f === 'tanh') return `tanh(clamp(${w(e.args[0])}, -15.0, 15.0))`;
      return `${F32_FUNCTIONS[e.f]}(${e.args.map(w).join(', ')})`;
  }
}

/**
 * The expression in double-single WGSL (a vec2f hi + lo), or null when it uses an operation the
 * double-single library lacks (then the loss kernel takes the f32 residual of rounded derivatives).
 */
export function wgslDoubleSingle(e: Expr, leaves: Leaves): string | null {
  const w = (x: Expr) => wgslDoubleSingle(x, leaves);
  const both = (f: (a: string, b: string) => string) => {
    const a = w((e as { a: Expr }).a);
    const b = w((e as { b: Expr }).b);
    return a && b ? f(a, b) : null;
  };
  switch (e.k) {
    case 'num': {
      const hi = Math.fround(e.v);
      return `vec2f(${wgslFloat(hi)}, ${wgslFloat(Math.fround(e.v - hi))})`;
    }
    case 'x':
      return `vec2f(${leaves.x ? leaves.x(e.i) : `x[${e.i}]`}, 0.0)`;
    case 'q':
      return leaves.q ? leaves.q(e.i) : `qd[${e.i}]`;
    case 'atom':
      return leaves.atom(e.i);
    case 'obs':
      return leaves.obs ? `vec2f(${leaves.obs(e.i)}, 0.0)` : null;
    case 'neg': {
      const a = w(e.a);
      return a && `dsNeg(${a})`;
    }
    case '+':
      return both((a, b) => `dsAdd(${a}, ${b})`);
    case '-':
      return both((a, b) => `dsAdd(${a}, dsNeg(${b}))`);
    case '*':
      return both((a, b) => `dsMul(${a}, ${b})`);
    case '/':
      return both((a, b) => `dsDiv(${a}, ${b})`);
    case '^': {
      if (!smallInteger(e.b) || e.b.v < 0) return null;
      const a = w(e.a);
      return a && `dsPowi(${a}, ${e.b.v})`;
    }
    case 'fn': {
      if (e.f !== 'tanh') return null;
      const a = w(e.args[0]);
      return a && `dsTanh(${a})`;
    }
  }
}
