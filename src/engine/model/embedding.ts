/**
 * Input embeddings: a fixed map γ of the problem's inputs placed in front of the MLP, so the
 * network sees γ(x) instead of x. Both kinds are one layer of sine features,
 *
 *   γ_i(x) = sin(ω_i · x + b_i)   for i < sines,     γ_i(x) = x_{axis_i}   for i ≥ sines,
 *
 * (a cosine is a sine with b_i = π/2). The exact periodic embedding (jaxpi's) replaces each
 * periodic input x of period L by cos(2π x / L) and sin(2π x / L) and passes the other inputs
 * through: every function of γ(x) is periodic in x, so a periodic condition holds exactly and
 * its loss term goes. Random Fourier features (Tancik et al. 2020) are cos(B x) and sin(B x)
 * with B an m x d Gaussian matrix of scale σ; along a periodic input each frequency is rounded
 * to a whole multiple of 2π / L, so the two combine and the periodicity stays exact.
 *
 * The Taylor jets of γ along a line x + s v are analytic, sin(θ + s ω·v) having the k-th
 * coefficient sin(θ + kπ/2) (ω·v)^k / k!; the GPU gets them, and those of any input jet, from
 * the jet layer's sine recurrence, which is exact for a sine (no truncation), and the f64 twins
 * here (embedLineJets) from the closed form. The embedding is fixed: it is not trained.
 */
import { InputError } from '../errors';
import { Rng } from '../sampling/rng';

export interface PeriodicAxis {
  axis: number;
  period: number;
}

export interface EmbeddingSpec {
  /** Inputs made periodic (each replaced by cos and sin of 2π x / L). */
  periodic?: readonly PeriodicAxis[];
  /** Random Fourier features: m frequencies (2m features), scale σ, drawn from `seed`. */
  fourier?: { features: number; scale: number; seed: number };
}

/** The most Fourier features (frequencies) an embedding may have. */
export const MAX_FOURIER_FEATURES = 1024;

export class InputEmbedding {
  constructor(
    /** The problem's inputs. */
    readonly inDim: number,
    /** Sine features first: [sines][inDim] frequencies ω_i and phases b_i. */
    readonly frequencies: Float64Array,
    readonly phases: Float64Array,
    /** Inputs passed through unchanged, after the sines. */
    readonly passThrough: readonly number[],
    /** What it was built from (shown in a run's header and kept in a saved model). */
    readonly describe: string,
  ) {
    if (frequencies.length !== phases.length * inDim) throw new InputError(`an embedding of ${phases.length} sines needs ${phases.length * inDim} frequencies, got ${frequencies.length}`);
    for (const a of passThrough) if (!Number.isInteger(a) || a < 0 || a >= inDim) throw new InputError(`an embedding passes input ${a} through, outside 0..${inDim - 1}`);
  }

  get sines(): number {
    return this.phases.length;
  }

  get outDim(): number {
    return this.sines + this.passThrough.length;
  }

  /**
   * The embedding as one dense layer [outDim][inDim] with biases (the jet kernels run it as a
   * layer whose first `sines` neurons take sin and whose others are the identity).
   */
  layer(): { weights: Float32Array; biases: Float32Array } {
    const { inDim, sines } = this;
    const weights = new Float32Array(this.outDim * inDim);
    const biases = new Float32Array(this.outDim);
    weights.set(this.frequencies);
    biases.set(this.phases);
    this.passThrough.forEach((axis, i) => (weights[(sines + i) * inDim + axis] = 1));
    return { weights, biases };
  }

  /** γ(x) in f64. */
  embed(x: ArrayLike<number>, out = new Float64Array(this.outDim)): Float64Array {
    const { inDim, sines } = this;
    for (let i = 0; i < sines; i++) {
      let a = this.phases[i];
      for (let j = 0; j < inDim; j++) a += this.frequencies[i * inDim + j] * x[j];
      out[i] = Math.sin(a);
    }
    this.passThrough.forEach((axis, i) => (out[sines + i] = x[axis]));
    return out;
  }

  /**
   * Normalized Taylor coefficients of s ↦ γ(x + s v) in f64, from the closed form
   * (sin(θ + kπ/2) (ω·v)^k / k!): [outDim][order + 1].
   */
  embedLineJets(x: ArrayLike<number>, v: ArrayLike<number>, order: number): number[][] {
    const { inDim, sines } = this;
    const rows: number[][] = [];
    for (let i = 0; i < sines; i++) {
      let theta = this.phases[i];
      let rate = 0;
      for (let j = 0; j < inDim; j++) {
        theta += this.frequencies[i * inDim + j] * x[j];
        rate += this.frequencies[i * inDim + j] * v[j];
      }
      const row: number[] = [];
      let power = 1; // rate^k / k!
      for (let k = 0; k <= order; k++) {
        row.push(Math.sin(theta + (k * Math.PI) / 2) * power);
        power *= rate / (k + 1);
      }
      rows.push(row);
    }
    for (const axis of this.passThrough) {
      const row = new Array<number>(order + 1).fill(0);
      row[0] = x[axis];
      if (order >= 1) row[1] = v[axis];
      rows.push(row);
    }
    return rows;
  }

  toJSON(): EmbeddingJson {
    const { inDim } = this;
    return {
      inputs: inDim,
      describe: this.describe,
      frequencies: Array.from({ length: this.sines }, (_, i) => Array.from(this.frequencies.subarray(i * inDim, (i + 1) * inDim))),
      phases: Array.from(this.phases),
      passThrough: [...this.passThrough],
    };
  }

