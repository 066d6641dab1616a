/**
 * Names to meaning: an expression's syntax tree (./syntax.ts) to the resolved tree (./expr.ts)
 * in a scope of inputs, outputs, parameters and unknowns. `u_xt` and `D(u, x, t)` become the
 * derivative atom ∂²u/∂x∂t, `lap(u)` a Laplacian atom, `D(expr, x)` of an expression its total
 * derivative. Every refusal names the characters it is about.
 */
import { MAX_JET_ORDER } from '../jets/taylor-jet';
import { add, arity, AtomTable, atomExpr, div, fn, FUNCTIONS, mul, neg, num, pow, sub, total, type Expr, type FunctionName } from './expr';
import { EquationError, parseEquation, parseExpression, type Ast, type Source } from './syntax';

/** Names the language gives meaning to; a problem may not use them for its own. */
export const RESERVED = new Set<string>([...FUNCTIONS, 'pi', 'e', 'D', 'lap', 'sum', 'norm2', 'boundary', 'periodic']);

/** The highest total derivative order an equation may ask for (the jets' maximum). */
export const MAX_ORDER = MAX_JET_ORDER;

export interface Scope {
  inputs: readonly string[];
  outputs: readonly string[];
  parameters: Readonly<Record<string, number>>;
  unknowns: readonly string[];
  /** Derivatives and outputs allowed (false in an exact solution, which is a function of the inputs alone). */
  derivatives: boolean;
  table: AtomTable;
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
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

class Resolver {
  constructor(
    private readonly scope: Scope,
    private readonly src: Source,
  ) {}

  private fail(detail: string, at: Ast | { span: { start: number; end: number } }): never {
    throw new EquationError(this.src, detail, at.span);
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

  name(node: Extract<Ast, { kind: 'name' }>): Expr {
    const { name } = node;
    const s = this.scope;
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
    if (a.kind !== 'name' || !this.scope.inputs.includes(a.name)) this.fail(`${what} must be an input name (${this.scope.inputs.join(', ')})`, a);
    return this.scope.inputs.indexOf(a.name);
  }

  call(node: Extract<Ast, { kind: 'call' }>): Expr {
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
      for (const a of axes) e = total(e, a, s.table);
      for (const atom of s.table.atoms) {
        const order = atom.alpha.reduce((x, y) => x + y, 0) + (atom.lap ? 2 : 0);
        if (order > MAX_ORDER) this.fail(`this derivative reaches order ${order}: the engine computes up to order ${MAX_ORDER}`, node);
      }
      return e;
    }
    if (name === 'lap') {
      const target = args[0];
      if (!target || target.kind !== 'name' || !s.outputs.includes(target.name)) this.fail(`lap(u) takes an output (${s.outputs.join(', ') || 'none here'}) and optionally the inputs it sums over`, target ?? node);
      this.noDerivatives(`the Laplacian lap(${target.name})`, node);
      const axes = args.length > 1 ? args.slice(1).map((a) => this.inputArg(a, 'each argument of lap after the first')) : s.inputs.flatMap((n, j) => (n === 't' ? [] : [j]));
      if (axes.length === 0) this.fail('lap(u) sums over every input except t, and this problem has no other', node);
      if (new Set(axes).size !== axes.length) this.fail('lap(u, ...) names an input twice', node);
      return atomExpr(s.table, s.outputs.indexOf(target.name), s.inputs.map(() => 0), axes);
    }
    if (name === 'sum' || name === 'norm2') this.fail(`${name}(...) needs a vector input (x[1]..x[d]); this problem's inputs are scalars`, node);
    if (s.inputs.includes(name) || s.outputs.includes(name) || Object.hasOwn(s.parameters, name) || s.unknowns.includes(name)) this.fail(`${name} is not a function: write ${name} * (...) for a product`, node);
    this.fail(`unknown function "${name}"${suggestion(name, [...FUNCTIONS, 'D', 'lap'])}; functions: ${FUNCTIONS.join(' ')}, D(u, x, ...), lap(u)`, { span: node.nameSpan });
  }

  expr(node: Ast): Expr {
    switch (node.kind) {
      case 'num':
        return num(node.value);
      case 'name':
        return this.name(node);
      case 'call':
        return this.call(node);
      case 'index':
        this.fail('indexing x[i] needs a vector input; this problem has scalar inputs', node);
        break;
      case 'neg':
        return neg(this.expr(node.arg));
      case 'bin': {
        const a = this.expr(node.left);
        if (node.op === '/' && node.right.kind === 'num' && node.right.value === 0) this.fail('division by zero', node.right);
        const b = this.expr(node.right);
        const e = node.op === '+' ? add(a, b) : node.op === '-' ? sub(a, b) : node.op === '*' ? mul(a, b) : node.op === '/' ? div(a, b) : pow(a, b);
        if (e.k === 'num' && !Number.isFinite(e.v)) this.fail('this constant part is not a finite number', node);
        return e;
      }
    }
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

