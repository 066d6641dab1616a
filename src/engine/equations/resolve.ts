/**
 * Names to meaning: an expression's syntax tree (./syntax.ts) to the resolved tree (./expr.ts)
 * in a scope of inputs, outputs, parameters and unknowns. `u_xt` and `D(u, x, t)` become the
 * derivative atom ∂²u/∂x∂t, `lap(u)` a Laplacian atom, `D(expr, x)` of an expression its total
 * derivative. Every refusal names the characters it is about.
 */
import { MAX_JET_ORDER } from '../jets/taylor-jet';
import { add, arity, AtomTable, atomExpr, div, fn, FUNCTIONS, mul, neg, num, pow, size, sub, total, type Expr, type FunctionName } from './expr';
import { EquationError, F32_MAX, LIMITS, parseEquation, parseExpression, type Ast, type Source } from './syntax';

/** Names the language gives meaning to; a problem may not use them for its own. */
export const RESERVED = new Set<string>([...FUNCTIONS, 'pi', 'e', 'D', 'lap', 'sum', 'norm2', 'boundary', 'periodic']);

/** The highest total derivative order an equation may ask for (the jets' maximum). */
export const MAX_ORDER = MAX_JET_ORDER;

export interface Scope {
  /** Every coordinate by name; a vector input x of size d contributes x[1]..x[d]. */
  inputs: readonly string[];
  /** Vector inputs: x → its first coordinate's index and its size (x[i] is coordinate start + i − 1). */
  vectors?: Readonly<Record<string, { start: number; size: number }>>;
  outputs: readonly string[];
  parameters: Readonly<Record<string, number>>;
  unknowns: readonly string[];
  /** Derivatives and outputs allowed (false in an exact solution, which is a function of the inputs alone). */
  derivatives: boolean;
  table: AtomTable;
}

/**
 * Edit distance for "did you mean": insertions, deletions, substitutions and swaps of two
 * neighbouring characters (the commonest typo, "alpah" for "alpha", is one edit, not two).
 */
function distance(a: string, b: string): number {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j], before[j - 2] + 1);
    }
    before = prev;
    prev = row;
  }
  return prev[b.length];
}

function suggestion(name: string, known: string[]): string {
  const best = known.map((k) => [k, distance(name.toLowerCase(), k.toLowerCase())] as const).sort((a, b) => a[1] - b[1])[0];
  return best && best[1] <= Math.max(1, Math.floor(name.length / 3)) ? ` (did you mean "${best[0]}"?)` : '';
}

/**
 * Split a subscript into input names (`xt` → x, t). The inputs are prefix-free (the problem
 * file refuses others), so at most one split exists. Returns null when there is none.
 */
export function splitSubscript(sub: string, inputs: readonly string[]): number[] | null {
  if (sub === '') return null;
  for (let j = 0; j < inputs.length; j++) {
    if (sub.startsWith(inputs[j])) {
      const rest = sub.length === inputs[j].length ? [] : splitSubscript(sub.slice(inputs[j].length), inputs);
      if (rest) return [j, ...rest];
    }
  }
  return null;
}

/** A sum of terms as a balanced tree: its depth (and the generated code's nesting) grows as log n, not n. */
export function balancedSum(terms: Expr[]): Expr {
  if (terms.length === 0) return num(0);
  if (terms.length === 1) return terms[0];
  const half = terms.length >> 1;
  return add(balancedSum(terms.slice(0, half)), balancedSum(terms.slice(half)));
}

/** The most terms all sum(...) of one text may write out (d = 100 in a double sum is 10,000). */
export const MAX_SUM_TERMS = 20_000;

/**
 * The walk both resolvers share (this file's, and the high-dimensional one in
 * ./highdim-file.ts): a syntax node to a resolved tree, names, calls and indices by the
 * subclass, every constant part checked to be a finite number f32 can hold.
 */
export abstract class TreeResolver {
  protected abstract src: Source;

  protected fail(detail: string, at: Ast | { span: { start: number; end: number } }): never {
    throw new EquationError(this.src, detail, at.span);
  }

  protected abstract name(node: Extract<Ast, { kind: 'name' }>): Expr;
  protected abstract call(node: Extract<Ast, { kind: 'call' }>): Expr;
  protected abstract indexed(node: Extract<Ast, { kind: 'index' }>): Expr;