  static fromJSON(json: unknown, where = 'model.embedding'): InputEmbedding {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new InputError(`${where} must be an object { inputs, frequencies, phases, passThrough }`);
    const o = json as Record<string, unknown>;
    const inDim = o.inputs;
    if (typeof inDim !== 'number' || !Number.isInteger(inDim) || inDim < 1 || inDim > 64) throw new InputError(`${where}.inputs must be an integer in [1, 64]`);
    if (!Array.isArray(o.frequencies) || !Array.isArray(o.phases) || o.frequencies.length !== o.phases.length) throw new InputError(`${where}.frequencies and .phases must be arrays of the same length`);
    if (o.phases.length > 2 * MAX_FOURIER_FEATURES + 2 * inDim) throw new InputError(`${where} has ${o.phases.length} sines; at most ${2 * MAX_FOURIER_FEATURES + 2 * inDim}`);
    const number = (v: unknown, at: string) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > 1e6) throw new InputError(`${at} must be a finite number of magnitude at most 1e6`);
      return v;
    };
    const frequencies = new Float64Array(o.phases.length * inDim);
    o.frequencies.forEach((row: unknown, i: number) => {
      if (!Array.isArray(row) || row.length !== inDim) throw new InputError(`${where}.frequencies[${i}] must have ${inDim} numbers`);
      row.forEach((v: unknown, j: number) => (frequencies[i * inDim + j] = number(v, `${where}.frequencies[${i}][${j}]`)));
    });
    const phases = Float64Array.from(o.phases, (v: unknown, i: number) => number(v, `${where}.phases[${i}]`));
    const pass = o.passThrough ?? [];
    if (!Array.isArray(pass) || pass.length > inDim) throw new InputError(`${where}.passThrough must be an array of at most ${inDim} input indices`);
    return new InputEmbedding(inDim, frequencies, phases, pass as number[], typeof o.describe === 'string' ? o.describe.slice(0, 200) : 'embedding');
  }

  /** Build from a spec: the periodic inputs, Fourier features, or both (each frequency along a periodic input a whole multiple of 2π / L). */
  static build(inDim: number, spec: EmbeddingSpec): InputEmbedding | null {
    const periodic = spec.periodic ?? [];
    const fourier = spec.fourier && spec.fourier.features > 0 ? spec.fourier : null;
    if (periodic.length === 0 && !fourier) return null;
    for (const p of periodic) {
      if (!Number.isInteger(p.axis) || p.axis < 0 || p.axis >= inDim) throw new InputError(`a periodic input ${p.axis} outside 0..${inDim - 1}`);
      if (!(p.period > 0) || !Number.isFinite(p.period)) throw new InputError(`input ${p.axis}'s period must be positive, got ${p.period}`);
    }
    const periodOf = new Map(periodic.map((p) => [p.axis, p.period]));
    const frequencies: number[] = [];
    const phases: number[] = [];
    const sine = (omega: number[], phase: number) => {
      frequencies.push(...omega);
      phases.push(phase);
    };
    if (fourier) {
      const { features: m, scale, seed } = fourier;
      if (!Number.isInteger(m) || m < 1 || m > MAX_FOURIER_FEATURES) throw new InputError(`Fourier features must be an integer in [1, ${MAX_FOURIER_FEATURES}], got ${m}`);
      if (!(scale > 0) || !Number.isFinite(scale) || scale > 1e4) throw new InputError(`the Fourier scale σ must be in (0, 1e4], got ${scale}`);
      const rng = new Rng(seed);
      const rows: number[][] = [];
      for (let i = 0; i < m; i++) {
        rows.push(
          Array.from({ length: inDim }, (_, j) => {
            const w = scale * rng.normal();
            const L = periodOf.get(j);
            // along a periodic input: the nearest whole multiple of 2π / L, so every feature has period L
            return L === undefined ? w : ((2 * Math.PI) / L) * Math.round((w * L) / (2 * Math.PI)) || 0; // (no −0 in a saved model)
          }),
        );
      }
      // cos(B x) = sin(B x + π/2), then sin(B x): jaxpi's order
      for (const row of rows) sine(row, Math.PI / 2);
      for (const row of rows) sine(row, 0);
      const what = `${m} Fourier features (σ ${scale}${periodic.length ? `, periodic in ${periodic.map((p) => `input ${p.axis + 1}`).join(', ')}` : ''})`;
      return new InputEmbedding(inDim, Float64Array.from(frequencies), Float64Array.from(phases), [], what);
    }
    for (const p of periodic) {
      const omega = Array.from({ length: inDim }, (_, j) => (j === p.axis ? (2 * Math.PI) / p.period : 0));
      sine(omega, Math.PI / 2);
      sine(omega, 0);
    }
    const pass = Array.from({ length: inDim }, (_, j) => j).filter((j) => !periodOf.has(j));
    const what = `periodic embedding (${periodic.map((p) => `input ${p.axis + 1}, period ${+p.period.toPrecision(6)}`).join('; ')})`;
    return new InputEmbedding(inDim, Float64Array.from(frequencies), Float64Array.from(phases), pass, what);
  }
}

export interface EmbeddingJson {
  inputs: number;
  describe: string;
  frequencies: number[][];
  phases: number[];
  passThrough: number[];
}
