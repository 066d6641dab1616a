/**
 * Fuzzing the readers the equation-language fuzz (equations-fuzz.test.ts) does not reach:
 * 2,000 mutated high-dimensional problem files (compiled at d = 5) and 2,000 CSV texts (the data
 * and reference tables). Seeded. Properties: only the input errors escape (EquationError, or a
 * RangeError naming the dimension); every message is one line, or three with a caret, and
 * echoes at most a short piece of the input; generated WGSL holds parsed tokens only.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileHighDim } from '../../src/engine/equations/highdim-file';
import { parseCsv } from '../../src/engine/equations/problem-file';
import { EquationError } from '../../src/engine/equations/syntax';
import { Rng } from '../../src/engine/sampling/rng';

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng.uniform() * xs.length)];
const HOSTILE = ['', ' ', '(', ')', '[', ']', ',', '=', '^', '*', '/ 0', 'x', 'x[i]', 'x[i + 9]', 'x[i - 1]', 'x[1]', 'i', 'N', 'u', 'u_t', 'u_x', 'D(u, x[i])', 'lap(u)', 'norm2(x)', 'sum(x[i], i)', 'sum(sum(x[i], j), i)', 'c[i]', 'T', 'S', '__proto__', 'constructor', 'toString', '1e39', '1e-400', 'NaN', 'Infinity', '0x10', '"; } fn main() {', '<script>', '\u0000', '\n', 'a'.repeat(5000), '9'.repeat(400), '('.repeat(60)];

/** A random edit of a JSON value: strings get hostile pieces spliced in, numbers change, keys go or come. */
function mutate(rng: Rng, v: unknown, depth = 0): unknown {
  if (typeof v === 'string') {
    const r = rng.uniform();
    if (r < 0.4) {
      const at = Math.floor(rng.uniform() * (v.length + 1));
      const cut = Math.floor(rng.uniform() * 4);
      return v.slice(0, at) + pick(rng, HOSTILE) + v.slice(at + cut);
    }
    return r < 0.5 ? pick(rng, HOSTILE) : v;
  }
  if (typeof v === 'number') return rng.uniform() < 0.3 ? pick(rng, [0, -1, 1e9, 2 ** 31, 1.5, NaN, 1e308, -0.5, '1000', null]) : v;
  if (Array.isArray(v)) return rng.uniform() < 0.1 ? pick(rng, [[], {}, 'x', null]) : v.map((x) => mutate(rng, x, depth + 1));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const r = rng.uniform();
      if (r < 0.04 && depth > 0) continue;
      out[r < 0.06 ? pick(rng, ['__proto__', 'constructor', 'hard', 'N', 'x', k + 'x']) : k] = rng.uniform() < 0.5 ? mutate(rng, x, depth + 1) : x;
    }
    return out;
  }
  return rng.uniform() < 0.2 ? pick(rng, ['x', 3, null, {}]) : v;
}

function expectOneMessage(err: unknown, label: string): void {
  const ok = err instanceof EquationError || (err instanceof RangeError && /the dimension must be an integer/.test(err.message));
  expect(ok, `${label}: ${String(err)}`).toBe(true);
  const lines = (err as Error).message.split('\n');
  expect(lines.length === 1 || lines.length === 3, `${label}: ${(err as Error).message}`).toBe(true);
  expect((err as Error).message.length, `${label}: ${(err as Error).message.slice(0, 300)}`).toBeLessThan(1200);
  expect((err as Error).message.includes(String.fromCharCode(0)), label).toBe(false);
}

/** What generated WGSL may hold: numbers, operators, the kernels' names, known functions. */
const WGSL_WORDS = new Set(['let', 'var', 'for', 'if', 'return', 'vec2f', 'vec3f', 'f32', 'u', 'ut', 'utt', 'ui', 'uii', 'xi', 'xa', 'z', 'zz', 'p', 'o', 'i', 'a', 'D', 'DIN', 'coef', 'aux', 'psin', 'pcos', 'exp', 'log', 'sqrt', 'abs', 'sinh', 'cosh', 'sign', 'tan', 'min', 'max', 'tanh', 'clamp', 'pow', 'powi', 'select']);