  /** The resolved tree of a node; a part that folds to a constant must be a finite number f32 can hold (WGSL gets it as a literal). */
  expr(node: Ast): Expr {
    const e = this.build(node);
    if (e.k === 'num' && !(Math.abs(e.v) <= F32_MAX)) this.fail(Number.isFinite(e.v) ? `this constant part is ${e.v}, beyond f32 (about 3.4e38)` : 'this constant part is not a finite number', node);
    return e;
  }

  private build(node: Ast): Expr {
    switch (node.kind) {
      case 'num':
        return num(node.value);
      case 'name':
        return this.name(node);
      case 'call':
        return this.call(node);
      case 'index':
        return this.indexed(node);
      case 'neg':
        return neg(this.expr(node.arg));
      case 'bin': {
        const a = this.expr(node.left);
        const b = this.expr(node.right);
        // a divisor that is 0 or folds to 0 (x / (1 - 1)): WGSL refuses a constant 1.0 / 0.0 outright
        if (node.op === '/' && b.k === 'num' && b.v === 0) this.fail('division by zero', node.right);
        return node.op === '+' ? add(a, b) : node.op === '-' ? sub(a, b) : node.op === '*' ? mul(a, b) : node.op === '/' ? div(a, b) : pow(a, b);
      }
    }
  }
}

class Resolver extends TreeResolver {
  /** Index variables bound by the sums around the node being resolved. */
  private readonly bound = new Map<string, number>();
  private sumTerms = 0;

  /** Nodes written out by D(expr, ...) so far (bounded by LIMITS.derived). */
  private derived = 0;

  constructor(
    private readonly scope: Scope,
    protected readonly src: Source,
  ) {
    super();
  }

  protected indexed(node: Extract<Ast, { kind: 'index' }>): Expr {
    return { k: 'x', i: this.coordinate(node) };
  }

  private known(): string[] {
    const s = this.scope;
    return [...s.inputs, ...(s.derivatives ? s.outputs : []), ...Object.keys(s.parameters), ...s.unknowns, 'pi', 'e'];
  }

  private derivative(output: number, counts: number[], at: Ast): Expr {
    const order = counts.reduce((a, b) => a + b, 0);
    if (order > MAX_ORDER) this.fail(`a derivative of order ${order}: the engine computes up to order ${MAX_ORDER}`, at);
    return atomExpr(this.scope.table, output, counts);
  }

  private noDerivatives(what: string, at: Ast): void {
    if (!this.scope.derivatives) this.fail(`${what} has no place here: an exact solution is a function of the inputs (${this.scope.inputs.join(', ')}) alone`, at);
  }

  protected name(node: Extract<Ast, { kind: 'name' }>): Expr {
    const { name } = node;
    const s = this.scope;
    const index = this.bound.get(name);
    if (index !== undefined) return num(index);
    if (s.vectors && Object.hasOwn(s.vectors, name)) this.fail(`${name} is a vector input: write a coordinate ${name}[i] (inside sum(..., i)) or ${name}[1], or norm2(${name})`, node);
    const j = s.inputs.indexOf(name);
    if (j >= 0) return { k: 'x', i: j };
    const o = s.outputs.indexOf(name);
    if (o >= 0) {
      this.noDerivatives(`the output ${name}`, node);
      return this.derivative(o, s.inputs.map(() => 0), node);
    }
    if (Object.hasOwn(s.parameters, name)) return num(s.parameters[name]);
    const q = s.unknowns.indexOf(name);
    if (q >= 0) return { k: 'q', i: q };
    if (name === 'pi') return num(Math.PI);
    if (name === 'e') return num(Math.E);
    // u_xt: an output, an underscore, a run of input names
    for (let out = 0; out < s.outputs.length; out++) {
      const prefix = `${s.outputs[out]}_`;
      if (!name.startsWith(prefix)) continue;
      const sub = name.slice(prefix.length);
      const axes = splitSubscript(sub, s.inputs);
      if (!axes) {
        const bad = sub.replace(new RegExp(`^(${s.inputs.map((i) => i.replace(/[^A-Za-z0-9_]/g, '')).join('|')})+`), '');
        this.fail(`"${name}" reads as a derivative of ${s.outputs[out]}, but "${bad || sub}" is not an input (inputs: ${s.inputs.join(', ')}; write D(${s.outputs[out]}, ...) with input names)`, node);
      }
      this.noDerivatives(`the derivative ${name}`, node);
      const counts = s.inputs.map(() => 0);
      axes.forEach((a) => counts[a]++);
      return this.derivative(out, counts, node);
    }
    if (RESERVED.has(name)) this.fail(`${name} is a function: call it as ${name}(...)`, node);
    this.fail(`unknown name "${name}"${suggestion(name, this.known())}; known here: ${this.known().join(', ')}`, node);
  }

