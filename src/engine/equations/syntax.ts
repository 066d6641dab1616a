/**
 * The equation language's syntax: text to a tree whose every node knows where it came from,
 * so each later error (an unknown name, a derivative of a missing input) points at its
 * characters with a caret. A small recursive-descent parser over a whitelist grammar, never
 * `eval` or `Function`:
 *
 *   equation := expr ('=' expr)?
 *   expr     := term (('+' | '-') term)*
 *   term     := unary (('*' | '/') unary)*
 *   unary    := ('-' | '+') unary | power
 *   power    := postfix ('^' unary)?            (right-associative: 2^3^2 = 2^9; -x^2 = -(x^2))
 *   postfix  := primary ('[' expr ']')?         (a coordinate of a vector input: x[i])
 *   primary  := number | name | name '(' expr (',' expr)* ')' | '(' expr ')'
 *
 * Why not a general expression library (mathjs's parse, say): its trees carry no source
 * positions, its grammar (assignments, matrices, units, ranges, function definitions) is far
 * wider than an equation's and would need walking back, and what follows (resolving
 * `u_xt` into derivatives, symbolic differentiation for the gradients, WGSL and f64 back
 * ends) works on this tree anyway.
 */
import { InputError } from '../errors';

/**
 * Limits that keep a hostile or mistaken text from costing much: chars, depth and nodes are
 * checked while parsing; derived while resolving (the nodes, counted as a tree, that the
 * total derivatives D(expr, x, ...) of one text may write out: each differentiation can
 * multiply an expression's size).
 */
export const LIMITS = { chars: 4000, depth: 48, nodes: 4000, derived: 10_000 } as const;

/** The largest magnitude of a constant (a number, or a constant part folded while resolving): about f32's largest. */
export const F32_MAX = 3.4e38;

/** A span of the source text: [start, end). */
export interface Span {
  start: number;
  end: number;
}

export type Ast =
  | { kind: 'num'; value: number; span: Span }
  | { kind: 'name'; name: string; span: Span }
  | { kind: 'call'; name: string; args: Ast[]; span: Span; nameSpan: Span }
  | { kind: 'index'; target: Ast; index: Ast; span: Span }
  | { kind: 'neg'; arg: Ast; span: Span }
  | { kind: 'bin'; op: '+' | '-' | '*' | '/' | '^'; left: Ast; right: Ast; span: Span };

/** Where a text came from, for messages: the file and the field (e.g. `heat.json`, `equations[0]`). */
export interface Source {
  file?: string;
  field: string;
  text: string;
}

/**
 * An error in an equation or a problem file: the file, the field, and for an expression the
 * text with a caret under the offending characters, in one message.
 */
export class EquationError extends InputError {
  constructor(
    readonly source: Source | { file?: string; field: string },
    readonly detail: string,
    readonly span?: Span,
  ) {
    super(formatError(source, detail, span));
    this.name = 'EquationError';
  }
}

/**
 * Every control character and line separator as a space (one UTF-16 unit for one, so a caret
 * stays aligned): a refused ESC or NUL in a text, a JSON key or a file name is named in the
 * detail (U+001B), never written raw to the terminal or page that shows the message.
 */
// eslint-disable-next-line no-control-regex
const printable = (s: string) => s.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, ' ');

function formatError(source: Source | { file?: string; field: string }, detail: string, span?: Span): string {
  // a file or field named by the input (a JSON key) is shown cut to a line's worth
  const cut = (t: string | undefined) => (t !== undefined && t.length > 120 ? `${t.slice(0, 120)}…` : t);
  const where = [cut(source.file), cut(source.field)].filter(Boolean).join(': ');
  const head = printable(`${where}: ${detail}`);
  if (!('text' in source) || span === undefined) return head;
  // one line of context: the text (cut to about 100 characters around the span) and the caret
  const text = printable(source.text);
  const from = Math.max(0, Math.min(span.start - 40, text.length - 100));
  const to = Math.min(text.length, from + 100);
  const shown = (from > 0 ? '…' : '') + text.slice(from, to) + (to < text.length ? '…' : '');
  const pad = span.start - from + (from > 0 ? 1 : 0);
  const width = Math.max(1, Math.min(span.end, to) - span.start);
  return `${head}\n  ${shown}\n  ${' '.repeat(Math.max(0, pad))}${'^'.repeat(width)}`;
}

