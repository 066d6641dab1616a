/**
 * Mixed partial derivatives from one univariate Taylor jet (science.md §1 "Mixed partials",
 * §4 "Arbitrary operators"). Put a tangent v_o in input slot o, i.e. evaluate
 * u(x + Σ_o v_o t^o); by Faà di Bruno its n-th normalized coefficient is
 *
 *   c_n = Σ over multisets of slots whose orders sum to n  (1 / Π_o m_o!) · D^m u[v_o ...]
 *
 * (m_o: how often slot o occurs, m = Σ m_o). With every tangent a coordinate vector e_c
 * (or zero), each multiset reads one partial ∂^α u, α_c = Σ_{o: slot o is e_c} m_o. A
 * layout is good when every multiset that lands on order n reads the same α: then
 * c_n = C · ∂^α u with C the sum of their 1 / Π m_o!. slotLayout finds, for a multi-index,
 * distinct slot orders o_c (one per coordinate) with the smallest n = Σ α_c o_c for which the
 * only solution of Σ m_c o_c = n is m = α, and verifies it by enumerating every partition
 * (slotExpansion); verifyLayout rejects any layout where another partial survives.
 *
 * An operator L = Σ_t c_t ∂^{α_t} is then estimated term by term (TermSampler): draw B terms
 * with probability |c_t| / Σ|c|, each read from its own jet, and average sign(c_t) Σ|c| ∂^{α_t}u.
 */
import { activationDerivatives, composeFaaDiBruno, embedSeries } from './jet-f64';
import type { Mlp } from '../model/mlp';
import { factorial, MAX_SLOT_JET_ORDER } from './taylor-jet';

/** α_c for coordinates c = 0..dim−1 (a dense array; most entries are 0). */
export type MultiIndex = readonly number[];

export interface SlotLayout {
  /** ∂^α that the layout reads. */
  alpha: MultiIndex;
  /** The jet order n to read. */
  order: number;
  /** slots[o − 1]: the coordinate whose unit vector is the tangent of input slot o (the t^o term), or null (zero). */
  slots: (number | null)[];
  /** c_n = constant · ∂^α u. */
  constant: number;
}

/** One term of an expansion: a partial and the weight it lands on the read order with. */
export interface ExpansionTerm {
  alpha: number[];
  coefficient: number;
}

const key = (alpha: ArrayLike<number>) => Array.from(alpha).join(',');

/**
 * Every partial that lands on order n of u(x + Σ_o e_{slots[o−1]} t^o), by enumerating all
 * multisets of non-zero slots whose orders sum to n (Faà di Bruno); equal partials are summed.
 */
export function slotExpansion(slots: readonly (number | null)[], n: number, dim: number): ExpansionTerm[] {
  const out = new Map<string, ExpansionTerm>();
  const orders = slots.map((c, i) => (c === null ? 0 : i + 1)).filter((o) => o > 0 && o <= n);
  const counts = new Array<number>(orders.length).fill(0);
  const visit = (i: number, rest: number) => {
    if (rest === 0) {
      const alpha = new Array<number>(dim).fill(0);
      let weight = 1;
      counts.forEach((m, q) => {
        alpha[slots[orders[q] - 1]!] += m;
        weight /= factorial(m);
      });
      const k = key(alpha);
      const prev = out.get(k);
      if (prev) prev.coefficient += weight;
      else out.set(k, { alpha, coefficient: weight });
      return;
    }
    if (i === orders.length) return;
    for (let m = 0; m * orders[i] <= rest; m++) {
      counts[i] = m;
      visit(i + 1, rest - m * orders[i]);
    }
    counts[i] = 0;
  };
  visit(0, n);
  return [...out.values()];
}