  private inputArg(a: Ast, what: string): number {
    if (a.kind === 'index') return this.coordinate(a);
    if (a.kind !== 'name' || !this.scope.inputs.includes(a.name)) this.fail(`${what} must be an input name (${this.scope.inputs.join(', ')})`, a);
    return this.scope.inputs.indexOf(a.name);
  }

  /** An integer from a constant expression (a sum's bounds, a coordinate's index), with the bound indices. */
  private integer(a: Ast, what: string): number {
    const e = this.expr(a);
    if (e.k !== 'num' || !Number.isInteger(e.v)) this.fail(`${what} must be an integer (numbers, integer parameters, sum indices)`, a);
    return e.v;
  }

  /** x[i]: the coordinate's index among the inputs. */
  private coordinate(node: Extract<Ast, { kind: 'index' }>): number {
    const v = this.scope.vectors ?? {};
    const t = node.target;
    if (t.kind !== 'name' || !Object.hasOwn(v, t.name)) this.fail(Object.keys(v).length ? `only a vector input (${Object.keys(v).join(', ')}) takes an index` : 'indexing x[i] needs a vector input; this problem has scalar inputs', t);
    const { start, size } = v[t.name];
    const i = this.integer(node.index, 'the index');
    if (i < 1 || i > size) this.fail(`${t.name}[${i}] is outside ${t.name}[1]..${t.name}[${size}]`, node);
    return start + i - 1;
  }

  /** sum(expr, i) over the vector's coordinates 1..d, or sum(expr, i, lo, hi): written out term by term. */
  private sum(node: Extract<Ast, { kind: 'call' }>): Expr {
    const { args } = node;
    const s = this.scope;
    if (args.length !== 2 && args.length !== 4) this.fail('sum takes (expression, i) or (expression, i, from, to)', node);
    const index = args[1];
    if (index.kind !== 'name' || RESERVED.has(index.name) || this.bound.has(index.name) || s.inputs.includes(index.name) || s.outputs.includes(index.name) || Object.hasOwn(s.parameters, index.name) || s.unknowns.includes(index.name) || (s.vectors && Object.hasOwn(s.vectors, index.name))) {
      this.fail('the second argument of sum is a new index name (e.g. i), not one in use', index);
    }
    let lo = 1;
    let hi: number;
    if (args.length === 4) {
      lo = this.integer(args[2], 'the first index');
      hi = this.integer(args[3], 'the last index');
    } else {
      const vectors = Object.values(s.vectors ?? {});
      if (vectors.length !== 1) this.fail(vectors.length ? 'with several vector inputs, give the range: sum(expr, i, 1, d)' : 'sum(...) needs a vector input (x[1]..x[d]); this problem\'s inputs are scalars', node);
      hi = vectors[0].size;
    }
    this.sumTerms += Math.max(0, hi - lo + 1);
    if (this.sumTerms > MAX_SUM_TERMS) this.fail(`the sums write out more than ${MAX_SUM_TERMS} terms`, node);
    const terms: Expr[] = [];
    for (let i = lo; i <= hi; i++) {
      this.bound.set(index.name, i);
      terms.push(this.expr(args[0]));
    }
    this.bound.delete(index.name);
    return balancedSum(terms);
  }

