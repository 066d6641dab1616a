import { describe, expect, it } from 'vitest';
import { mlpPartial, mlpSlotJet, partialName, slotExpansion, slotLayout, slotTangents, TermSampler, verifyLayout, type SlotLayout } from '../../src/engine/jets/jet-slots';
import { Mlp } from '../../src/engine/model/mlp';
import { Rng } from '../../src/engine/sampling/rng';

// ---- independent references ----

const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));

/** A polynomial Σ a_e x^e in 3 variables: exact partials symbolically. */
type Poly = { exps: number[][]; coefs: number[] };

function randomPoly(rng: Rng, degree: number): Poly {
  const exps: number[][] = [];
  for (let a = 0; a <= degree; a++) for (let b = 0; a + b <= degree; b++) for (let c = 0; a + b + c <= degree; c++) exps.push([a, b, c]);
  return { exps, coefs: exps.map(() => rng.normal()) };
}

function polyPartial(p: Poly, alpha: readonly number[], x: readonly number[]): number {
  let s = 0;
  p.exps.forEach((e, i) => {
    let term = p.coefs[i];
    for (let c = 0; c < 3; c++) {
      if (e[c] < alpha[c]) return;
      term *= (fact(e[c]) / fact(e[c] - alpha[c])) * x[c] ** (e[c] - alpha[c]);
    }
    s += term;
  });
  return s;
}

/** Univariate series product truncated at order n. */
function mul(a: number[], b: number[], n: number): number[] {
  const out = new Array<number>(n + 1).fill(0);
  for (let i = 0; i <= n; i++) if (a[i] !== 0) for (let j = 0; i + j <= n; j++) out[i + j] += a[i] * b[j];
  return out;
}

/** [t^n] p(x + Σ_o e_{slots[o-1]} t^o) by plain series arithmetic (no partitions). */
function polyAlongSlots(p: Poly, x: readonly number[], slots: readonly (number | null)[], n: number): number {
  const series = [0, 1, 2].map((c) => Array.from({ length: n + 1 }, (_, k) => (k === 0 ? x[c] : slots[k - 1] === c ? 1 : 0)));
  let total = 0;
  p.exps.forEach((e, i) => {
    let s = [1, ...new Array<number>(n).fill(0)];
    for (let c = 0; c < 3; c++) for (let k = 0; k < e[c]; k++) s = mul(s, series[c], n);
    total += p.coefs[i] * s[n];
  });
  return total;
}

/**
 * Exact mixed partials of a tanh MLP in 3 chosen coordinates by truncated multivariate Taylor
 * arithmetic (degree ≤ K): a different algorithm from the univariate jets under test.
 */
function multivariatePartials(mlp: Mlp, x: ArrayLike<number>, coords: number[], K: number): (alpha: readonly number[]) => number {
  const monos: number[][] = [];
  for (let a = 0; a <= K; a++) for (let b = 0; a + b <= K; b++) for (let c = 0; a + b + c <= K; c++) monos.push([a, b, c]);
  const index = new Map(monos.map((m, i) => [m.join(','), i]));
  const M = monos.length;
  const product = (u: number[], v: number[]) => {
    const out = new Array<number>(M).fill(0);
    for (let i = 0; i < M; i++) {
      if (u[i] === 0) continue;
      for (let j = 0; j < M; j++) {
        if (v[j] === 0) continue;
        const e = [0, 1, 2].map((c) => monos[i][c] + monos[j][c]);
        const k = index.get(e.join(','));
        if (k !== undefined) out[k] += u[i] * v[j];
      }
    }
    return out;
  };
  // tanh^(m)(a) = P_m(tanh a): P_0 = y, P_{m+1} = (1 − y²) P_m' (coefficients in y)
  const polys: number[][] = [[0, 1]];
  for (let m = 1; m <= K; m++) {
    const prev = polys[m - 1];
    const next = new Array<number>(prev.length + 1).fill(0);
    for (let i = 1; i < prev.length; i++) {
      next[i - 1] += i * prev[i];
      next[i + 1] -= i * prev[i];
    }
    polys.push(next);
  }
  const P = mlp.params;
  let h: number[][] = Array.from({ length: mlp.inputDim }, (_, j) => {
    const s = new Array<number>(M).fill(0);
    s[0] = x[j];
    const c = coords.indexOf(j);
    if (c >= 0) s[index.get([0, 1, 2].map((q) => (q === c ? 1 : 0)).join(','))!] = 1;
    return s;
  });
  mlp.layers.forEach((L, l) => {
    const last = l === mlp.layers.length - 1;
    h = Array.from({ length: L.outDim }, (_, m) => {
      const a = new Array<number>(M).fill(0);
      for (let j = 0; j < L.inDim; j++) for (let i = 0; i < M; i++) a[i] += P[L.weightOffset + m * L.inDim + j] * h[j][i];
      a[0] += P[L.biasOffset + m];
      if (last) return a;
      const y = Math.tanh(a[0]);
      const delta = a.slice();
      delta[0] = 0;
      const out = new Array<number>(M).fill(0);
      let power = [1, ...new Array<number>(M - 1).fill(0)];
      for (let k = 0; k <= K; k++) {
        const dk = polys[k].reduce((s, c, i) => s + c * y ** i, 0) / fact(k);
        for (let i = 0; i < M; i++) out[i] += dk * power[i];
        power = product(power, delta);
      }
      return out;
    });
  });
  return (alpha) => {
    const e = coords.map((c) => alpha[c]);
    return h[0][index.get(e.join(','))!] * e.reduce((s, k) => s * fact(k), 1);
  };
}

