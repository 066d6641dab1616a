/**
 * Quasi-random (Sobol) and stratified (Latin hypercube) collocation points, computed on the
 * CPU and uploaded each step. Both are randomised per (seed, stream) with the counter-based
 * Philox of random.ts, so a run reproduces from its seed and each training step (the stream)
 * gets fresh points that keep their low-discrepancy structure.
 */
import { philox4x32, uniform01 } from './random';

export type SamplingKind = 'uniform' | 'sobol' | 'lhs';
export const SAMPLING_KINDS: readonly SamplingKind[] = ['uniform', 'sobol', 'lhs'];

/**
 * Initial direction numbers m_1..m_s (m_k odd, m_k < 2^k) of Sobol dimensions 2, 3, ..., one row
 * per primitive polynomial of degree s, in the order of `primitivePolynomials`. Found for this
 * project by a greedy search: each row minimises Σ (2^t − 1) over the t-values of its 2-D
 * projections with every earlier dimension, for 2^1..2^12 points (exhaustive up to degree 5,
 * 8192 random candidates above).
 */
const INITIAL_DIRECTIONS: readonly (readonly number[])[] = [
  [1], [1, 1], [1, 3, 1], [1, 1, 5], [1, 3, 1, 3], [1, 1, 1, 15], [1, 3, 3, 11, 31], [1, 3, 5, 1, 21], [1, 3, 3, 11, 9],
  [1, 3, 7, 15, 31], [1, 1, 5, 1, 29], [1, 1, 3, 15, 1], [1, 1, 3, 13, 17, 61], [1, 1, 3, 9, 29, 7], [1, 1, 7, 3, 3, 9],
  [1, 1, 1, 5, 21, 7], [1, 3, 5, 9, 1, 57], [1, 1, 3, 5, 13, 31], [1, 1, 5, 1, 13, 33, 37], [1, 1, 5, 13, 29, 1, 57],
  [1, 3, 7, 7, 3, 47, 107], [1, 3, 3, 13, 13, 39, 101], [1, 3, 7, 15, 5, 41, 125], [1, 3, 3, 5, 17, 63, 61],
  [1, 1, 7, 9, 19, 47, 55], [1, 1, 1, 5, 31, 53, 67], [1, 3, 7, 9, 9, 31, 19], [1, 1, 5, 5, 23, 17, 65], [1, 3, 3, 9, 7, 25, 1],
  [1, 1, 3, 15, 23, 49, 69], [1, 1, 7, 11, 13, 11, 43], [1, 3, 1, 1, 3, 53, 93], [1, 3, 3, 11, 27, 27, 93],
  [1, 1, 3, 11, 17, 15, 27], [1, 1, 5, 13, 21, 15, 15], [1, 3, 1, 5, 3, 29, 21], [1, 3, 7, 7, 25, 53, 101, 195],
  [1, 1, 3, 1, 29, 57, 25, 93], [1, 1, 1, 13, 13, 51, 71, 131], [1, 1, 7, 3, 7, 63, 67, 83], [1, 1, 5, 11, 27, 59, 111, 189],
  [1, 1, 1, 1, 7, 33, 83, 59], [1, 1, 7, 13, 17, 21, 101, 247], [1, 3, 7, 1, 9, 3, 27, 59], [1, 3, 3, 11, 27, 35, 5, 25],
  [1, 3, 5, 5, 25, 25, 43, 225], [1, 3, 3, 3, 17, 29, 99, 55], [1, 1, 7, 11, 11, 35, 33, 141], [1, 3, 7, 9, 9, 49, 115, 125],
  [1, 1, 7, 5, 11, 7, 9, 179], [1, 1, 5, 3, 25, 3, 27, 101], [1, 3, 5, 11, 19, 33, 3, 109], [1, 1, 1, 7, 29, 51, 79, 99, 149],
  [1, 1, 5, 13, 5, 11, 73, 171, 19], [1, 1, 1, 1, 19, 25, 41, 65, 41], [1, 1, 7, 11, 7, 25, 21, 247, 275],
  [1, 1, 3, 15, 7, 33, 73, 39, 63], [1, 3, 7, 13, 31, 19, 7, 175, 105], [1, 3, 7, 9, 23, 23, 107, 107, 317],
  [1, 1, 5, 11, 19, 43, 59, 67, 437], [1, 3, 7, 15, 27, 51, 47, 163, 279], [1, 1, 3, 11, 3, 47, 9, 157, 491],
  [1, 3, 1, 1, 19, 31, 111, 93, 171], [1, 3, 5, 3, 3, 25, 65, 117, 195], [1, 3, 1, 11, 17, 45, 37, 137, 349],
  [1, 3, 3, 5, 25, 45, 125, 173, 283], [1, 3, 7, 11, 1, 51, 29, 105, 351], [1, 1, 3, 1, 3, 47, 119, 15, 71],
  [1, 3, 1, 5, 13, 35, 31, 141, 121], [1, 1, 7, 1, 17, 57, 7, 191, 211], [1, 3, 7, 3, 25, 61, 113, 177, 65],
  [1, 3, 1, 13, 1, 47, 111, 55, 451], [1, 3, 1, 3, 1, 13, 25, 25, 363], [1, 3, 3, 15, 7, 3, 19, 205, 491],
  [1, 3, 7, 13, 19, 21, 27, 73, 409], [1, 3, 7, 15, 13, 1, 107, 111, 51], [1, 1, 3, 5, 23, 53, 93, 161, 159],
  [1, 1, 5, 1, 31, 15, 45, 161, 259], [1, 1, 1, 11, 5, 31, 21, 71, 283], [1, 1, 3, 9, 23, 19, 49, 47, 405],
  [1, 1, 7, 7, 9, 39, 51, 23, 445], [1, 1, 3, 1, 5, 39, 111, 181, 493], [1, 3, 3, 9, 11, 57, 1, 97, 397],
  [1, 3, 5, 5, 25, 5, 83, 61, 429], [1, 1, 5, 1, 9, 23, 113, 107, 421], [1, 3, 5, 9, 13, 25, 31, 61, 7],
  [1, 1, 3, 9, 7, 41, 75, 219, 125], [1, 3, 7, 5, 15, 39, 19, 237, 393], [1, 1, 5, 1, 25, 7, 109, 53, 415],
  [1, 1, 7, 7, 23, 23, 109, 149, 445], [1, 1, 1, 13, 9, 61, 37, 21, 471], [1, 3, 1, 11, 19, 63, 73, 47, 317],
  [1, 1, 7, 11, 23, 15, 11, 115, 167], [1, 3, 5, 5, 17, 39, 23, 81, 509], [1, 1, 1, 15, 11, 7, 99, 1, 411],
  [1, 3, 5, 15, 7, 53, 37, 219, 429], [1, 1, 1, 13, 5, 15, 125, 167, 77], [1, 3, 3, 3, 25, 25, 103, 187, 59],
  [1, 3, 1, 1, 9, 39, 101, 185, 71],
];

