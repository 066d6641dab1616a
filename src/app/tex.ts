/**
 * A small TeX-to-MathML converter for the equations the problems show (fractions,
 * powers and indices, Greek letters, sums, partial derivatives, named functions, text),
 * so the browser typesets them natively (MathML Core) without a math library. Unknown
 * commands are shown as their names; nothing is evaluated.
 */

const SYMBOLS: Record<string, [string, 'mi' | 'mo']> = {
  alpha: ['α', 'mi'], beta: ['β', 'mi'], gamma: ['γ', 'mi'], delta: ['δ', 'mi'], epsilon: ['ε', 'mi'], lambda: ['λ', 'mi'],
  mu: ['μ', 'mi'], nu: ['ν', 'mi'], pi: ['π', 'mi'], sigma: ['σ', 'mi'], phi: ['φ', 'mi'], omega: ['ω', 'mi'], xi: ['ξ', 'mi'],
  Delta: ['Δ', 'mo'], nabla: ['∇', 'mo'], partial: ['∂', 'mo'], sum: ['∑', 'mo'], prod: ['∏', 'mo'], int: ['∫', 'mo'],
  cdot: ['·', 'mo'], times: ['×', 'mo'], in: ['∈', 'mo'], le: ['≤', 'mo'], ge: ['≥', 'mo'], pm: ['±', 'mo'], to: ['→', 'mo'],
  infty: ['∞', 'mi'], ldots: ['…', 'mo'], prime: ['′', 'mo'], subset: ['⊂', 'mo'],
};
/** \mathbb{X}: the double-struck letters the equations use. */
const DOUBLE_STRUCK: Record<string, string> = { R: 'ℝ', E: '𝔼', N: 'ℕ', Z: 'ℤ' };
const FUNCTIONS = new Set(['sin', 'cos', 'tan', 'tanh', 'sinh', 'cosh', 'sech', 'exp', 'log', 'ln']);

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

class Parser {
  private i = 0;
  constructor(private readonly src: string) {}

  /** A row of atoms up to a closing brace or the end. */
  row(): string {
    const items: string[] = [];
    while (this.i < this.src.length && this.src[this.i] !== '}') {
      const atom = this.atom();
      if (atom !== null) items.push(this.scripts(atom));
    }
    return items.length === 1 ? items[0] : `<mrow>${items.join('')}</mrow>`;
  }

  /** One argument: a braced group or a single atom. */
  private arg(): string {
    this.skipSpace();
    if (this.src[this.i] === '{') {
      this.i++;
      const r = this.row();
      this.i++; // '}'
      return r;
    }
    return this.atom() ?? '<mrow></mrow>';
  }

  private skipSpace(): void {
    while (this.src[this.i] === ' ') this.i++;
  }

  /** Attach ^ and _ that follow an atom. */
  private scripts(base: string): string {
    let sup: string | null = null;
    let sub: string | null = null;
    for (;;) {
      const c = this.src[this.i];
      if (c === '^' && sup === null) {
        this.i++;
        sup = this.arg();
      } else if (c === '_' && sub === null) {
        this.i++;
        sub = this.arg();
      } else if (c === "'") {
        let primes = '';
        while (this.src[this.i] === "'") {
          primes += '′';
          this.i++;
        }
        sup = `<mo>${primes}</mo>`;
      } else break;
    }
    if (sup !== null && sub !== null) return `<msubsup>${base}${sub}${sup}</msubsup>`;
    if (sup !== null) return `<msup>${base}${sup}</msup>`;
    if (sub !== null) return `<msub>${base}${sub}</msub>`;
    return base;
  }

  private atom(): string | null {
    const c = this.src[this.i];
    if (c === ' ') {
      this.i++;
      return null;
    }
    if (c === '{') {
      this.i++;
      const r = this.row();
      this.i++;
      return r;
    }
    if (c === '\\') return this.command();
    if (/[0-9.]/.test(c)) {
      const m = /^[0-9]*\.?[0-9]+/.exec(this.src.slice(this.i))!;
      this.i += m[0].length;
      return `<mn>${m[0]}</mn>`;
    }
    this.i++;
    if (/[A-Za-z]/.test(c)) return `<mi>${c}</mi>`;
    if (c === '-') return '<mo>−</mo>';
    return `<mo>${escape(c)}</mo>`;
  }

  private command(): string {
    this.i++; // backslash
    const m = /^([A-Za-z]+|.)/.exec(this.src.slice(this.i));
    const name = m ? m[1] : '';
    this.i += name.length;
    if (name === 'frac') {
      const num = this.arg();
      return `<mfrac>${num}${this.arg()}</mfrac>`;
    }
    if (name === 'sqrt') return `<msqrt>${this.arg()}</msqrt>`;
    if (name === 'text' || name === 'mathrm') {
      this.skipSpace();
      const end = this.src.indexOf('}', this.i);
      const text = this.src.slice(this.i + 1, end);
      this.i = end + 1;
      // MathML trims the spaces around text: keep them as no-break spaces
      return `<mtext>${escape(text).replace(/^ +| +$/g, (sp) => '\u00a0'.repeat(sp.length))}</mtext>`;
    }
    if (name === ',' || name === ';' || name === 'quad') return `<mspace width="${name === 'quad' ? '1em' : '0.25em'}"></mspace>`;
    if (name === 'left' || name === 'right') return this.atom() ?? '';
    if (name === 'mathbb') {
      this.skipSpace();
      const m2 = /^\{([A-Za-z])\}/.exec(this.src.slice(this.i));
      if (m2 && DOUBLE_STRUCK[m2[1]]) {
        this.i += m2[0].length;
        return `<mi mathvariant="normal">${DOUBLE_STRUCK[m2[1]]}</mi>`;
      }
    }
    if (FUNCTIONS.has(name)) return `<mi mathvariant="normal">${name}</mi>`;
    const sym = SYMBOLS[name];
    if (sym) return `<${sym[1]}>${sym[0]}</${sym[1]}>`;
    return `<mtext>${escape(name)}</mtext>`;
  }
}

/** Every command the converter knows (tests check that the problems use only these). */
export const KNOWN_COMMANDS: readonly string[] = ['frac', 'sqrt', 'text', 'mathrm', 'quad', 'left', 'right', 'mathbb', ...FUNCTIONS, ...Object.keys(SYMBOLS)];

/** MathML markup (a <math> element) for a TeX formula. */
export function texToMathML(tex: string, display = false): string {
  return `<math${display ? ' display="block"' : ''}>${new Parser(tex).row()}</math>`;
}