/** Every multi-index of total order 1..k over 3 coordinates. */
function multiIndices(k: number): number[][] {
  const out: number[][] = [];
  for (let a = 0; a <= k; a++) for (let b = 0; a + b <= k; b++) for (let c = 0; a + b + c <= k; c++) if (a + b + c > 0) out.push([a, b, c]);
  return out;
}

const HIGH = [
  [3, 2, 0],
  [1, 1, 3],
  [2, 2, 1],
  [0, 3, 3],
  [4, 1, 1],
];

describe('jet slot layouts for mixed partials', () => {
  // built inside the tests, so a layout that fails its own check fails a test, not the file
  let built: SlotLayout[] | undefined;
  const allLayouts = () => (built ??= [...multiIndices(4), ...HIGH].map((alpha) => slotLayout(alpha)));

  it('every layout passes the all-partitions check and reads one partial with constant 1/α!', () => {
    for (const L of allLayouts()) {
      expect(verifyLayout(L)).toBeNull();
      const terms = slotExpansion(L.slots, L.order, 3);
      expect(terms).toHaveLength(1);
      expect(terms[0].alpha).toEqual(L.alpha);
      expect(L.constant).toBeCloseTo(1 / L.alpha.reduce((s, k) => s * fact(k), 1), 15);
    }
    // pure partials need no more than their order; ∂0∂1 needs slots 2 and 3 (order 5)
    expect(slotLayout([0, 4, 0]).order).toBe(4);
    expect(slotLayout([1, 1, 0])).toMatchObject({ order: 5, slots: [null, 0, 1] });
  });

  it('the read-out equals the exact partial of random degree-8 polynomials (series arithmetic vs symbolic)', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 3; trial++) {
      const p = randomPoly(rng, 8);
      const x = [rng.range(-0.8, 0.8), rng.range(-0.8, 0.8), rng.range(-0.8, 0.8)];
      for (const L of allLayouts()) {
        const exact = polyPartial(p, L.alpha, x);
        const read = polyAlongSlots(p, x, L.slots, L.order) / L.constant;
        expect(Math.abs(read - exact)).toBeLessThan(1e-9 * (1 + Math.abs(exact)));
      }
    }
  });

  it('the read-out of the f64 slot jet of a tanh network equals its exact partial (multivariate Taylor arithmetic)', () => {
    const mlp = Mlp.init({ inputDim: 5, width: 8, depth: 2, outputDim: 1, activation: 'tanh' }, 5);
    const x = [0.3, -0.2, 0.45, 0.1, -0.35];
    const coords = [0, 2, 3]; // multi-index entries refer to these input coordinates
    const exact = multivariatePartials(mlp, x, coords, 6);
    let worst = 0;
    for (const L of allLayouts()) {
      const alpha5 = [0, 0, 0, 0, 0];
      coords.forEach((c, i) => (alpha5[c] = L.alpha[i]));
      const layout5: SlotLayout = { ...L, alpha: alpha5, slots: L.slots.map((s) => (s === null ? null : coords[s])) };
      expect(verifyLayout(layout5)).toBeNull();
      const ref = exact(alpha5);
      const got = mlpPartial(mlp, x, layout5);
      worst = Math.max(worst, Math.abs(got - ref) / (1 + Math.abs(ref)));
    }
    expect(worst).toBeLessThan(1e-9);
    // the multivariate reference itself against f64 finite differences (∂0∂2∂3, Richardson)
    const u = (y: number[]) => mlpSlotJet(mlp, y, [], 0)[0];
    const mixed = (h: number) => {
      let s = 0;
      for (const a of [-1, 1]) for (const b of [-1, 1]) for (const c of [-1, 1]) s += a * b * c * u([x[0] + a * h, x[1], x[2] + b * h, x[3] + c * h, x[4]]);
      return s / (8 * h ** 3);
    };
    const fd = (4 * mixed(0.01) - mixed(0.02)) / 3;
    expect(Math.abs(fd - exact([1, 0, 1, 1, 0]))).toBeLessThan(1e-5 * (1 + Math.abs(fd)));
  });

  it('the partition check rejects naive layouts, and the network shows the contamination it names', () => {
    // ∂0∂1 from slots e0 (t) and e1 (t²) at order 3: the partition 1+1+1 adds ∂0³u / 3!
    const naive: SlotLayout = { alpha: [1, 1, 0], order: 3, slots: [0, 1], constant: 1 };
    expect(verifyLayout(naive)).toMatch(/0\.1667·∂0³u besides ∂0∂1u/);
    // ∂0² from slots e0 (t) and e1 (t²) at order 2: the single t² slot adds ∂1u
    expect(verifyLayout({ alpha: [2, 0, 0], order: 2, slots: [0, 1], constant: 0.5 })).toMatch(/1\.000·∂1u besides ∂0²u/);
    // right partial, wrong constant
    expect(verifyLayout({ alpha: [1, 1, 0], order: 5, slots: [null, 0, 1], constant: 0.5 })).toMatch(/the constant is 1, not 0.5/);
    const mlp = Mlp.init({ inputDim: 3, width: 8, depth: 2, outputDim: 1, activation: 'tanh' }, 9);
    const x = [0.2, -0.4, 0.1];
    const exact = multivariatePartials(mlp, x, [0, 1, 2], 5);
    const c3 = mlpSlotJet(mlp, x, slotTangents(naive.slots, 3), 3)[3];
    expect(Math.abs(c3 - exact([1, 1, 0]))).toBeGreaterThan(1e-3);
    expect(c3).toBeCloseTo(exact([1, 1, 0]) + exact([3, 0, 0]) / 6, 12);
  });

  it('slotExpansion predicts the n-th coefficient of any slot arrangement (repeated coordinates, gaps)', () => {
    const mlp = Mlp.init({ inputDim: 3, width: 8, depth: 2, outputDim: 1, activation: 'tanh' }, 13);
    const x = [-0.1, 0.3, 0.25];
    const exact = multivariatePartials(mlp, x, [0, 1, 2], 6);
    const rng = new Rng(17);
    for (let trial = 0; trial < 40; trial++) {
      const slots = Array.from({ length: 1 + Math.floor(rng.uniform() * 4) }, () => (rng.uniform() < 0.25 ? null : Math.floor(rng.uniform() * 3)));
      const n = 1 + Math.floor(rng.uniform() * 6);
      const predicted = slotExpansion(slots, n, 3).reduce((s, t) => s + t.coefficient * (t.alpha.reduce((a, k) => a + k, 0) <= 6 ? exact(t.alpha) : NaN), 0);
      const got = mlpSlotJet(mlp, x, slotTangents(slots, 3), n)[n];
      expect(Math.abs(got - predicted)).toBeLessThan(1e-10 * (1 + Math.abs(predicted)));
    }
  });

  it('refuses what it cannot read alone', () => {
    expect(() => slotLayout([0, 0, 0])).toThrow(/c_0/);
    expect(() => slotLayout([2, 2, 2])).toThrow(/no slot layout up to order 64 reads ∂0²∂1²∂2²u alone/);
    expect(partialName([2, 0, 1])).toBe('∂0²∂2u');
  });
});