describe('fuzzed high-dimensional problem files and CSV tables', () => {
  it('2,000 mutated high-dimensional files: input errors only, one clear message each, parsed tokens only in WGSL', async () => {
    const rng = new Rng(5150);
    const bases = ['hjb-lin', 'sine-gordon-twobody', 'bsb', 'wave-sinh'].map((id) => JSON.parse(readFileSync(`problems/${id}.json`, 'utf8')) as unknown);
    let accepted = 0;
    for (let n = 0; n < 2000; n++) {
      const doc = mutate(rng, pick(rng, bases));
      const label = `case ${n}: ${JSON.stringify(doc).slice(0, 300)}`;
      try {
        const { problem } = compileHighDim(doc, { file: 'fuzz.json', dim: 5 });
        accepted++;
        for (const code of Object.values(problem.wgsl)) {
          const words = code.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
          for (const w of words) expect(WGSL_WORDS.has(w) || /^[a-m][0-9]+$/.test(w) || /^[0-9]/.test(w), `${label}: ${w} in ${code}`).toBe(true);
        }
      } catch (err) {
        expectOneMessage(err, label);
      }
      if (n % 200 === 0) await new Promise((r) => setImmediate(r));
    }
    // the mutations leave some files valid, and refuse most
    expect(accepted).toBeGreaterThan(50);
    expect(accepted).toBeLessThan(1900);
  });

  it('2,000 CSV texts: a table or one line naming the line, column and a short piece of the cell', () => {
    const rng = new Rng(6262);
    const base = readFileSync('problems/lorenz-data.csv', 'utf8').split('\n').slice(0, 12);
    const CELLS = ['', ' ', '1e5', '-0', '0x10', '1_000', 'Infinity', 'NaN', '1e400', '"3"', 'a'.repeat(3000), '\u0000', '\t', '1,2', '=1+1', '<b>', '٣', '1e', '.5', '5.'];
    let tables = 0;
    for (let n = 0; n < 2000; n++) {
      const lines = base.map((l) => l.split(','));
      const edits = 1 + Math.floor(rng.uniform() * 4);
      for (let e = 0; e < edits; e++) {
        const r = Math.floor(rng.uniform() * lines.length);
        const c = Math.floor(rng.uniform() * lines[r].length);
        lines[r][c] = pick(rng, CELLS);
      }
      if (rng.uniform() < 0.1) lines.splice(1, lines.length);
      const text = lines.map((l) => l.join(',')).join(rng.uniform() < 0.2 ? '\r\n' : '\n');
      try {
        const t = parseCsv(text, { file: 'fuzz.csv', field: 'data' });
        tables++;
        for (const row of t.rows) for (const v of row) expect(Number.isFinite(v)).toBe(true);
      } catch (err) {
        expectOneMessage(err, `case ${n}: ${JSON.stringify(text.slice(0, 200))}`);
        expect((err as Error).message, `case ${n}`).not.toContain('a'.repeat(41));
      }
    }
    expect(tables).toBeGreaterThan(50);
  });

  it('CSV cells are plain decimal numbers: hexadecimal, empty and non-finite cells are refused with their place', () => {
    const at = (cell: string) => () => parseCsv(`t,x\n0,${cell}\n`, { file: 'd.csv', field: 'data' });
    expect(at('0x10')).toThrow(/d\.csv: data: line 2, column 2: "0x10" is not a decimal number/);
    expect(at('')).toThrow(/line 2, column 2: "" is not a decimal number/);
    expect(at('1e400')).toThrow(/"1e400" is not a finite number/);
    expect(parseCsv('t,x\n0,-1.5e-3\n1,.5\n', { field: 'data' }).rows).toEqual([[0, -1.5e-3], [1, 0.5]]);
  });
});
