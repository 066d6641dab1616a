import { describe, expect, it } from 'vitest';
import { philox4x32, uniform01 } from '../../src/engine/sampling/random';
import { latinHypercube, primitivePolynomials, samplePoints, SAMPLING_KINDS, SOBOL_MAX_DIM, sobolPoints, sobolRaw } from '../../src/engine/sampling/qmc';

const row = (pts: Float64Array, dim: number, i: number) => Array.from(pts.subarray(i * dim, (i + 1) * dim));

/** The cell of each point in the grid of 2^d1 × 2^d2 elementary intervals of dimensions a, b. */
function cells(pts: number[][], a: number, b: number, d1: number, d2: number): number[] {
  return pts.map((p) => Math.floor(p[a] * 2 ** d1) * 2 ** d2 + Math.floor(p[b] * 2 ** d2));
}

/** Smallest t such that the 2^m points form a (t, m, 2)-net in dimensions a, b (by counting). */
function tValue(pts: number[][], a: number, b: number, m: number): number {
  for (let t = 0; t <= m; t++) {
    let isNet = true;
    for (let d1 = 0; d1 <= m - t && isNet; d1++) {
      const counts = new Map<number, number>();
      for (const c of cells(pts, a, b, d1, m - t - d1)) counts.set(c, (counts.get(c) ?? 0) + 1);
      isNet = counts.size === 2 ** (m - t) && [...counts.values()].every((c) => c === 2 ** t);
    }
    if (isNet) return t;
  }
  return m;
}

/** Whether floor(x · n) over the points is a permutation of 0..n−1 (one point per stratum). */
function stratified(values: number[], n: number): boolean {
  const seen = new Set(values.map((x) => Math.floor(x * n)));
  return values.length === n && seen.size === n && [...seen].every((s) => s >= 0 && s < n);
}

const column = (pts: Float64Array, dim: number, j: number) => Array.from({ length: pts.length / dim }, (_, i) => pts[i * dim + j]);

