/**
 * Training a PINN on the GPU: every step samples collocation points, computes the
 * derivatives each loss term needs (Taylor jets, stacked AD, finite differences, STDE's
 * random jets or Stein's estimator from Gaussian shifts),
 * evaluates the residuals with the same generated kernels for every method, back-
 * propagates into one gradient and applies Adam (Taylor and FD: one submit per step).
 * The loss is read back only every `logEvery` steps.
 */
import { createStorageBuffer, readBuffer } from '../gpu/gpu';
import { GpuMlp } from '../model/gpu-mlp';
import { DeviceLimitError, InputError } from '../errors';
import { Mlp, type Activation } from '../model/mlp';
import type { LossTerm, PdeProblem } from '../problems/types';
import type { OperatorTerm } from '../jets/jet-slots';
import { BoxSampler } from '../sampling/random';
import { fillTemplate } from '../gpu/shaders';
import { factorial, TaylorJetForward } from '../jets/taylor-jet';
import { DoubleSingleJet, type JetPrecision } from '../jets/taylor-jet-ds';
import { TaylorJetBackward } from '../jets/taylor-jet-backward';
import { Adam } from './adam';
import { lbfgs, type LbfgsOptions, type LbfgsResult } from './lbfgs';
import { levenbergMarquardt, type LmOptions, type LmResult } from './levenberg-marquardt';
import { jacobianRows, ResidualJacobian } from './jacobian';
import { centralStencil, defaultStep, fornbergWeights } from '../methods/finite-difference';
import { AdContext } from '../autodiff/context';
import { adParams, nestedDerivativesAd, operatorAd } from '../autodiff/mlp-ad';
import { add, fromArray, grad, mul, stridedCopy, sum, Tensor, view } from '../autodiff/tensor';
import { learningRate, namedSchedule, type LrSchedule } from './schedule';
import { median, medianSubmitMs } from '../gpu/timing';
import { OperatorRows } from './operator-rows';
import { lossTermCode, PACK_ABOVE_DIRECTIONS, termDirections, type JetLayout, type StdeOptions } from './loss-term';
import { Rng } from '../sampling/rng';
import { runTraining } from './run-loop';
import { samplePoints, type SamplingKind } from '../sampling/qmc';
import { hardModel, laplacianAxes, unknownValue } from '../problems/types';

export type TrainMethod = 'taylor' | 'ad' | 'fd' | 'stde' | 'stein';
/** The methods that compute derivatives exactly (up to FD's truncation): the ones a comparison runs. */
export const TRAIN_METHODS: readonly TrainMethod[] = ['taylor', 'ad', 'fd'];
/**
 * Every method: STDE (Laplacians from random jets; other derivatives as taylor) and Stein
 * (every derivative, orders 0..2, of the Gaussian-smoothed network from plain evaluations).
 */
export const ALL_TRAIN_METHODS: readonly TrainMethod[] = ['taylor', 'ad', 'fd', 'stde', 'stein'];
export const STDE_DEFAULTS: StdeOptions = { kind: 'sparse', batch: 16 };

/**
 * Stein's estimator (He et al.): the model is f(x) = E g(x + e), e ~ N(0, sigma² I), g the
 * network; its derivatives up to order 2 come from `samples` evaluations g(x ± e) per point,
 * redrawn every step. varianceReduction: samples/2 antithetic pairs and the control variate
 * g(x) (one more evaluation); otherwise plain Monte Carlo over `samples` shifts.
 */
export interface SteinOptions {
  sigma: number;
  samples: number;
  varianceReduction: boolean;
  /**
   * Loss of a term with derivatives: w r_A r_B / n from two independent halves of the draws
   * instead of w r² / n from all of them. A squared estimate's mean adds its variance, which
   * the optimizer then lowers by flattening the network (for sin(Σx)/d in d = 10 a pair's
   * Laplacian has variance about 30 sin²(Σx)); the product's mean is the squared residual.
   * Off by default (the paper's loss; and a product can be negative, which log-scale loss plots
   * cannot show). Measured on poisson-sin, d = 10, 16 points x 128 samples, 1000 steps: L2 error
   * 0.26 with it, 0.32 without; on heat-ball (d = 100) both stayed near 0.57 after 500 steps.
   */
  unbiasedLoss?: boolean;
  /**
   * How pairs weight their second differences in a Laplacian: 'stein' (default, the paper's):
   * (|z_A|² − A)/2, exact for the smoothed network; 'hutchinson': 1 − Σ_{j>=A} (z_j² − 1)/2 (1 when
   * the Laplacian sums every axis), Hutchinson's trace estimate of the second difference
   * g(x+e) + g(x−e) − 2 g(x) ≈ eᵀHe. Its variance per pair is about 2 |H|_F² against A |H|_F²
   * (A axes summed), but its mean is the plain network's Laplacian up to O(sigma²), not the
   * smoothed one's (shaders/stein_estimator.wgsl). Needs variance reduction (pairs and g(x)).
   */
  laplacian?: SteinLaplacian;
}

export type SteinLaplacian = 'stein' | 'hutchinson';
export const STEIN_LAPLACIANS: readonly SteinLaplacian[] = ['stein', 'hutchinson'];

/**
 * sigma 0.01, the paper's: measured in f32 (tests/node/stein.test.ts, "sigma in f32"; d = 10,
 * a 3 x 64 network), rounding in a 32-pair Laplacian estimate is 1.6e-3 against its Monte
 * Carlo noise of 0.24; it grows like 1/sigma² (1.3e-5 at sigma = 0.1) but stays negligible, so
 * f32 does not force a wider sigma, and the smoothing bias (O(sigma²): sigma² d / 2 = 5e-4
 * relative for sin(Σx) in d = 10) stays small. 64 shifts (32 pairs and g(x)) per point.
 * The Laplacian's Monte Carlo noise does not depend on sigma (0.001 to 0.05 gave the same): per
 * pair its variance is about A |H|_F² (A axes summed, H the network's Hessian) plus A (tr H)²/2,
 * which the centred second-order weights (a leave-one-out baseline, see stein_estimator.wgsl)
 * remove. Measured on heat-ball (d = 100) with a network trained by taylor for 300 steps: 64
 * pairs put 1.6 rms of noise on Δu (exact 1, its Taylor value within 0.17); |H|_F is far above
 * the solution's 0.1 there, so centring gave only 1.63 -> 1.57, and 4x the pairs 0.71.
 * Measured runs (SwiftShader, shared 2-core CPU; 3x32 tanh, 16 points, unbiased loss, default
 * exponential schedule): poisson-sin d = 10, 128 samples, lr 3e-3, 15000 steps: 0.048 (1039 s;
 * taylor, same setup: 0.014 in 367 s, and 0.160 at 1800 steps, where Stein had 0.151: there the
 * step count, not the noise, was the limit); heat-ball d = 100, lr 1e-3, 900 steps: 0.121 with
 * 512 samples (741 s) against 0.406 with 128 (552 s) and taylor's 0.051 (197 s).
 * With laplacian 'hutchinson' (lr decay to 1%, alone on the CPU unless said): poisson-sin d = 10,
 * 128 samples, lr 3e-3, 15000 steps: 0.0127 (Stein's weights: 0.0298); heat-ball d = 100, lr 1e-3,
 * 3000 steps: 0.0224 with 512 samples, 0.0273 with 128 (taylor: 0.0203); 4500 steps, 512: 0.0146.
 */
export const STEIN_DEFAULTS: SteinOptions = { sigma: 0.01, samples: 64, varianceReduction: true };

/**
 * Draws of e per point (pairs, or single shifts), network evaluations per point, and whether
 * g(x) is one of them (the control variate of second derivatives), for a term whose highest
 * derivative order is `order`. A term of values only (boundary, initial) draws 2 shifts (one
 * pair): the smoothed value's estimate has variance O(sigma² |∇g|²) (plain) or O(sigma⁴) (pairs),
 * far below its residual, so more would only cost.
 */
export function steinShape(o: SteinOptions, order: number): { draws: number; evaluations: number; center: boolean } {
  const samples = order === 0 ? Math.min(2, o.samples) : o.samples;
  if (!o.varianceReduction) return { draws: samples, evaluations: samples, center: false };
  const center = order >= 2;
  return { draws: samples / 2, evaluations: samples + (center ? 1 : 0), center };
}

export interface TrainConfig {
  /** taylor: fused jets and their adjoint (n-TangentProp); ad: nested reverse-mode gradients (stacked AD);
   * fd: central finite differences of plain evaluations at shifted points. */
  method: TrainMethod;
  /** Finite-difference step (fd only); default: about eps^(1/(k+2)) for order k. */
  fdStep?: number;
  /** STDE: sparse (B random coordinates per point, scaled by d/B) or dense (B Rademacher directions). */
  stde?: StdeOptions;
  /** Stein: smoothing width, shifts per point, antithetic pairs with control variate (default STEIN_DEFAULTS). */
  stein?: SteinOptions;
  width: number;
  depth: number;
  activation: Activation;
  steps: number;
  lr: number;
  schedule: LrSchedule;
  seed: number;
  interiorPoints: number;
  /** Read the loss (and measure the error) every this many steps. */
  logEvery: number;
  /** How interior points are drawn each step (default: uniform by Philox on the GPU). */
  sampling?: SamplingKind;
  /** Draw fresh interior points every this many steps (default 1: every step; 0: one fixed set). Random directions and shifts are drawn every step regardless. */
  resampleEvery?: number;
  /** Weights of loss terms by name (default: each problem's). */
  weights?: Record<string, number>;
  /** Use the problem's hard boundary transform u = φ N (its replaced boundary terms go). */
  hardBoundary?: boolean;
  /** Taylor jets only: 'double-single' recomputes the output jets in double-single for the loss in L-BFGS and evaluations (taylor-jet-ds.ts; Adam's steps stay f32); other methods use f32. */
  precision?: JetPrecision;
}

