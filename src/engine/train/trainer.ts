/**
 * Training a PINN on the GPU, as an orchestration: every step samples each loss term's points,
 * lets the derivative method (../methods/, one file each, chosen by name from the registry) fill
 * the derivatives the term asks for, evaluates the residuals with the loss kernel generated for
 * the term (the same for every method), back-propagates into one gradient and applies Adam. The
 * loss is read back only every `logEvery` steps. L-BFGS and Levenberg–Marquardt are later phases
 * on fixed points (./quasi-newton.ts); ./run.ts runs the phases. What the ball problems' trainer
 * shares with this one (network, Adam, step and learning rate, snapshot, divergence checkpoint,
 * run) is in ./core.ts, the run's settings in ./config.ts.
 */
import { createStorageBuffer, readBuffer } from '../gpu/gpu';
import { kernelPass, wgslFloat, type PassFn } from '../gpu/kernels';
import { median } from '../gpu/timing';
import { InputError } from '../errors';
import type { DerivativeMethod, MethodSession } from '../methods/method';
import { methodById } from '../methods/registry';
import { Mlp } from '../model/mlp';
import type { LossTerm, PdeProblem } from '../problems/types';
import { periodicAxes, unknownValue } from '../problems/types';
import { InputEmbedding } from '../model/embedding';
import { Adam } from './adam';
import type { TrainConfig, TrainRecord } from './config';
import { TrainerCore, type CoreSnapshot } from './core';
import { ModelEvaluator } from './evaluation';
import type { LbfgsOptions, LbfgsResult } from './lbfgs';
import type { LmOptions, LmResult } from './levenberg-marquardt';
import { QuasiNewton, type ContinuationOptions, type JacobianRows } from './quasi-newton';
import type { IterationCallback, RunOptions } from './run';
import { buildTerm, checkJetRows, destroyTerm, type TermRuntime } from './term';

export { ALL_TRAIN_METHODS, defaultTrainConfig, TRAIN_METHODS, type TrainConfig, type TrainMethod, type TrainRecord, type TrainResult } from './config';
export { continuationFactors, lossNoise, type ContinuationOptions } from './quasi-newton';
export { redrawSeed } from './points';
export { STDE_DEFAULTS, type StdeOptions } from '../methods/stde';
export { STEIN_DEFAULTS, STEIN_LAPLACIANS, steinShape, type SteinLaplacian, type SteinOptions } from '../methods/stein';

/** PinnTrainer's snapshot: the network's parameters and step, and the unknowns' raw parameters (null without unknowns). */
export interface PinnSnapshot extends CoreSnapshot {
  unknownRaw: Float32Array | null;
}

export class PinnTrainer extends TrainerCore<TrainConfig> {
  /** The derivative method (from the registry) and its state for this trainer. */
  readonly method: DerivativeMethod;
  /** The method's settings, defaults filled in and checked. */
  readonly methodOptions: unknown;
  private readonly session: MethodSession;
  private readonly terms: TermRuntime[];
  /** L-BFGS and Levenberg–Marquardt on this trainer's terms (./quasi-newton.ts). */
  private readonly quasiNewton: QuasiNewton;
  /** The model on the test points and elsewhere (./evaluation.ts). */
  private readonly evaluator: ModelEvaluator;
  /** Raw parameters of the problem's unknowns, their gradient, optimizer and last good copy. */
  readonly unknownParams: GPUBuffer | null = null;
  readonly unknownGrad: GPUBuffer | null = null;
  private readonly unknownAdam: Adam | null = null;
  private readonly unknownBackup: GPUBuffer | null = null;