/** Why a layout does not read C·∂^α u alone (every partition checked), or null when it does. */
export function verifyLayout(layout: SlotLayout): string | null {
  const dim = layout.alpha.length;
  if (layout.slots.some((c) => c !== null && !(Number.isInteger(c) && c >= 0 && c < dim))) return `a slot names a coordinate outside 0..${dim - 1}`;
  const terms = slotExpansion(layout.slots, layout.order, dim);
  const want = key(layout.alpha);
  const wrong = terms.filter((t) => key(t.alpha) !== want);
  if (wrong.length > 0) {
    const show = (t: ExpansionTerm) => `${t.coefficient.toPrecision(4)}·${partialName(t.alpha)}`;
    return `order ${layout.order} reads ${wrong.map(show).join(' + ')} besides ${partialName(layout.alpha)}`;
  }
  const mine = terms.find((t) => key(t.alpha) === want);
  if (!mine) return `no partition of ${layout.order} reads ${partialName(layout.alpha)}`;
  if (Math.abs(mine.coefficient - layout.constant) > 1e-14 * mine.coefficient) return `the constant is ${mine.coefficient}, not ${layout.constant}`;
  return null;
}

/** ∂^α as text, e.g. ∂0²∂2. */
export function partialName(alpha: MultiIndex): string {
  const parts = alpha.flatMap((k, c) => (k === 0 ? [] : [`∂${c}${k === 1 ? '' : superscript(k)}`]));
  return parts.length === 0 ? 'u' : `${parts.join('')}u`;
}

function superscript(k: number): string {
  return String(k).replace(/\d/g, (d) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(d)]);
}

/** Number of m ≥ 0 with Σ m_i o_i = n (stops counting at 2). */
function solutions(orders: number[], n: number): number {
  const ways = new Array<number>(n + 1).fill(0);
  ways[0] = 1;
  for (const o of orders) for (let s = o; s <= n; s++) ways[s] = Math.min(2, ways[s] + ways[s - o]);
  return ways[n];
}

/** Largest jet order slotLayout searches (what the GPU slot jets run). */
export const MAX_SLOT_ORDER = MAX_SLOT_JET_ORDER;

/**
 * The layout with the smallest jet order that reads ∂^α u alone: one slot per coordinate that
 * α differentiates, distinct slot orders o_c, n = Σ α_c o_c, and Σ m_c o_c = n solved only by
 * m = α. Verified against every partition before it is returned.
 */
export function slotLayout(alpha: MultiIndex): SlotLayout {
  const coords = alpha.flatMap((k, c) => (k > 0 ? [c] : []));
  const total = alpha.reduce((a, k) => a + k, 0);
  if (!alpha.every((k) => Number.isInteger(k) && k >= 0)) throw new RangeError(`a multi-index has non-negative integer entries, got [${alpha.join(', ')}]`);
  if (coords.length === 0) throw new RangeError('∂^0 u is u itself: read it from the value, c_0');
  const powers = coords.map((c) => alpha[c]);
  let found: number[] | null = null;
  for (let n = total; n <= MAX_SLOT_ORDER && !found; n++) {
    // slot orders o_c (distinct) with Σ α_c o_c = n, in increasing lexicographic order
    const orders: number[] = [];
    const search = (i: number, rest: number): boolean => {
      if (i === coords.length) {
        if (rest !== 0 || solutions(orders, n) !== 1) return false;
        found = orders.slice();
        return true;
      }
      for (let o = 1; o * powers[i] <= rest; o++) {
        if (orders.includes(o)) continue;
        orders.push(o);
        if (search(i + 1, rest - o * powers[i])) return true;
        orders.pop();
      }
      return false;
    };
    search(0, n);
  }
  if (!found) throw new RangeError(`no slot layout up to order ${MAX_SLOT_ORDER} reads ${partialName(alpha)} alone`);
  const orders: number[] = found;
  const order = orders.reduce((a, o, i) => a + o * powers[i], 0);
  const slots = new Array<number | null>(Math.max(...orders)).fill(null);
  orders.forEach((o, i) => (slots[o - 1] = coords[i]));
  const constant = 1 / powers.reduce((a, k) => a * factorial(k), 1);
  const layout: SlotLayout = { alpha: Array.from(alpha), order, slots, constant };
  const why = verifyLayout(layout);
  if (why) throw new Error(`slot layout for ${partialName(alpha)}: ${why}`);
  return layout;
}

/** The layout's tangents as vectors: tangents[o − 1] = e_c, or null. */
export function slotTangents(slots: readonly (number | null)[], dim: number): (Float64Array | null)[] {
  return slots.map((c) => {
    if (c === null) return null;
    const v = new Float64Array(dim);
    v[c] = 1;
    return v;
  });
}