describe('unrandomised Sobol sequence', () => {
  it('starts with the standard points of dimensions 1 and 2 (gray-code order)', () => {
    const first = Array.from({ length: 8 }, (_, i) => sobolRaw(i, 2));
    expect(first.map((p) => p[0])).toEqual([0, 0.5, 0.75, 0.25, 0.375, 0.875, 0.625, 0.125]);
    expect(first.map((p) => p[1])).toEqual([0, 0.5, 0.25, 0.75, 0.375, 0.875, 0.125, 0.625]);
    // dimension 1 is van der Corput's sequence: point i is the radical inverse of gray(i)
    for (let i = 0; i < 300; i++) {
      const bits = (i ^ (i >> 1)).toString(2);
      const radical = bits.split('').reduce((acc, bit, k) => acc + Number(bit) * 2 ** (k - bits.length), 0);
      expect(sobolRaw(i, 1)[0]).toBe(radical);
    }
  });

  it('builds dimensions from primitive polynomials, in the usual order', () => {
    const polys = primitivePolynomials(SOBOL_MAX_DIM - 1);
    expect(polys.slice(0, 6)).toEqual([
      [1, 0b11],
      [2, 0b111],
      [3, 0b1011],
      [3, 0b1101],
      [4, 0b10011],
      [4, 0b11001],
    ]);
    // φ(2^s − 1)/s primitive polynomials of degree s
    const perDegree = [0, 1, 1, 2, 2, 6, 6, 18, 16, 48];
    for (let s = 1; s <= 8; s++) expect(polys.filter(([deg]) => deg === s).length).toBe(perDegree[s]);
    // independent check: the LFSR of each polynomial has the full period 2^s − 1
    for (const [s, p] of polys) {
      let state = 1;
      let period = 0;
      do {
        state <<= 1;
        if ((state >> s) & 1) state ^= p;
        period++;
      } while (state !== 1 && period <= 2 ** s);
      expect(period).toBe(2 ** s - 1);
    }
  });

  it('the first 2^m points of dimensions 1-2 form a (0, m, 2)-net for m = 1..8', () => {
    for (let m = 1; m <= 8; m++) {
      const pts = Array.from({ length: 2 ** m }, (_, i) => sobolRaw(i, 2));
      for (let d1 = 0; d1 <= m; d1++) {
        const occupied = new Set(cells(pts, 0, 1, d1, m - d1));
        expect(occupied.size, `m=${m}, intervals 2^-${d1} x 2^-${m - d1}`).toBe(2 ** m);
      }
    }
  });

  it('every pair of the first 16 dimensions has a small t-value (1024 points)', () => {
    const pts = Array.from({ length: 1024 }, (_, i) => sobolRaw(i, 16));
    const ts: number[] = [];
    for (let a = 0; a < 16; a++) for (let b = a + 1; b < 16; b++) ts.push(tValue(pts, a, b, 10));
    expect(tValue(pts, 0, 1, 10)).toBe(0);
    expect(Math.max(...ts)).toBeLessThanOrEqual(4);
    expect(ts.reduce((s, t) => s + t, 0) / ts.length).toBeLessThan(2);
  });

  it('every coordinate lies in [0, 1) and every dimension up to the maximum is stratified', () => {
    const pts = Array.from({ length: 256 }, (_, i) => sobolRaw(i, SOBOL_MAX_DIM));
    for (let j = 0; j < SOBOL_MAX_DIM; j++) expect(stratified(pts.map((p) => p[j]), 256), `dimension ${j + 1}`).toBe(true);
    expect(sobolRaw(2 ** 32 - 1, 3).every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('rejects dimensions above the supported maximum', () => {
    expect(SOBOL_MAX_DIM).toBeGreaterThanOrEqual(16);
    expect(() => sobolPoints(8, SOBOL_MAX_DIM + 1, 0, 0)).toThrow(/at most/);
    expect(() => sobolRaw(0, SOBOL_MAX_DIM + 1)).toThrow(/at most/);
    expect(() => sobolPoints(8, 0, 0, 0)).toThrow(Error);
    expect(() => sobolRaw(-1, 2)).toThrow(Error);
  });
});

describe('randomised Sobol points', () => {
  it('are a digital shift of an aligned block of the sequence: x_i ⊕ x_0 = raw point i', () => {
    for (const [count, dim, stream] of [
      [64, 5, 0],
      [100, 3, 7],
      [1000, 8, 123456],
    ]) {
      const pts = sobolPoints(count, dim, 42, stream);
      const word = (x: number) => x * 2 ** 32;
      for (let i = 0; i < count; i++) {
        const raw = sobolRaw(i, dim);
        for (let j = 0; j < dim; j++) expect((word(pts[i * dim + j]) ^ word(pts[j])) >>> 0).toBe(word(raw[j]));
      }
    }
  });

  it('keep every 1-D projection of 2^m points stratified in the first 8 dimensions, and the (0, m, 2)-net of dims 1-2', () => {
    for (let m = 1; m <= 10; m++) {
      for (const stream of [0, 1, 99]) {
        const pts = sobolPoints(2 ** m, 8, 5, stream);
        for (let j = 0; j < 8; j++) expect(stratified(column(pts, 8, j), 2 ** m), `m=${m}, stream ${stream}, dim ${j + 1}`).toBe(true);
        const rows = Array.from({ length: 2 ** m }, (_, i) => row(pts, 8, i));
        expect(tValue(rows, 0, 1, m)).toBe(0);
      }
    }
    // a count that is not a power of two still puts at most one point in each elementary interval
    const pts = sobolPoints(100, 2, 5, 3);
    const rows = Array.from({ length: 100 }, (_, i) => row(pts, 2, i));
    for (let d1 = 0; d1 <= 7; d1++) expect(new Set(cells(rows, 0, 1, d1, 7 - d1)).size).toBe(100);
  });

  it('are reproducible for (seed, stream) and change with the stream and the seed', () => {
    const a = sobolPoints(256, 4, 17, 3);
    expect(Array.from(sobolPoints(256, 4, 17, 3))).toEqual(Array.from(a));
    expect(Array.from(sobolPoints(256, 4, 17, 4))).not.toEqual(Array.from(a));
    expect(Array.from(sobolPoints(256, 4, 18, 3))).not.toEqual(Array.from(a));
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
    // a shorter batch with the same power-of-two block starts at the same place
    expect(Array.from(sobolPoints(200, 4, 17, 3))).toEqual(Array.from(a.subarray(0, 800)));
  });

  it('integrate (6-D) and cover the square (L2-star discrepancy) far better than uniform points', () => {
    const n = 256;
    const streams = 24;
    const f = (p: number[]) => p.reduce((acc, x) => acc * (1 + (x - 0.5)), 1); // exact integral 1
    // L2-star discrepancy by Warnock's formula
    const discrepancy = (pts: number[][]) => {
      const dim = pts[0].length;
      let single = 0;
      let pairs = 0;
      for (const p of pts) single += p.reduce((acc, x) => acc * (1 - x * x), 1);
      for (const p of pts) for (const q of pts) pairs += p.reduce((acc, x, k) => acc * (1 - Math.max(x, q[k])), 1);
      return Math.sqrt(3 ** -dim - (2 ** (1 - dim) / n) * single + pairs / n ** 2);
    };
    const rowsOf = (pts: Float64Array, dim: number) => Array.from({ length: n }, (_, i) => row(pts, dim, i));
    // plain uniform points as BoxSampler draws them
    const uniform = (dim: number, stream: number) =>
      Array.from({ length: n }, (_, i) => Array.from({ length: dim }, (_, j) => uniform01(philox4x32([i, Math.floor(j / 4), stream, 0], [11, 0])[j % 4])));
    const samplers = {
      sobol: (dim: number, s: number) => rowsOf(sobolPoints(n, dim, 11, s), dim),
      lhs: (dim: number, s: number) => rowsOf(latinHypercube(n, dim, 11, s), dim),
      uniform,
    };
    const mean = (g: (s: number) => number) => Array.from({ length: streams }, (_, s) => g(s)).reduce((a, b) => a + b, 0) / streams;
    const mse = (draw: (dim: number, s: number) => number[][]) => mean((s) => (draw(6, s).reduce((acc, p) => acc + f(p), 0) / n - 1) ** 2);
    const disc = (draw: (dim: number, s: number) => number[][]) => mean((s) => discrepancy(draw(2, s)));
    const plainMse = mse(samplers.uniform);
    expect(mse(samplers.sobol)).toBeLessThan(plainMse / 50);
    expect(mse(samplers.lhs)).toBeLessThan(plainMse / 2);
    expect(disc(samplers.sobol)).toBeLessThan(disc(samplers.uniform) / 4);
  });
});

describe('Latin hypercube', () => {
  it('puts exactly one point in every stratum of every dimension', () => {
    for (const [count, dim] of [
      [1, 1],
      [7, 3],
      [100, 5],
      [1000, 2],
    ]) {
      const pts = latinHypercube(count, dim, 3, 8);
      for (let j = 0; j < dim; j++) expect(stratified(column(pts, dim, j), count), `${count} x ${dim}, dim ${j + 1}`).toBe(true);
    }
  });

  it('is reproducible, changes with the stream, and permutes dimensions independently', () => {
    const a = latinHypercube(64, 3, 1, 2);
    expect(Array.from(latinHypercube(64, 3, 1, 2))).toEqual(Array.from(a));
    expect(Array.from(latinHypercube(64, 3, 1, 3))).not.toEqual(Array.from(a));
    const strata = (j: number) => column(a, 3, j).map((x) => Math.floor(x * 64));
    expect(strata(0)).not.toEqual(strata(1));
    expect(strata(1)).not.toEqual(strata(2));
  });
});

describe('samplePoints', () => {
  it('maps Sobol and LHS points into the box', () => {
    expect([...SAMPLING_KINDS].sort()).toEqual(['lhs', 'sobol', 'uniform']);
    const lo = [-1, 0, 2];
    const hi = [1, 0.5, 5];
    for (const kind of ['sobol', 'lhs'] as const) {
      const unit = kind === 'sobol' ? sobolPoints(500, 3, 4, 9) : latinHypercube(500, 3, 4, 9);
      const pts = samplePoints(kind, 500, 3, lo, hi, 4, 9);
      expect(pts).toBeInstanceOf(Float32Array);
      expect(pts.length).toBe(1500);
      for (let i = 0; i < pts.length; i++) {
        const j = i % 3;
        expect(pts[i]).toBeGreaterThanOrEqual(lo[j]);
        expect(pts[i]).toBeLessThanOrEqual(hi[j]);
        expect(pts[i]).toBeCloseTo(lo[j] + (hi[j] - lo[j]) * unit[i], 5);
      }
      expect(Array.from(samplePoints(kind, 500, 3, lo, hi, 4, 9))).toEqual(Array.from(pts));
    }
    expect(() => samplePoints('sobol', 10, 3, [0, 0], [1, 1], 0, 0)).toThrow(/bounds/);
  });
});
