/**
 * A loss term's points: its fixed set uploaded once (redrawn per point stream where the problem
 * asks), or interior points drawn every `resampleEvery` steps — uniform by Philox on the GPU in a
 * box, in a ball × time (kernel train/sample_ball_time), or quasi-random (Sobol, LHS) on the CPU.
 */
import { InputError } from '../errors';
import { createStorageBuffer } from '../gpu/gpu';
import { kernelPass, wgslFloat, type PassFn } from '../gpu/kernels';
import type { LossTerm, PdeProblem } from '../problems/types';
import { samplePoints, type SamplingKind } from '../sampling/qmc';
import { BoxSampler } from '../sampling/random';

/** The seed of a fixed-point term's redrawn set: one per (run seed, point stream, term). */
export function redrawSeed(seed: number, stream: number, term: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b) ^ Math.imul(term + 1, 0xc2b2ae35)) >>> 0;
}

export interface PointSettings {
  seed: number;
  interiorPoints: number;
  sampling?: SamplingKind;
  resampleEvery?: number;
}

export class TermPoints {
  readonly count: number;
  readonly buffer: GPUBuffer;
  /** Filled by adaptive sampling (the trainer's RAD draws), not by this sampler. */
  adaptive = false;
  private readonly box: BoxSampler | null = null;
  private readonly ball: { params: GPUBuffer; encode: PassFn } | null = null;
  /** Quasi-random or stratified points: computed on the CPU and uploaded each step. */
  private readonly host: 'sobol' | 'lhs' | null;

  constructor(
    readonly device: GPUDevice,
    readonly problem: PdeProblem,
    readonly term: LossTerm,
    /** The term's index among the trained terms (seeds its redrawn sets). */
    readonly index: number,
    readonly settings: PointSettings,
  ) {
    const d = problem.dim;
    this.count = term.points === 'interior' ? settings.interiorPoints : term.points.length;
    this.buffer = createStorageBuffer(device, this.count * d * 4, `${term.name} points`);
    const sampling = settings.sampling ?? 'uniform';
    this.host = term.points === 'interior' && sampling !== 'uniform' ? sampling : null;
    if (term.points === 'interior') {
      if (problem.domain.kind === 'ball-time') {
        if (this.host) throw new InputError(`${problem.id} draws its interior points in a ball; ${sampling} sampling is for box domains (use uniform)`);
        this.ball = this.ballTimeSampler();
      } else if (!this.host) this.box = new BoxSampler(device, problem.domain.lo, problem.domain.hi, this.count, this.buffer);
    } else device.queue.writeBuffer(this.buffer, 0, Float32Array.from(term.points.flat()));
  }

  /** Interior points of a 'ball-time' domain: a GPU kernel (Philox) per step, like BoxSampler. */
  private ballTimeSampler(): { params: GPUBuffer; encode: PassFn } {
    const { lo, hi } = this.problem.domain;
    const d = this.problem.dim;
    const n = d - 1;
    if (n < 1 || lo.slice(0, n).some((l, j) => Math.abs(hi[j] - l - (hi[0] - lo[0])) > 1e-12)) {
      throw new InputError(`${this.problem.id}: a 'ball-time' domain needs at least one space axis, all of equal width (a cube around the ball)`);
    }
    const center = lo.map((l, j) => (j < n ? (l + hi[j]) / 2 : 0));
    const params = this.device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const encode = kernelPass(
      this.device,
      'sample_ball_time',
      { D: d, RADIUS: wgslFloat((hi[0] - lo[0]) / 2), T_LO: wgslFloat(lo[n]), T_HI: wgslFloat(hi[n]), CENTER: center.map((v) => wgslFloat(v)).join(', ') },
      [this.buffer, params],
      Math.ceil(this.count / 64),
    );
    return { params, encode };
  }

  /** Draw the points of sampling stream `stream` (GPU Philox, or uploaded quasi-random or redrawn points). */
  encode(pass: GPUComputePassEncoder, stream: number): void {
    // adaptive sampling (RAD) writes this term's points itself
    if (this.adaptive) return;
    const { seed } = this.settings;
    const every = this.settings.resampleEvery ?? 1;
    const pointStream = every <= 0 ? 0 : Math.floor(stream / every);
    this.box?.encode(pass, this.count, seed, pointStream);
    if (this.ball) {
      this.device.queue.writeBuffer(this.ball.params, 0, new Uint32Array([this.count, pointStream >>> 0, seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0]));
      this.ball.encode(pass);
    }
    const d = this.problem.dim;
    if (this.term.redraw && every > 0) {
      const pts = Float32Array.from(this.term.redraw(redrawSeed(seed, pointStream, this.index)).flat());
      if (pts.length !== this.count * d) throw new Error(`${this.term.name}: redraw gave ${pts.length / d} points, expected ${this.count}`);
      this.device.queue.writeBuffer(this.buffer, 0, pts);
    }
    if (this.host) {
      const { lo, hi } = this.problem.domain;
      const pts = samplePoints(this.host, this.count, d, lo, hi, seed, pointStream);
      this.device.queue.writeBuffer(this.buffer, 0, pts.buffer as ArrayBuffer, pts.byteOffset, pts.byteLength);
    }
  }

  destroy(): void {
    this.buffer.destroy();
    this.ball?.params.destroy();
  }
}
