/**
 * STDE in high dimension (science.md §4): PINNs for Δu + f(u) = g on the unit ball in
 * d = 10³ .. 10⁵⁺ dimensions. Every step samples P points in the ball and B of the d
 * coordinates per point (on the GPU), pushes a 2-jet of the network along each sampled
 * axis e_i, and estimates Δu by (d/B) Σ ∂²u/∂x_i². Along e_i the first layer's tangent is
 * column i of W₁, so the jets cost the same whatever d is; only the first layer's value
 * W₁x (and its weight gradient) is O(d) per point. Kernels: shaders/hd_*.wgsl.
 * Dense STDE (config.stde = 'dense', ./dense.ts) uses B Rademacher directions instead:
 * unbiased without the d/B factor, but W₁v costs O(d·width) per direction.
 */
import { DeviceLimitError, InputError } from '../errors';
import { denseUnsupportedReason, MAX_DENSE_DIRECTIONS } from './dense';
import { createStorageBuffer, readBuffer } from '../gpu/gpu';
import { Mlp } from '../model/mlp';
import type { HighDimProblem } from '../problems/highdim-types';
import { Rng } from '../sampling/rng';
import { norm2 } from '../problems/highdim-types';
import { kernelPass } from '../gpu/kernels';
import { namedSchedule, type LrSchedule } from '../train/schedule';
import { medianSubmitMs } from '../gpu/timing';
import { TrainerCore } from '../train/core';
import { l2Relative } from '../train/evaluation';
import type { RunResult, RunSettings } from '../train/run';
import type { TrainRecord } from '../train/config';

export interface HighDimConfig {
  width: number;
  depth: number;
  steps: number;
  lr: number;
  schedule: LrSchedule;
  seed: number;
  /** Collocation points per step. */
  points: number;
  /** Jets per point: sparse, B distinct coordinates (B = d gives the exact Laplacian); dense, B Rademacher directions. */
  randBatch: number;
  /** Sparse (default): random coordinates, sums scaled by d/B. Dense: Rademacher directions, mean over B (ball problems only). */
  stde?: 'sparse' | 'dense';
  /**
   * Sparse only: the loss r_A r_B from two estimates over the two halves of the B sampled axes
   * (each scaled by 2d/B), whose mean is r² without the estimator's variance that E[r̂²] adds
   * (see shaders/hd_loss.wgsl). Needs an even B.
   */
  unbiasedLoss?: boolean;
  /**
   * Sparse only, for problems with `productRule` (u = (1 − |x|²) N and a plain Laplacian): the
   * product-rule estimator. Δu = −2d N − 4 x·∇N + (1 − |x|²) ΔN: the first two terms exactly
   * (x·∇N from one more jet per point, along x, whose first-layer tangent W₁x is the first
   * layer's own value), and only ΔN from the B sampled axes. Still unbiased; the sampled part
   * is damped by 1 − |x|², small where volume-uniform points lie (see shaders/hd_loss.wgsl).
   */
  productRule?: boolean;
  /**
   * Learning-rate multiplier for the first layer's weights W₁ (default: firstLayerLrScale(d)).
   * A point in the ball has coordinates of about 1/√d, so the part of u* linear in x needs W₁
   * rows about √d times longer than at initialization; at Adam's 1e-3 that growth, not the
   * fit, bounds the early error at d = 10⁴ (see docs/BENCHMARKS.md, high dimension).
   */
  firstLayerLr?: number;
  /**
   * How training and test points fill the ball: 'volume' (default), uniform in it, so that in
   * d = 10³ all but a 10⁻⁹ share lie at |x| > 0.98; 'radius', |x| uniform in [0, 1] as the STDE
   * release draws them (science.md §4), which weights the centre and so is the measure its
   * reported errors are in. Both the training points and the fixed test set follow it, unless
   * testSampling says otherwise.
   */
  ballSampling?: BallSampling;
  /** How the fixed test set fills the ball (default: as ballSampling), e.g. train on 'radius' points, measure on 'volume' ones. */
  testSampling?: BallSampling;
  logEvery: number;
  /** Points of the fixed test set (default: as many as fit 2·10⁷ coordinates, 50 to 1000). */
  testPoints?: number;
  /** The most GPU memory the run may take (default HIGHDIM_MEMORY_BUDGET); the constructor refuses more, before allocating. */
  memoryBudget?: number;
}

export function defaultHighDimConfig(problem: HighDimProblem): HighDimConfig {
  const d = problem.defaults;
  return {
    width: d.width,
    depth: d.depth,
    steps: d.steps,
    lr: d.lr,
    schedule: namedSchedule('linear', 0.1),
    seed: 0,
    points: d.points,
    randBatch: Math.min(d.randBatch, problem.dim),
    logEvery: 100,
  };
}

