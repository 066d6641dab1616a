/**
 * What a derivative method is to the trainer: one object per method (one file each, listed in
 * ./registry.ts) that owns its settings, says which problems it can train, and builds for
 * every loss term the GPU stages that fill the loss kernel's derivative inputs (jet-shaped
 * coefficients c_k = u^(k)/k! per direction) and carry their adjoints back into the parameter
 * gradient. The trainer never asks which method it runs; it asks the method.
 */
import { createStorageBuffer } from '../gpu/gpu';
import type { PassFn } from '../gpu/kernels';
import { TaylorJetForward } from '../jets/taylor-jet';
import { TaylorJetBackward } from '../jets/taylor-jet-backward';
import type { OperatorTerm } from '../jets/jet-slots';
import type { GpuMlp } from '../model/gpu-mlp';
import type { LossTerm, PdeProblem } from '../problems/types';
import type { Field } from '../spec/fields';
import type { DirectionalDerivatives } from './types';

/** The run's settings a method reads: its own options under its own key, and a few shared ones. */
export interface MethodConfig {
  readonly method: string;
  readonly seed: number;
  readonly hardBoundary?: boolean;
  readonly precision?: string;
  /** Settings of methods that have no key of their own in TrainConfig (e.g. a registered extra method). */
  readonly methodOptions?: Readonly<Record<string, number | string | boolean>>;
}

/** Where a term's loss kernel reads its derivatives: the plan the trainer makes before the method builds. */
export interface TermPlan {
  term: LossTerm;
  /** The term's index in the problem (seeds per-term random streams) and among the trained terms. */
  termIndex: number;
  runtimeIndex: number;
  count: number;
  /** The term's points, count x d (rewritten by the sampler each step). */
  points: GPUBuffer;
  directions: Float32Array[];
  dirOf: number[];
  /** Highest order asked along each direction (before packing). */
  ownOrders: number[];
  /** Per direction: redrawn every step (STDE's random slots). */
  random: boolean[];
  slotAxes: number[];
  /** Orders per direction as laid out (packed: all the highest). */
  orders: number[];
  packed: boolean;
  /** Packed block stride in coefficients. */
  chunk: number;
  mirrored: boolean;
  split: boolean;
  /** Blocks: one per direction, two with a mirrored or split layout. */
  blocks: number;
  /** Coefficients per row: orders[0] + 1. */
  width: number;
  /** The term has an operator Σ c_t ∂^α u, read from slot jets (or nested gradients). */
  operator: boolean;
  operatorOf: Map<number, OperatorTerm[]>;
  /**
   * The network's outputs (a system's u, v, ...): every coefficient holds one value per output,
   * element (coefficient index) · outputs + o, and direction j's derivatives are read of the
   * outputs in outputsOf[j] (the others' stay zero).
   */
  outputs: number;
  outputsOf: number[][];
}

/** The GPU stages one method built for one term. */
export interface TermStages {
  /** The loss kernel's inputs (jet-shaped, one per direction or one packed) and their adjoints. */
  inputs: GPUBuffer[];
  adjoints: GPUBuffer[];
  /** Dispatches before the loss kernel (derivatives) and after it (their adjoint into the gradient). */
  before: PassFn[];
  after: PassFn[];
  /** Buffers to free with the term. */
  owned: GPUBuffer[];
  /** Forward evaluations and their backward passes (a residual Jacobian reuses them). */
  jets: TaylorJetForward[];
  backwards: TaylorJetBackward[];
  /** Per-step draws (random directions, shifts' seeds), written before the step is encoded. */
  draw?: (seed: number, stream: number) => void;
  /** Double-single recomputation of the jets (their low parts bound after the loss kernel's buffers). */
  precise?: { before: PassFn[]; lo: GPUBuffer[] };
  /** Directions drawn at random every step (Levenberg–Marquardt needs fixed ones). */
  randomDirections?: boolean;
  /**
   * Eager methods (stacked AD) record and run their own graph: the derivatives, then
   * `submitLoss` (the loss kernel), then with a gradient the reverse pass into the parameter
   * gradient, or with `jacobian` each residual's row of it.
   */
  evaluate?: (withGradient: boolean, submitLoss: () => void, jacobian?: JacobianRows) => void;
  destroy?: () => void;
}

export interface JacobianRows {
  buffer: GPUBuffer;
  firstRow: number;
  rowStride: number;
}

/** What a method builds with: the device, the network and the gradient its adjoints add to. */
export interface MethodEnv {
  device: GPUDevice;
  net: GpuMlp;
  grad: GPUBuffer;
  problem: PdeProblem;
  config: MethodConfig;
  /** Refuse a jet batch of `rows` rows of `n1` coefficients beyond the device's dispatch limits. */
  checkJetRows(term: LossTerm, rows: number, n1: number): void;
}

/** One method's state for one trainer (stacked AD's tape context, for instance). */
export interface MethodSession {
  buildTerm(plan: TermPlan): TermStages;
  /** Eager methods: true (their terms have `evaluate`; a step is several submissions). */
  readonly eager: boolean;
  /** After an eager evaluation of every term: free its temporaries. */
  release?(): void;
  destroy?(): void;
}

