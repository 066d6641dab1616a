/**
 * What both trainers share (PinnTrainer for the box problems, HighDimTrainer for the ball ones):
 * the network with its gradient and Adam, the step counter and each step's learning rate (the
 * schedule over the configured or planned run length, times lrScale), snapshot and restore, the
 * divergence checkpoint (the last good parameters, and whatever buffers a trainer adds), timing
 * steps, and run() through ./run.ts. A trainer brings its own sampling, loss and gradient
 * (encodeTrainingStep), its loss read-back and its error measure.
 */
import { InputError } from '../errors';
import { createStorageBuffer, readBuffer } from '../gpu/gpu';
import { medianSubmitMs } from '../gpu/timing';
import { GpuMlp } from '../model/gpu-mlp';
import type { Mlp } from '../model/mlp';
import { Adam, type LeadingLrScale, type ParamOptimizer } from './adam';
import { RwfAdam, type RwfOptions } from './rwf';
import type { TrainRecord } from './config';
import { copyBuffers, runTraining, type RunHost, type RunOptions, type RunResult, type RunSettings } from './run';
import { learningRate, type LrSchedule } from './schedule';

/** The part of a trainer's configuration the core reads. */
export interface CoreConfig {
  steps: number;
  lr: number;
  schedule: LrSchedule;
  /** Read the loss (and measure the error) every this many steps. */
  logEvery: number;
}

/** The network's parameters and the step they are from. */
export interface CoreSnapshot {
  step: number;
  params: Float32Array;
}

export abstract class TrainerCore<C extends CoreConfig> implements RunHost {
  readonly net: GpuMlp;
  readonly grad: GPUBuffer;
  readonly adam: ParamOptimizer;
  /** The network's last good parameters (the divergence checkpoint). */
  private readonly backup: GPUBuffer;
  protected stepIndex = 0;
  /** The step of the parameters saveGood kept. */
  private goodStep = 0;
  /** The run length a deadline-planned run settled on (runTraining writes it), which the learning-rate schedule follows while it lasts. */
  plannedSteps: number | null = null;
  /** Multiplies the schedule's learning rate (runTraining halves it after a divergence). */
  lrScale = 1;

  /** `firstLayer`: a learning-rate multiplier for the leading parameters (HighDimTrainer's W₁). */
  constructor(
    readonly device: GPUDevice,
    readonly config: C,
    mlp: Mlp,
    firstLayer?: LeadingLrScale,
    /** Random weight factorization: Adam on (V, s) with W = exp(s) V (rwf.ts). */
    rwf?: RwfOptions,
  ) {
    this.net = new GpuMlp(device, mlp);
    const bytes = mlp.params.byteLength;
    this.grad = createStorageBuffer(device, bytes, 'parameter gradient');
    this.backup = createStorageBuffer(device, bytes, 'last good parameters');
    this.adam = rwf ? new RwfAdam(device, this.net, this.grad, rwf) : new Adam(device, this.net.params, this.grad, mlp.params.length, undefined, firstLayer);
  }

  /** The loss of the last evaluated step. */
  abstract readLoss(): Promise<number>;
  /** L2 relative error against the exact solution on the trainer's test points. */
  abstract l2RelativeError(): Promise<number>;
  /** Whether the loss is a product of two estimates (r_A r_B), which can be near zero or negative: only a non-finite one is a divergence. */
  abstract get signedLoss(): boolean;
  /** Record a step's sampling, loss, gradient and update at learning rate `lr` (sampling stream: the step). */
  protected abstract encodeTrainingStep(enc: GPUCommandEncoder, lr: number): void;

  get step(): number {
    return this.stepIndex;
  }