  constructor(
    device: GPUDevice,
    readonly problem: PdeProblem,
    config: TrainConfig,
  ) {
    if (!Number.isInteger(config.interiorPoints) || config.interiorPoints < 1) throw new InputError('interior points must be a positive integer');
    const method = methodById(config.method);
    const options = method.options(config, problem);
    const refusal = method.refusal?.(problem, options);
    if (refusal) throw new InputError(refusal);
    // an odd model needs non-zero biases (Mlp.init: with zero ones they would stay zero)
    super(device, config, Mlp.init({ inputDim: problem.dim, width: config.width, depth: config.depth, outputDim: problem.outputs?.length ?? 1, activation: config.activation }, config.seed, { biases: problem.oddModel ? 'uniform' : 'zero', embedding: trainEmbedding(problem, config) }), undefined, config.rwf && { ...config.rwf, seed: config.seed + 0x4f7 });
    this.method = method;
    this.methodOptions = options;
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
    const rad = config.rad && config.rad.every > 0 ? config.rad : null;
    const setup = {
      env,
      method: this.method,
      options,
      session: this.session,
      points: config,
      weight: (term: LossTerm) => this.termWeight(term),
      unknowns: this.unknownParams ? { params: this.unknownParams, grad: this.unknownGrad! } : null,
      causal: config.causal,
      rba: config.rba,
      rad: rad !== null,
    };
    const replaced = config.hardBoundary ? problem.hard!.replaces : [];
    // an exact periodic embedding: the periodic conditions hold by themselves
    const trained = problem.terms.filter((term) => !replaced.includes(term.name) && !(config.periodicEmbedding && term.periodicAxis !== undefined));
    this.terms = [];
    for (const term of trained) this.terms.push(buildTerm(setup, term, problem.terms.indexOf(term), this.terms.length));
    if (rad) {
      // RAD: each interior term's points drawn from a pool of uniform candidates by their residuals
      const poolSize = Math.min(RAD_POOL_MAX, rad.pool * config.interiorPoints);
      const poolSetup = { ...setup, points: { ...config, interiorPoints: poolSize, resampleEvery: 1 }, causal: undefined, rba: undefined };
      this.terms.forEach((t, i) => {
        if (t.term.points !== 'interior') return;
        const pool = buildTerm(poolSetup, t.term, t.plan.termIndex, RAD_STREAMS + i);
        const cdf = createStorageBuffer(device, poolSize * 4, `${t.term.name} RAD cumulative density`);
        const draw = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
        const select = kernelPass(device, 'rad_select', { M: poolSize, N: t.count, D: problem.dim, K: wgslFloat(rad.k), C: wgslFloat(rad.c) }, [pool.points.buffer, pool.parts, t.points.buffer, cdf, draw], 1);
        t.points.adaptive = true;
        this.rad.push({ term: t, pool, select, draw, buffers: [cdf, draw] });
      });
    }
    if (config.balance && config.balance.every > 0 && this.terms.length > 1) {
      // gradient-norm balancing: each term's gradient norm, then the weights, then each term's uniform
      const T = this.terms.length;
      const norms = createStorageBuffer(device, T * 4, 'loss terms gradient norms');
      const weights = createStorageBuffer(device, T * 4, 'balanced loss weights');
      device.queue.writeBuffer(weights, 0, Float32Array.from(this.terms.map((t) => this.termWeight(t.term))));
      const count = this.net.mlp.params.length;
      this.balancer = {
        every: config.balance.every,
        weights,
        norms: this.terms.map((_, i) => kernelPass(device, 'grad_norm', { COUNT: count, INDEX: i }, [this.grad, norms], 1)),
        update: kernelPass(device, 'balance_weights', { T, ALPHA: wgslFloat(config.balance.alpha) }, [norms, weights], 1),
        buffers: [norms, weights],
      };
    }
    this.evaluator = new ModelEvaluator(device, this.net, problem, config.hardBoundary === true);
    this.quasiNewton = new QuasiNewton({
      device,
      net: this.net,
      grad: this.grad,
      unknowns,
      unknownParams: this.unknownParams,
      unknownGrad: this.unknownGrad,
      method,
      config,
      terms: this.terms,
      termWeight: (term) => this.termWeight(term),
      computeGradient: (stream, jacobian) => this.computeGradient(stream, jacobian),
      evaluateLoss: (stream) => this.evaluateLoss(stream),
      readLoss: () => this.readLoss(),
    });
  }