type Token = { kind: 'num'; value: number; span: Span } | { kind: 'name'; name: string; span: Span } | { kind: 'op'; op: string; span: Span } | { kind: 'end'; span: Span };

const OPS = new Set(['+', '-', '*', '/', '^', '(', ')', ',', '=', '[', ']']);

function tokenize(src: Source): Token[] {
  const s = src.text;
  const tokens: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if ((c >= '0' && c <= '9') || (c === '.' && s[i + 1] >= '0' && s[i + 1] <= '9')) {
      while (i < s.length && s[i] >= '0' && s[i] <= '9') i++;
      if (s[i] === '.') {
        i++;
        while (i < s.length && s[i] >= '0' && s[i] <= '9') i++;
      }
      if ((s[i] === 'e' || s[i] === 'E') && /^[eE][+-]?[0-9]/.test(s.slice(i, i + 3))) {
        i += s[i + 1] === '+' || s[i + 1] === '-' ? 2 : 1;
        while (i < s.length && s[i] >= '0' && s[i] <= '9') i++;
      }
      const value = Number(s.slice(start, i));
      const span = { start, end: i };
      if (!(Math.abs(value) <= F32_MAX)) throw new EquationError(src, 'this number is beyond f32 (about 3.4e38)', span);
      if (/^[A-Za-z_]/.test(s[i] ?? '')) throw new EquationError(src, 'a number followed by a name: write the product with *', { start, end: i + 1 });
      tokens.push({ kind: 'num', value, span });
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      while (i < s.length && /[A-Za-z0-9_]/.test(s[i])) i++;
      tokens.push({ kind: 'name', name: s.slice(start, i), span: { start, end: i } });
      continue;
    }
    if (c === '*' && s[i + 1] === '*') throw new EquationError(src, 'write powers with ^, not **', { start, end: i + 2 });
    if (c === '=' && s[i + 1] === '=') throw new EquationError(src, 'write an equation with one =', { start, end: i + 2 });
    if (OPS.has(c)) {
      tokens.push({ kind: 'op', op: c, span: { start, end: i + 1 } });
      i++;
      continue;
    }
    const shown = /[\x20-\x7e]/.test(c) ? `"${c}"` : `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    throw new EquationError(src, `unexpected character ${shown}: expressions use numbers, names, + - * / ^, parentheses and commas`, { start, end: i + 1 });
  }
  tokens.push({ kind: 'end', span: { start: s.length, end: s.length + 1 } });
  return tokens;
}

class Parser {
  private pos = 0;
  private depth = 0;
  private nodes = 0;

  constructor(
    private readonly src: Source,
    private readonly tokens: Token[],
  ) {}

  private get tok(): Token {
    return this.tokens[this.pos];
  }

  private fail(detail: string, span: Span = this.tok.span): never {
    throw new EquationError(this.src, detail, span);
  }

  private isOp(op: string): boolean {
    const t = this.tok;
    return t.kind === 'op' && t.op === op;
  }

  private expect(op: string, what: string): Span {
    if (!this.isOp(op)) this.fail(this.tok.kind === 'end' ? `the expression ends early: expected ${what}` : `expected ${what}`);
    return this.tokens[this.pos++].span;
  }

  private node<T extends Ast>(n: T): T {
    if (++this.nodes > LIMITS.nodes) this.fail(`the expression is too long (more than ${LIMITS.nodes} parts)`, n.span);
    return n;
  }

  private nested<T>(f: () => T): T {
    if (++this.depth > LIMITS.depth) this.fail(`the expression is nested too deeply (more than ${LIMITS.depth} levels)`);
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  /** expr ('=' expr)? : the residual a − b for an equation, the expression itself otherwise. */
  equation(): { left: Ast; right: Ast | null } {
    const left = this.expr();
    let right: Ast | null = null;
    if (this.isOp('=')) {
      this.pos++;
      right = this.expr();
      if (this.isOp('=')) this.fail('an equation has one =');
    }
    if (this.tok.kind !== 'end') this.fail(this.tok.kind === 'op' && this.tok.op === ')' ? 'this ) has no matching (' : 'expected an operator (+ - * / ^) or the end here');
    return { left, right };
  }

  expr(): Ast {
    return this.nested(() => {
      let left = this.term();
      while (this.isOp('+') || this.isOp('-')) {
        const op = (this.tokens[this.pos++] as { op: '+' | '-' }).op;
        const right = this.term();
        left = this.node({ kind: 'bin', op, left, right, span: { start: left.span.start, end: right.span.end } });
      }
      return left;
    });
  }

  private term(): Ast {
    let left = this.unary();
    while (this.isOp('*') || this.isOp('/')) {
      const op = (this.tokens[this.pos++] as { op: '*' | '/' }).op;
      const right = this.unary();
      left = this.node({ kind: 'bin', op, left, right, span: { start: left.span.start, end: right.span.end } });
    }
    return left;
  }

  private unary(): Ast {
    return this.nested(() => {
      if (this.isOp('-') || this.isOp('+')) {
        const t = this.tokens[this.pos++] as { op: string; span: Span };
        const arg = this.unary();
        return t.op === '+' ? arg : this.node({ kind: 'neg', arg, span: { start: t.span.start, end: arg.span.end } });
      }
      return this.power();
    });
  }

  private power(): Ast {
    const base = this.postfix();
    if (!this.isOp('^')) return base;
    this.pos++;
    const exponent = this.unary();
    return this.node({ kind: 'bin', op: '^', left: base, right: exponent, span: { start: base.span.start, end: exponent.span.end } });
  }

  private postfix(): Ast {
    const target = this.primary();
    if (!this.isOp('[')) return target;
    this.pos++;
    const index = this.expr();
    const close = this.expect(']', 'a closing ]');
    return this.node({ kind: 'index', target, index, span: { start: target.span.start, end: close.end } });
  }

  private primary(): Ast {
    const t = this.tok;
    if (t.kind === 'num') {
      this.pos++;
      return this.node({ kind: 'num', value: t.value, span: t.span });
    }
    if (t.kind === 'name') {
      this.pos++;
      if (!this.isOp('(')) return this.node({ kind: 'name', name: t.name, span: t.span });
      this.pos++;
      const args: Ast[] = [];
      if (this.isOp(')')) this.fail(`${t.name}( ) needs an argument`);
      args.push(this.expr());
      while (this.isOp(',')) {
        this.pos++;
        args.push(this.expr());
      }
      const close = this.expect(')', `a , or the closing ) of ${t.name}(`);
      return this.node({ kind: 'call', name: t.name, args, span: { start: t.span.start, end: close.end }, nameSpan: t.span });
    }
    if (t.kind === 'op' && t.op === '(') {
      this.pos++;
      const inner = this.expr();
      this.expect(')', 'a closing )');
      return inner;
    }
    if (t.kind === 'end') this.fail('the expression ends early: expected a number, a name or (');
    this.fail(`expected a number, a name or ( here, not "${(t as { op: string }).op}"`);
  }
}

/** Parse one equation `a = b` (or an expression): its two sides, the second null without `=`. */
export function parseEquation(src: Source): { left: Ast; right: Ast | null } {
  if (typeof src.text !== 'string') throw new EquationError(src, 'must be a string');
  if (src.text.length > LIMITS.chars) throw new EquationError({ file: src.file, field: src.field }, `the text is ${src.text.length} characters long; at most ${LIMITS.chars} are accepted`);
  if (src.text.trim() === '') throw new EquationError(src, 'is empty', { start: 0, end: 1 });
  return new Parser(src, tokenize(src)).equation();
}

/** Parse an expression (no `=`). */
export function parseExpression(src: Source): Ast {
  const { left, right } = parseEquation(src);
  if (right) throw new EquationError(src, 'expected an expression, not an equation', { start: left.span.end, end: right.span.start });
  return left;
}