/** The highest dimension `sobolPoints` supports (dimension 1 is van der Corput's sequence). */
export const SOBOL_MAX_DIM = INITIAL_DIRECTIONS.length + 1;

const BITS = 32;
const TWO32 = 2 ** 32;

/** (a · b) mod p over GF(2), p of degree s; a polynomial is a bit mask, bit i = coefficient of x^i. */
function mulMod(a: number, b: number, p: number, s: number): number {
  let r = 0;
  for (; b; b >>>= 1) {
    if (b & 1) r ^= a;
    a <<= 1;
    if ((a >> s) & 1) a ^= p;
  }
  return r;
}

/** x^e mod p over GF(2). */
function xPowMod(e: number, p: number, s: number): number {
  let r = 1;
  let base = mulMod(1, 2, p, s);
  for (; e > 0; e = Math.floor(e / 2)) {
    if (e & 1) r = mulMod(r, base, p, s);
    base = mulMod(base, base, p, s);
  }
  return r;
}

function primeFactors(n: number): number[] {
  const factors: number[] = [];
  for (let q = 2; q * q <= n; q++) {
    if (n % q) continue;
    factors.push(q);
    while (n % q === 0) n /= q;
  }
  if (n > 1) factors.push(n);
  return factors;
}

/** p of degree s is primitive iff x has multiplicative order exactly 2^s − 1 modulo p. */
function isPrimitive(p: number, s: number): boolean {
  const order = 2 ** s - 1;
  return xPowMod(order, p, s) === 1 && primeFactors(order).every((q) => xPowMod(order / q, p, s) !== 1);
}