export interface TrainRecord {
  step: number;
  seconds: number;
  loss: number;
  l2re: number;
  /** Values of the problem's trained unknowns (e.g. lambda), when it has any. */
  unknowns?: number[];
}

export interface TrainResult {
  steps: number;
  seconds: number;
  l2re: number;
  history: TrainRecord[];
  /** Why training ended: 'done', 'diverged at step N (loss NaN)', 'stopped'. */
  stopReason: string;
}

/** The seed of a fixed-point term's redrawn set: one per (run seed, point stream, term). */
export function redrawSeed(seed: number, stream: number, term: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b) ^ Math.imul(term + 1, 0xc2b2ae35)) >>> 0;
}

interface TermRuntime {
  term: LossTerm;
  count: number;
  points: GPUBuffer;
  sampler: BoxSampler | null;
  /** Quasi-random or stratified points: computed on the CPU and uploaded each step. */
  hostSampling: 'sobol' | 'lhs' | null;
  layout: JetLayout;
  jets: TaylorJetForward[];
  /** Stacked AD and FD: jet-shaped buffers [count][n+1] holding c_k = u^(k)/k! per direction (packed: one). */
  adJets: GPUBuffer[];
  directions: Float32Array[];
  orders: number[];
  /** The loss kernel's inputs (jets or their stand-ins) and adjoints, one per direction or one packed. */
  adjoints: GPUBuffer[];
  backwards: TaylorJetBackward[];
  /** Dispatches before the loss kernel (jets, or stencil evaluations) and after it (their backward). */
  before: ((pass: GPUComputePassEncoder) => void)[];
  after: ((pass: GPUComputePassEncoder) => void)[];
  owned: GPUBuffer[];
  parts: GPUBuffer;
  params: GPUBuffer;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  /** Trained unknowns: per-point gradient parts and their reduction into the unknowns' gradient. */
  unknownReduce: ((pass: GPUComputePassEncoder) => void) | null;
  /** Trained unknowns: the per-point parts unknownReduce sums (in Jacobian mode, the unknowns' Jacobian columns). */
  qparts: GPUBuffer | null;
  /** STDE: the packed jet whose random blocks get new directions every step (blockAxes: each block's Laplacian axes). */
  stde: { jet: TaylorJetForward; dirs: Float32Array; blocks: number[]; blockAxes: number[] } | null;
  /** Interior points in a ball × time (domain kind 'ball-time'), drawn on the GPU. */
  ballSampler: { params: GPUBuffer; encode: (pass: GPUComputePassEncoder) => void } | null;
  /** Stein: the uniform (count, stream, seed) its Gaussian shifts are drawn from, written every step. */
  steinParams: GPUBuffer | null;
  /** A term with an operator: its slot-jet rows (STDE draws their terms every step). */
  operator: OperatorRows | null;
  /** The operator each block holds L u of (stacked AD computes it by nested gradients), by block. */
  operatorOf: Map<number, OperatorTerm[]>;
  /** Precision 'double-single': the jets recomputed in double-single and the loss kernel that reads hi + lo (used outside Adam steps). */
  precise: { before: ((pass: GPUComputePassEncoder) => void)[]; pipeline: GPUComputePipeline; bindGroup: GPUBindGroup } | null;
}

/**
 * Levenberg–Marquardt's stages for a term with `continuation` f0: factors of its weight, f0, 100 f0,
 * …, 1. The first is small, not zero: left out entirely, the term's high derivatives are free
 * to overflow f32.
 */
export function continuationFactors(first: number): number[] {
  if (!(first > 0 && first <= 1)) throw new InputError(`a continuation starts at a factor in (0, 1], not ${first}`);
  const stages = Math.round(Math.log(1 / first) / Math.log(100));
  return Array.from({ length: stages + 1 }, (_, i) => Number(`1e${2 * (i - stages)}`));
}

/** Levenberg–Marquardt's continuation, when a term has one: the stages' weight factors and their shares of the iterations. */
export interface ContinuationOptions {
  factors?: number[];
  shares?: number[];
  /** How many leading stages keep the unknowns frozen (default 1: the first). */
  frozenStages?: number;
  /** Called at the end of each stage, its factor still set (evaluateTerms then shows the staged weights). */
  onStage?: (stage: number, factor: number, result: LmResult) => Promise<void> | void;
}

/** The sampling stream of the quasi-Newton phases: one Adam never draws, fixed points for the whole phase. */
const FIXED_STREAM = 0x7fffffff;

export function defaultTrainConfig(problem: PdeProblem): TrainConfig {
  const d = problem.defaults;
  return {
    method: 'taylor',
    width: d.width,
    depth: d.depth,
    activation: 'tanh',
    steps: d.steps,
    lr: d.lr,
    schedule: namedSchedule('exponential'),
    seed: 0,
    interiorPoints: d.interiorPoints,
    logEvery: 100,
    hardBoundary: d.hardBoundary ?? false,
    precision: d.precision ?? 'f32',
  };
}

/**
 * The rounding noise of an f32 loss at x: the spread of f over a few points one or two f32
 * ulps from x in every coordinate, where the true loss changes far less than its rounding.
 */
export async function lossNoise(fg: (x: Float64Array) => Promise<{ f: number }>, x: Float64Array, samples = 6): Promise<number> {
  const rng = new Rng(0x5eed);
  const fs: number[] = [];
  for (let i = 0; i < samples; i++) {
    const y = Float64Array.from(Float32Array.from(x.map((v) => v * (1 + (rng.uniform() < 0.5 ? -1 : 1) * 2 ** -23))));
    fs.push((await fg(y)).f);
  }
  const mean = fs.reduce((a, b) => a + b, 0) / samples;
  return Math.sqrt(fs.reduce((a, b) => a + (b - mean) ** 2, 0) / (samples - 1));
}

export class PinnTrainer {
  readonly net: GpuMlp;
  readonly grad: GPUBuffer;
  readonly adam: Adam;
  private readonly backup: GPUBuffer;
  private readonly terms: TermRuntime[];
  private readonly testJet: TaylorJetForward;
  private readonly testPoints: number[][];
  private readonly exact: Float64Array;
  private stepIndex = 0;
  /** The run length a deadline-planned run settled on (runTraining writes it), which the learning-rate schedule follows while it lasts. */
  plannedSteps: number | null = null;
  private readonly adContext: AdContext | null;
  /** Raw parameters of the problem's unknowns, their gradient, optimizer and last good copy. */
  readonly unknownParams: GPUBuffer | null = null;
  readonly unknownGrad: GPUBuffer | null = null;
  private readonly unknownAdam: Adam | null = null;
  private readonly unknownBackup: GPUBuffer | null = null;

  constructor(
    readonly device: GPUDevice,
    readonly problem: PdeProblem,
    readonly config: TrainConfig,
  ) {
    if (!Number.isInteger(config.interiorPoints) || config.interiorPoints < 1) throw new InputError('interior points must be a positive integer');
    // an odd model needs non-zero biases (Mlp.init: with zero ones they would stay zero)
    const mlp = Mlp.init({ inputDim: problem.dim, width: config.width, depth: config.depth, outputDim: 1, activation: config.activation }, config.seed, { biases: problem.oddModel ? 'uniform' : 'zero' });
    this.net = new GpuMlp(device, mlp);
    const bytes = mlp.params.byteLength;
    this.grad = createStorageBuffer(device, bytes, 'parameter gradient');
    this.backup = createStorageBuffer(device, bytes, 'last good parameters');
    this.adam = new Adam(device, this.net.params, this.grad, mlp.params.length);
    this.adContext = config.method === 'ad' ? new AdContext(device) : null;
    const unknowns = problem.unknowns ?? [];
    if (unknowns.length > 0) {
      this.unknownParams = createStorageBuffer(device, unknowns.length * 4, 'unknowns');
      this.unknownGrad = createStorageBuffer(device, unknowns.length * 4, 'unknowns gradient');
      this.unknownBackup = createStorageBuffer(device, unknowns.length * 4, 'last good unknowns');
      device.queue.writeBuffer(this.unknownParams, 0, Float32Array.from(unknowns.map((u) => u.init)));
      this.unknownAdam = new Adam(device, this.unknownParams, this.unknownGrad, unknowns.length);
    }
    if (config.hardBoundary && !problem.hard) throw new InputError(`${problem.id} declares no hard boundary transform`);
    const replaced = config.hardBoundary ? problem.hard!.replaces : [];
    this.terms = problem.terms.filter((term) => !replaced.includes(term.name)).map((term) => this.buildTerm(term, problem.terms.indexOf(term)));
    this.testPoints = problem.testPoints();
    this.exact = Float64Array.from(this.testPoints.map((x) => problem.exact(x)));
    this.testJet = new TaylorJetForward(device, this.net, { order: 0, maxBatch: this.testPoints.length, sharedDirection: true });
  }