  /** The weight of a term: the configured one, else the problem's. */
  private termWeight(term: LossTerm): number {
    const w = this.config.weights?.[term.name] ?? term.weight;
    if (!Number.isFinite(w) || w < 0) throw new InputError(`the weight of ${this.problem.id}'s ${term.name} term must be a finite number >= 0 (got ${w})`);
    return w;
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
      // Adam's steps weigh a time-dependent term causally; evaluations and quasi-Newton phases see the plain loss
      this.encodeTermLoss(pass, t, backward, precise?.loss ?? (exact ? t.loss : (t.adamLoss ?? t.loss)));
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
  private evaluateEager(withGradient: boolean, jacobian?: { buffer: GPUBuffer; rowStride: number }, training = false): void {
    let firstRow = 0;
    for (const t of this.terms) {
      const loss = training ? (t.adamLoss ?? t.loss) : t.loss;
      t.stages.evaluate!(withGradient, () => this.submitPass((pass) => this.encodeTermLoss(pass, t, withGradient, loss)), jacobian && { ...jacobian, firstRow });
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

  /** Submit the loss and its gradient (into `grad`) at the points of sampling stream `stream`; with `jacobian`, the residuals' rows into it too. */
  private computeGradient(stream: number, jacobian?: JacobianRows, training = false): void {
    const clear = (enc: GPUCommandEncoder) => {
      this.clearGradients(enc);
      if (jacobian) enc.clearBuffer(jacobian.buffer);
    };
    if (this.session.eager) {
      // an eager method records its graph after the sampling, in queue order (with a Jacobian, one reverse pass keeping every point's row)
      this.submitSampling(stream, clear);
      this.evaluateEager(true, jacobian && { buffer: jacobian.buffer, rowStride: this.net.mlp.params.length }, training);
    } else {
      this.submitPass((pass) => {
        this.encodeLoss(pass, true, stream);
        jacobian?.encode?.(pass);
      }, clear);
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
  override restore(step: number, params: Float32Array, unknownRaw?: Float32Array | null): void {
    this.putBack({ step, params, unknownRaw });
    this.resetOptimizers();
  }

  /** The state restore() takes: parameters and unknowns' raw values (read from the GPU). */
  override async snapshot(): Promise<PinnSnapshot> {
    const { params } = await super.snapshot();
    const nq = this.problem.unknowns?.length ?? 0;
    const unknownRaw = this.unknownParams ? await readBuffer(this.device, this.unknownParams, nq * 4) : null;
    return { step: this.stepIndex, params, unknownRaw };
  }

  /** Put back parameters, unknowns and step without touching the optimizers (see profileStep). */
  protected override putBack(s: CoreSnapshot & { unknownRaw?: Float32Array | null }): void {
    super.putBack(s);
    if (s.unknownRaw && this.unknownParams) this.device.queue.writeBuffer(this.unknownParams, 0, Float32Array.from(s.unknownRaw));
  }

  protected override resetOptimizers(): void {
    super.resetOptimizers();
    this.unknownAdam?.reset();
  }

  /** The divergence checkpoint keeps the unknowns too. */
  protected override checkpointBuffers(): [GPUBuffer, GPUBuffer][] {
    const pairs = super.checkpointBuffers();
    if (this.unknownBackup) pairs.push([this.unknownParams!, this.unknownBackup]);
    return pairs;
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
    this.putBack(params);
    await this.evaluateTerms(); // the loss buffers describe the restored parameters again
    return [...samples].map(([phase, ms]) => ({ phase, ms: median(ms) }));
  }

  /** RAD (TrainConfig.rad): per interior term, its candidate pool (a term of its own), the draw and its buffers. */
  private readonly rad: { term: TermRuntime; pool: TermRuntime; select: PassFn; draw: GPUBuffer; buffers: GPUBuffer[] }[] = [];

  /** Redraw the RAD terms' points: a fresh pool of candidates, their residuals, the draw by density. Submitted before the step. */
  private radDraw(): void {
    const every = this.config.rad!.every;
    const stream = Math.floor(this.stepIndex / every);
    for (const r of this.rad) {
      this.device.queue.writeBuffer(r.draw, 0, new Uint32Array([this.config.seed >>> 0, Math.floor(this.config.seed / 2 ** 32) >>> 0, stream >>> 0, r.term.plan.runtimeIndex]));
      this.submitTermAlone(r.pool, stream, false, r.select);
    }
  }

  /**
   * One term alone at sampling stream `stream`: its points, derivatives and plain loss (with
   * `withGradient`, its adjoint into the cleared gradient), then `then`, a pass that reads them.
   * An eager method records its graph between the sampling and `then`.
   */
  private submitTermAlone(t: TermRuntime, stream: number, withGradient: boolean, then: PassFn): void {
    const clear = withGradient ? (enc: GPUCommandEncoder) => this.clearGradients(enc) : undefined;
    if (this.session.eager) {
      this.submitPass((pass) => this.encodeSampling(pass, t, stream), clear);
      t.stages.evaluate!(withGradient, () => this.submitPass((pass) => this.encodeTermLoss(pass, t, withGradient)));
      this.session.release?.();
      this.submitPass(then);
      return;
    }
    this.submitPass((pass) => {
      this.encodeSampling(pass, t, stream);
      for (const f of t.stages.before) f(pass);
      this.encodeTermLoss(pass, t, withGradient);
      if (withGradient) for (const f of t.stages.after) f(pass);
      then(pass);
    }, clear);
  }

  /** Gradient-norm balancing (TrainConfig.balance): its buffers and passes, when on. */
  private readonly balancer: { every: number; weights: GPUBuffer; norms: PassFn[]; update: PassFn; buffers: GPUBuffer[] } | null = null;

  /**
   * Learning-rate annealing: each term's gradient at this step's points alone, its norm, the new
   * weights, copied into each term's loss uniform. Submitted before the step (the same points).
   */
  private balanceWeights(): void {
    const b = this.balancer!;
    this.terms.forEach((t, i) => this.submitTermAlone(t, this.stepIndex, true, b.norms[i]));
    this.submitPass((pass) => b.update(pass));
    const enc = this.device.createCommandEncoder();
    this.terms.forEach((t, i) => enc.copyBufferToBuffer(b.weights, 4 * i, t.params, 4, 4));
    this.device.queue.submit([enc.finish()]);
  }

  /** Residual-based attention's multipliers λ per point of each term that has them. */
  async attention(): Promise<{ term: string; lambda: Float32Array }[]> {
    const out: { term: string; lambda: Float32Array }[] = [];
    for (const t of this.terms) if (t.rba) out.push({ term: t.term.name, lambda: await readBuffer(this.device, t.rba.lambda, t.rba.n * 4) });
    return out;
  }

  /** The loss terms' current weights (balanced ones where gradient-norm balancing runs). */
  async termWeights(): Promise<{ term: string; weight: number }[]> {
    const w = this.balancer ? await readBuffer(this.device, this.balancer.weights, this.terms.length * 4) : Float32Array.from(this.terms.map((t) => this.termWeight(t.term)));
    return this.terms.map((t, i) => ({ term: t.term.name, weight: w[i] }));
  }

  /** A step: the loss and its gradient at the step's points (f32 jets), then Adam on the network and the unknowns. */
  protected encodeTrainingStep(enc: GPUCommandEncoder, lr: number): void {
    if (this.rad.length && this.stepIndex % this.config.rad!.every === 0) this.radDraw();
    if (this.balancer && this.stepIndex % this.balancer.every === 0) this.balanceWeights();
    // an eager method submits its graph first; otherwise the whole step in one command buffer
    if (this.session.eager) this.computeGradient(this.stepIndex, undefined, true);
    else this.clearGradients(enc);
    const pass = enc.beginComputePass();
    if (!this.session.eager) this.encodeLoss(pass, true, this.stepIndex, false);
    this.adam.encode(pass, lr);
    this.unknownAdam?.encode(pass, lr);
    pass.end();
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

  /** L-BFGS on the quasi-Newton phases' fixed points; leaves the best parameters in the network (QuasiNewton.lbfgs). */
  lbfgs(iterations: number, onIteration?: IterationCallback, options: Partial<LbfgsOptions> = {}): Promise<LbfgsResult> {
    return this.quasiNewton.lbfgs(iterations, onIteration, options);
  }

  /** Why Levenberg–Marquardt cannot run on this setup (null when it can). */
  levenbergMarquardtRefusal(): string | null {
    return this.quasiNewton.refusal();
  }

  /** The weighted residuals at the quasi-Newton phases' points and their Jacobian (QuasiNewton.residualsAndJacobian). */
  residualsAndJacobian(): Promise<{ r: Float64Array; J: Float64Array }> {
    return this.quasiNewton.residualsAndJacobian();
  }

  /** Levenberg–Marquardt on the network and the unknowns, with the continuation stages of terms that have one (QuasiNewton.levenbergMarquardt). */
  levenbergMarquardt(iterations: number, onIteration?: IterationCallback, options: Partial<LmOptions> & ContinuationOptions = {}): Promise<LmResult> {
    return this.quasiNewton.levenbergMarquardt(iterations, onIteration, options);
  }

  /** Causal training's state per causal term: ε and the chunk weights of the last step (empty without causal training). */
  async causalWeights(): Promise<{ term: string; eps: number; weights: number[] }[]> {
    const out: { term: string; eps: number; weights: number[] }[] = [];
    for (const t of this.terms) {
      if (!t.causal) continue;
      const s = await readBuffer(this.device, t.causal.state, (2 + t.causal.chunks) * 4);
      out.push({ term: t.term.name, eps: s[0], weights: Array.from(s.subarray(2)) });
    }
    return out;
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
    return { points: this.evaluator.points, exact: this.evaluator.exact };
  }

  /** The model's prediction at the test points (ModelEvaluator.predictTest: the plain network, times φ under a hard transform). */
  predictTest(): Promise<Float32Array> {
    return this.evaluator.predictTest();
  }

  /** The model at any points, e.g. a 1-D slice of a d-dimensional problem. */
  predictAt(points: number[][]): Promise<Float32Array> {
    return this.evaluator.predictAt(points);
  }

  /** L2 relative error against the exact solution on the problem's test points (of `prediction`, else of the model now). */
  async l2RelativeError(prediction?: Float32Array): Promise<number> {
    // a system: every output's error together
    if (this.evaluator.outputs > 1) return this.evaluator.l2AllOutputs();
    return this.evaluator.l2RelativeError(prediction ?? (await this.predictTest()));
  }

  /** The L2 relative error of each output by name (one network output per name of the problem's outputs). */
  async l2RelativeErrorByOutput(): Promise<Record<string, number>> {
    const names = this.problem.outputs ?? ['u'];
    if (names.length === 1) return { [names[0]]: await this.l2RelativeError() };
    const errors = await this.evaluator.l2ByOutput();
    return Object.fromEntries(names.map((n, o) => [n, errors[o]]));
  }

  /** Runs record the unknowns' values and go on to L-BFGS and Levenberg–Marquardt. */
  protected override runAdditions(): Pick<RunOptions, 'extend' | 'quasiNewton'> {
    const causal = this.terms.some((t) => t.causal);
    const balanced = this.balancer !== null;
    const extend =
      this.unknownParams || causal || balanced
        ? async (record: TrainRecord) => {
            if (this.unknownParams) record.unknowns = await this.unknownValues();
            if (causal) record.causal = await this.causalWeights();
            if (balanced) record.weights = Object.fromEntries((await this.termWeights()).map((w) => [w.term, w.weight]));
          }
        : undefined;
    return { extend, quasiNewton: this };
  }

  override destroy(): void {
    this.terms.forEach(destroyTerm);
    this.session.destroy?.();
    this.evaluator.destroy();
    this.quasiNewton.destroy();
    this.unknownAdam?.destroy();
    this.balancer?.buffers.forEach((b) => b.destroy());
    for (const r of this.rad) {
      destroyTerm(r.pool);
      r.buffers.forEach((b) => b.destroy());
    }
    [this.unknownParams, this.unknownGrad, this.unknownBackup].forEach((b) => b?.destroy());
    super.destroy();
  }
}

/** RAD's pool of candidates: at most this many points, and its sampling streams' offset (apart from the terms'). */
export const RAD_POOL_MAX = 65_536;
const RAD_STREAMS = 1000;

/**
 * The input embedding a run asks for (null: none): its problem's periodic inputs made periodic
 * exactly, random Fourier features, or both. The Fourier frequencies are drawn from the run's
 * seed (a stream apart from the weights').
 */

export function trainEmbedding(problem: PdeProblem, config: TrainConfig): InputEmbedding | null {
  const periodic = config.periodicEmbedding ? periodicAxes(problem) : [];
  if (config.periodicEmbedding && periodic.length === 0) throw new InputError(`${problem.id} has no periodic condition to embed`);
  const features = config.fourier?.features ?? 0;
  if (problem.oddModel && (periodic.length || features)) throw new InputError('an odd model N(x) − N(−x) does not combine with an input embedding');
  return InputEmbedding.build(problem.dim, { periodic, fourier: features > 0 ? { features, scale: config.fourier!.scale, seed: config.seed + 0x5eed } : undefined });
}