/** The first `count` primitive polynomials over GF(2), by degree, then by value: [degree, bit mask]. */
export function primitivePolynomials(count: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 1; out.length < count; s++) {
    for (let p = (1 << s) | 1; p < 2 << s && out.length < count; p += 2) if (isPrimitive(p, s)) out.push([s, p]);
  }
  return out;
}

let directionCache: Uint32Array | null = null;

/**
 * Direction numbers V[j·32 + k]: column k of dimension j's generator matrix, first digit in the
 * top bit, from the recurrence V_k = V_{k−s} ⊕ (V_{k−s} >> s) ⊕ Σ_i a_i V_{k−i}.
 */
function directionNumbers(): Uint32Array {
  if (directionCache) return directionCache;
  const V = new Uint32Array(SOBOL_MAX_DIM * BITS);
  for (let k = 0; k < BITS; k++) V[k] = 2 ** (BITS - 1 - k);
  primitivePolynomials(SOBOL_MAX_DIM - 1).forEach(([s, p], i) => {
    const m = INITIAL_DIRECTIONS[i];
    if (m.length !== s || m.some((mk, k) => mk % 2 !== 1 || mk >= 2 ** (k + 1))) {
      throw new Error(`sobol: invalid initial direction numbers for dimension ${i + 2}`);
    }
    const row = (i + 1) * BITS;
    for (let k = 0; k < BITS; k++) {
      let v: number;
      if (k < s) v = m[k] * 2 ** (BITS - 1 - k);
      else {
        v = V[row + k - s] ^ (V[row + k - s] >>> s);
        for (let a = 1; a < s; a++) if ((p >>> (s - a)) & 1) v ^= V[row + k - a];
      }
      V[row + k] = v >>> 0;
    }
  });
  directionCache = V;
  return V;
}

function checkDim(dim: number): void {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`sobol: the dimension must be a positive integer (got ${dim})`);
  if (dim > SOBOL_MAX_DIM) throw new RangeError(`sobol: at most ${SOBOL_MAX_DIM} dimensions are supported (got ${dim})`);
}

function checkCount(count: number): void {
  if (!Number.isInteger(count) || count < 0 || count > 2 ** 31) {
    throw new RangeError(`sampling: the point count must be an integer from 0 to 2^31 (got ${count})`);
  }
}

/** The 32-bit integer coordinates of Sobol point `index` (gray-code order) in dimensions 1..dim. */
function sobolWords(index: number, dim: number): Uint32Array {
  const V = directionNumbers();
  const gray = (index ^ (index >>> 1)) >>> 0;
  const x = new Uint32Array(dim);
  for (let k = 0; k < BITS; k++) {
    if (!((gray >>> k) & 1)) continue;
    for (let j = 0; j < dim; j++) x[j] ^= V[j * BITS + k];
  }
  return x;
}

/** Point `index` of the unrandomised Sobol sequence, in gray-code order (point 0 is the origin). */
export function sobolRaw(index: number, dim: number): number[] {
  checkDim(dim);
  if (!Number.isInteger(index) || index < 0 || index >= TWO32) {
    throw new RangeError(`sobol: the index must be an integer from 0 to 2^32 − 1 (got ${index})`);
  }
  return Array.from(sobolWords(index, dim), (w) => w / TWO32);
}

// Philox counters are [block, stream low, stream high, purpose]: the purpose words keep these
// draws apart from each other and from BoxSampler's uniform points (whose fourth word is 0).
const PURPOSE_SOBOL = 0x50b01;
const PURPOSE_LHS_PERMUTATION = 0x1a7e1;
const PURPOSE_LHS_JITTER = 0x1a7e2;

