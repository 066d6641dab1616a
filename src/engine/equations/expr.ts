/**
 * The resolved expression tree every back end reads: names turned into coordinates, unknowns,
 * constants and derivative atoms (∂^α of an output, or a Laplacian). Symbolic differentiation
 * (the residual's gradient with respect to each derivative value and each unknown, the total
 * derivative along an input for exact-solution checks) and the f64 interpreter live here; the
 * WGSL back ends in ./wgsl.ts.
 */

export const FUNCTIONS = ['sin', 'cos', 'tan', 'exp', 'log', 'sqrt', 'abs', 'tanh', 'sinh', 'cosh', 'sign', 'min', 'max'] as const;
export type FunctionName = (typeof FUNCTIONS)[number];
/** Internal: 1 where a ≤ b, else 0 (the derivative of min and max). */
export type InternalFunction = 'le';

/** ∂^α of output `output` (alpha: one order per input), or its Laplacian over `axes`. */
export interface Atom {
  output: number;
  alpha: number[];
  /** A Laplacian Σ_{a ∈ axes} ∂²_a (alpha then all zeros). */
  lap?: number[];
  /** A linear operator Σ c ∂^α of the output, read as one slot (lap(lap(u)): Δ², whose terms STDE samples). */
  operator?: { coefficient: number; alpha: number[] }[];
  /** Read at the point's partner (a periodic condition's other end), not at the point. */
  partner?: boolean;
}

export type Expr =
  | { k: 'num'; v: number }
  | { k: 'x'; i: number }
  | { k: 'q'; i: number }
  | { k: 'atom'; i: number }
  | { k: 'obs'; i: number }
  | { k: 'neg'; a: Expr }
  | { k: '+' | '-' | '*' | '/' | '^'; a: Expr; b: Expr }
  | { k: 'fn'; f: FunctionName | InternalFunction; args: Expr[] };

/** The atoms of one compiled unit (a problem's terms share one table), each once. */
export class AtomTable {
  readonly atoms: Atom[] = [];
  private readonly keys = new Map<string, number>();

  static key(a: Atom): string {
    if (a.partner) return `partner:${AtomTable.key({ ...a, partner: false })}`;
    if (a.operator) return `${a.output}:op:${a.operator.map((t) => `${t.coefficient}*${t.alpha.join(',')}`).join('+')}`;
    return a.lap ? `${a.output}:lap:${a.lap.join(',')}` : `${a.output}:${a.alpha.join(',')}`;
  }

  add(a: Atom): number {
    const key = AtomTable.key(a);
    let i = this.keys.get(key);
    if (i === undefined) {
      i = this.atoms.length;
      this.atoms.push(a);
      this.keys.set(key, i);
    }
    return i;
  }
}

export const num = (v: number): Expr => ({ k: 'num', v });
const isNum = (e: Expr, v?: number): e is { k: 'num'; v: number } => e.k === 'num' && (v === undefined || e.v === v);

export function add(a: Expr, b: Expr): Expr {
  if (isNum(a) && isNum(b)) return num(a.v + b.v);
  if (isNum(a, 0)) return b;
  if (isNum(b, 0)) return a;
  if (b.k === 'neg') return sub(a, b.a);
  return { k: '+', a, b };
}

export function sub(a: Expr, b: Expr): Expr {
  if (isNum(a) && isNum(b)) return num(a.v - b.v);
  if (isNum(b, 0)) return a;
  if (isNum(a, 0)) return neg(b);
  if (b.k === 'neg') return add(a, b.a);
  return { k: '-', a, b };
}

export function neg(a: Expr): Expr {
  if (isNum(a)) return num(-a.v);
  if (a.k === 'neg') return a.a;
  return { k: 'neg', a };
}

export function mul(a: Expr, b: Expr): Expr {
  if (isNum(a) && isNum(b)) return num(a.v * b.v);
  if (isNum(a, 0) || isNum(b, 0)) return num(0);
  if (isNum(a, 1)) return b;
  if (isNum(b, 1)) return a;
  if (isNum(a, -1)) return neg(b);
  if (isNum(b, -1)) return neg(a);
  if (a.k === 'neg') return neg(mul(a.a, b));
  if (b.k === 'neg') return neg(mul(a, b.a));
  return { k: '*', a, b };
}

export function div(a: Expr, b: Expr): Expr {
  if (isNum(a) && isNum(b) && b.v !== 0) return num(a.v / b.v);
  if (isNum(a, 0)) return num(0);
  if (isNum(b, 1)) return a;
  return { k: '/', a, b };
}

