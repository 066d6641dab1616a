/**
 * The phases after Adam on one fixed set of points (the sampling stream FIXED_STREAM): L-BFGS
 * (./lbfgs.ts) and Levenberg–Marquardt (./levenberg-marquardt.ts) with its continuation stages,
 * over one vector, the network's parameters then the unknowns' raw ones. Loss, gradient and the
 * residuals' Jacobian come from the GPU through the trainer (QuasiNewtonTarget: PinnTrainer);
 * the steps are taken on the CPU in f64.
 */
import { InputError } from '../errors';
import { readBuffer } from '../gpu/gpu';
import { shadersCompiled } from '../gpu/kernels';
import type { DerivativeMethod } from '../methods/method';
import { methodById, methodIds } from '../methods/registry';
import type { GpuMlp } from '../model/gpu-mlp';
import type { LossTerm, Unknown } from '../problems/types';
import { unknownValue } from '../problems/types';
import { Rng } from '../sampling/rng';
import type { TrainConfig } from './config';
import { jacobianRows, ResidualJacobian } from './jacobian';
import { lbfgs, type LbfgsOptions, type LbfgsResult } from './lbfgs';
import { levenbergMarquardt, type LmOptions, type LmResult } from './levenberg-marquardt';
import type { IterationCallback } from './run';
import type { TermRuntime } from './term';

/** The sampling stream of the quasi-Newton phases: one Adam never draws, fixed points for the whole phase. */
export const FIXED_STREAM = 0x7fffffff;

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

/** The residuals' Jacobian buffer: rows x network parameters, filled by `encode` (jets) or by the eager method's reverse pass (tape). */
export interface JacobianRows {
  rows: number;
  buffer: GPUBuffer;
  encode?: (pass: GPUComputePassEncoder) => void;
}

/** What the quasi-Newton phases need of a trainer. */
export interface QuasiNewtonTarget {
  readonly device: GPUDevice;
  readonly net: GpuMlp;
  readonly grad: GPUBuffer;
  /** The trained unknowns, their raw parameters and gradient (null without unknowns). */
  readonly unknowns: readonly Unknown[];
  readonly unknownParams: GPUBuffer | null;
  readonly unknownGrad: GPUBuffer | null;
  readonly method: DerivativeMethod;
  readonly config: Pick<TrainConfig, 'precision' | 'hardBoundary'>;
  /** The trained terms: their points' loss parts, the unknowns' gradient parts, the loss kernel's uniforms (count, weight, 1.0, mode). */
  readonly terms: TermRuntime[];
  /** A term's weight (the configured one, else the problem's). */
  termWeight(term: LossTerm): number;
  /** Submit the loss and its gradient at the points of sampling stream `stream` (with `jacobian`, the residuals' rows into it too). */
  computeGradient(stream: number, jacobian?: JacobianRows): void;
  /** Submit the loss alone at the points of sampling stream `stream`. */
  evaluateLoss(stream: number): void;
  /** The loss last submitted (sum of every term's parts). */
  readLoss(): Promise<number>;
}

/** A quasi-Newton vector: its length (count network parameters, then nq unknowns), upload, read-back and the rounding the GPU applies. */
interface QuasiNewtonVector {
  count: number;
  nq: number;
  upload: (x: Float64Array) => void;
  read: () => Promise<Float64Array>;
  round: (x: Float64Array) => Float64Array;
}

export class QuasiNewton {
  private jacobian: JacobianRows | null = null;

  constructor(private readonly t: QuasiNewtonTarget) {}