/**
 * The default learning-rate multiplier of W₁ at dimension d: d/1000 clamped to [1, 10]. Fitted
 * to the two dimensions measured (docs/BENCHMARKS.md): at d = 10³ ×1 did best (×3.16 and ×5 ended 5 to 10%
 * worse), at d = 10⁴ ×10 cut the 20-minute error from 4e-2 to 5e-3; the cap keeps d = 10⁵'s
 * first-layer steps from growing further with d.
 */
export function firstLayerLrScale(d: number): number {
  return Math.min(10, Math.max(1, d / 1000));
}

type Pass = (pass: GPUComputePassEncoder) => void;

/** Buffers and forward passes for `count` points with `rows` jets per point. */
interface Batch {
  count: number;
  rows: number;
  x: GPUBuffer;
  xx: GPUBuffer;
  idx: GPUBuffer;
  /** Per hidden layer: pre-activation and output jets [row][3][width]. */
  pre: GPUBuffer[];
  hidden: GPUBuffer[];
  out: GPUBuffer;
  forward: Pass[];
}

/** Dense STDE's per-step buffers: packed direction signs [row][NW] and x·v per row. */
interface DenseBuffers {
  signs: GPUBuffer;
  xv: GPUBuffer;
  words: number;
}

export type BallSampling = 'volume' | 'radius';
export const BALL_SAMPLINGS: readonly BallSampling[] = ['volume', 'radius'];

/** Uniform points in the volume of the unit ball (or, 'radius', with |x| uniform) (f64, seeded), with t uniform in [0, horizon] as a last coordinate when given: the fixed test set. */
export function ballTestPoints(d: number, count: number, seed: number, horizon?: number, sampling: BallSampling = 'volume'): Float64Array[] {
  return ballPoints(new Rng(seed), d, count, horizon, sampling);
}

/** `count` more points of the ball from `rng`'s stream (ballTestPoints; chunks of one stream never overlap). */
function ballPoints(rng: Rng, d: number, count: number, horizon: number | undefined, sampling: BallSampling): Float64Array[] {
  return Array.from({ length: count }, () => {
    const z = Float64Array.from({ length: d }, () => rng.normal());
    const norm = Math.sqrt(z.reduce((a, v) => a + v * v, 0));
    const u = rng.uniform();
    const r = sampling === 'radius' ? u : u ** (1 / d);
    const x = z.map((v) => (v * r) / norm);
    return horizon === undefined ? x : Float64Array.from([...x, horizon * rng.uniform()]);
  });
}

/** The seed of the fixed test set logged during training (a trainer's first chunk from it, so l2RelativeErrorFresh(count, TEST_SET_SEED) is that set). */
export const TEST_SET_SEED = 4242;
/** The seed of the fresh points a trained network's error is measured on at the end (l2RelativeErrorFresh). */
export const FRESH_TEST_SEED = 9001;

/** The generator's 2³² period over about d + 2 draws a point, halved for margin. */
function mostFreshTestPoints(dim: number): number {
  return Math.floor(2 ** 31 / (dim + 2));
}

/**
 * Refuse a fresh test sample (l2RelativeErrorFresh) larger than the test-point generator's
 * period allows at dimension `dim`: callers check before training.
 */
export function checkFreshTestPoints(n: number, dim: number): void {
  const most = mostFreshTestPoints(dim);
  if (n > most) throw new InputError(`at d = ${dim} at most ${most} fresh test points fit the test-point generator's period, got ${n}`);
}

/**
 * The fresh sample the app measures a trained network on: 20,000 points, fewer where d is
 * large (they are drawn on the CPU, so at most about 4·10⁷ coordinates), at least 200, within
 * the generator's bound.
 */
export function freshSampleSize(dim: number): number {
  return Math.min(20_000, Math.max(200, Math.floor(4e7 / dim)), mostFreshTestPoints(dim));
}

/**
 * The largest buffers (W₁, the points, the jets) against the device's binding limit: `points` points
 * of d coordinates, `rows` jet rows, `signBytes` of dense STDE's direction signs.
 */
function checkLimits(device: GPUDevice, problemId: string, d: number, width: number, points: number, rows: number, signBytes: number): void {
  const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  // bytes per coordinate of the largest O(d) binding: W₁ or the points, or dense STDE's signs
  const perD = Math.max(4 * Math.max(width + 1, points), signBytes / d);
  const need = Math.max(perD * d, rows * 3 * width * 4);
  if (need <= limit) return;
  const fits = Math.floor(limit / perD);
  throw new DeviceLimitError(
    'maxStorageBufferBindingSize',
    need,
    limit,
    `${problemId} at d = ${d} (the first layer's ${width} x ${d} weights, ${points} points of ${d} coordinates${signBytes > 0 ? ', dense STDE\'s direction signs' : ''}; at most d = ${fits} fits with these settings)`,
  );
}