  private buildTerm(term: LossTerm, termIndex: number): TermRuntime {
    const device = this.device;
    const d = this.problem.dim;
    const count = term.points === 'interior' ? this.config.interiorPoints : term.points.length;
    const points = createStorageBuffer(device, count * d * 4, `${term.name} points`);
    let sampler: BoxSampler | null = null;
    let ballSampler: TermRuntime['ballSampler'] = null;
    const sampling = this.config.sampling ?? 'uniform';
    const hostSampling = term.points === 'interior' && sampling !== 'uniform' ? sampling : null;
    if (term.points === 'interior') {
      if (this.problem.domain.kind === 'ball-time') {
        if (hostSampling) throw new InputError(`${this.problem.id} draws its interior points in a ball; ${sampling} sampling is for box domains (use uniform)`);
        ballSampler = this.ballTimeSampler(points, count);
      } else if (!hostSampling) sampler = new BoxSampler(device, this.problem.domain.lo, this.problem.domain.hi, count, points);
    } else device.queue.writeBuffer(points, 0, Float32Array.from(term.points.flat()));
    // one jet per distinct direction, up to the highest order asked along it; many
    // directions (a Laplacian in d dimensions) share one jet batch and one buffer
    const stde = this.config.method === 'stde' ? this.stdeOptions() : undefined;
    const stein = this.config.method === 'stein' ? this.steinOptions(term) : undefined;
    const { directions, dirOf, orders: ownOrders, random, slotAxes } = termDirections(term, d, stde, stein !== undefined);
    const J = directions.length;
    const mirrored = this.problem.oddModel === true;
    // an operator Σ c_t ∂^α u: every derivative of the term from slot jets (./operator-rows.ts)
    const operator = term.derivatives.some((s) => s.operator);
    const operatorOf = new Map(term.derivatives.flatMap((s, i) => (s.operator ? [[dirOf[i], s.operator] as const] : [])));
    if (operator) {
      const method = this.config.method;
      if (method !== 'taylor' && method !== 'stde' && method !== 'ad') throw new InputError(`${this.problem.id}'s ${term.name} term is an operator of mixed partials: use --method taylor (every term from slot jets), ad (nested gradients) or stde (terms sampled), not ${method}`);
      if (this.config.hardBoundary) throw new InputError(`${this.problem.id}'s ${term.name} term is an operator read from slot jets; a hard boundary transform does not combine with it yet`);
      if (mirrored) throw new InputError('an operator term does not combine with an odd model');
      // its rows read plain directions and operators; a Laplacian there would need its own axis or random jets
      const lap = term.derivatives.find((s) => s.laplacian);
      if (lap) throw new InputError(`${this.problem.id}'s ${term.name} term has an operator and the Laplacian ${lap.name}: write the Laplacian as an operator too (Σᵢ ∂ᵢ², as biharmonic-nd's boundary term does)`);
    }
    // Stein's unbiased loss: a second estimate per direction from the other half of the draws
    const split = (stein?.unbiasedLoss === true && Math.max(...ownOrders) >= 1) || (operator && stde?.unbiasedLoss === true);
    if (split && this.config.hardBoundary) throw new InputError("Stein's unbiased loss does not combine with a hard boundary transform yet");
    const packed = operator || mirrored || split || J > PACK_ABOVE_DIRECTIONS || random.some(Boolean);
    if (stein) this.checkJetRows(term, count * steinShape(stein, Math.max(...ownOrders)).evaluations, 1);
    else if (!operator) this.checkJetRows(term, (mirrored ? 2 * J : packed ? J : 1) * count, Math.max(...ownOrders) + 1);
    let stdeRuntime: TermRuntime['stde'] = null;
    // blocks: one per direction, and for an odd model one more per direction at −x along −v
    const blocks = mirrored || split ? 2 * J : J;
    const orders = packed ? ownOrders.map(() => Math.max(...ownOrders)) : ownOrders;
    const ad = this.config.method === 'ad';
    const fd = this.config.method === 'fd';
    if (mirrored && (fd || stein)) throw new InputError(`${this.problem.id}'s odd model N(x) − N(−x) is built for Taylor jets and stacked AD; ${fd ? 'finite differences are' : "Stein's estimator is"} not wired for it`);
    if (mirrored && this.config.hardBoundary) throw new InputError('an odd model and a hard boundary transform do not combine');
    const width = orders[0] + 1;
    // AD, FD and Stein fill blocks bound at offsets: 256-byte aligned
    const chunk = packed ? (ad || fd || stein || operator ? Math.ceil((count * width) / 64) * 64 : count * width) : 0;
    // double-single jets: Taylor only (other methods have no jets to recompute), for the terms
    // that give their residual in double-single (those whose terms cancel beyond f32)
    const precise = this.config.precision === 'double-single' && term.residualDsWgsl !== undefined && !ad && !fd && !stein && !stde && !operator;
    const layout: JetLayout = { orders, packed, chunk, mirrored, split };
    const owned: GPUBuffer[] = [];
    const before: ((pass: GPUComputePassEncoder) => void)[] = [];
    const after: ((pass: GPUComputePassEncoder) => void)[] = [];
    const jets: TaylorJetForward[] = [];
    const backwards: TaylorJetBackward[] = [];
    const precisions: DoubleSingleJet[] = [];
    let adJets: GPUBuffer[] = [];
    let adjoints: GPUBuffer[];
    let steinParams: GPUBuffer | null = null;
    let operatorRows: OperatorRows | null = null;
    if (!ad && !fd && !stein && !operator) {
      if (packed) {
        // rows j * count + p: point p with direction e_j
        const tiled = createStorageBuffer(device, blocks * count * d * 4, `${term.name} points per direction`);
        owned.push(tiled);
        before.push(this.simplePass('tile_rows', { N: count * d, COPIES: blocks, NEGATE_FROM: J }, [points, tiled], Math.ceil((blocks * count * d) / 64)));
        const jet = new TaylorJetForward(device, this.net, { order: orders[0], maxBatch: blocks * count, sharedDirection: false, savePreActivations: true, pointsBuffer: tiled });
        const dirs = new Float32Array(blocks * count * d);
        for (let b = 0; b < blocks; b++) {
          const dir = b < J ? directions[b] : directions[b - J].map((v) => -v);
          for (let p = 0; p < count; p++) dirs.set(dir, (b * count + p) * d);
        }
        jet.setDirections(dirs);
        jet.setBatch(blocks * count);
        jets.push(jet);
        if (random.some(Boolean)) {
          const blocks = random.flatMap((r, b) => (r ? [b] : []));
          stdeRuntime = { jet, dirs, blocks, blockAxes: blocks.map((b) => slotAxes[b]) };
        }
      } else {
        directions.forEach((dir, j) => {
          const jet = new TaylorJetForward(device, this.net, { order: orders[j], maxBatch: count, sharedDirection: true, savePreActivations: true, pointsBuffer: points });
          jet.setDirections(dir);
          jet.setBatch(count);
          jets.push(jet);
        });
      }
      adjoints = jets.map((jet, j) => createStorageBuffer(device, jet.output.size, `${term.name} jet ${j} adjoint`));
      jets.forEach((jet, j) => {
        const b = new TaylorJetBackward(jet, adjoints[j], this.grad, true);
        backwards.push(b);
        before.push((pass) => jet.encode(pass));
        if (precise) {
          const ds = new DoubleSingleJet(device, jet);
          precisions.push(ds);
          owned.push(...ds.buffers);
        }
        after.push((pass) => b.encode(pass));
      });
    } else {
      const sizes = packed ? [blocks * chunk] : orders.map((o) => count * (o + 1));
      adJets = sizes.map((n, j) => createStorageBuffer(device, n * 4, `${term.name} derivatives ${j}`));
      adjoints = sizes.map((n, j) => createStorageBuffer(device, n * 4, `${term.name} derivatives ${j} adjoint`));
      if (fd) {
        directions.forEach((dir, j) => {
          const block = (b: GPUBuffer): GPUBufferBinding => (packed ? { buffer: b, offset: j * chunk * 4, size: count * width * 4 } : { buffer: b });
          const st = this.fdStencil(term.name, points, block(adJets[packed ? 0 : j]), block(adjoints[packed ? 0 : j]), dir, orders[j], count);
          before.push(...st.before);
          after.push(...st.after);
          owned.push(...st.owned);
          backwards.push(st.backward);
          jets.push(st.jet);
        });
      }
      if (operator && !ad) {
        operatorRows = new OperatorRows({
          device,
          net: this.net,
          term,
          dim: d,
          count,
          points,
          directions,
          dirOf,
          blocks: adJets[0],
          adjoints: adjoints[0],
          width,
          chunk,
          grad: this.grad,
          sample: stde?.batch,
          split,
          makePass: (shader, params, buffers, workgroups) => this.simplePass(shader, params, buffers, workgroups),
          checkRows: (rows, n1) => this.checkJetRows(term, rows, n1),
        });
        before.push(...operatorRows.before);
        after.push(...operatorRows.after);
        owned.push(...operatorRows.owned);
        jets.push(operatorRows.jet);
        backwards.push(operatorRows.backward);
      }
      if (stein) {
        const block = (b: GPUBuffer, j: number): GPUBufferBinding => (packed ? { buffer: b, offset: j * chunk * 4, size: count * width * 4 } : { buffer: b });
        // one estimate per direction from all draws, or (split) blocks j and j + J from the two halves
        const { draws } = steinShape(stein, Math.max(...ownOrders));
        const halves: [number, number][] = split ? [[0, draws / 2], [draws / 2, draws]] : [[0, draws]];
        const outputs = halves.flatMap((range, h) =>
          directions.map((_, k) => {
            const j = h * J + k;
            return { slot: k, range, width: orders[k] + 1, coeff: block(adJets[packed ? 0 : j], j), adjoint: block(adjoints[packed ? 0 : j], j) };
          }),
        );
        const st = this.steinEstimator(term.name, termIndex, stein, points, count, directions, slotAxes, outputs);
        before.push(...st.before);
        after.push(...st.after);
        owned.push(...st.owned);
        backwards.push(st.backward);
        jets.push(st.jet);
        steinParams = st.params;
      }
    }
    const parts = createStorageBuffer(device, count * 4, `${term.name} loss parts`);
    const params = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const pbuf = new ArrayBuffer(16);
    new Uint32Array(pbuf, 0, 1)[0] = count;
    new Float32Array(pbuf, 4, 2).set([this.termWeight(term), 1]); // the weight, and 1.0 for dsOne
    device.queue.writeBuffer(params, 0, pbuf);
    const unknowns = this.problem.unknowns ?? [];
    const compileLoss = (lay: JetLayout) => {
      const code = lossTermCode(d, term, unknowns, lay, this.config.hardBoundary ? this.problem : undefined, stde, stein !== undefined);
      device.pushErrorScope('validation');
      const module = device.createShaderModule({ label: `loss term ${term.name}`, code });
      const pipeline = device.createComputePipeline({ label: `loss term ${term.name}`, layout: 'auto', compute: { module, entryPoint: 'main' } });
      void device.popErrorScope().then((e) => {
        if (e) throw new Error(`the WGSL of ${this.problem.id}'s ${term.name} term does not compile: ${e.message}`);
      });
      return pipeline;
    };
    const pipeline = compileLoss(layout);
    const inputs = ad || fd || stein || operator ? adJets : jets.map((j) => j.output);
    const buffers = [points, parts, params, ...inputs.flatMap((b, j) => [b, adjoints[j]])];
    let unknownReduce: TermRuntime['unknownReduce'] = null;
    let qparts: GPUBuffer | null = null;
    if (unknowns.length > 0) {
      qparts = createStorageBuffer(device, count * unknowns.length * 4, `${term.name} unknowns' gradient parts`);
      owned.push(qparts);
      buffers.push(this.unknownParams!, qparts);
      unknownReduce = this.simplePass('unknown_grad', { NQ: unknowns.length, BATCH: count }, [qparts, this.unknownGrad!], unknowns.length);
    }
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    let preciseRuntime: TermRuntime['precise'] = null;
    if (precise) {
      const p = compileLoss({ ...layout, precise: true });
      const entries = [...buffers, ...precisions.map((ds) => ds.lo)].map((buffer, binding) => ({ binding, resource: { buffer } }));
      preciseRuntime = { before: precisions.map((ds) => (pass: GPUComputePassEncoder) => ds.encode(pass)), pipeline: p, bindGroup: device.createBindGroup({ layout: p.getBindGroupLayout(0), entries }) };
    }
    if (ballSampler) owned.push(ballSampler.params);
    return { term, count, points, sampler, hostSampling, layout, jets, adJets, directions, orders, adjoints, backwards, before, after, owned, parts, params, pipeline, bindGroup, unknownReduce, qparts, stde: stdeRuntime, ballSampler, steinParams, precise: preciseRuntime, operator: operatorRows, operatorOf };
  }

