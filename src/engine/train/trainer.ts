/**
 * Training a PINN on the GPU, as an orchestration: every step samples each loss term's points,
 * lets the derivative method (../methods/, one file each, chosen by name from the registry) fill
 * the derivatives the term asks for, evaluates the residuals with the loss kernel generated for
 * the term (the same for every method), back-propagates into one gradient and applies Adam. The
 * loss is read back only every `logEvery` steps. L-BFGS and Levenberg–Marquardt are later phases
 * on fixed points; ./run.ts runs the phases.
 */
import { createStorageBuffer, readBuffer } from '../gpu/gpu';
import { median, medianSubmitMs } from '../gpu/timing';
import { InputError } from '../errors';
import { TaylorJetForward } from '../jets/taylor-jet';
import type { JetPrecision } from '../jets/taylor-jet-ds';
import type { DerivativeMethod, MethodSession } from '../methods/method';
import { methodById, methodIds } from '../methods/registry';
import type { StdeOptions } from '../methods/stde';
import type { SteinOptions } from '../methods/stein';
import { GpuMlp } from '../model/gpu-mlp';
import { Mlp, type Activation } from '../model/mlp';
import type { LossTerm, PdeProblem } from '../problems/types';
import { hardModel, unknownValue } from '../problems/types';
import { Rng } from '../sampling/rng';
import type { SamplingKind } from '../sampling/qmc';
import { Adam } from './adam';
import { jacobianRows, ResidualJacobian } from './jacobian';
import { lbfgs, type LbfgsOptions, type LbfgsResult } from './lbfgs';
import { levenbergMarquardt, type LmOptions, type LmResult } from './levenberg-marquardt';
import { learningRate, namedSchedule, type LrSchedule } from './schedule';
import { buildTerm, checkJetRows, destroyTerm, type TermRuntime } from './term';
import { bufferCheckpoint, runTraining, type RunResult, type RunSettings } from './run';

export { redrawSeed } from './points';
export { STDE_DEFAULTS, type StdeOptions } from '../methods/stde';
export { STEIN_DEFAULTS, STEIN_LAPLACIANS, steinShape, type SteinLaplacian, type SteinOptions } from '../methods/stein';

/** A registered derivative method's id (../methods/registry.ts): taylor, ad, fd, stde, stein, or one registered later. */
export type TrainMethod = string;
/** The methods that compute derivatives exactly (up to FD's truncation): the ones a comparison runs. */
export const TRAIN_METHODS: readonly TrainMethod[] = methodIds('exact');
/** Every built-in method. */
export const ALL_TRAIN_METHODS: readonly TrainMethod[] = methodIds();