/** How a method fills the slots of a Laplacian (loss-term.ts lays out directions from it). */
export interface SlotRule {
  /** Random jets per point estimate each Laplacian ('sparse': coordinates, 'dense': ±1 directions). */
  random?: { kind: 'sparse' | 'dense'; batch: number };
  /** One smoothed second-order slot per Laplacian (filled by an estimator, not by directions). */
  smoothed?: boolean;
}

export interface DerivativeMethod<O = unknown> {
  readonly id: string;
  /** Short name in the UI. */
  readonly label: string;
  /** One sentence for the method chooser, the CLI usage and the docs. */
  readonly summary: string;
  /** Exact derivatives (up to rounding or a truncation error): a comparison trains every such method. */
  readonly exact: boolean;
  /** Its own settings: spec fields (URL, UI, CLI flags), keyed by spec name. */
  readonly fields: Readonly<Record<string, Field>>;
  /** Turn the spec's values into the method's part of the run's configuration. */
  configFromSpec?(values: Readonly<Record<string, string | number>>): Partial<Record<string, unknown>>;
  /** Its settings from a run's configuration, defaults filled in, checked against the problem (InputError). */
  options(config: MethodConfig, problem: PdeProblem): O;
  /** Why it cannot train `problem` (null: it can). */
  refusal?(problem: PdeProblem, options: O): string | null;
  /** Why it cannot compute `term` (null: it can); asked for every trained term. */
  termRefusal?(problem: PdeProblem, term: LossTerm, options: O, plan: { mirrored: boolean; hardBoundary: boolean }): string | null;
  /** Draws a fixed number of random jets per point whatever the dimension (suggested when exact jets do not fit). */
  readonly sampled?: boolean;
  /** Present when it computes operator terms (mixed partials Σ c_t ∂^α u): how, in a few words for messages. */
  readonly operators?: string;
  /** How a Laplacian's slots are filled (default: one exact direction per axis). */
  slots?(options: O): SlotRule;
  /** The loss kernel reads the jets' own output buffers (otherwise the method fills blocks at aligned offsets). */
  readonly readsJetOutputs: boolean;
  /** A term's second, independent estimate (unbiased loss w r_A r_B / n). */
  split?(options: O, term: LossTerm, operator: boolean, maxOrder: number): boolean;
  /** Refuse a term's jet batch beyond the device's limits (default: one row per point and direction block). */
  checkRows?(env: MethodEnv, plan: TermPlan, options: O): void;
  /** How Levenberg–Marquardt gets residual Jacobian rows: from the jets' backward passes, from the tape, or not at all. */
  readonly jacobian: 'jets' | 'tape' | null;
  /** The phases `profileStep` reports (default: sampling, forward, loss, backward, optimizer). */
  readonly profilePhases?: { derivatives: string };
  session(env: MethodEnv, options: O): MethodSession;
  /** Its settings in a few words for a run's header line (absent: the method's id says enough). */
  describe?(options: O): string;
  /** `pinn derivs`: u, u', ..., u^(n) along directions, without training (`step`: a finite-difference step where the method has one). */
  directional?(net: GpuMlp, settings: { step?: number }): DirectionalDerivatives;
}

/** A method's loss inputs as plain blocks (methods that do not read jet outputs): per direction or one packed buffer. */
export function coefficientBuffers(device: GPUDevice, plan: TermPlan): { inputs: GPUBuffer[]; adjoints: GPUBuffer[] } {
  const sizes = (plan.packed ? [plan.blocks * plan.chunk] : plan.orders.map((o) => plan.count * (o + 1))).map((n) => n * plan.outputs);
  return {
    inputs: sizes.map((n, j) => createStorageBuffer(device, n * 4, `${plan.term.name} derivatives ${j}`)),
    adjoints: sizes.map((n, j) => createStorageBuffer(device, n * 4, `${plan.term.name} derivatives ${j} adjoint`)),
  };
}

/** Block j of a term's coefficient buffers (packed: at j · chunk; otherwise buffer j whole). */
export function coefficientBlock(plan: TermPlan, buffers: GPUBuffer[], j: number): GPUBuffer | GPUBufferBinding {
  return plan.packed ? { buffer: buffers[0], offset: j * plan.chunk * plan.outputs * 4, size: plan.count * plan.width * plan.outputs * 4 } : buffers[j];
}

/**
 * Plain network evaluations at `rows` shifted points (methods that difference or average them:
 * fd, stein): the shifted points' buffer, an order-0 jet over it, the adjoint its backward
 * pass reads (`ubar`, seeded by the method's transposed combination) and that backward pass,
 * and a uniform holding `count` (the term's points) for the method's own kernels.
 */
export function shiftedEvaluations(env: MethodEnv, what: string, count: number, rows: number) {
  const { device, net, grad, problem } = env;
  const shifted = createStorageBuffer(device, rows * problem.dim * 4, `${what} points`);
  const ubar = createStorageBuffer(device, rows * net.mlp.outputDim * 4, `${what} adjoint`);
  const uniforms = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(uniforms, 0, new Uint32Array([count, 0, 0, 0]));
  const jet = new TaylorJetForward(device, net, { order: 0, maxBatch: rows, sharedDirection: true, savePreActivations: true, pointsBuffer: shifted });
  jet.setBatch(rows);
  const backward = new TaylorJetBackward(jet, ubar, grad, true);
  return { shifted, ubar, uniforms, jet, backward, owned: [shifted, ubar, uniforms] };
}