  /**
   * A second phase with L-BFGS on one fixed set of collocation points (what DeepXDE
   * users do after Adam): loss and gradient on the GPU, the two-loop recursion in f64
   * on the CPU. Leaves the best parameters in the network and says why it stopped.
   */
  async lbfgs(iterations: number, onIteration?: IterationCallback, options: Partial<LbfgsOptions> = {}): Promise<LbfgsResult> {
    const t = this.t;
    const stream = FIXED_STREAM;
    const { count, nq, upload, read, round } = this.vector(false);
    const fg = async (x: Float64Array) => {
      upload(x);
      t.computeGradient(stream);
      const f = await t.readLoss();
      const g = new Float64Array(count + nq);
      g.set(await readBuffer(t.device, t.grad, count * 4));
      if (nq > 0) g.set(await readBuffer(t.device, t.unknownGrad!, nq * 4), count);
      return { f, g };
    };
    const start = await read();
    const unknowns = t.unknowns;
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
  private vector(precise: boolean): QuasiNewtonVector {
    const { device, net, unknownParams } = this.t;
    const count = net.mlp.params.length;
    const nq = this.t.unknowns.length;
    const upload = (x: Float64Array) => {
      if (precise) net.uploadPrecise(x.subarray(0, count));
      else net.upload(Float32Array.from(x.subarray(0, count)));
      if (nq > 0) device.queue.writeBuffer(unknownParams!, 0, Float32Array.from(x.subarray(count)));
    };
    const read = async () => {
      const x = new Float64Array(count + nq);
      x.set(await readBuffer(device, net.params, count * 4));
      if (precise) {
        const lo = await readBuffer(device, net.paramsLo, count * 4);
        for (let i = 0; i < count; i++) x[i] += lo[i];
      }
      if (nq > 0) x.set(await readBuffer(device, unknownParams!, nq * 4), count);
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
  refusal(): string | null {
    const { method, terms, config } = this.t;
    if (!method.jacobian) {
      const able = methodIds().filter((id) => methodById(id).jacobian);
      return `Levenberg–Marquardt needs Taylor jets or stacked AD (method ${able.join(' or ')}), not ${method.id}`;
    }
    const op = terms.find((t) => t.plan.operator);
    if (op) return `Levenberg–Marquardt does not read operator terms yet: the ${op.term.name} term has one`;
    const t = terms.find((t) => t.stages.randomDirections || t.plan.split || (method.jacobian === 'jets' && t.stages.jets.length === 0));
    if (t) return `Levenberg–Marquardt needs fixed directions; the ${t.term.name} term draws random ones`;
    if (config.hardBoundary) return 'Levenberg–Marquardt does not combine with a hard boundary transform yet';
    return null;
  }

  /**
   * At the current parameters: the weighted residuals sqrt(w/n) r_p of every term's points (in
   * term order; their squares sum to the loss) and their Jacobian, rows x (network parameters,
   * then the unknowns' raw parameters), row-major. The points are those of the quasi-Newton phases.
   */
  async residualsAndJacobian(): Promise<{ r: Float64Array; J: Float64Array }> {
    const refusal = this.refusal();
    if (refusal) throw new InputError(refusal);
    const { device, terms } = this.t;
    const count = this.t.net.mlp.params.length;
    if (!this.jacobian) {
      this.jacobian = this.t.method.jacobian === 'tape' ? jacobianRows(device, terms, count) : new ResidualJacobian(device, terms.map((t) => ({ count: t.count, jets: t.stages.jets, backwards: t.stages.backwards, adjoints: t.stages.adjoints })));
    }
    const jac = this.jacobian;
    await shadersCompiled(device);
    const nq = this.t.unknowns.length;
    const n = count + nq;
    const setMode = (mode: number) => terms.forEach((t) => device.queue.writeBuffer(t.params, 12, new Uint32Array([mode])));
    setMode(1);
    this.t.computeGradient(FIXED_STREAM, jac);
    setMode(0);
    const J32 = await readBuffer(device, jac.buffer, jac.rows * count * 4);
    const J = new Float64Array(jac.rows * n);
    const r = new Float64Array(jac.rows);
    let row = 0;
    for (const t of terms) {
      r.set(await readBuffer(device, t.parts, t.count * 4), row);
      const q = t.qparts ? await readBuffer(device, t.qparts, t.count * nq * 4) : null;
      for (let p = 0; p < t.count; p++) {
        J.set(J32.subarray((row + p) * count, (row + p + 1) * count), (row + p) * n);
        for (let u = 0; u < nq; u++) J[(row + p) * n + count + u] = q![p * nq + u];
      }
      // a paired term: pair p's residual depends on both points, whose rows the GPU kept apart;
      // the partner's row joins its pair's (its residual is 0, and its row is left 0)
      if (t.term.pairs) {
        const half = t.count / 2;
        for (let p = 0; p < half; p++) {
          const a = (row + p) * n;
          const b = (row + half + p) * n;
          for (let c = 0; c < n; c++) J[a + c] += J[b + c];
          J.fill(0, b, b + n);
        }
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
   * phase (the stream L-BFGS uses). A term with a continuation comes in over stages of rising weight.
   */
  async levenbergMarquardt(iterations: number, onIteration?: IterationCallback, options: Partial<LmOptions> & ContinuationOptions = {}): Promise<LmResult> {
    const { factors: stageFactors, shares, onStage, frozenStages = 1, ...lmOptions } = options;
    const refusal = this.refusal();
    if (refusal) throw new InputError(refusal);
    const t = this.t;
    // double-single jets: double-single parameters too (the last steps are below an f32 ulp)
    const precise = t.config.precision === 'double-single';
    const { count, upload, read, round } = this.vector(precise);
    const unknowns = t.unknowns;
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
      t.evaluateLoss(FIXED_STREAM);
      return t.readLoss();
    };
    const start = await read();
    // terms brought in by continuation: their weight rises in stages, the others' stays
    const staged = t.terms.filter((term) => term.term.continuation !== undefined);
    const factors = staged.length > 0 ? (stageFactors ?? continuationFactors(Math.min(...staged.map((term) => term.term.continuation!)))) : [1];
    // each stage's share of the iterations (even by default), as cumulative fractions
    const weights = staged.length > 0 && shares ? shares : factors.map(() => 1);
    if (weights.length !== factors.length) throw new InputError(`continuation: ${weights.length} shares for ${factors.length} stages`);
    const totalShare = weights.reduce((a, b) => a + b, 0);
    const cumulative = weights.map((_, i) => weights.slice(0, i + 1).reduce((a, b) => a + b, 0) / totalShare);
    const setFactor = (f: number) => staged.forEach((term) => t.device.queue.writeBuffer(term.params, 4, new Float32Array([f * t.termWeight(term.term)])));
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
    const reason = (result?.reason ?? 'no iterations asked for') + (staged.length > 0 ? ` (${staged.map((term) => term.term.name).join(', ')} brought in over ${factors.length} stages)` : '');
    return { x, f, iterations: done, evaluations: evaluations + 1, reason };
  }

  destroy(): void {
    this.jacobian?.buffer.destroy();
  }
}