export interface TrainConfig {
  /** A registered derivative method: taylor (fused jets and their adjoint, n-TangentProp), ad (nested reverse-mode gradients, stacked AD), fd, stde, stein. */
  method: TrainMethod;
  /** Finite-difference step (fd only); default: about eps^(1/(k+2)) for order k. */
  fdStep?: number;
  /** STDE: sparse (B random coordinates per point, scaled by d/B) or dense (B Rademacher directions). */
  stde?: StdeOptions;
  /** Stein: smoothing width, shifts per point, antithetic pairs with control variate (default STEIN_DEFAULTS). */
  stein?: SteinOptions;
  /** Settings of a method registered beyond the built-in ones (it reads them itself). */
  methodOptions?: Readonly<Record<string, number | string | boolean>>;
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
  /** The derivative method (from the registry) and its state for this trainer. */
  readonly method: DerivativeMethod;
  /** The method's settings, defaults filled in and checked. */
  readonly methodOptions: unknown;
  private readonly session: MethodSession;
  private readonly backup: GPUBuffer;
  private readonly terms: TermRuntime[];
  private readonly testJet: TaylorJetForward;
  private readonly testPoints: number[][];
  private readonly exact: Float64Array;
  private stepIndex = 0;
  /** The run length a deadline-planned run settled on (runTraining writes it), which the learning-rate schedule follows while it lasts. */
  plannedSteps: number | null = null;
  /** Multiplies the schedule's learning rate (runTraining halves it after a divergence). */
  lrScale = 1;
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
    this.method = methodById(config.method);
    const options = this.method.options(config, problem);
    this.methodOptions = options;
    const refusal = this.method.refusal?.(problem, options);
    if (refusal) throw new InputError(refusal);
    // an odd model needs non-zero biases (Mlp.init: with zero ones they would stay zero)
    const mlp = Mlp.init({ inputDim: problem.dim, width: config.width, depth: config.depth, outputDim: 1, activation: config.activation }, config.seed, { biases: problem.oddModel ? 'uniform' : 'zero' });
    this.net = new GpuMlp(device, mlp);
    const bytes = mlp.params.byteLength;
    this.grad = createStorageBuffer(device, bytes, 'parameter gradient');
    this.backup = createStorageBuffer(device, bytes, 'last good parameters');
    this.adam = new Adam(device, this.net.params, this.grad, mlp.params.length);
    const unknowns = problem.unknowns ?? [];
    if (unknowns.length > 0) {
      this.unknownParams = createStorageBuffer(device, unknowns.length * 4, 'unknowns');
      this.unknownGrad = createStorageBuffer(device, unknowns.length * 4, 'unknowns gradient');
      this.unknownBackup = createStorageBuffer(device, unknowns.length * 4, 'last good unknowns');
      device.queue.writeBuffer(this.unknownParams, 0, Float32Array.from(unknowns.map((u) => u.init)));
      this.unknownAdam = new Adam(device, this.unknownParams, this.unknownGrad, unknowns.length);
    }
    if (config.hardBoundary && !problem.hard) throw new InputError(`${problem.id} declares no hard boundary transform`);
    const env = {
      device,
      net: this.net,
      grad: this.grad,
      problem,
      config,
      checkJetRows: (term: LossTerm, rows: number, n1: number) => checkJetRows(device, problem, this.method, config.interiorPoints, term, rows, n1),
    };
    this.session = this.method.session(env, options);
    const setup = {
      env,
      method: this.method,
      options,
      session: this.session,
      points: config,
      weight: (term: LossTerm) => this.termWeight(term),
      unknowns: this.unknownParams ? { params: this.unknownParams, grad: this.unknownGrad! } : null,
    };
    const replaced = config.hardBoundary ? problem.hard!.replaces : [];
    const trained = problem.terms.filter((term) => !replaced.includes(term.name));
    this.terms = [];
    for (const term of trained) this.terms.push(buildTerm(setup, term, problem.terms.indexOf(term), this.terms.length));
    this.testPoints = problem.testPoints();
    this.exact = Float64Array.from(this.testPoints.map((x) => problem.exact(x)));
    this.testJet = new TaylorJetForward(device, this.net, { order: 0, maxBatch: this.testPoints.length, sharedDirection: true });
  }

  /** The weight of a term: the configured one, else the problem's. */
  private termWeight(term: LossTerm): number {
    const w = this.config.weights?.[term.name] ?? term.weight;
    if (!Number.isFinite(w) || w < 0) throw new InputError(`the weight of ${this.problem.id}'s ${term.name} term must be a finite number >= 0 (got ${w})`);
    return w;
  }

  get step(): number {
    return this.stepIndex;
  }

  /** The method and its settings in a few words ("stein (sigma 0.01, 64 samples in antithetic pairs)"). */
  get methodText(): string {
    const more = this.method.describe?.(this.methodOptions);
    return more ? `${this.method.id} (${more})` : this.method.id;
  }

  /** Whether a term's loss is a product of two estimates (w r_A r_B / n), which can be negative. */
  get signedLoss(): boolean {
    return this.terms.some((t) => t.plan.split);
  }

  /**
   * Record every term's sampling, derivatives and loss (and with `backward` their adjoints into
   * the gradient). exact = false (Adam's steps): f32 jets even where precision 'double-single'
   * built double-single ones (noisy steps gain nothing from them); L-BFGS and evaluations use them.
   */
  private encodeLoss(pass: GPUComputePassEncoder, backward: boolean, stream = this.stepIndex, exact = true): void {
    for (const t of this.terms) {
      this.encodeSampling(pass, t, stream);
      for (const f of t.stages.before) f(pass);
      const precise = exact ? t.precise : null;
      for (const f of precise?.before ?? []) f(pass);
      this.encodeTermLoss(pass, t, backward, precise?.loss);
      if (backward) for (const f of t.stages.after) f(pass);
    }
  }

  /** Draw a term's points and the method's random draws of sampling stream `stream`. */
  private encodeSampling(pass: GPUComputePassEncoder, t: TermRuntime, stream: number): void {
    t.points.encode(pass, stream);
    t.stages.draw?.(this.config.seed, stream);
  }

  private encodeTermLoss(pass: GPUComputePassEncoder, t: TermRuntime, backward: boolean, loss = t.loss): void {
    loss(pass);
    if (backward) t.unknownReduce?.(pass);
  }

  /** An eager method's evaluation of every term (after the sampling was submitted), then its temporaries freed. */
  private evaluateEager(withGradient: boolean, jacobian?: { buffer: GPUBuffer; rowStride: number }): void {
    let firstRow = 0;
    for (const t of this.terms) {
      t.stages.evaluate!(withGradient, () => this.submitPass((pass) => this.encodeTermLoss(pass, t, withGradient)), jacobian && { ...jacobian, firstRow });
      firstRow += t.count;
    }
    this.session.release?.();
  }

  /** Submit the sampling of every term alone (eager methods record their graphs after it). */
  private submitSampling(stream: number, clear?: (enc: GPUCommandEncoder) => void): void {
    this.submitPass((pass) => this.terms.forEach((t) => this.encodeSampling(pass, t, stream)), clear);
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

  /** Submit the loss alone (every term's parts) at the points of sampling stream `stream`. */
  private evaluateLoss(stream: number): void {
    if (this.session.eager) {
      this.submitSampling(stream);
      this.evaluateEager(false);
    } else this.submitPass((pass) => this.encodeLoss(pass, false, stream));
  }

  /** Submit the loss and its gradient (into `grad`) at the points of sampling stream `stream`. */
  private computeGradient(stream: number): void {
    if (this.session.eager) {
      // an eager method records its graph after the sampling, in queue order
      this.submitSampling(stream, (e) => this.clearGradients(e));
      this.evaluateEager(true);
    } else this.submitPass((pass) => this.encodeLoss(pass, true, stream), (e) => this.clearGradients(e));
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
    const lr = this.lrScale * this.config.lr;
    for (let r = 0; r < reps; r++) {
      await timed('sampling', () => this.submitSampling(this.stepIndex, (e) => this.clearGradients(e)));
      if (this.session.eager) {
        await timed(this.method.profilePhases?.derivatives ?? 'derivatives, residuals and backward', () => this.evaluateEager(true));
      } else {
        await timed(this.method.profilePhases?.derivatives ?? 'derivatives (forward)', () => this.submitPass((pass) => this.terms.forEach((t) => t.stages.before.forEach((f) => f(pass)))));
        await timed('residuals and loss', () => this.submitPass((pass) => this.terms.forEach((t) => this.encodeTermLoss(pass, t, true))));
        await timed('backward', () => this.submitPass((pass) => this.terms.forEach((t) => t.stages.after.forEach((f) => f(pass)))));
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
    const lr = this.lrScale * learningRate(this.config.lr, this.config.schedule, this.stepIndex, this.plannedSteps ?? this.config.steps);
    if (this.session.eager) {
      this.computeGradient(this.stepIndex);
      const pass = enc.beginComputePass();
      this.adam.encode(pass, lr);
      this.unknownAdam?.encode(pass, lr);
      pass.end();
      this.stepIndex++;
      return;
    }
    // otherwise the whole step in one command buffer
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
    if (!this.method.jacobian) {
      const able = methodIds().filter((id) => methodById(id).jacobian);
      return `Levenberg–Marquardt needs Taylor jets or stacked AD (method ${able.join(' or ')}), not ${this.method.id}`;
    }
    const op = this.terms.find((t) => t.plan.operator);
    if (op) return `Levenberg–Marquardt does not read operator terms yet: the ${op.term.name} term has one`;
    const t = this.terms.find((t) => t.stages.randomDirections || t.plan.split || (this.method.jacobian === 'jets' && t.stages.jets.length === 0));
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
    if (!this.jacobian) {
      this.jacobian = this.method.jacobian === 'tape' ? jacobianRows(device, this.terms, this.net.mlp.params.length) : new ResidualJacobian(device, this.terms.map((t) => ({ count: t.count, jets: t.stages.jets, backwards: t.stages.backwards, adjoints: t.stages.adjoints })));
    }
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
    if (this.session.eager) {
      // each term's graph, then one reverse pass keeping every point's row
      this.submitSampling(FIXED_STREAM, clear);
      this.evaluateEager(true, { buffer: jac.buffer, rowStride: count });
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
      out.push({ name: t.term.name, points: await readBuffer(this.device, t.points.buffer, t.count * d * 4), parts: await readBuffer(this.device, t.parts, t.count * 4) });
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
   * Train (runTraining): Adam to config.steps (settings.steps), then settings.lbfgs L-BFGS and
   * settings.lm Levenberg–Marquardt iterations. onLog sees every Adam record; returning false
   * stops. A divergence puts back the last good parameters and unknowns (Adam's moments
   * cleared) and halves lrScale; the fourth stops the run. With `planToDeadline` (and a finite
   * deadline) Adam's length is planned to the time as it goes (the schedule follows plannedSteps).
   */
  async run(onLog?: (r: TrainRecord) => boolean | void, deadlineSeconds = Infinity, settings: RunSettings = {}): Promise<RunResult> {
    const rollback: [GPUBuffer, GPUBuffer][] = [[this.net.params, this.backup]];
    if (this.unknownBackup) rollback.push([this.unknownParams!, this.unknownBackup]);
    const checkpoint = bufferCheckpoint(this.device, rollback, () => {
      this.adam.reset();
      this.unknownAdam?.reset();
    });
    const extend = this.unknownParams
      ? async (record: TrainRecord) => {
        record.unknowns = await this.unknownValues();
      }
      : undefined;
    const signedLoss = this.signedLoss;
    return runTraining(this, { ...settings, steps: settings.steps ?? this.config.steps, logEvery: this.config.logEvery, checkpoint, extend, onLog, deadlineSeconds, quasiNewton: this, signedLoss });
  }

  destroy(): void {
    this.terms.forEach(destroyTerm);
    this.session.destroy?.();
    this.testJet.destroy();
    this.jacobian?.buffer.destroy();
    this.adam.destroy();
    this.unknownAdam?.destroy();
    [this.grad, this.backup, this.unknownParams, this.unknownGrad, this.unknownBackup].forEach((b) => b?.destroy());
    this.net.destroy();
  }
}