  /** The STDE settings, checked against the problem. */
  private stdeOptions(): StdeOptions {
    const o = this.config.stde ?? STDE_DEFAULTS;
    const d = this.problem.dim;
    const laplacians = this.problem.terms.flatMap((t) => t.derivatives.filter((s) => s.laplacian));
    const operators = this.problem.terms.some((t) => t.derivatives.some((s) => s.operator));
    if (laplacians.length === 0 && !operators) {
      throw new InputError(`STDE estimates Laplacians and samples operators term by term; ${this.problem.id} has neither (poisson-nd and biharmonic-nd have)`);
    }
    if (o.unbiasedLoss && laplacians.length > 0) throw new InputError(`STDE's unbiased loss here splits the drawn terms of an operator (biharmonic-nd); ${this.problem.id}'s Laplacian jets do not split (the High dimension view's ball problems have their own --unbiased-loss)`);
    if (o.unbiasedLoss && (!Number.isInteger(o.batch) || o.batch < 2 || o.batch % 2 !== 0)) throw new InputError(`STDE's unbiased loss multiplies the estimates of two halves of the drawn terms: the random batch must be even, got ${o.batch}`);
    if (laplacians.length === 0) {
      // operators only: B terms drawn with replacement per point
      if (!Number.isInteger(o.batch) || o.batch < 1 || o.batch > 4096) throw new InputError(`STDE's random batch (terms drawn per point) must be an integer from 1 to 4096, got ${o.batch}`);
      return o;
    }
    // sparse draws B distinct coordinates among the axes a Laplacian sums
    const axes = Math.min(...laplacians.map((s) => laplacianAxes(s, d)));
    if (!Number.isInteger(o.batch) || o.batch < 1 || (o.kind === 'sparse' && o.batch > axes)) {
      const most = axes === d ? `the dimension (${d})` : `the number of axes its Laplacian sums (${axes})`;
      throw new InputError(`STDE's random batch must be an integer from 1 to ${o.kind === 'sparse' ? most : 'any size'}, got ${o.batch}`);
    }
    return o;
  }

  /** The Stein settings (defaults filled in), checked against the problem's term. */
  private steinOptions(term: LossTerm): SteinOptions {
    const o = { ...STEIN_DEFAULTS, ...this.config.stein };
    if (!(Number.isFinite(o.sigma) && o.sigma > 0 && o.sigma <= 1)) throw new InputError(`Stein's smoothing width sigma must be a number in (0, 1], got ${o.sigma}`);
    // draws split in two halves for the unbiased loss: pairs in pairs, shifts in pairs
    const multiple = (o.varianceReduction ? 2 : 1) * (o.unbiasedLoss ? 2 : 1);
    if (!Number.isInteger(o.samples) || o.samples < multiple || o.samples > 1 << 16 || o.samples % multiple !== 0) {
      const why = [o.varianceReduction ? 'antithetic pairs' : '', o.unbiasedLoss ? 'two halves for the unbiased loss' : ''].filter(Boolean).join(' in ');
      const what = multiple === 1 ? 'an integer from 1' : `${multiple === 2 ? 'an even integer' : `a multiple of ${multiple}`} (${why}) from ${multiple}`;
      throw new InputError(`Stein's samples per point must be ${what} to ${1 << 16}, got ${o.samples}`);
    }
    const lap = o.laplacian ?? 'stein';
    if (!STEIN_LAPLACIANS.includes(lap)) throw new InputError(`Stein's Laplacian weights must be one of ${STEIN_LAPLACIANS.join(', ')}, got ${String(lap)}`);
    if (lap === 'hutchinson' && !o.varianceReduction) throw new InputError("Stein's Hutchinson Laplacian weights second differences g(x+e) + g(x−e) − 2 g(x): it needs variance reduction (antithetic pairs and g(x)), not plain shifts");
    const high = term.derivatives.find((s) => s.order > 2);
    if (high) throw new InputError(`${this.problem.id}'s ${term.name} term needs ${high.name} of order ${high.order}; Stein's estimator gives derivatives of order 0, 1 and 2 only`);
    return o;
  }

  /**
   * Stein's estimator for one term: draw Gaussian shifts per point (Philox on the GPU), evaluate
   * the network at the shifted points (an order-0 jet), combine into each slot's jet-shaped
   * coefficients (a direction or a Laplacian over its axes); backward: the transposed combination
   * seeds the evaluations' backward pass (first-order back-propagation only). See
   * shaders/stein_estimator.wgsl for the formulas.
   */
  private steinEstimator(
    name: string,
    termIndex: number,
    o: SteinOptions,
    points: GPUBuffer,
    count: number,
    directions: Float32Array[],
    slotAxes: number[],
    outputs: { slot: number; range: [number, number]; width: number; coeff: GPUBufferBinding; adjoint: GPUBufferBinding }[],
  ) {
    const device = this.device;
    const d = this.problem.dim;
    const { draws: S, evaluations: E, center } = steinShape(o, Math.max(...outputs.map((out) => out.width)) - 1);
    const K = directions.length;
    const s = o.sigma;
    const f = (v: number) => (Number.isInteger(v) ? `${v}.0` : `${v}`);
    const hutch = o.laplacian === 'hutchinson';
    const template = (mode: number, slot: number, n1: number, accumulate: boolean, [m0, m1]: [number, number] = [0, S]) => {
      // c_k = (k-th derivative)/k!: 1/n (or 1/2n per pair) over the n draws summed, times 1/s^k from Stein's identity in z = e/s, times 1/k!
      const n = m1 - m0;
      const w = o.varianceReduction ? [1 / (2 * n), 1 / (2 * s * n), 1 / (4 * s * s * n)] : [1 / n, 1 / (s * n), 1 / (2 * s * s * n)];
      return {
        MODE: mode,
        D: d,
        S,
        E,
        VR: o.varianceReduction ? 1 : 0,
        C0: center ? 1 : 0,
        K,
        TERM: termIndex + 1,
        SIGMA: f(s),
        SLOT: slot,
        N1: n1,
        M0: m0,
        M1: m1,
        ACCUMULATE: accumulate ? 1 : 0,
        W0: f(w[0]),
        W1: f(w[1]),
        W2: f(w[2]),
        // pairs: second-order weights centred over the draws (a leave-one-out baseline, see the kernel)
        // (of Hutchinson's Laplacian weights, mean 2, only the zero-mean part past the Laplacian's axes)
        CENTRE2: o.varianceReduction && n1 >= 3 && n >= 2 ? 1 : 0,
        HUTCH: hutch ? 1 : 0,
        // pairs: a direction's first-order weights scaled by a leave-one-out control variate (see the kernel)
        CENTRE1: o.varianceReduction && n1 >= 2 && n >= 2 && slotAxes[slot] === 0 && directions[slot].some((v) => v !== 0) ? 1 : 0,
        SLOT_DIRS: directions.flatMap((v) => Array.from(v, f)).join(', '),
        SLOT_AXES: slotAxes.map((a) => `${a}u`).join(', '),
      };
    };
    const shifted = createStorageBuffer(device, count * E * d * 4, `${name} Stein points`);
    const proj = createStorageBuffer(device, count * S * K * 2 * 4, `${name} Stein projections`);
    const ubar = createStorageBuffer(device, count * E * 4, `${name} Stein adjoint`);
    const params = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(params, 0, new Uint32Array([count, 0, 0, 0]));
    const jet = new TaylorJetForward(device, this.net, { order: 0, maxBatch: count * E, sharedDirection: true, savePreActivations: true, pointsBuffer: shifted });
    jet.setBatch(count * E);
    const backward = new TaylorJetBackward(jet, ubar, this.grad, true);
    const perPoint = Math.ceil(count / 64);
    return {
      jet,
      backward,
      params,
      before: [
        this.simplePass('stein_estimator', template(0, 0, 1, false), [points, shifted, proj, params], Math.ceil((count * S) / 64)),
        (pass: GPUComputePassEncoder) => jet.encode(pass),
        ...outputs.map((out) => this.simplePass('stein_estimator', template(1, out.slot, out.width, false, out.range), [jet.output, out.coeff, proj, params], perPoint)),
      ],
      after: [
        ...outputs.map((out, i) => this.simplePass('stein_estimator', template(2, out.slot, out.width, i > 0, out.range), [out.adjoint, ubar, proj, params], perPoint)),
        (pass: GPUComputePassEncoder) => backward.encode(pass),
      ],
      owned: [shifted, proj, ubar, params],
    };
  }

