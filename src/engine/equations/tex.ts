/**
 * An equation's syntax tree (./syntax.ts) as TeX, for the app's typeset heading: u_xt becomes
 * u_{xt}, D(u, x, x, t) a ∂³u/∂x²∂t fraction, lap(u) Δu, a / b a fraction, Greek parameter
 * names their letters. Only parsed tokens are printed (names are letters, digits and _).
 */
import type { Ast } from './syntax';

const GREEK = new Set(['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'lambda', 'mu', 'nu', 'pi', 'sigma', 'phi', 'omega', 'xi']);
const NAMED = new Set(['sin', 'cos', 'tan', 'exp', 'log', 'tanh', 'sinh', 'cosh']);

/** A name: Greek letters as commands, a derivative subscript or index after an underscore as a subscript. */
function nameTex(name: string): string {
  if (GREEK.has(name)) return `\\${name}`;
  const m = /^([A-Za-z][A-Za-z0-9]*)_([A-Za-z0-9_]+)$/.exec(name);
  if (m) return `${nameTex(m[1])}_{${m[2].replace(/_/g, ',')}}`;
  return name.length > 1 && !/^[A-Za-z][0-9]*$/.test(name) ? `\\text{${name}}` : name;
}

const PRECEDENCE: Record<string, number> = { '+': 1, '-': 1, '*': 2, '/': 3, '^': 4 };

function prec(a: Ast): number {
  if (a.kind === 'call' && a.name === 'sum') return 1.5;
  return a.kind === 'bin' ? PRECEDENCE[a.op] : a.kind === 'neg' ? 1.5 : 5;
}

function wrap(a: Ast, min: number): string {
  const t = astTex(a);
  return prec(a) < min ? `\\left(${t}\\right)` : t;
}

export function astTex(a: Ast): string {
  switch (a.kind) {
    case 'num':
      return Math.abs(a.value) >= 1e5 || (a.value !== 0 && Math.abs(a.value) < 1e-4) ? a.value.toExponential().replace(/e([+-]?)(\d+)/, (_, s, d) => ` \\times 10^{${s === '-' ? '-' : ''}${d}}`) : String(a.value);
    case 'name':
      return nameTex(a.name);
    case 'neg':
      return `-${wrap(a.arg, 2)}`;
    case 'index':
      return `${astTex(a.target)}_{${astTex(a.index)}}`;
    case 'bin':
      switch (a.op) {
        case '+':
          return `${astTex(a.left)} + ${wrap(a.right, 1.5)}`;
        case '-':
          return `${astTex(a.left)} - ${wrap(a.right, 2)}`;
        case '*': {
          const r = wrap(a.right, 2);
          // a number after a factor needs a visible product
          return `${wrap(a.left, 1.5)}${a.right.kind === 'num' ? ' \\cdot ' : ' \\, '}${r}`;
        }
        case '/':
          return `\\frac{${astTex(a.left)}}{${astTex(a.right)}}`;
        case '^':
          return `{${wrap(a.left, 5)}}^{${astTex(a.right)}}`;
      }
      break;
    case 'call': {
      const args = a.args.map(astTex);
      if (NAMED.has(a.name)) return `\\${a.name}\\left(${args[0]}\\right)`;
      if (a.name === 'sqrt') return `\\sqrt{${args[0]}}`;
      if (a.name === 'abs') return `\\left|${args[0]}\\right|`;
      if (a.name === 'lap' && a.args.length === 1 && a.args[0].kind === 'call' && a.args[0].name === 'lap' && a.args[0].args.length === 1) return `\\Delta^{2} ${astTex(a.args[0].args[0])}`;
      if (a.name === 'sum') return `\\sum_{${args[1]}${a.args.length === 4 ? `=${args[2]}}^{${args[3]}` : ''}} ${wrap(a.args[0], 2)}`;
      if (a.name === 'norm2') return `\\left|${args[0]}\\right|^{2}`;
      if (a.name === 'lap') return a.args.length > 1 ? `\\Delta_{${args.slice(1).join(',')}} ${args[0]}` : `\\Delta ${args[0]}`;
      if (a.name === 'D') {
        const axes = args.slice(1);
        const counts = new Map<string, number>();
        for (const x of axes) counts.set(x, (counts.get(x) ?? 0) + 1);
        const den = [...counts].map(([x, n]) => `\\partial ${x}${n > 1 ? `^{${n}}` : ''}`).join(' ');
        const top = axes.length > 1 ? `^{${axes.length}}` : '';
        return a.args[0].kind === 'name' ? `\\frac{\\partial${top} ${args[0]}}{${den}}` : `\\frac{\\partial${top}}{${den}}\\left(${args[0]}\\right)`;
      }
      return `\\text{${a.name}}\\left(${args.join(', ')}\\right)`;
    }
  }
  return '';
}
