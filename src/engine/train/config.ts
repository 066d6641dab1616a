/**
 * A PINN training run's settings (TrainConfig, with defaults from the problem), what a run
 * records as it goes (TrainRecord) and what it returns (TrainResult), and the derivative methods
 * a run may name.
 */
import type { JetPrecision } from '../jets/taylor-jet-ds';
import { methodIds } from '../methods/registry';
import type { StdeOptions } from '../methods/stde';
import type { SteinOptions } from '../methods/stein';
import type { Activation } from '../model/mlp';
import type { PdeProblem } from '../problems/types';
import type { SamplingKind } from '../sampling/qmc';
import { namedSchedule, type LrSchedule } from './schedule';

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
  /** Random Fourier features in front of the network (model/embedding.ts): m frequencies of scale σ. */
  fourier?: { features: number; scale: number };
  /** Make the problem's periodic inputs periodic exactly (cos and sin of 2π x / L): its periodic terms go. */
  periodicEmbedding?: boolean;
  /** Causal training (Adam's steps): the interior terms' points weighted by time chunk, w_c = exp(−ε Σ_{c'<c} L_c'); ε grows ×10 when every w_c > 0.99 (at most 4 times). */
  causal?: { chunks: number; eps: number };
  /** Random weight factorization W = exp(s) V for Adam's steps (rwf.ts): the initial s ~ N(mean, std). */
  rwf?: { mean: number; std: number };
  /** Gradient-norm balancing of the loss weights every `every` Adam steps, w ← α w + (1 − α) Σ_j |∇L_j| / |∇L_i| (learning-rate annealing). */
  balance?: { every: number; alpha: number };
  /** Residual-based attention on the terms whose points stay fixed: λ_p ← γ λ_p + η |r_p| / max |r|, point weight λ_p² (Adam's steps). */
  rba?: { gamma: number; eta: number };
  /** RAD adaptive sampling: every `every` steps the interior points are drawn from `pool` x as many uniform candidates with density ∝ |r|^k / mean + c. */
  rad?: { every: number; pool: number; k: number; c: number };
}

export interface TrainRecord {
  step: number;
  seconds: number;
  loss: number;
  l2re: number;
  /** Values of the problem's trained unknowns (e.g. lambda), when it has any. */
  unknowns?: number[];
  /** Causal training: per causal term, ε and the time chunks' weights at the last step. */
  causal?: { term: string; eps: number; weights: number[] }[];
  /** Gradient-norm balancing: each term's weight at the last step. */
  weights?: Record<string, number>;
}

export interface TrainResult {
  steps: number;
  seconds: number;
  l2re: number;
  history: TrainRecord[];
  /** Why training ended: 'done', 'diverged at step N (loss NaN)', 'stopped'. */
  stopReason: string;
}

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