/**
 * Normalized Taylor coefficients c_0..c_n of t ↦ N(x + Σ_o v_o t^o) for a tanh or sin MLP
 * (scalar output) in f64, with arbitrary tangents in the slots (null: zero): every layer
 * composes its activation with the input series by Faà di Bruno (./jet-f64.ts).
 */
export function mlpSlotJet(mlp: Mlp, x: ArrayLike<number>, tangents: readonly (ArrayLike<number> | null)[], n: number, params: ArrayLike<number> = mlp.params): Float64Array {
  const d = mlp.inputDim;
  let h: number[][] = Array.from({ length: d }, (_, j) => Array.from({ length: n + 1 }, (_, k) => (k === 0 ? x[j] : (tangents[k - 1]?.[j] ?? 0))));
  if (mlp.embedding) h = embedSeries(mlp.embedding, h);
  mlp.layers.forEach((L, l) => {
    const last = l === mlp.layers.length - 1;
    h = Array.from({ length: L.outDim }, (_, m) => {
      const a = new Array<number>(n + 1).fill(0);
      for (let j = 0; j < L.inDim; j++) {
        const w = params[L.weightOffset + m * L.inDim + j];
        for (let k = 0; k <= n; k++) a[k] += w * h[j][k];
      }
      a[0] += params[L.biasOffset + m];
      return last ? a : composeFaaDiBruno(activationDerivatives(mlp.activation, a[0], n), a);
    });
  });
  return Float64Array.from(h[0]);
}

/** ∂^α u from the layout's jet coefficients c_0..c_n. */
export function readPartial(layout: SlotLayout, coefficients: ArrayLike<number>): number {
  return coefficients[layout.order] / layout.constant;
}

/** ∂^α N(x) of an MLP in f64 through its slot layout. */
export function mlpPartial(mlp: Mlp, x: ArrayLike<number>, layout: SlotLayout): number {
  return readPartial(layout, mlpSlotJet(mlp, x, slotTangents(layout.slots, mlp.inputDim), layout.order));
}

export interface OperatorTerm {
  coefficient: number;
  alpha: MultiIndex;
}

/**
 * L = Σ_t c_t ∂^{α_t} sampled term by term: B terms drawn with replacement with probability
 * p_t = |c_t| / Σ|c|, estimate (1/B) Σ_draws c_t / p_t · ∂^{α_t}u, unbiased for L u. Each term
 * has its own slot layout (one jet per drawn term).
 */
export class TermSampler {
  readonly layouts: SlotLayout[];
  readonly total: number;
  private readonly cumulative: number[];

  constructor(readonly terms: readonly OperatorTerm[]) {
    if (terms.length === 0) throw new RangeError('an operator needs at least one term');
    this.layouts = terms.map((t) => slotLayout(t.alpha));
    this.total = terms.reduce((a, t) => a + Math.abs(t.coefficient), 0);
    if (!(this.total > 0) || !Number.isFinite(this.total)) throw new RangeError('the coefficients must be finite and not all zero');
    let s = 0;
    this.cumulative = terms.map((t) => (s += Math.abs(t.coefficient) / this.total));
  }

  /** Term index for a uniform number in [0, 1). */
  pick(uniform: number): number {
    const i = this.cumulative.findIndex((c) => uniform < c);
    return i < 0 ? this.terms.length - 1 : i;
  }

  /** B term indices from B uniforms. */
  draw(uniforms: ArrayLike<number>): number[] {
    return Array.from(uniforms, (u) => this.pick(u));
  }

  /** The estimate of L u from drawn terms, given ∂^{α_t}u for a term index. */
  estimate(drawn: readonly number[], partial: (term: number) => number): number {
    return (this.total / drawn.length) * drawn.reduce((a, t) => a + Math.sign(this.terms[t].coefficient) * partial(t), 0);
  }

  /** L u with every term. */
  exact(partial: (term: number) => number): number {
    return this.terms.reduce((a, t, i) => a + t.coefficient * partial(i), 0);
  }
}