/** The most GPU memory a high-dimensional run may take (HighDimConfig.memoryBudget overrides it). */
export const HIGHDIM_MEMORY_BUDGET = 4 * 2 ** 30;

/**
 * The bytes of GPU memory a high-dimensional trainer will allocate, from its settings alone
 * (nothing allocated): the parameters five times (weights, gradient, Adam's two moments, the
 * last good copy), the training batch's points and per-layer jets and adjoints, the test batch,
 * and the per-point vectors. memoryBytes() gives what was allocated; tests hold the two within
 * 2x of each other.
 */
export function estimateHighDimBytes(problem: Pick<HighDimProblem, 'dim' | 'horizon' | 'coefficients'>, config: Pick<HighDimConfig, 'width' | 'depth' | 'points' | 'randBatch' | 'stde' | 'productRule' | 'testPoints'>): number {
  const d = problem.dim;
  const time = problem.horizon !== undefined;
  const din = d + (time ? 1 : 0);
  const { width, depth, points: P, randBatch: B } = config;
  const params = din * width + width + (depth - 1) * (width * width + width) + width + 1;
  const R1 = B + (time ? 1 : 0) + (config.productRule ? 1 : 0);
  const batch = (count: number, rows: number) => {
    const R = count * rows;
    return 4 * (count * din + count + R + 2 * depth * R * 3 * width + R * 3);
  };
  const testCount = config.testPoints ?? Math.max(50, Math.min(1000, Math.floor(2e7 / d)));
  const R = P * R1;
  const dense = config.stde === 'dense' ? 4 * (P * B * Math.ceil(d / 32) + P * B) : 0;
  const adjoints = 4 * (R * 3 + 2 * depth * R * 3 * width + P * width);
  return 4 * params * 5 + batch(P, R1) + batch(testCount, 1) + dense + adjoints + 4 * (4 * P + problem.coefficients.length);
}

/** Refuse a run whose estimated memory is over the budget, before anything is allocated. */
export function checkHighDimMemory(problem: Pick<HighDimProblem, 'id' | 'dim' | 'horizon' | 'coefficients'>, config: HighDimConfig): void {
  const need = estimateHighDimBytes(problem, config);
  const budget = config.memoryBudget ?? HIGHDIM_MEMORY_BUDGET;
  if (need <= budget) return;
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
  throw new InputError(`${problem.id} at d = ${problem.dim} with a ${config.depth}x${config.width} network and ${config.points} points needs about ${gib(need)} of GPU memory, more than the ${gib(budget)} budget: lower d, the width or the points`);
}

/** The ball problems' trainer: its own sampler, loss and kernels over the shared core (../train/core.ts: network, Adam, steps, checkpoint, run). */
export class HighDimTrainer extends TrainerCore<HighDimConfig> {
  /** W₁'s learning-rate multiplier in use: config.firstLayerLr, or firstLayerLrScale(d). */
  readonly firstLayerLr: number;
  private readonly train: Batch;
  private readonly test: Batch;
  private readonly testPoints: Float64Array[];
  private readonly exact: Float64Array;
  private readonly g: GPUBuffer;
  private readonly parts: GPUBuffer;
  private readonly residuals: GPUBuffer;
  private readonly lossParams: GPUBuffer;
  private readonly owned: GPUBuffer[] = [];
  private readonly samplePass: Pass;
  private readonly coordinatePass: Pass;
  private readonly sampleParams: GPUBuffer;
  /** Dense STDE: draws the B Rademacher directions per point (nothing for sparse). */
  private readonly directionsPass: Pass = () => {};
  private readonly sourcePass: Pass;
  private readonly lossPass: Pass;
  private readonly backwardPasses: Pass[];
  /** Validation errors of the kernels built in the constructor (reported by run and probe). */
  private readonly built: Promise<GPUError | null>;