  /** Interior points of a 'ball-time' domain: a GPU kernel (Philox) per step, like BoxSampler. */
  private ballTimeSampler(points: GPUBuffer, count: number): NonNullable<TermRuntime['ballSampler']> {
    const { lo, hi } = this.problem.domain;
    const d = this.problem.dim;
    const n = d - 1;
    if (n < 1 || lo.slice(0, n).some((l, j) => Math.abs(hi[j] - l - (hi[0] - lo[0])) > 1e-12)) {
      throw new InputError(`${this.problem.id}: a 'ball-time' domain needs at least one space axis, all of equal width (a cube around the ball)`);
    }
    const f = (v: number) => (Number.isInteger(v) ? `${v}.0` : `${v}`);
    const center = lo.map((l, j) => (j < n ? (l + hi[j]) / 2 : 0));
    const params = this.device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const encode = this.simplePass(
      'sample_ball_time',
      { D: d, RADIUS: f((hi[0] - lo[0]) / 2), T_LO: f(lo[n]), T_HI: f(hi[n]), CENTER: center.map(f).join(', ') },
      [points, params],
      Math.ceil(count / 64),
    );
    return { params, encode };
  }

  /**
   * New random directions for STDE's blocks at sampling stream `stream` (seeded, so a run
   * reproduces): sparse, B distinct coordinates per point (partial Fisher–Yates); dense,
   * B Rademacher vectors per point.
   */
  private drawStdeDirections(t: TermRuntime, stream: number): void {
    const st = t.stde!;
    const o = this.config.stde ?? STDE_DEFAULTS;
    const d = this.problem.dim;
    const rng = new Rng((Math.imul(this.config.seed + 1, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b) ^ this.terms.indexOf(t)) >>> 0);
    // a Laplacian over its first a axes draws among those only (blocks grouped by a)
    const groups = [...new Set(st.blockAxes)].map((a) => ({ a, idx: Array.from({ length: a }, (_, i) => i), blocks: st.blocks.filter((_, b) => st.blockAxes[b] === a) }));
    for (let p = 0; p < t.count; p++) {
      for (const { a, idx, blocks } of groups) {
        if (o.kind === 'sparse') {
          for (let b = 0; b < blocks.length; b++) {
            const r = b + Math.floor(rng.uniform() * (a - b));
            [idx[b], idx[r]] = [idx[r], idx[b]];
          }
        }
        blocks.forEach((blk, b) => {
          const row = st.dirs.subarray((blk * t.count + p) * d, (blk * t.count + p + 1) * d);
          row.fill(0);
          if (o.kind === 'sparse') row[idx[b]] = 1;
          else for (let m = 0; m < a; m++) row[m] = rng.uniform() < 0.5 ? -1 : 1;
        });
      }
    }
    st.jet.setDirections(st.dirs);
  }

  /**
   * One jet batch is one dispatch per layer (and an element-wise backward): it must stay
   * within the device's workgroups per dimension. Too many rows (directions × points)
   * is refused with the limit and what fits.
   */
  private checkJetRows(term: LossTerm, rows: number, n1: number): void {
    const maxWg = this.device.limits.maxComputeWorkgroupsPerDimension;
    const limit = Math.min(maxWg * 4, Math.floor((maxWg * 64) / n1));
    if (rows <= limit) return;
    const perPoint = rows / (term.points === 'interior' ? this.config.interiorPoints : term.points.length);
    throw new DeviceLimitError(
      'maxComputeWorkgroupsPerDimension (in jet rows)',
      rows,
      limit,
      `${this.problem.id}'s ${term.name} term as one jet batch (${perPoint} jets per point; at most ${Math.floor(limit / perPoint)} points fit${this.config.method !== 'stde' && term.derivatives.some((s) => s.laplacian || s.operator) ? ', or use --method stde' : ''})`,
    );
  }

  /** The weight of a term: the configured one, else the problem's. */
  private termWeight(term: LossTerm): number {
    const w = this.config.weights?.[term.name] ?? term.weight;
    if (!Number.isFinite(w) || w < 0) throw new InputError(`the weight of ${this.problem.id}'s ${term.name} term must be a finite number >= 0 (got ${w})`);
    return w;
  }