export function pow(a: Expr, b: Expr): Expr {
  if (isNum(a) && isNum(b)) return num(a.v ** b.v);
  if (isNum(b, 1)) return a;
  if (isNum(b, 0)) return num(1);
  return { k: '^', a, b };
}

export function fn(f: FunctionName | InternalFunction, args: Expr[]): Expr {
  if (args.every((x) => isNum(x))) return num(applyFunction(f, args.map((x) => (x as { v: number }).v)));
  return { k: 'fn', f, args };
}

export function applyFunction(f: FunctionName | InternalFunction, v: number[]): number {
  const [a, b] = v;
  switch (f) {
    case 'sin': return Math.sin(a);
    case 'cos': return Math.cos(a);
    case 'tan': return Math.tan(a);
    case 'exp': return Math.exp(a);
    case 'log': return Math.log(a);
    case 'sqrt': return Math.sqrt(a);
    case 'abs': return Math.abs(a);
    case 'tanh': return Math.tanh(a);
    case 'sinh': return Math.sinh(a);
    case 'cosh': return Math.cosh(a);
    case 'sign': return Math.sign(a);
    case 'min': return Math.min(a, b);
    case 'max': return Math.max(a, b);
    case 'le': return a <= b ? 1 : 0;
  }
}

/** The number of arguments each function takes. */
export function arity(f: FunctionName): number {
  return f === 'min' || f === 'max' ? 2 : 1;
}

/** What an expression is differentiated by, everything else held fixed: a derivative value (atom), an unknown, a coordinate or an observation (the high-dimensional compiler: a sum's value). */
export type Variable = { k: 'atom' | 'q' | 'x' | 'obs'; i: number };

/** ∂e/∂v with everything else held fixed (the residual's gradient for the loss kernel's adjoint). */
export function partial(e: Expr, v: Variable): Expr {
  return derive(e, (leaf) => (leaf.k === v.k && leaf.i === v.i ? num(1) : num(0)));
}

/**
 * The total derivative d/dx_j: coordinate x_j gives 1, ∂^α u gives ∂^{α+e_j} u (a new atom
 * in the table), a Laplacian the sum of its third derivatives; unknowns and constants 0.
 */
export function total(e: Expr, j: number, table: AtomTable): Expr {
  return derive(e, (leaf) => {
    if (leaf.k === 'x') return num(leaf.i === j ? 1 : 0);
    if (leaf.k === 'atom') {
      const a = table.atoms[leaf.i];
      if (a.operator) return a.operator.map((t) => mul(num(t.coefficient), atomExpr(table, a.output, t.alpha.map((o, m) => o + (m === j ? 1 : 0))))).reduce(add);
      if (a.lap) return a.lap.map((ax) => atomExpr(table, a.output, a.alpha.map((o, m) => o + (m === ax ? 2 : 0) + (m === j ? 1 : 0)))).reduce(add);
      return atomExpr(table, a.output, a.alpha.map((o, m) => o + (m === j ? 1 : 0)));
    }
    if (leaf.k === 'obs') throw new Error('an observation has no derivative');
    return num(0);
  });
}

export function atomExpr(table: AtomTable, output: number, alpha: number[], lap?: number[], operator?: Atom['operator']): Expr {
  return { k: 'atom', i: table.add(operator ? { output, alpha, operator } : { output, alpha, lap }) };
}

export type Leaf = Extract<Expr, { k: 'x' | 'q' | 'atom' | 'obs' }>;