/** `n` random 32-bit words, fully determined by (seed, stream, purpose). */
function randomWords(seed: number, stream: number, purpose: number, n: number): Uint32Array {
  const key: [number, number] = [seed >>> 0, Math.floor(seed / TWO32) >>> 0];
  const streamLo = stream >>> 0;
  const streamHi = Math.floor(stream / TWO32) >>> 0;
  const out = new Uint32Array(n);
  for (let b = 0; 4 * b < n; b++) {
    const words = philox4x32([b, streamLo, streamHi, purpose], key);
    for (let l = 0; l < 4 && 4 * b + l < n; l++) out[4 * b + l] = words[l];
  }
  return out;
}

/**
 * `count` randomised Sobol points in [0, 1)^dim, row-major [count][dim]. The randomisation is a
 * digital shift (each coordinate's 32-bit word XOR a random word) and a random start in the
 * sequence, a multiple of a power of two ≥ count, so that every batch of 2^m points is still a
 * (shifted) digital net.
 */
export function sobolPoints(count: number, dim: number, seed: number, stream: number): Float64Array {
  checkDim(dim);
  checkCount(count);
  const V = directionNumbers();
  const words = randomWords(seed, stream, PURPOSE_SOBOL, dim + 1);
  const block = 2 ** Math.ceil(Math.log2(Math.max(count, 1)));
  const start = Math.floor(words[dim] / block) * block;
  const x = sobolWords(start, dim);
  const out = new Float64Array(count * dim);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dim; j++) out[i * dim + j] = ((x[j] ^ words[j]) >>> 0) / TWO32;
    if (i + 1 === count) break;
    // gray-code step: point n + 1 differs from point n by the direction number of n + 1's lowest set bit
    const next = start + i + 1;
    const k = 31 - Math.clz32(next & -next);
    for (let j = 0; j < dim; j++) x[j] ^= V[j * BITS + k];
  }
  return out;
}

/**
 * `count` Latin-hypercube points in [0, 1)^dim, row-major [count][dim]: along every dimension
 * each of the count equal strata holds exactly one point (an independent Fisher-Yates permutation
 * per dimension, uniform jitter inside the stratum).
 */
export function latinHypercube(count: number, dim: number, seed: number, stream: number): Float64Array {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`lhs: the dimension must be a positive integer (got ${dim})`);
  checkCount(count);
  const swaps = randomWords(seed, stream, PURPOSE_LHS_PERMUTATION, count * dim);
  const jitter = randomWords(seed, stream, PURPOSE_LHS_JITTER, count * dim);
  const out = new Float64Array(count * dim);
  const stratum = new Uint32Array(count);
  for (let j = 0; j < dim; j++) {
    for (let i = 0; i < count; i++) stratum[i] = i;
    for (let i = count - 1; i > 0; i--) {
      const r = Math.floor((swaps[j * count + i] / TWO32) * (i + 1));
      [stratum[i], stratum[r]] = [stratum[r], stratum[i]];
    }
    for (let i = 0; i < count; i++) out[i * dim + j] = (stratum[i] + uniform01(jitter[j * count + i])) / count;
  }
  return out;
}

/** Sobol or Latin-hypercube points of stream `stream` mapped to the box [lo, hi], row-major f32. */
export function samplePoints(
  kind: 'sobol' | 'lhs',
  count: number,
  dim: number,
  lo: number[],
  hi: number[],
  seed: number,
  stream: number,
): Float32Array {
  if (lo.length !== dim || hi.length !== dim) {
    throw new RangeError(`sampling: the box has ${lo.length} lower and ${hi.length} upper bounds for ${dim} dimensions`);
  }
  const unit = kind === 'sobol' ? sobolPoints(count, dim, seed, stream) : latinHypercube(count, dim, seed, stream);
  const out = new Float32Array(unit.length);
  for (let i = 0; i < unit.length; i++) {
    const j = i % dim;
    out[i] = lo[j] + (hi[j] - lo[j]) * unit[i];
  }
  return out;
}