  protected call(node: Extract<Ast, { kind: 'call' }>): Expr {
    const { name, args } = node;
    const s = this.scope;
    if ((FUNCTIONS as readonly string[]).includes(name)) {
      const n = arity(name as FunctionName);
      if (args.length !== n) this.fail(`${name} takes ${n === 1 ? 'one argument' : `${n} arguments`}, not ${args.length}`, node);
      return fn(name as FunctionName, args.map((a) => this.expr(a)));
    }
    if (name === 'D') {
      if (args.length < 2) this.fail('D(u, x, ...) needs what to differentiate and at least one input', node);
      const axes = args.slice(1).map((a) => this.inputArg(a, 'each argument of D after the first'));
      if (axes.length > MAX_ORDER) this.fail(`a derivative of order ${axes.length}: the engine computes up to order ${MAX_ORDER}`, node);
      const target = args[0];
      if (target.kind === 'name' && s.outputs.includes(target.name)) {
        this.noDerivatives(`the derivative D(${target.name}, ...)`, node);
        const counts = s.inputs.map(() => 0);
        axes.forEach((a) => counts[a]++);
        return this.derivative(s.outputs.indexOf(target.name), counts, node);
      }
      // the total derivative of an expression (of the output's derivatives, the inputs, constants)
      let e = this.expr(target);
      for (const a of axes) {
        e = total(e, a, s.table);
        // each differentiation can multiply the size: stop before the next one walks a huge tree
        const left = LIMITS.derived - this.derived;
        if (size(e, left) > left) this.fail(`this derivative grows past ${LIMITS.derived} terms when written out; differentiate a simpler expression or name the derivatives (u_xx, D(u, x, x))`, node);
      }
      this.derived += size(e);
      for (const atom of s.table.atoms) {
        const order = atom.alpha.reduce((x, y) => x + y, 0) + (atom.lap ? 2 : 0);
        if (order > MAX_ORDER) this.fail(`this derivative reaches order ${order}: the engine computes up to order ${MAX_ORDER}`, node);
      }
      return e;
    }
    if (name === 'lap') {
      const target = args[0];
      // lap(lap(u)): the bilaplacian as one operator Σ_ij ∂_i²∂_j² over the axes of both
      if (target?.kind === 'call' && target.name === 'lap' && args.length === 1) {
        const inner = this.call(target);
        const atom = inner.k === 'atom' ? s.table.atoms[inner.i] : undefined;
        if (!atom?.lap) this.fail('lap(lap(u)) takes an output', target);
        const terms = new Map<string, { coefficient: number; alpha: number[] }>();
        for (const i of atom.lap) {
          for (const j of atom.lap) {
            const alpha = s.inputs.map((_, m) => (m === i ? 2 : 0) + (m === j ? 2 : 0));
            const key = alpha.join(',');
            const t = terms.get(key);
            if (t) t.coefficient += 1;
            else terms.set(key, { coefficient: 1, alpha });
          }
        }
        return atomExpr(s.table, atom.output, s.inputs.map(() => 0), undefined, [...terms.values()]);
      }
      if (!target || target.kind !== 'name' || !s.outputs.includes(target.name)) this.fail(`lap(u) takes an output (${s.outputs.join(', ') || 'none here'}) and optionally the inputs it sums over`, target ?? node);
      this.noDerivatives(`the Laplacian lap(${target.name})`, node);
      const axes = args.length > 1 ? args.slice(1).map((a) => this.inputArg(a, 'each argument of lap after the first')) : s.inputs.flatMap((n, j) => (n === 't' ? [] : [j]));
      if (axes.length === 0) this.fail('lap(u) sums over every input except t, and this problem has no other', node);
      if (new Set(axes).size !== axes.length) this.fail('lap(u, ...) names an input twice', node);
      return atomExpr(s.table, s.outputs.indexOf(target.name), s.inputs.map(() => 0), axes);
    }
    if (name === 'sum') return this.sum(node);
    if (name === 'norm2') {
      const v = s.vectors ?? {};
      const a = args[0];
      if (args.length !== 1 || a.kind !== 'name' || !Object.hasOwn(v, a.name)) this.fail(Object.keys(v).length ? `norm2 takes a vector input (${Object.keys(v).join(', ')})` : 'norm2(...) needs a vector input (x[1]..x[d]); this problem\'s inputs are scalars', node);
      const { start, size } = v[a.name];
      return balancedSum(Array.from({ length: size }, (_, i) => mul({ k: 'x', i: start + i }, { k: 'x', i: start + i })));
    }
    if (s.inputs.includes(name) || s.outputs.includes(name) || Object.hasOwn(s.parameters, name) || s.unknowns.includes(name)) this.fail(`${name} is not a function: write ${name} * (...) for a product`, node);
    this.fail(`unknown function "${name}"${suggestion(name, [...FUNCTIONS, 'D', 'lap'])}; functions: ${FUNCTIONS.join(' ')}, D(u, x, ...), lap(u)`, { span: node.nameSpan });
  }

}

/** An equation's residual a − b (or an expression's value) as a resolved tree. */
export function resolveEquation(src: Source, scope: Scope): Expr {
  const { left, right } = parseEquation(src);
  const r = new Resolver(scope, src);
  return right ? sub(r.expr(left), r.expr(right)) : r.expr(left);
}

/** An expression (no `=`) as a resolved tree. */
export function resolveExpression(src: Source, scope: Scope): Expr {
  return new Resolver(scope, src).expr(parseExpression(src));
}