  constructor(
    device: GPUDevice,
    readonly problem: HighDimProblem,
    config: HighDimConfig,
  ) {
    const d = problem.dim;
    const time = problem.horizon !== undefined;
    const din = d + (time ? 1 : 0);
    const { width, depth, points: P, randBatch: B } = config;
    const isDense = config.stde === 'dense';
    // jet rows per point: the B sampled space axes (or directions), and time; or, with the
    // product rule, the B axes and the jet along x
    const product = config.productRule === true;
    const R1 = B + (time ? 1 : 0) + (product ? 1 : 0);
    for (const [name, v, lo, hi] of [
      ['width', width, 1, 1024],
      ['depth', depth, 1, 16],
      ['points', P, 1, 1 << 16],
    ] as const) {
      if (!Number.isInteger(v) || v < lo || v > hi) throw new InputError(`${name} must be an integer from ${lo} to ${hi} (got ${v})`);
    }
    if (isDense) {
      const why = denseUnsupportedReason(problem);
      if (why) throw new InputError(why);
      if (!Number.isInteger(B) || B < 1 || B > MAX_DENSE_DIRECTIONS) throw new InputError(`dense STDE's random batch must be an integer from 1 to ${MAX_DENSE_DIRECTIONS}, got ${B}`);
    } else if (!Number.isInteger(B) || B < 1 || B > d) throw new InputError(`STDE's random batch must be an integer from 1 to the dimension (${d}), got ${B}`);
    if (product && !problem.productRule) throw new InputError(`the product-rule estimator is built for u = (1 − |x|²) N with a plain Laplacian (the two- and three-body problems); ${problem.id} is not of that form`);
    if (product && isDense) throw new InputError('the product-rule estimator is built for sparse STDE only');
    if (config.unbiasedLoss && isDense) throw new InputError('the unbiased loss (--unbiased-loss) is built for sparse STDE only');
    if (config.unbiasedLoss && (B < 2 || B % 2 !== 0)) throw new InputError(`the unbiased loss splits the B sampled axes in two halves: B must be even and at least 2 (got ${B})`);
    const testCount = config.testPoints ?? Math.max(50, Math.min(1000, Math.floor(2e7 / d)));
    const words = Math.ceil(d / 32);
    // the device's per-buffer limit first (it names the largest d that fits), then the total
    checkLimits(device, problem.id, din, width, Math.max(P, testCount), P * R1, isDense ? P * B * words * 4 : 0);
    checkHighDimMemory(problem, config);
    const firstLayerLr = config.firstLayerLr ?? firstLayerLrScale(d);
    if (!(firstLayerLr > 0 && firstLayerLr <= 1e4)) throw new InputError(`the first layer's learning-rate multiplier must be in (0, 10000], got ${firstLayerLr}`);
    device.pushErrorScope('validation');
    const mlp = Mlp.init({ inputDim: din, width, depth, outputDim: 1, activation: 'tanh' }, config.seed);
    super(device, config, mlp, { count: width * din, scale: firstLayerLr });
    this.firstLayerLr = firstLayerLr;

    this.sampleParams = this.uniform(new Uint32Array([P, 0, config.seed >>> 0, 0]));
    let dense: DenseBuffers | undefined;
    if (isDense) {
      dense = { signs: this.own(createStorageBuffer(device, P * B * words * 4, 'dense STDE direction signs')), xv: this.own(createStorageBuffer(device, P * B * 4, 'x·v per row')), words };
      this.directionsPass = this.kernel('hd_dense_directions', { B, NW: words }, [dense.signs, this.sampleParams], P * B * Math.ceil(words / 4));
    }
    this.train = this.batch(P, R1, 'train', dense);
    this.test = this.batch(testCount, 1, 'test');
    this.testPoints = ballTestPoints(d, testCount, TEST_SET_SEED, problem.horizon, config.testSampling ?? config.ballSampling);
    this.exact = Float64Array.from(this.testPoints.map((x) => problem.exact(x)));
    this.uploadTest(this.testPoints);

    // sampling: points and coordinates, or (tests) only the coordinates of fixed points
    // (dense STDE draws one unused coordinate per point; its directions come from directionsPass)
    const t = this.train;
    const sampling = { D: d, B: isDense ? 1 : B, DIN: din, R1, TIME: time ? 1 : 0, HORIZON: (problem.horizon ?? 0).toPrecision(9), RADIAL: config.ballSampling === 'radius' ? 1 : 0, PRODUCT: product ? 1 : 0 };
    this.samplePass = this.kernel('hd_sample', { ...sampling, POINTS: 1 }, [t.x, t.xx, t.idx, this.sampleParams], P);
    this.coordinatePass = this.kernel('hd_sample', { ...sampling, POINTS: 0 }, [t.x, t.xx, t.idx, this.sampleParams], P);
    const coef = this.own(createStorageBuffer(device, Math.max(1, problem.coefficients.length) * 4, `${problem.id} coefficients`));
    device.queue.writeBuffer(coef, 0, Float32Array.from(problem.coefficients));
    this.g = this.own(createStorageBuffer(device, P * 4, 'source g'));
    const aux = this.own(createStorageBuffer(device, P * 4, 'auxiliary value per point'));
    const count = this.uniform(new Uint32Array([P, 0, 0, 0]));
    const w = problem.wgsl;
    this.sourcePass = this.kernel('hd_source', { D: d, DIN: din, HELPERS: w.helpers, SOURCE: w.source }, [t.x, t.xx, coef, this.g, aux, count], P);

    // the loss and the seed of the backward pass
    const R = P * R1;
    this.parts = this.own(createStorageBuffer(device, P * 4, 'loss parts'));
    this.residuals = this.own(createStorageBuffer(device, P * 4, 'residuals'));
    const netAdj = this.own(createStorageBuffer(device, R * 3 * 4, 'network jets adjoint'));
    const lp = new ArrayBuffer(16);
    new Uint32Array(lp, 0, 1)[0] = P;
    new Float32Array(lp, 4, 1)[0] = 1;
    this.lossParams = this.uniform(new Uint32Array(lp));
    this.lossPass = dense
      ? this.kernel('hd_loss_dense', { D: d, B, HELPERS: w.helpers, TEMPORAL: w.temporal, TEMPORAL_GRAD: w.temporalGrad }, [t.xx, dense.xv, this.g, t.out, netAdj, this.parts, this.residuals, this.lossParams], P)
      : this.kernel(
        'hd_loss',
        {
          D: d,
          DIN: din,
          B,
          R1,
          TIME: time ? 1 : 0,
          SCALE: ((config.unbiasedLoss ? 2 : 1) * (d / B)).toPrecision(9),
          SPLIT: config.unbiasedLoss ? 1 : 0,
          PRODUCT: product ? 1 : 0,
          HELPERS: w.helpers,
          FACTOR: w.factor,
          OFFSET: w.offset,
          SPATIAL: w.spatial,
          SPATIAL_GRAD: w.spatialGrad,
          TEMPORAL: w.temporal,
          TEMPORAL_GRAD: w.temporalGrad,
        },
        [t.x, t.xx, t.idx, this.g, aux, t.out, netAdj, this.parts, this.residuals, this.lossParams],
        P,
      );

    // backward: output layer, hidden layers, first layer (see shaders/hd_backward.wgsl)
    const layers = mlp.layers;
    const rowsU = this.uniform(new Uint32Array([R, 0, 0, 0]));
    const pointsU = this.uniform(new Uint32Array([P, 0, 0, 0]));
    const dummy = this.own(createStorageBuffer(device, 16, 'unused'));
    const ybar = t.hidden.map((_, l) => this.own(createStorageBuffer(device, R * 3 * width * 4, `layer ${l} output adjoint`)));
    const abar = t.hidden.map((_, l) => this.own(createStorageBuffer(device, R * 3 * width * 4, `layer ${l} pre-activation adjoint`)));
    const apt = this.own(createStorageBuffer(device, P * width * 4, 'first layer value adjoint per point'));
    const bw = (mode: number, l: number, bufs: GPUBuffer[], threads: number, u = rowsU) => {
      const L = layers[l];
      // the matrix modes in blocks of 4 x 4 where the shapes allow (hd_backward_vec4.wgsl)
      if ((mode === 1 || mode === 2 || mode === 4) && L.inDim % 4 === 0 && L.outDim % 4 === 0) {
        const [a, b, , out] = bufs;
        const vecThreads = mode === 1 ? threads / 4 : mode === 4 ? Math.ceil(L.outDim / 8) * Math.ceil(L.inDim / 8) : (L.outDim / 4) * (L.inDim / 4 + 1);
        return this.kernel('hd_backward_vec4', { MODE: mode, IN: L.inDim, OUT: L.outDim, KS: mode === 4 ? 1 : 3, W_OFF: L.weightOffset, B_OFF: L.biasOffset }, [this.net.params, a, b, out, u], vecThreads);
      }
      // the first layer's weight gradient in 8 x 8 blocks for any d (scalar reads of the points)
      if (mode === 4 && L.outDim % 4 === 0) {
        const [a, b, , out] = bufs;
        return this.kernel('hd_first_grad_ragged', { IN: L.inDim, OUT: L.outDim, W_OFF: L.weightOffset }, [a, b, out, u], Math.ceil(L.outDim / 8) * Math.ceil(L.inDim / 8));
      }
      return this.kernel('hd_backward', { MODE: mode, IN: L.inDim, OUT: L.outDim, B: R1, W_OFF: L.weightOffset, B_OFF: L.biasOffset }, [this.net.params, ...bufs, u], threads);
    };
    const out = layers[depth];
    this.backwardPasses = [
      bw(2, depth, [netAdj, t.hidden[depth - 1], dummy, this.grad], out.outDim * (out.inDim + 1)),
      bw(1, depth, [netAdj, dummy, dummy, ybar[depth - 1]], R * out.inDim),
    ];
    for (let l = depth - 1; l >= 1; l--) {
      const L = layers[l];
      this.backwardPasses.push(
        bw(0, l, [t.pre[l], ybar[l], dummy, abar[l]], R * L.outDim),
        bw(2, l, [abar[l], t.hidden[l - 1], dummy, this.grad], L.outDim * (L.inDim + 1)),
        bw(1, l, [abar[l], dummy, dummy, ybar[l - 1]], R * L.inDim),
      );
    }
    this.backwardPasses.push(bw(0, 0, [t.pre[0], ybar[0], dummy, abar[0]], R * width), bw(3, 0, [abar[0], dummy, t.idx, apt], P * width, pointsU));
    if (dense) {
      // W₁'s gradient along the directions too: Σ ā₁ ⊗ v (hd_backward_dense.wgsl)
      const L = layers[0];
      this.backwardPasses.push(
        this.kernel('hd_backward_dense', { D: d, B, NW: words, OUT: width, W_OFF: L.weightOffset, B_OFF: L.biasOffset }, [apt, abar[0], t.x, dense.signs, this.grad, pointsU], width * (words + 1)),
      );
    } else {
      this.backwardPasses.push(bw(4, 0, [apt, t.x, dummy, this.grad], width * din, pointsU), bw(5, 0, [apt, abar[0], t.idx, this.grad], width, pointsU));
    }
    this.built = device.popErrorScope();
  }