function derive(e: Expr, leaf: (l: Leaf) => Expr): Expr {
  const d = (x: Expr) => derive(x, leaf);
  switch (e.k) {
    case 'num':
      return num(0);
    case 'x':
    case 'q':
    case 'atom':
    case 'obs':
      return leaf(e);
    case 'neg':
      return neg(d(e.a));
    case '+':
      return add(d(e.a), d(e.b));
    case '-':
      return sub(d(e.a), d(e.b));
    case '*':
      return add(mul(d(e.a), e.b), mul(e.a, d(e.b)));
    case '/': {
      const da = d(e.a);
      const db = d(e.b);
      return sub(div(da, e.b), div(mul(e.a, db), mul(e.b, e.b)));
    }
    case '^': {
      const da = d(e.a);
      const db = d(e.b);
      // a^n with a constant n: n a^(n−1) a'; otherwise a^b (b' ln a + b a'/a)
      if (isNum(db, 0)) return mul(mul(e.b, pow(e.a, sub(e.b, num(1)))), da);
      return mul(e, add(mul(db, fn('log', [e.a])), div(mul(e.b, da), e.a)));
    }
    case 'fn': {
      const [a, b] = e.args;
      const da = d(a);
      const chain = (g: Expr) => mul(g, da);
      switch (e.f) {
        case 'sin': return chain(fn('cos', [a]));
        case 'cos': return chain(neg(fn('sin', [a])));
        case 'tan': return chain(add(num(1), mul(e, e)));
        case 'exp': return chain(e);
        case 'log': return div(da, a);
        case 'sqrt': return div(da, mul(num(2), e));
        case 'abs': return chain(fn('sign', [a]));
        case 'tanh': return chain(sub(num(1), mul(e, e)));
        case 'sinh': return chain(fn('cosh', [a]));
        case 'cosh': return chain(fn('sinh', [a]));
        case 'sign':
        case 'le':
          return num(0);
        case 'min':
        case 'max': {
          const db = d(b);
          const first = e.f === 'min' ? fn('le', [a, b]) : fn('le', [b, a]);
          return add(mul(first, da), mul(sub(num(1), first), db));
        }
      }
    }
  }
}

/** Values an expression reads: coordinates, derivative atoms, unknowns, observations. */
export interface Values {
  x: readonly number[];
  atoms: readonly number[];
  q?: readonly number[];
  obs?: readonly number[];
}

/** The f64 interpreter. */
export function evaluate(e: Expr, v: Values): number {
  switch (e.k) {
    case 'num': return e.v;
    case 'x': return v.x[e.i];
    case 'q': return v.q?.[e.i] ?? NaN;
    case 'atom': return v.atoms[e.i];
    case 'obs': return v.obs?.[e.i] ?? NaN;
    case 'neg': return -evaluate(e.a, v);
    case '+': return evaluate(e.a, v) + evaluate(e.b, v);
    case '-': return evaluate(e.a, v) - evaluate(e.b, v);
    case '*': return evaluate(e.a, v) * evaluate(e.b, v);
    case '/': return evaluate(e.a, v) / evaluate(e.b, v);
    case '^': return evaluate(e.a, v) ** evaluate(e.b, v);
    case 'fn': return applyFunction(e.f, e.args.map((a) => evaluate(a, v)));
  }
}

/** Every leaf of a kind that an expression reads, each index once, in order of first use. */
export function leaves(e: Expr, kind: Leaf['k'], out: number[] = []): number[] {
  switch (e.k) {
    case 'x':
    case 'q':
    case 'atom':
    case 'obs':
      if (e.k === kind && !out.includes(e.i)) out.push(e.i);
      break;
    case 'neg':
      leaves(e.a, kind, out);
      break;
    case 'fn':
      e.args.forEach((a) => leaves(a, kind, out));
      break;
    case 'num':
      break;
    default:
      leaves(e.a, kind, out);
      leaves(e.b, kind, out);
  }
  return out;
}

/** Replace leaves (renumber atoms into a term's own list, substitute an exact solution's derivatives). */
export function mapLeaves(e: Expr, f: (l: Leaf) => Expr): Expr {
  const m = (x: Expr) => mapLeaves(x, f);
  switch (e.k) {
    case 'num': return e;
    case 'x':
    case 'q':
    case 'atom':
    case 'obs':
      return f(e);
    case 'neg': return neg(m(e.a));
    case '+': return add(m(e.a), m(e.b));
    case '-': return sub(m(e.a), m(e.b));
    case '*': return mul(m(e.a), m(e.b));
    case '/': return div(m(e.a), m(e.b));
    case '^': return pow(m(e.a), m(e.b));
    case 'fn': return fn(e.f, e.args.map(m));
  }
}

/**
 * The number of nodes, counted as a tree (shared subtrees count each time they are reached,
 * as the back ends print them), so generated code stays bounded: see LIMITS in syntax.ts.
 * Counting stops once it passes `limit` (a derivative's tree can be far larger than its
 * shared form, and walking all of it would take as long as printing it).
 */
export function size(e: Expr, limit = Infinity): number {
  let n = 0;
  const stack: Expr[] = [e];
  while (stack.length > 0 && n <= limit) {
    const x = stack.pop()!;
    n++;
    switch (x.k) {
      case 'neg':
        stack.push(x.a);
        break;
      case 'fn':
        stack.push(...x.args);
        break;
      case '+':
      case '-':
      case '*':
      case '/':
      case '^':
        stack.push(x.a, x.b);
        break;
    }
  }
  return n;
}