  /**
   * Record one training step. Submit it before encoding the next: the step's small
   * uploads (Adam's hyper-parameters, the sampling stream, Sobol/LHS points, STDE directions)
   * go through queue.writeBuffer when it is encoded.
   */
  encodeStep(enc: GPUCommandEncoder): void {
    const lr = this.lrScale * learningRate(this.config.lr, this.config.schedule, this.stepIndex, this.plannedSteps ?? this.config.steps);
    this.encodeTrainingStep(enc, lr);
    this.stepIndex++;
  }

  /**
   * Benchmarks: run `warmup` steps, then `reps` more, each submitted and awaited alone;
   * the median wall-clock milliseconds of the timed ones. (The steps train the network.)
   */
  timeSteps(warmup: number, reps: number): Promise<number> {
    return medianSubmitMs(this.device, (enc) => this.encodeStep(enc), warmup, reps);
  }

  /** The parameters and step, read back (the app keeps them through a lost device or a visit to another view). */
  async snapshot(): Promise<CoreSnapshot> {
    return { step: this.stepIndex, params: await readBuffer(this.device, this.net.params, this.net.mlp.params.byteLength) };
  }

  /** Continue from a snapshot: its parameters and step, Adam's moments restarting. */
  restore(step: number, params: Float32Array): void {
    this.putBack({ step, params });
    this.resetOptimizers();
  }

  /** Put back parameters and step without touching the optimizers. */
  protected putBack(s: CoreSnapshot): void {
    if (s.params.length !== this.net.mlp.params.length) throw new InputError(`saved parameters have ${s.params.length} numbers; this network has ${this.net.mlp.params.length}`);
    this.net.upload(s.params);
    this.stepIndex = s.step;
  }

  /** Clear the optimizers' moments and step counts. */
  protected resetOptimizers(): void {
    this.adam.reset();
  }

  /** The [live, last good] buffer pairs the divergence checkpoint copies: the network's parameters, and any a trainer adds. */
  protected checkpointBuffers(): [GPUBuffer, GPUBuffer][] {
    return [[this.net.params, this.backup]];
  }

  /** Keep the current parameters as the last good ones (run's checkpoint, after each good burst). */
  saveGood(): void {
    copyBuffers(this.device, this.checkpointBuffers());
    this.goodStep = this.stepIndex;
  }

  /**
   * Back to the parameters of the last saveGood after a divergence, with the optimizers'
   * moments cleared (a non-finite gradient has spoiled them); the step count goes on, so the
   * next step draws new points. Returns the step the parameters are from.
   */
  restoreGood(): number {
    copyBuffers(this.device, this.checkpointBuffers().map(([live, backup]): [GPUBuffer, GPUBuffer] => [backup, live]));
    this.resetOptimizers();
    return this.goodStep;
  }

  /** What a trainer adds to its runs: more in each record, quasi-Newton phases after Adam. */
  protected runAdditions(): Pick<RunOptions, 'extend' | 'quasiNewton'> {
    return {};
  }

  /**
   * Train (runTraining): Adam to config.steps (settings.steps), logging every config.logEvery
   * steps, then the quasi-Newton phases settings asks for where the trainer has them. onLog
   * sees every Adam record; returning false stops. A divergence puts back the last good
   * parameters (saveGood, restoreGood) and halves lrScale; the fourth stops the run. With
   * `planToDeadline` (and a finite deadline) Adam's length is planned to the time as it goes
   * (the schedule follows plannedSteps).
   */
  run(onLog?: (r: TrainRecord) => boolean | void, deadlineSeconds = Infinity, settings: RunSettings = {}): Promise<RunResult> {
    const checkpoint = { save: () => this.saveGood(), restore: () => void this.restoreGood() };
    const signedLoss = this.signedLoss;
    return runTraining(this, { ...settings, steps: settings.steps ?? this.config.steps, logEvery: this.config.logEvery, checkpoint, ...this.runAdditions(), onLog, deadlineSeconds, signedLoss });
  }

  destroy(): void {
    this.adam.destroy();
    this.grad.destroy();
    this.backup.destroy();
    this.net.destroy();
  }
}
