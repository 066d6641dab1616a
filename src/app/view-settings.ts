/**
 * The settings tables of the views without an experiment spec (Derivatives and AD vs nTP), kept
 * apart from their components so the link parser is a pure function (`parseLink`), which the
 * link fuzz test (tests/node/link-fuzz.test.ts) calls as the views do.
 */
import { parseOrders } from '../engine/bench/ad-vs-ntp';
import { specFromParams } from '../engine/spec/experiment';
import { parseSettings, resolveView, type ViewId } from './settings';

export const EXPLORER_SETTINGS = {
  seed: { kind: 'int', default: 1, min: 0, max: 2 ** 31 - 1, label: 'Seed', help: 'Seed of the Glorot initialization: the same seed gives the same network everywhere.' },
  width: { kind: 'int', default: 24, min: 1, max: 512, label: 'Width', help: 'Neurons per hidden layer.' },
  depth: { kind: 'int', default: 3, min: 1, max: 12, label: 'Depth', help: 'Number of hidden layers.' },
  activation: { kind: 'choice', default: 'tanh', choices: ['tanh', 'sin'], label: 'Activation', help: 'Activation of the hidden layers.' },
  order: { kind: 'int', default: 3, min: 1, max: 6, label: 'Derivatives', help: 'Plot u and its derivatives up to this order, all from one jet pass.' },
} as const;

export const BENCH_SETTINGS = {
  batch: { kind: 'int', default: 256, min: 1, max: 65536, label: 'Batch B', help: 'Collocation points per step.' },
  width: { kind: 'int', default: 24, min: 1, max: 512, label: 'Width', help: 'Neurons per hidden layer.' },
  depth: { kind: 'int', default: 3, min: 1, max: 12, label: 'Depth', help: 'Hidden layers.' },
  activation: { kind: 'choice', default: 'tanh', choices: ['tanh', 'sin'], label: 'Activation', help: 'Activation of the hidden layers.' },
  orders: {
    kind: 'text',
    default: '0-6',
    pattern: /^\d{1,2}(-\d{1,2})?(,\d{1,2}(-\d{1,2})?)*$/,
    expect: 'orders like 0-6 or 1,3,5 (at most 20)',
    check: (v: string) => {
      try {
        const orders = parseOrders(v);
        return orders[orders.length - 1] <= 20 || 'orders above 20 are not built';
      } catch (e) {
        return e instanceof Error ? e.message : String(e);
      }
    },
    label: 'Orders',
    help: 'Derivative orders n to time, e.g. 0-6 or 1,3,5 (at most 20).',
  },
  reps: { kind: 'int', default: 20, min: 1, max: 200, label: 'Repetitions', help: 'Timed steps per order; the median is shown.' },
  warmup: { kind: 'int', default: 3, min: 0, max: 50, label: 'Warm-up', help: 'Untimed steps before timing (shader compilation, allocation).' },
  admax: { kind: 'int', default: 7, min: 0, max: 20, label: 'AD up to n', help: 'Skip stacked AD above this order: its graph roughly triples per order.' },
  jaxjs: { kind: 'choice', default: 'off', choices: ['off', 'on'], label: 'jax-js column', help: 'Also time the same step in jax-js (third-party JAX for the browser, jit of nested grad on its WebGPU backend), up to the AD order limit. Loads it on demand.' },
} as const;

/**
 * A link's hash (`view?key=value&…`) as the view it opens, that view's settings and the notices
 * its tampered values gave: what each view reads from the link when the page opens.
 */
export function parseLink(hash: string): { view: ViewId; values: Record<string, string | number>; notices: string[] } {
  const h = hash.replace(/^#/, '');
  const q = h.indexOf('?');
  const { view, notice } = resolveView(q < 0 ? h : h.slice(0, q));
  const params = new URLSearchParams(q < 0 ? '' : h.slice(q + 1));
  const head = notice ? [notice] : [];
  if (view === 'train' || view === 'highdim') {
    const spec = specFromParams(view, params);
    return { view, values: spec.values as unknown as Record<string, string | number>, notices: [...head, ...spec.notices] };
  }
  if (view === 'derivatives' || view === 'benchmark') {
    const parsed = parseSettings(view === 'derivatives' ? EXPLORER_SETTINGS : BENCH_SETTINGS, params);
    return { view, values: parsed.values, notices: [...head, ...parsed.notices] };
  }
  return { view, values: {}, notices: head };
}