  /** A one-kernel pass of a template shader over the given buffers (bindings in order). */
  private simplePass(shader: string, params: Record<string, number | string>, buffers: (GPUBuffer | GPUBufferBinding)[], workgroups: number) {
    const module = this.device.createShaderModule({ label: shader, code: fillTemplate(shader, params) });
    const pipeline = this.device.createComputePipeline({ label: shader, layout: 'auto', compute: { module, entryPoint: 'main' } });
    const bindGroup = this.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: buffers.map((b, binding) => ({ binding, resource: 'buffer' in b ? b : { buffer: b } })),
    });
    // past the per-dimension limit, rows of workgroups (the shaders index gid.x + gid.y · nwg.x · 64)
    const maxX = this.device.limits.maxComputeWorkgroupsPerDimension;
    return (pass: GPUComputePassEncoder) => {
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(Math.min(workgroups, maxX), Math.ceil(workgroups / maxX));
    };
  }

  /**
   * Finite differences along `dir` up to `order`: shift every point along the stencil,
   * evaluate the network there (an order-0 jet), combine into jet-shaped coefficients;
   * backward: the transposed combination seeds the evaluations' backward pass.
   */
  private fdStencil(name: string, points: GPUBuffer, coeffs: GPUBufferBinding, adjoint: GPUBufferBinding, dir: Float32Array, order: number, count: number) {
    const device = this.device;
    const d = this.problem.dim;
    const offsets: number[] = [0];
    const rows: Map<number, number>[] = [new Map([[0, 1]])];
    for (let k = 1; k <= order; k++) {
      const h = this.config.fdStep ?? defaultStep(k);
      const stencil = centralStencil(k).map((o) => o * h);
      const w = fornbergWeights(stencil, k);
      const row = new Map<number, number>();
      stencil.forEach((z, i) => {
        if (!offsets.includes(z)) offsets.push(z);
        row.set(offsets.indexOf(z), w[i] / factorial(k));
      });
      rows.push(row);
    }
    const m = offsets.length;
    const n1 = order + 1;
    const weights = rows.flatMap((row) => Array.from({ length: m }, (_, i) => row.get(i) ?? 0));
    const f = (v: number) => (Number.isInteger(v) ? `${v}.0` : `${v}`);
    const stencilParams = (mode: number) => ({ MODE: mode, D: d, M: m, N1: n1, OFFSETS: offsets.map(f).join(', '), DIRECTION: Array.from(dir).map(f).join(', '), WEIGHTS: weights.map(f).join(', ') });
    const shifted = createStorageBuffer(device, count * m * d * 4, `${name} stencil points`);
    const ubar = createStorageBuffer(device, count * m * 4, `${name} stencil adjoint`);
    const params = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(params, 0, new Uint32Array([count, 0, 0, 0]));
    const jet = new TaylorJetForward(device, this.net, { order: 0, maxBatch: count * m, sharedDirection: true, savePreActivations: true, pointsBuffer: shifted });
    jet.setBatch(count * m);
    const backward = new TaylorJetBackward(jet, ubar, this.grad, true);
    const stage = (mode: number, src: GPUBuffer | GPUBufferBinding, dst: GPUBuffer | GPUBufferBinding) =>
      this.simplePass('fd_stencil', stencilParams(mode), [src, dst, params], Math.ceil(count / 64));
    return {
      jet,
      backward,
      before: [stage(0, points, shifted), (pass: GPUComputePassEncoder) => jet.encode(pass), stage(1, jet.output, coeffs)],
      after: [stage(2, adjoint, ubar), (pass: GPUComputePassEncoder) => backward.encode(pass)],
      owned: [shifted, ubar, params],
    };
  }

  get step(): number {
    return this.stepIndex;
  }

  /** Record sampling, jets and loss terms of the current step (no update). */
  /**
   * The loss of every term (and its backward pass). exact = false (Adam's steps): f32 jets
   * even where precision 'double-single' built double-single ones (noisy steps gain nothing
   * from them); L-BFGS and evaluations use them.
   */
  private encodeLoss(pass: GPUComputePassEncoder, backward: boolean, stream = this.stepIndex, exact = true): void {
    for (const t of this.terms) {
      this.encodeSampling(pass, t, stream);
      for (const f of t.before) f(pass);
      const precise = exact ? t.precise : null;
      for (const f of precise?.before ?? []) f(pass);
      this.encodeTermLoss(pass, t, backward, precise);
      if (backward) for (const f of t.after) f(pass);
    }
  }

  /** Draw the interior points of sampling stream `stream` (GPU Philox, or uploaded quasi-random points). */
  private encodeSampling(pass: GPUComputePassEncoder, t: TermRuntime, stream: number): void {
    const every = this.config.resampleEvery ?? 1;
    const pointStream = every <= 0 ? 0 : Math.floor(stream / every);
    t.sampler?.encode(pass, t.count, this.config.seed, pointStream);
    const seedWords = [t.count, stream >>> 0, this.config.seed >>> 0, Math.floor(this.config.seed / 2 ** 32) >>> 0];
    if (t.ballSampler) {
      this.device.queue.writeBuffer(t.ballSampler.params, 0, new Uint32Array([t.count, pointStream >>> 0, seedWords[2], seedWords[3]]));
      t.ballSampler.encode(pass);
    }
    // Stein's shifts: drawn by the first of its `before` dispatches from this (seed, stream)
    if (t.steinParams) this.device.queue.writeBuffer(t.steinParams, 0, new Uint32Array(seedWords));
    if (t.stde) this.drawStdeDirections(t, stream);
    t.operator?.draw(this.config.seed, stream, this.terms.indexOf(t));
    if (t.term.redraw && every > 0) {
      const pts = Float32Array.from(t.term.redraw(redrawSeed(this.config.seed, pointStream, this.terms.indexOf(t))).flat());
      if (pts.length !== t.count * this.problem.dim) throw new Error(`${t.term.name}: redraw gave ${pts.length / this.problem.dim} points, expected ${t.count}`);
      this.device.queue.writeBuffer(t.points, 0, pts);
    }
    if (t.hostSampling) {
      const { lo, hi } = this.problem.domain;
      const pts = samplePoints(t.hostSampling, t.count, this.problem.dim, lo, hi, this.config.seed, pointStream);
      this.device.queue.writeBuffer(t.points, 0, pts.buffer as ArrayBuffer, pts.byteOffset, pts.byteLength);
    }
  }

  private encodeTermLoss(pass: GPUComputePassEncoder, t: TermRuntime, backward: boolean, precise: TermRuntime['precise'] = null): void {
    pass.setPipeline(precise?.pipeline ?? t.pipeline);
    pass.setBindGroup(0, precise?.bindGroup ?? t.bindGroup);
    pass.dispatchWorkgroups(Math.ceil(t.count / 64));
    if (backward) t.unknownReduce?.(pass);
  }

  /** Clear the gradients (network and unknowns) at the start of a step. */
  private clearGradients(enc: GPUCommandEncoder): void {
    enc.clearBuffer(this.grad);
    if (this.unknownGrad) enc.clearBuffer(this.unknownGrad);
  }

  /** Current values of the problem's unknowns (empty when it has none). */
  async unknownValues(): Promise<number[]> {
    const unknowns = this.problem.unknowns ?? [];
    if (!this.unknownParams) return [];
    const raw = await readBuffer(this.device, this.unknownParams, unknowns.length * 4);
    return unknowns.map((u, i) => unknownValue(u, raw[i]));
  }

  private submitPass(record: (pass: GPUComputePassEncoder) => void, before?: (enc: GPUCommandEncoder) => void): void {
    const enc = this.device.createCommandEncoder();
    before?.(enc);
    const pass = enc.beginComputePass();
    record(pass);
    pass.end();
    this.device.queue.submit([enc.finish()]);
  }

  /**
   * Stacked AD for one term: the derivatives as nested gradients of the network
   * (create_graph), copied into jet-shaped buffers so the same loss kernel runs; its
   * adjoints seed one more reverse pass, whose parameter gradients add to `grad`.
   */
  private adTerm(t: TermRuntime, withGradient: boolean, jacobian?: { buffer: GPUBuffer; firstRow: number; rowStride: number }): void {
    const ctx = this.adContext!;
    const d = this.problem.dim;
    const x = view(ctx, t.points, 0, [t.count, d], true);
    const params = adParams(ctx, this.net, withGradient);
    // an odd model also differentiates N at −x along −v (blocks J..2J−1)
    const J = t.directions.length;
    let xMirror: Tensor | null = null;
    if (t.layout.mirrored) {
      xMirror = new Tensor(ctx, ctx.allocate(t.count * d), [t.count, d], 0, true);
      stridedCopy(ctx, t.points, xMirror.buffer, { count: t.count * d, sOff: 0, sStride: 1, dOff: xMirror.offset, dStride: 1, scale: -1 });
    }
    const blocks = t.layout.mirrored ? [...t.directions.keys(), ...t.directions.keys()] : [...t.directions.keys()];
    // an operator's block: L u by nested gradients along its terms' coordinates, at order 0
    const derivs = blocks.map((jd, j) => {
      const op = t.operatorOf.get(jd);
      if (op) {
        const lu = operatorAd(ctx, this.net, params, x, op);
        const { buffer, base, n1 } = this.adBlock(t, j);
        stridedCopy(ctx, lu.buffer, t.adJets[buffer], { count: t.count, sOff: lu.offset, sStride: 1, dOff: base, dStride: n1, scale: 1 });
        return [lu];
      }
      const dir = j < J ? t.directions[jd] : t.directions[jd].map((c) => -c);
      const unitAxis = d === 1 && dir[0] === 1;
      const v = unitAxis ? null : fromArray(ctx, dir, [1, d]);
      const ds = nestedDerivativesAd(this.net, params, j < J ? x : xMirror!, v, t.orders[jd]);
      const { buffer, base, n1 } = this.adBlock(t, j);
      ds.forEach((u, k) => stridedCopy(ctx, u.buffer, t.adJets[buffer], { count: t.count, sOff: u.offset, sStride: 1, dOff: base + k, dStride: n1, scale: 1 / factorial(k) }));
      return ds;
    });
    ctx.flush();
    this.submitPass((pass) => this.encodeTermLoss(pass, t, withGradient));
    if (!withGradient) return;
    // d loss / d u^(k) = cbar_k / k!: a vector-Jacobian product with those seeds
    const seeded: Tensor[] = [];
    derivs.forEach((ds, j) => {
      const { buffer, base, n1 } = this.adBlock(t, j);
      ds.forEach((u, k) => {
        const seed = new Tensor(ctx, ctx.allocate(t.count), [t.count, 1]);
        stridedCopy(ctx, t.adjoints[buffer], seed.buffer, { count: t.count, sOff: base + k, sStride: n1, dOff: 0, dStride: 1, scale: 1 / factorial(k) });
        seeded.push(sum(mul(u, seed)));
      });
    });
    const total = seeded.reduce((a, b) => add(a, b));
    if (jacobian) {
      // Jacobian mode: the seeds are sqrt(w/n) dr_p/du^(k), and each point's row is kept (vmap(grad))
      const columns = new Map<Tensor, number>();
      this.net.mlp.layers.forEach((layer, l) => columns.set(params.weights[l], layer.weightOffset).set(params.biases[l], layer.biasOffset));
      grad(total, [], { perRow: { ...jacobian, rows: t.count, columns } });
      ctx.flush();
      return;
    }
    const grads = grad(total, params.all);
    this.net.mlp.layers.forEach((layer, l) => {
      const gw = grads[2 * l];
      const gb = grads[2 * l + 1];
      stridedCopy(ctx, gw.buffer, this.grad, { count: gw.size, sOff: gw.offset, sStride: 1, dOff: layer.weightOffset, dStride: 1, accumulate: true });
      stridedCopy(ctx, gb.buffer, this.grad, { count: gb.size, sOff: gb.offset, sStride: 1, dOff: layer.biasOffset, dStride: 1, accumulate: true });
    });
    ctx.flush();
  }

  /** Where direction j's coefficients live among a term's jet-shaped buffers. */
  private adBlock(t: TermRuntime, j: number): { buffer: number; base: number; n1: number } {
    // packed orders are all equal, so block j >= J (mirrored) reads orders[0] too
    return t.layout.packed ? { buffer: 0, base: j * t.layout.chunk, n1: t.orders[0] + 1 } : { buffer: j, base: 0, n1: t.orders[j] + 1 };
  }

  /** Submit the loss alone (every term's parts) at the points of sampling stream `stream`. */
  private evaluateLoss(stream: number): void {
    if (this.config.method === 'ad') {
      this.submitPass((pass) => this.terms.forEach((t) => this.encodeSampling(pass, t, stream)));
      this.terms.forEach((t) => this.adTerm(t, false));
      this.adContext!.releaseAll();
    } else {
      this.submitPass((pass) => this.encodeLoss(pass, false, stream));
    }
  }

  /** Submit the loss and its gradient (into `grad`) at the points of sampling stream `stream`. */
  private computeGradient(stream: number): void {
    if (this.config.method === 'ad') {
      // AD records eagerly: sample, then each term's graph, in queue order
      this.submitPass(
        (pass) => this.terms.forEach((t) => this.encodeSampling(pass, t, stream)),
        (e) => this.clearGradients(e),
      );
      this.terms.forEach((t) => this.adTerm(t, true));
      this.adContext!.releaseAll();
    } else {
      this.submitPass((pass) => this.encodeLoss(pass, true, stream), (e) => this.clearGradients(e));
    }
  }

  /**
   * The loss and its gradients at the current step's points, without an update: the
   * network's (flat, the model's layout) and the unknowns' raw parameters'.
   */
  async gradient(): Promise<{ loss: number; grad: Float32Array; unknownGrad: Float32Array }> {
    this.computeGradient(this.stepIndex);
    const loss = await this.readLoss();
    const grad = await readBuffer(this.device, this.grad, this.net.mlp.params.byteLength);
    const nq = this.problem.unknowns?.length ?? 0;
    const unknownGrad = nq > 0 ? await readBuffer(this.device, this.unknownGrad!, nq * 4) : new Float32Array(0);
    return { loss, grad, unknownGrad };
  }

  /** Set the unknowns' raw parameters (e.g. to restore or to probe). */
  setUnknownRaw(values: ArrayLike<number>): void {
    if (!this.unknownParams) throw new InputError(`${this.problem.id} trains no unknowns`);
    this.device.queue.writeBuffer(this.unknownParams, 0, Float32Array.from(values));
  }

  /**
   * Continue a run from saved state (after a lost GPU device): the network's and the
   * unknowns' parameters and the step counter. Adam's moments start again from zero.
   */
  restore(step: number, params: Float32Array, unknownRaw?: Float32Array | null): void {
    if (params.length !== this.net.mlp.params.length) throw new InputError(`saved parameters have ${params.length} numbers; this network has ${this.net.mlp.params.length}`);
    this.restoreState({ step, params, unknownRaw: unknownRaw ?? null });
    this.adam.reset();
    this.unknownAdam?.reset();
  }

  /** The state restore() takes: parameters and unknowns' raw values (read from the GPU). */
  async snapshot(): Promise<{ step: number; params: Float32Array; unknownRaw: Float32Array | null }> {
    const params = await readBuffer(this.device, this.net.params, this.net.mlp.params.byteLength);
    const nq = this.problem.unknowns?.length ?? 0;
    const unknownRaw = this.unknownParams ? await readBuffer(this.device, this.unknownParams, nq * 4) : null;
    return { step: this.stepIndex, params, unknownRaw };
  }

  /**
   * Time one training step by phase (wall clock, each phase submitted and awaited on its
   * own, median of `reps`): sampling, derivatives (jets or stencils), residuals and loss,
   * backward, optimizer. Stacked AD records and runs its graph eagerly, so it reports its
   * forward-and-nested-derivatives and backward together. The run is left as it was.
   */
  async profileStep(reps = 5): Promise<{ phase: string; ms: number }[]> {
    const params = await this.snapshot();
    const save = this.device.createCommandEncoder();
    const restoreAdam = this.adam.save(save);
    const restoreUnknownAdam = this.unknownAdam?.save(save);
    this.device.queue.submit([save.finish()]);
    const samples = new Map<string, number[]>();
    const timed = async (phase: string, work: () => void) => {
      const t0 = performance.now();
      work();
      await this.device.queue.onSubmittedWorkDone();
      samples.set(phase, [...(samples.get(phase) ?? []), performance.now() - t0]);
    };
    const lr = this.config.lr;
    for (let r = 0; r < reps; r++) {
      if (this.config.method === 'ad') {
        await timed('sampling', () => this.submitPass((pass) => this.terms.forEach((t) => this.encodeSampling(pass, t, this.stepIndex)), (e) => this.clearGradients(e)));
        await timed('derivatives, residuals and backward (AD graph)', () => {
          this.terms.forEach((t) => this.adTerm(t, true));
          this.adContext!.releaseAll();
        });
      } else {
        await timed('sampling', () => this.submitPass((pass) => this.terms.forEach((t) => this.encodeSampling(pass, t, this.stepIndex)), (e) => this.clearGradients(e)));
        await timed('derivatives (forward)', () => this.submitPass((pass) => this.terms.forEach((t) => t.before.forEach((f) => f(pass)))));
        await timed('residuals and loss', () => this.submitPass((pass) => this.terms.forEach((t) => this.encodeTermLoss(pass, t, true))));
        await timed('backward', () => this.submitPass((pass) => this.terms.forEach((t) => t.after.forEach((f) => f(pass)))));
      }
      await timed('optimizer (Adam)', () =>
        this.submitPass((pass) => {
          this.adam.encode(pass, lr);
          this.unknownAdam?.encode(pass, lr);
        }),
      );
    }
    restoreAdam();
    restoreUnknownAdam?.();
    this.restoreState(params);
    await this.evaluateTerms(); // the loss buffers describe the restored parameters again
    return [...samples].map(([phase, ms]) => ({ phase, ms: median(ms) }));
  }

  /** Put back parameters and step without touching Adam (see profileStep). */
  private restoreState(s: { step: number; params: Float32Array; unknownRaw: Float32Array | null }): void {
    this.net.upload(s.params);
    if (s.unknownRaw && this.unknownParams) this.device.queue.writeBuffer(this.unknownParams, 0, Float32Array.from(s.unknownRaw));
    this.stepIndex = s.step;
  }

  /**
   * Benchmarks: run `warmup` steps, then `reps` more, each submitted and awaited alone;
   * the median wall-clock milliseconds of the timed ones. (The steps train the network.)
   */
  timeSteps(warmup: number, reps: number): Promise<number> {
    return medianSubmitMs(this.device, (enc) => this.encodeStep(enc), warmup, reps);
  }

  /**
   * Record one training step. Submit it before encoding the next: the step's small
   * uploads (Adam's hyper-parameters, Sobol/LHS points, STDE directions) go through
   * queue.writeBuffer when it is encoded.
   */
  encodeStep(enc: GPUCommandEncoder): void {
    const lr = learningRate(this.config.lr, this.config.schedule, this.stepIndex, this.plannedSteps ?? this.config.steps);
    if (this.config.method === 'ad') {
      this.computeGradient(this.stepIndex);
      const pass = enc.beginComputePass();
      this.adam.encode(pass, lr);
      this.unknownAdam?.encode(pass, lr);
      pass.end();
      this.stepIndex++;
      return;
    }
    // Taylor and FD: the whole step in one command buffer
    this.clearGradients(enc);
    const pass = enc.beginComputePass();
    this.encodeLoss(pass, true, this.stepIndex, false);
    this.adam.encode(pass, lr);
    this.unknownAdam?.encode(pass, lr);
    pass.end();
    this.stepIndex++;
  }

  /**
   * Run one full step and the evaluations once, then put the parameters, the optimizer
   * and the step counter back: pipelines compile and buffers settle before anything is
   * timed, and the run itself is unchanged.
   */
  async warmUp(): Promise<void> {
    const start = await this.snapshot();
    const enc = this.device.createCommandEncoder();
    this.encodeStep(enc);
    this.device.queue.submit([enc.finish()]);
    await this.readLoss();
    await this.l2RelativeError();
    this.restore(0, start.params, start.unknownRaw);
  }

  /**
   * A second phase with L-BFGS on one fixed set of collocation points (what DeepXDE
   * users do after Adam): loss and gradient on the GPU, the two-loop recursion in f64
   * on the CPU. Leaves the best parameters in the network and says why it stopped.
   */
  async lbfgs(iterations: number, onIteration?: (it: number, loss: number, unknowns: number[]) => boolean | void, options: Partial<LbfgsOptions> = {}): Promise<LbfgsResult> {
    const stream = FIXED_STREAM;
    const { count, nq, upload, read, round } = this.quasiNewtonVector(false);
    const fg = async (x: Float64Array) => {
      upload(x);
      this.computeGradient(stream);
      const f = await this.readLoss();
      const g = new Float64Array(count + nq);
      g.set(await readBuffer(this.device, this.grad, count * 4));
      if (nq > 0) g.set(await readBuffer(this.device, this.unknownGrad!, nq * 4), count);
      return { f, g };
    };
    const start = await read();
    const unknowns = this.problem.unknowns ?? [];
    const noise = iterations > 0 ? await lossNoise(fg, start) : 0;
    const measureNoise = (x: Float64Array) => lossNoise(fg, x);
    const result = await lbfgs(fg, start, { maxIterations: iterations, noise, measureNoise, round, ...options }, onIteration && ((it, f, x) => onIteration(it, f, unknowns.map((u, i) => unknownValue(u, x[count + i])))));
    upload(result.x);
    return result;
  }

  /**
   * The quasi-Newton phases' vector: the network's parameters, then the unknowns' raw ones.
   * upload sets it on the GPU, read gets it back, round gives what the GPU evaluates for a
   * vector (f32 values, or with `precise` the network's parameters as double-single pairs, hi + lo).
   */
  private quasiNewtonVector(precise: boolean): { count: number; nq: number; upload: (x: Float64Array) => void; read: () => Promise<Float64Array>; round: (x: Float64Array) => Float64Array } {
    const count = this.net.mlp.params.length;
    const nq = this.problem.unknowns?.length ?? 0;
    const upload = (x: Float64Array) => {
      if (precise) this.net.uploadPrecise(x.subarray(0, count));
      else this.net.upload(Float32Array.from(x.subarray(0, count)));
      if (nq > 0) this.device.queue.writeBuffer(this.unknownParams!, 0, Float32Array.from(x.subarray(count)));
    };
    const read = async () => {
      const x = new Float64Array(count + nq);
      x.set(await readBuffer(this.device, this.net.params, count * 4));
      if (precise) {
        const lo = await readBuffer(this.device, this.net.paramsLo, count * 4);
        for (let i = 0; i < count; i++) x[i] += lo[i];
      }
      if (nq > 0) x.set(await readBuffer(this.device, this.unknownParams!, nq * 4), count);
      return x;
    };
    const round = (x: Float64Array) =>
      Float64Array.from(x, (v, i) => {
        const hi = Math.fround(v);
        return precise && i < count ? hi + Math.fround(v - hi) : hi;
      });
    return { count, nq, upload, read, round };
  }

  /** Why Levenberg–Marquardt cannot run on this setup (null when it can). */
  levenbergMarquardtRefusal(): string | null {
    const method = this.config.method;
    if (method !== 'taylor' && method !== 'ad') return `Levenberg–Marquardt needs Taylor jets or stacked AD (method taylor or ad), not ${method}`;
    const op = this.terms.find((t) => t.term.derivatives.some((s) => s.operator));
    if (op) return `Levenberg–Marquardt does not read operator terms yet: the ${op.term.name} term has one`;
    const t = this.terms.find((t) => t.stde || t.layout.split || (method === 'taylor' && t.jets.length === 0));
    if (t) return `Levenberg–Marquardt needs fixed directions; the ${t.term.name} term draws random ones`;
    if (this.config.hardBoundary) return 'Levenberg–Marquardt does not combine with a hard boundary transform yet';
    return null;
  }

  private jacobian: { rows: number; buffer: GPUBuffer; encode?: (pass: GPUComputePassEncoder) => void } | null = null;

  /**
   * At the current parameters: the weighted residuals sqrt(w/n) r_p of every term's points (in
   * term order; their squares sum to the loss) and their Jacobian, rows x (network parameters,
   * then the unknowns' raw parameters), row-major. The points are those of the quasi-Newton phases.
   */
  async residualsAndJacobian(): Promise<{ r: Float64Array; J: Float64Array }> {
    const refusal = this.levenbergMarquardtRefusal();
    if (refusal) throw new InputError(refusal);
    const device = this.device;
    if (!this.jacobian) this.jacobian = this.config.method === 'ad' ? jacobianRows(device, this.terms, this.net.mlp.params.length) : new ResidualJacobian(device, this.terms);
    const jac = this.jacobian;
    const count = this.net.mlp.params.length;
    const nq = this.problem.unknowns?.length ?? 0;
    const n = count + nq;
    const setMode = (mode: number) => this.terms.forEach((t) => device.queue.writeBuffer(t.params, 12, new Uint32Array([mode])));
    const clear = (enc: GPUCommandEncoder) => {
      this.clearGradients(enc);
      enc.clearBuffer(jac.buffer);
    };
    setMode(1);
    if (this.config.method === 'ad') {
      // stacked AD: each term's graph, then one reverse pass keeping every point's row
      this.submitPass((pass) => this.terms.forEach((t) => this.encodeSampling(pass, t, FIXED_STREAM)), clear);
      let firstRow = 0;
      for (const t of this.terms) {
        this.adTerm(t, true, { buffer: jac.buffer, firstRow, rowStride: count });
        firstRow += t.count;
      }
      this.adContext!.releaseAll();
    } else {
      this.submitPass((pass) => {
        this.encodeLoss(pass, true, FIXED_STREAM);
        jac.encode!(pass);
      }, clear);
    }
    setMode(0);
    const J32 = await readBuffer(device, jac.buffer, jac.rows * count * 4);
    const J = new Float64Array(jac.rows * n);
    const r = new Float64Array(jac.rows);
    let row = 0;
    for (const t of this.terms) {
      r.set(await readBuffer(device, t.parts, t.count * 4), row);
      const q = t.qparts ? await readBuffer(device, t.qparts, t.count * nq * 4) : null;
      for (let p = 0; p < t.count; p++) {
        J.set(J32.subarray((row + p) * count, (row + p + 1) * count), (row + p) * n);
        for (let u = 0; u < nq; u++) J[(row + p) * n + count + u] = q![p * nq + u];
      }
      row += t.count;
    }
    return { r, J };
  }

  /**
   * Levenberg–Marquardt on the network and the unknowns (after Adam, in place of L-BFGS): the
   * loss is a sum of squared residuals sqrt(w/n) r_p, whose Jacobian the GPU computes row by row
   * (loss kernel in Jacobian mode, the jets' backward passes, taylor_jet_jacobian); the damped
   * Gauss–Newton system is solved on the CPU in f64. Sampled points stay fixed for the whole
   * phase (the stream L-BFGS uses).
   */
  async levenbergMarquardt(iterations: number, onIteration?: (it: number, loss: number, unknowns: number[]) => boolean | void, options: Partial<LmOptions> & ContinuationOptions = {}): Promise<LmResult> {
    const { factors: stageFactors, shares, onStage, frozenStages = 1, ...lmOptions } = options;
    const refusal = this.levenbergMarquardtRefusal();
    if (refusal) throw new InputError(refusal);
    // double-single jets: double-single parameters too (the last steps are below an f32 ulp)
    const precise = this.config.precision === 'double-single';
    const { count, upload, read, round } = this.quasiNewtonVector(precise);
    const unknowns = this.problem.unknowns ?? [];
    // in a continuation's first stage the unknowns stay put: the staged term (at its first factor) is what
    // selects them, and without it they drift (k = 3's λ ran into its bound, where tanh is flat)
    let freezeUnknowns = false;
    const rj = async (x: Float64Array) => {
      upload(x);
      const out = await this.residualsAndJacobian();
      if (freezeUnknowns) {
        const n = out.J.length / out.r.length;
        for (let row = 0; row < out.r.length; row++) out.J.fill(0, row * n + count, (row + 1) * n);
      }
      return out;
    };
    const loss = async (x: Float64Array) => {
      upload(x);
      this.evaluateLoss(FIXED_STREAM);
      return this.readLoss();
    };
    const start = await read();
    // terms brought in by continuation: their weight rises in stages, the others' stays
    const staged = this.terms.filter((t) => t.term.continuation !== undefined);
    const factors = staged.length > 0 ? (stageFactors ?? continuationFactors(Math.min(...staged.map((t) => t.term.continuation!)))) : [1];
    // each stage's share of the iterations (even by default), as cumulative fractions
    const weights = staged.length > 0 && shares ? shares : factors.map(() => 1);
    if (weights.length !== factors.length) throw new InputError(`continuation: ${weights.length} shares for ${factors.length} stages`);
    const totalShare = weights.reduce((a, b) => a + b, 0);
    const cumulative = weights.map((_, i) => weights.slice(0, i + 1).reduce((a, b) => a + b, 0) / totalShare);
    const setFactor = (f: number) => staged.forEach((t) => this.device.queue.writeBuffer(t.params, 4, new Float32Array([f * this.termWeight(t.term)])));
    let x = start;
    let done = 0;
    let evaluations = 0;
    let result: LmResult | null = null;
    try {
      for (const [stage, factor] of factors.entries()) {
        const budget = Math.round(iterations * cumulative[stage]) - done;
        if (budget <= 0) continue;
        setFactor(factor);
        freezeUnknowns = staged.length > 0 && stage < frozenStages;
        const offset = done;
        const last = stage === factors.length - 1;
        result = await levenbergMarquardt(rj, loss, x, { maxIterations: budget, round, bounded: count, ...lmOptions }, (it, f, y) => onIteration?.(offset + it, f, unknowns.map((u, i) => unknownValue(u, y[count + i]))));
        x = result.x;
        done += result.iterations;
        evaluations += result.evaluations;
        if (onStage) {
          upload(x);
          await onStage(stage, factor, result);
        }
        if (result.reason === 'stopped' || (!last && result.reason.startsWith('the loss is'))) break;
      }
    } finally {
      setFactor(1);
    }
    upload(x);
    const f = await loss(x);
    const reason = (result?.reason ?? 'no iterations asked for') + (staged.length > 0 ? ` (${staged.map((t) => t.term.name).join(', ')} brought in over ${factors.length} stages)` : '');
    return { x, f, iterations: done, evaluations: evaluations + 1, reason };
  }

  /**
   * Evaluate every term at the current step's points without updating anything.
   * Returns, per term, its points and the per-point loss parts weight * r^2 / n.
   */
  async evaluateTerms(): Promise<{ name: string; points: Float32Array; parts: Float32Array }[]> {
    this.evaluateLoss(this.stepIndex);
    const d = this.problem.dim;
    const out = [];
    for (const t of this.terms) {
      out.push({ name: t.term.name, points: await readBuffer(this.device, t.points, t.count * d * 4), parts: await readBuffer(this.device, t.parts, t.count * 4) });
    }
    return out;
  }

  /** Total loss of the last step (sum of every term's parts). */
  async readLoss(): Promise<number> {
    let total = 0;
    for (const t of this.terms) {
      const parts = await readBuffer(this.device, t.parts, t.count * 4);
      for (const v of parts) total += v;
    }
    return total;
  }

  /** The fixed test points (a grid over the domain) and the exact solution there. */
  get testSet(): { points: number[][]; exact: Float64Array } {
    return { points: this.testPoints, exact: this.exact };
  }

  /**
   * The model's prediction at the test points (the network, times φ under a hard transform).
   * Stein trains the smoothed model E g(x + e); the error is still measured with the plain
   * network g(x), which differs from it by O(sigma²).
   */
  async predictTest(): Promise<Float32Array> {
    const n = await this.evaluateModel(this.testPoints);
    if (this.config.hardBoundary) this.testPoints.forEach((x, i) => (n[i] = hardModel(this.problem, x, n[i])));
    return n;
  }

  /** The model's network part at up to test-set-many points: N(x), or N(x) − N(−x) for an odd model. */
  private async evaluateModel(points: number[][]): Promise<Float32Array> {
    const dir = new Float32Array(this.problem.dim);
    const u = await this.testJet.run(Float32Array.from(points.flat()), dir);
    if (this.problem.oddModel) {
      const m = await this.testJet.run(Float32Array.from(points.flat().map((v) => -v)), dir);
      u.forEach((_, i) => (u[i] -= m[i]));
    }
    return u;
  }

  /** The model at any points (in chunks of the test set's size), e.g. a 1-D slice of a d-dimensional problem. */
  async predictAt(points: number[][]): Promise<Float32Array> {
    const out = new Float32Array(points.length);
    const chunk = this.testPoints.length;
    for (let i = 0; i < points.length; i += chunk) {
      const part = points.slice(i, i + chunk);
      const u = await this.evaluateModel(part);
      part.forEach((x, j) => (out[i + j] = this.config.hardBoundary ? hardModel(this.problem, x, u[j]) : u[j]));
    }
    return out;
  }

  /** L2 relative error against the exact solution on the problem's test points. */
  async l2RelativeError(prediction?: Float32Array): Promise<number> {
    const u = prediction ?? (await this.predictTest());
    let num = 0;
    let den = 0;
    this.exact.forEach((e, i) => {
      num += (u[i] - e) ** 2;
      den += e * e;
    });
    return Math.sqrt(num / den);
  }

  /**
   * Train for config.steps steps. onLog sees every logged record; returning false stops.
   * A NaN or infinite loss stops at that step and restores the last good parameters.
   * With `planToDeadline` (and a finite deadline) the run's length is planned to the time as
   * it goes (runTraining; the schedule follows plannedSteps).
   */
  async run(onLog?: (r: TrainRecord) => boolean | void, deadlineSeconds = Infinity, { planToDeadline = false } = {}): Promise<TrainResult> {
    const rollback: [GPUBuffer, GPUBuffer][] = [[this.net.params, this.backup]];
    if (this.unknownBackup) rollback.push([this.unknownParams!, this.unknownBackup]);
    const extend = this.unknownParams
      ? async (record: TrainRecord) => {
        record.unknowns = await this.unknownValues();
      }
      : undefined;
    return runTraining(this, { steps: this.config.steps, logEvery: this.config.logEvery, rollback, extend, onLog, deadlineSeconds, planToDeadline });
  }

  destroy(): void {
    for (const t of this.terms) {
      t.jets.forEach((j) => j.destroy());
      t.backwards.forEach((b) => b.destroy());
      [...t.adjoints, ...t.adJets, ...t.owned, t.points, t.parts, t.params].forEach((b) => b.destroy());
    }
    this.testJet.destroy();
    this.jacobian?.buffer.destroy();
    this.adContext?.destroy();
    this.adam.destroy();
    this.unknownAdam?.destroy();
    [this.grad, this.backup, this.unknownParams, this.unknownGrad, this.unknownBackup].forEach((b) => b?.destroy());
    this.net.destroy();
  }
}
