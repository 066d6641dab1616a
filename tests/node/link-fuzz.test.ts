/**
 * Links fuzzed (issue "Hardening"): 5,000 generated hashes through the pure link parser every
 * view uses (parseLink: the view's name, then the experiment spec or the view's settings table).
 * No exception escapes; every value a view gets is one its table allows; every notice is one
 * short line that echoes at most 40 characters of input; a view's settings, written back into a
 * link and read again, come back unchanged with no notice.
 */
import { describe, expect, it } from 'vitest';
import { BENCH_SETTINGS, EXPLORER_SETTINGS, parseLink } from '../../src/app/view-settings';
import { serializeSettings } from '../../src/app/settings';
import { FIELDS_OF, fieldsFor, specToParams } from '../../src/engine/spec/experiment';
import { Rng } from '../../src/engine/sampling/rng';

const VIEWS = ['train', 'highdim', 'derivatives', 'benchmark', 'check', 'Train', 'HIGHDIM', '', 'foo', 'train?', '<script>', 'benchmark#x'];
const HOSTILE = ['', ' ', '-1', '0', '1e9', '1e308', '-1e308', 'NaN', 'Infinity', '0x10', '1.5', '007', '2e3', '99999999999999999999', '__proto__', 'constructor', 'toString', '<img src=x onerror=alert(1)>', '"; } fn main() {', '%00', '\u0000', '\n', 'a'.repeat(10_000), '0-99', '0-1000000000', '1,3,5', '1-', 'tanh', 'sin', 'on', 'off', 'sparse', 'dense', 'heat-1d', 'sine-gordon-twobody', 'hjb-lin', 'taylor', 'ad', 'fd', 'stein', 'stde'];

/** A random hash: a view name and up to 12 settings, known keys or not, values valid or hostile. */
function randomHash(rng: Rng): string {
  const view = VIEWS[Math.floor(rng.uniform() * VIEWS.length)];
  const keys = [...new Set([...Object.keys(FIELDS_OF.train), ...Object.keys(FIELDS_OF.highdim), ...Object.keys(EXPLORER_SETTINGS), ...Object.keys(BENCH_SETTINGS), 'view', 'run', 'classroom', 'hide', '__proto__', 'constructor', 'x'.repeat(200), '\n', 'a\u0000b', '<b>'])];
  const params = new URLSearchParams();
  const n = Math.floor(rng.uniform() * 13);
  for (let i = 0; i < n; i++) {
    const key = keys[Math.floor(rng.uniform() * keys.length)];
    const r = rng.uniform();
    const value = r < 0.5 ? HOSTILE[Math.floor(rng.uniform() * HOSTILE.length)] : r < 0.8 ? String(Math.round((rng.uniform() - 0.3) * 10 ** Math.floor(rng.uniform() * 8))) : String(rng.uniform() * 100);
    params.append(key, value);
  }
  const tail = rng.uniform() < 0.05 ? '&&=&%zz&' : '';
  return `#${view}?${params.toString()}${tail}`;
}

type AnyField = { kind: string; min?: number; max?: number; choices?: readonly string[]; pattern?: RegExp; check?: (v: string) => true | string };

function expectAllowed(fields: Record<string, AnyField>, values: Record<string, string | number>, hash: string) {
  for (const [key, f] of Object.entries(fields)) {
    const v = values[key];
    if (v === undefined) continue;
    if (f.kind === 'int') {
      expect(Number.isInteger(v), `${hash}: ${key} = ${v}`).toBe(true);
      expect(v as number, `${hash}: ${key}`).toBeGreaterThanOrEqual(f.min!);
      expect(v as number, `${hash}: ${key}`).toBeLessThanOrEqual(f.max!);
    } else if (f.kind === 'choice') expect(f.choices!.includes(v as string), `${hash}: ${key} = ${v}`).toBe(true);
    else if (f.pattern) {
      expect(f.pattern.test(String(v)), `${hash}: ${key} = ${v}`).toBe(true);
      if (f.check) expect(f.check(String(v)), `${hash}: ${key} = ${v}`).toBe(true);
    }
  }
}

describe('links fuzzed: 5,000 generated hashes through every view’s parser', () => {
  it('no exception escapes, values stay in their tables, notices are single short lines, and a written-back link reads back unchanged', async () => {
    const rng = new Rng(20261207);
    let noticed = 0;
    for (let n = 0; n < 5000; n++) {
      const hash = randomHash(rng);
      const { view, values, notices } = parseLink(hash);
      noticed += notices.length > 0 ? 1 : 0;
      for (const line of notices) {
        expect(line, hash).not.toMatch(/[\n\r]/);
        expect(line.includes(String.fromCharCode(0)), hash).toBe(false);
        expect(line.length, `${hash}: ${line}`).toBeLessThanOrEqual(400);
        expect(line, hash).not.toContain('a'.repeat(41));
      }
      if (view === 'train' || view === 'highdim') {
        expectAllowed(fieldsFor(view, String(values.pde)) as unknown as Record<string, AnyField>, values, hash);
        const again = parseLink(`#${view}?${specToParams(view, values).toString()}`);
        expect(again.notices, hash).toEqual([]);
        expect(again.values, hash).toEqual(values);
      } else if (view === 'derivatives' || view === 'benchmark') {
        const table = view === 'derivatives' ? EXPLORER_SETTINGS : BENCH_SETTINGS;
        expectAllowed(table as unknown as Record<string, AnyField>, values, hash);
        const again = parseLink(`#${view}?${serializeSettings(table, values as never).toString()}`);
        expect(again.notices, hash).toEqual([]);
        expect(again.values, hash).toEqual(values);
      }
      // yield now and then: vitest's worker answers its RPC between batches
      if (n % 250 === 0) await new Promise((r) => setImmediate(r));
    }
    // the generator reaches the refusals it is for
    expect(noticed).toBeGreaterThan(2500);
  });

  it('the findings: orders above 20 in a benchmark link and a hex dimension get a notice', () => {
    expect(parseLink('#benchmark?orders=0-99').notices).toEqual([expect.stringMatching(/^Orders: .*20.*; using 0-6$/)]);
    expect(parseLink('#benchmark?orders=0-99').values.orders).toBe('0-6');
    expect(parseLink('#highdim?dim=0x10').notices.length).toBe(1);
    expect(parseLink('#foo?pde=heat-1d&width=8').notices[0]).toMatch(/does not exist; it opened Train/);
    expect(parseLink('#foo?pde=heat-1d&width=8').values.width).toBe(8);
  });
});
