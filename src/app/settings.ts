/**
 * Declarative settings (TensorFlow Playground style): one table per view gives each
 * setting's type, default and allowed values; the same table parses the URL hash
 * (clamping or rejecting tampered values with a notice, never evaluating them) and
 * writes it back, so a link reproduces what is on screen.
 */
import { shownValue } from '../engine/errors';

export type SettingSpec =
  | { kind: 'int'; default: number; min: number; max: number; label: string; help: string }
  | { kind: 'choice'; default: string; choices: readonly string[]; label: string; help: string }
  | { kind: 'text'; default: string; pattern: RegExp; label: string; help: string; expect?: string; check?: (v: string) => true | string };

/**
 * Flags a link may carry besides settings: run=1 starts a benchmark on load; classroom=1
 * hides the advanced controls and hide=a,b hides the named ones (for a projector demo).
 */
const URL_FLAGS = ['view', 'run', 'classroom', 'hide'];

/** The classroom flags of a link: which controls to hide. */
export function hiddenControls(params: URLSearchParams, advanced: readonly string[]): Set<string> {
  const hidden = new Set((params.get('hide') ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  if (params.get('classroom') === '1') advanced.forEach((k) => hidden.add(k));
  return hidden;
}

export type SettingsTable = Record<string, SettingSpec>;
export type SettingsValues<T extends SettingsTable> = { [K in keyof T]: T[K] extends { kind: 'int' } ? number : string };

export function defaults<T extends SettingsTable>(table: T): SettingsValues<T> {
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(table)) out[k] = s.default;
  return out as SettingsValues<T>;
}

/** Parse `params` against the table; anything invalid falls back (or is clamped) with a notice. */
export function parseSettings<T extends SettingsTable>(table: T, params: URLSearchParams): { values: SettingsValues<T>; notices: string[] } {
  const values: Record<string, unknown> = defaults(table);
  const notices: string[] = [];
  for (const [k, s] of Object.entries(table)) {
    const raw = params.get(k);
    if (raw === null) continue;
    if (s.kind === 'int') {
      const v = Number(raw);
      if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(v)) {
        notices.push(`${s.label}: '${shownValue(raw)}' is not a whole number; using ${s.default}`);
      } else if (v < s.min || v > s.max) {
        const c = Math.min(s.max, Math.max(s.min, v));
        notices.push(`${s.label}: ${v} is outside [${s.min}, ${s.max}]; using ${c}`);
        values[k] = c;
      } else values[k] = v;
    } else if (s.kind === 'choice') {
      if (s.choices.includes(raw)) values[k] = raw;
      else notices.push(`${s.label}: '${shownValue(raw)}' is not one of ${s.choices.join(', ')}; using ${s.default}`);
    } else {
      // the pattern first (its shape), then the table's own check (e.g. orders up to 20)
      const verdict = s.pattern.test(raw) ? (s.check?.(raw) ?? true) : `'${shownValue(raw)}' is not ${s.expect ?? 'valid'}`;
      if (verdict === true) values[k] = raw;
      else notices.push(`${s.label}: ${verdict}; using ${s.default}`);
    }
  }
  for (const k of params.keys()) {
    if (!(k in table) && !URL_FLAGS.includes(k)) notices.push(`unknown setting '${shownValue(k)}' ignored`);
  }
  return { values: values as SettingsValues<T>, notices };
}

export function serializeSettings<T extends SettingsTable>(table: T, values: SettingsValues<T>): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of Object.keys(table)) p.set(k, String(values[k as keyof T]));
  return p;
}

/** The app's views, as links name them (App.tsx gives each its tab). */
export const VIEW_IDS = ['train', 'highdim', 'derivatives', 'benchmark', 'check'] as const;
export type ViewId = (typeof VIEW_IDS)[number];

/**
 * The view a link's name opens: its own (any letter case), Train for none, and Train for a name
 * no view has, with a notice (the link's settings then go to Train instead of being dropped).
 */
export function resolveView(name: string): { view: ViewId; notice: string | null } {
  const folded = name.trim().toLowerCase();
  const known = VIEW_IDS.find((v) => v === folded);
  if (known) return { view: known, notice: null };
  if (folded === '') return { view: 'train', notice: null };
  const shown = JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name);
  return { view: 'train', notice: `The link names a view ${shown} that does not exist; it opened Train with the link's settings (views: ${VIEW_IDS.join(', ')}).` };
}

/** The link's view (resolved) and settings. */
export function linkView(): { view: ViewId; notice: string | null; params: URLSearchParams } {
  const { view, params } = readHash();
  return { ...resolveView(view), params };
}

/** The URL hash as `view?key=value&...`. */
export function readHash(): { view: string; params: URLSearchParams } {
  const h = typeof location !== 'undefined' ? location.hash.replace(/^#/, '') : '';
  const q = h.indexOf('?');
  return { view: q < 0 ? h : h.slice(0, q), params: new URLSearchParams(q < 0 ? '' : h.slice(q + 1)) };
}

export function writeHash(view: string, params: URLSearchParams): void {
  const next = `#${view}?${params.toString()}`;
  if (location.hash !== next) history.replaceState(null, '', next);
}