describe('an operator sampled term by term', () => {
  // Δ² in 3-D plus a mixed third-order term and a first-order one
  const terms = [
    ...[0, 1, 2].map((c) => ({ coefficient: 1, alpha: [0, 1, 2].map((q) => (q === c ? 4 : 0)) })),
    { coefficient: 2, alpha: [2, 2, 0] },
    { coefficient: 2, alpha: [2, 0, 2] },
    { coefficient: 2, alpha: [0, 2, 2] },
    { coefficient: -1.5, alpha: [1, 1, 1] },
    { coefficient: 0.7, alpha: [0, 1, 0] },
  ];

  it('the mean over 4000 draws of B = 3 terms is within 3 standard errors of L u, and terms are drawn ∝ |c|', () => {
    const sampler = new TermSampler(terms);
    const mlp = Mlp.init({ inputDim: 3, width: 8, depth: 2, outputDim: 1, activation: 'tanh' }, 21);
    const x = [0.15, -0.3, 0.2];
    const partials = sampler.layouts.map((L) => mlpPartial(mlp, x, L));
    const exactRef = multivariatePartials(mlp, x, [0, 1, 2], 4);
    terms.forEach((t, i) => expect(partials[i]).toBeCloseTo(exactRef(t.alpha), 9));
    const Lu = terms.reduce((s, t) => s + t.coefficient * exactRef(t.alpha), 0);
    expect(sampler.exact((i) => partials[i])).toBeCloseTo(Lu, 9);
    const rng = new Rng(3);
    const S = 4000;
    const B = 3;
    let sum = 0;
    let sq = 0;
    const counts = new Array<number>(terms.length).fill(0);
    for (let s = 0; s < S; s++) {
      const drawn = sampler.draw([rng.uniform(), rng.uniform(), rng.uniform()]);
      drawn.forEach((t) => counts[t]++);
      const e = sampler.estimate(drawn, (i) => partials[i]);
      sum += e;
      sq += e * e;
    }
    const mean = sum / S;
    const se = Math.sqrt((sq / S - mean * mean) / S);
    expect(Math.abs(mean - Lu)).toBeLessThan(3 * se);
    expect(se).toBeGreaterThan(0); // an estimate: the draws differ
    const total = terms.reduce((s, t) => s + Math.abs(t.coefficient), 0);
    terms.forEach((t, i) => {
      const expected = (S * B * Math.abs(t.coefficient)) / total;
      expect(Math.abs(counts[i] - expected)).toBeLessThan(5 * Math.sqrt(expected));
    });
  });
});