  /** Throws if a kernel of this problem did not compile or bind (its WGSL comes from the problem file). */
  private async checkBuilt(): Promise<void> {
    const e = await this.built;
    if (e) throw new Error(`the kernels of ${this.problem.id} did not build: ${e.message}`);
  }

  private own(b: GPUBuffer): GPUBuffer {
    this.owned.push(b);
    return b;
  }

  private uniform(data: Uint32Array<ArrayBuffer>): GPUBuffer {
    const b = this.device.createBuffer({ size: Math.max(16, data.byteLength), usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.device.queue.writeBuffer(b, 0, data);
    return this.own(b);
  }

  /** A one-kernel pass over `threads` threads (64 per workgroup, rows of workgroups past the per-dimension limit). */
  private kernel(shader: string, params: Record<string, number | string>, buffers: GPUBuffer[], threads: number): Pass {
    return kernelPass(this.device, shader, params, buffers, Math.ceil(threads / 64));
  }

  private batch(count: number, rows: number, name: string, dense?: DenseBuffers): Batch {
    const d = this.net.mlp.inputDim;
    const { width, depth } = this.config;
    const R = count * rows;
    const x = this.own(createStorageBuffer(this.device, count * d * 4, `${name} points`));
    const xx = this.own(createStorageBuffer(this.device, count * 4, `${name} |x|²`));
    const idx = this.own(createStorageBuffer(this.device, R * 4, `${name} coordinates`));
    const pre = Array.from({ length: depth }, (_, l) => this.own(createStorageBuffer(this.device, R * 3 * width * 4, `${name} layer ${l} pre-activations`)));
    const hidden = Array.from({ length: depth }, (_, l) => this.own(createStorageBuffer(this.device, R * 3 * width * 4, `${name} layer ${l} jets`)));
    const out = this.own(createStorageBuffer(this.device, R * 3 * 4, `${name} network jets`));
    const layers = this.net.mlp.layers;
    const countU = this.uniform(new Uint32Array([count, 0, 0, 0]));
    const rowsU = this.uniform(new Uint32Array([R, 0, 0, 0]));
    // blocked kernels (4 points x 4 neurons a thread) where the width is a multiple of 4: reading
    // vec4 where d is one too, scalars otherwise (the unblocked kernel for any other width)
    const first = dense
      ? this.kernel('hd_first_dense', { D: d, B: rows, NW: dense.words, OUT: width, W_OFF: layers[0].weightOffset, B_OFF: layers[0].biasOffset }, [this.net.params, x, dense.signs, pre[0], hidden[0], dense.xv, countU], count * width)
      : width % 4 !== 0
        ? this.kernel('hd_first', { D: d, B: rows, OUT: width, W_OFF: layers[0].weightOffset, B_OFF: layers[0].biasOffset }, [this.net.params, x, idx, pre[0], hidden[0], countU], count * width)
        : d % 4 === 0
          ? this.kernel('hd_first_vec4', { D: d, B: rows, OUT: width, B_OFF: layers[0].biasOffset }, [this.net.params, x, idx, pre[0], hidden[0], countU], Math.ceil(count / 4) * (width / 4))
          : this.kernel('hd_first_ragged', { D: d, B: rows, OUT: width, W_OFF: layers[0].weightOffset, B_OFF: layers[0].biasOffset }, [this.net.params, x, idx, pre[0], hidden[0], countU], Math.ceil(count / 4) * (width / 4));
    const forward: Pass[] = [first];
    for (let l = 1; l <= depth; l++) {
      const L = layers[l];
      const last = l === depth;
      const vec = L.inDim % 4 === 0 && L.outDim % 4 === 0;
      forward.push(
        this.kernel(
          vec ? 'hd_layer_vec4' : 'hd_layer',
          { IN: L.inDim, OUT: L.outDim, ACT: last ? 0 : 1, W_OFF: L.weightOffset, B_OFF: L.biasOffset },
          [this.net.params, hidden[l - 1], last ? this.own(createStorageBuffer(this.device, 16, 'unused')) : pre[l], last ? out : hidden[l], rowsU],
          vec ? (R * L.outDim) / 4 : R * L.outDim,
        ),
      );
    }
    return { count, rows, x, xx, idx, pre, hidden, out, forward };
  }

  /** The unbiased loss r_A r_B can be near zero or negative. */
  get signedLoss(): boolean {
    return this.config.unbiasedLoss === true;
  }

  private setStream(stream: number): void {
    this.device.queue.writeBuffer(this.sampleParams, 4, new Uint32Array([stream >>> 0]));
  }

  /** Record sampling (stream = the step), source, forward, loss and backward. */
  private encodeGradient(pass: GPUComputePassEncoder, drawPoints = true): void {
    (drawPoints ? this.samplePass : this.coordinatePass)(pass);
    this.directionsPass(pass);
    this.sourcePass(pass);
    this.train.forward.forEach((f) => f(pass));
    this.lossPass(pass);
    this.backwardPasses.forEach((f) => f(pass));
  }

  /** A step: sampling at the step's stream, the gradient, Adam (it uploads its stream and lr). */
  protected encodeTrainingStep(enc: GPUCommandEncoder, lr: number): void {
    this.setStream(this.stepIndex);
    const pass = enc.beginComputePass();
    this.encodeGradient(pass);
    this.adam.encode(pass, lr);
    pass.end();
  }

  /** The loss of the last evaluated step (parts summed in f64). */
  async readLoss(): Promise<number> {
    const parts = await readBuffer(this.device, this.parts, this.train.count * 4);
    return parts.reduce((a, v) => a + v, 0);
  }

  /** The fixed test points (space, then t for a time-dependent problem) and u* there (f64). */
  get testSet(): { points: readonly Float64Array[]; exact: Float64Array } {
    return { points: this.testPoints, exact: this.exact };
  }

  /** Points (space, then t) into the test batch, from its start (at most its count). */
  private uploadTest(points: readonly Float64Array[]): void {
    const din = this.net.mlp.inputDim;
    const flat = new Float32Array(points.length * din);
    points.forEach((x, p) => flat.set(x, p * din));
    this.device.queue.writeBuffer(this.test.x, 0, flat);
    this.device.queue.writeBuffer(this.test.xx, 0, Float32Array.from(points.map((x) => norm2(x, this.problem.dim))));
  }

  /** The model u = G + F N at the test batch's points, the first `points` of which are asked for. */
  private async testModel(points: readonly Float64Array[]): Promise<Float64Array> {
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    this.test.forward.forEach((f) => f(pass));
    pass.end();
    this.device.queue.submit([enc.finish()]);
    const n = await readBuffer(this.device, this.test.out, this.test.count * 3 * 4);
    return Float64Array.from(points, (x, p) => this.problem.offsetJet(x, 0)[0] + this.problem.factorJet(x, 0)[0] * n[p * 3]);
  }

  /** L2 relative error of u = G + F N on the fixed test set (u* in f64). */
  async l2RelativeError(): Promise<number> {
    return l2Relative(await this.testModel(this.testPoints), this.exact);
  }

  /**
   * L2 relative error on `n` fresh points drawn like the test set (a larger sample than the
   * one logged during training, drawn in chunks of the test batch from one stream of `seed`,
   * so its first chunk is ballTestPoints' points for that seed),
   * with its standard error as an estimate of the error over the whole domain (the delta
   * method for a ratio of means). The fixed test set is put back afterwards.
   */
  async l2RelativeErrorFresh(n: number, seed: number): Promise<{ l2re: number; standardError: number }> {
    if (!Number.isInteger(n) || n < 2) throw new InputError(`the error needs at least 2 points, got ${n}`);
    const sampling = this.config.testSampling ?? this.config.ballSampling ?? 'volume';
    checkFreshTestPoints(n, this.problem.dim);
    const rng = new Rng(seed);
    const e2 = new Float64Array(n);
    const u2 = new Float64Array(n);
    try {
      for (let start = 0; start < n; start += this.test.count) {
        const chunk = ballPoints(rng, this.problem.dim, Math.min(this.test.count, n - start), this.problem.horizon, sampling);
        this.uploadTest(chunk);
        const u = await this.testModel(chunk);
        chunk.forEach((x, k) => {
          const exact = this.problem.exact(x);
          e2[start + k] = (u[k] - exact) ** 2;
          u2[start + k] = exact * exact;
        });
      }
    } finally {
      this.uploadTest(this.testPoints);
    }
    const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / n;
    const a = mean(e2);
    const b = mean(u2);
    const r2 = a / b;
    // var(R²) ≈ var(e² − R² u*²) / (n b²); SE(R) = SE(R²) / (2R)
    const dev = e2.map((v, i) => v - r2 * u2[i]);
    const m = mean(dev);
    const variance = dev.reduce((s, v) => s + (v - m) ** 2, 0) / (n - 1);
    const l2re = Math.sqrt(r2);
    return { l2re, standardError: Math.sqrt(variance / n) / b / (2 * Math.max(l2re, 1e-300)) };
  }

  /**
   * Tests and benchmarks: the loss, residuals and gradient at sampling stream `stream`
   * (with `fixedPoints`, only the coordinates are drawn), and what was sampled. No update.
   */
  async probe(stream: number, fixedPoints?: Float32Array<ArrayBuffer>): Promise<{ loss: number; residuals: Float32Array; grad: Float32Array; x: Float32Array; idx: Uint32Array }> {
    await this.checkBuilt();
    const { count, rows } = this.train;
    const d = this.problem.dim;
    const din = this.net.mlp.inputDim;
    if (fixedPoints) {
      this.device.queue.writeBuffer(this.train.x, 0, fixedPoints);
      const xx = new Float32Array(count);
      for (let p = 0; p < count; p++) for (let j = 0; j < d; j++) xx[p] += fixedPoints[p * din + j] ** 2;
      this.device.queue.writeBuffer(this.train.xx, 0, xx);
    }
    this.setStream(stream);
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    this.encodeGradient(pass, !fixedPoints);
    pass.end();
    this.device.queue.submit([enc.finish()]);
    const [loss, residuals, grad, x, idxF] = await Promise.all([
      this.readLoss(),
      readBuffer(this.device, this.residuals, count * 4),
      readBuffer(this.device, this.grad, this.net.mlp.params.byteLength),
      readBuffer(this.device, this.train.x, count * din * 4),
      readBuffer(this.device, this.train.idx, count * rows * 4),
    ]);
    return { loss, residuals, grad, x, idx: new Uint32Array(idxF.buffer, idxF.byteOffset, idxF.length) };
  }

  /**
   * Median wall-clock milliseconds of the forward work alone (sampling, source, the jets
   * and the residuals with their Laplacian estimate; no backward, no update): the cost of
   * one Laplacian per point, as bench:highdim compares it.
   */
  async timeForward(warmup: number, reps: number): Promise<number> {
    await this.checkBuilt();
    return medianSubmitMs(
      this.device,
      (enc) => {
        const pass = enc.beginComputePass();
        this.samplePass(pass);
        this.directionsPass(pass);
        this.sourcePass(pass);
        this.train.forward.forEach((f) => f(pass));
        this.lossPass(pass);
        pass.end();
      },
      warmup,
      reps,
    );
  }

  /** Bytes of GPU memory this trainer holds (parameters, Adam, gradient, batches). */
  memoryBytes(): number {
    const params = this.net.mlp.params.byteLength;
    return params * 5 + this.owned.reduce((a, b) => a + b.size, 0);
  }

  /**
   * Train to `config.steps` (settings.steps), logging every `logEvery` (runTraining, Adam only):
   * a divergence puts back the last good parameters (saveGood, restoreGood) and halves lrScale;
   * the fourth stops the run. With `planToDeadline` (and a finite deadline) the run's length is
   * planned to the time as it goes (the schedule follows plannedSteps).
   */
  override async run(onLog?: (r: TrainRecord) => boolean | void, deadlineSeconds = Infinity, settings: RunSettings = {}): Promise<RunResult> {
    await this.checkBuilt();
    return super.run(onLog, deadlineSeconds, settings);
  }

  override destroy(): void {
    this.owned.forEach((b) => b.destroy());
    super.destroy();
  }
}