/** The most monomials collectPolynomial keeps before it gives up (the expanded form would be larger). */
const MAX_MONOMIALS = 4000;

type Monomial = { coef: number; factors: [string, Expr, number][] };

/**
 * A polynomial in the tree's leaves, its like terms collected: D(R, X, …) of a product writes
 * out every Leibniz term, many of them equal (self-similar Burgers' R⁽⁹⁾ is about 10,000 nodes
 * uncollected and a few dozen monomials collected), and the generated WGSL, its gradients and
 * double-single variant grow with the tree. Subtrees that are not polynomial (functions,
 * division, other powers) are kept whole as factors. Null when the expansion passes
 * MAX_MONOMIALS.
 */
export function collectPolynomial(e: Expr): Expr | null {
  const p = polynomial(e);
  if (!p) return null;
  const terms = [...p.values()]
    .filter((m) => m.coef !== 0)
    .map((m) => {
      const product = m.factors.map(([, f, n]) => (n === 1 ? f : ({ k: '^', a: f, b: num(n) } as Expr))).reduce<Expr | null>((acc, f) => (acc ? mul(acc, f) : f), null);
      return product === null ? num(m.coef) : m.coef === 1 ? product : m.coef === -1 ? neg(product) : mul(num(m.coef), product);
    });
  const sum = (ts: Expr[]): Expr => (ts.length === 0 ? num(0) : ts.length === 1 ? ts[0] : add(sum(ts.slice(0, ts.length >> 1)), sum(ts.slice(ts.length >> 1))));
  return sum(terms);
}

function monomialKey(factors: [string, Expr, number][]): string {
  return factors.map(([k, , n]) => `${k}^${n}`).join('*');
}

function polynomial(e: Expr): Map<string, Monomial> | null {
  const single = (coef: number, factors: [string, Expr, number][] = []): Map<string, Monomial> => new Map([[monomialKey(factors), { coef, factors }]]);
  switch (e.k) {
    case 'num':
      return single(e.v);
    case 'x':
    case 'q':
    case 'atom':
    case 'obs':
      return single(1, [[`${e.k}${e.i}`, e, 1]]);
    case 'neg': {
      const a = polynomial(e.a);
      return a && new Map([...a].map(([k, m]) => [k, { ...m, coef: -m.coef }]));
    }
    case '+':
    case '-': {
      const a = polynomial(e.a);
      const b = polynomial(e.b);
      if (!a || !b) return null;
      const out = new Map(a);
      for (const [k, m] of b) {
        const c = e.k === '+' ? m.coef : -m.coef;
        const seen = out.get(k);
        out.set(k, seen ? { ...seen, coef: seen.coef + c } : { ...m, coef: c });
      }
      return out.size > MAX_MONOMIALS ? null : out;
    }
    case '*': {
      const a = polynomial(e.a);
      const b = polynomial(e.b);
      if (!a || !b || a.size * b.size > MAX_MONOMIALS * 4) return null;
      return product(a, b);
    }
    case '^': {
      if (e.b.k === 'num' && Number.isInteger(e.b.v) && e.b.v >= 0 && e.b.v <= 8) {
        const a = polynomial(e.a);
        if (!a) return null;
        let out: Map<string, Monomial> | null = single(1);
        for (let i = 0; i < e.b.v && out; i++) out = out.size * a.size > MAX_MONOMIALS * 4 ? null : product(out, a);
        return out;
      }
      return opaque(e);
    }
    default:
      return opaque(e);
  }

  function opaque(x: Expr): Map<string, Monomial> {
    return single(1, [[`(${JSON.stringify(x)})`, x, 1]]);
  }
}

function product(a: Map<string, Monomial>, b: Map<string, Monomial>): Map<string, Monomial> | null {
  const out = new Map<string, Monomial>();
  for (const ma of a.values()) {
    for (const mb of b.values()) {
      const powers = new Map<string, [string, Expr, number]>();
      for (const [k, f, n] of [...ma.factors, ...mb.factors]) {
        const seen = powers.get(k);
        powers.set(k, [k, f, (seen?.[2] ?? 0) + n]);
      }
      const factors = [...powers.values()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
      const key = monomialKey(factors);
      const seen = out.get(key);
      out.set(key, seen ? { ...seen, coef: seen.coef + ma.coef * mb.coef } : { coef: ma.coef * mb.coef, factors });
    }
  }
  return out.size > MAX_MONOMIALS ? null : out;
}
