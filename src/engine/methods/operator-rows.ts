/**
 * A loss term with an operator Σ_t c_t ∂^{α_t}u among its derivatives (DerivativeSpec.operator),
 * for the trainer: every derivative of the term is read from one batch of slot jets
 * (../operators/jet-slots.ts), a row per (point, jet):
 *
 * - a plain derivative along v: one row per point, v at order 1 (an ordinary Taylor jet);
 * - an operator, exact (method taylor): one row per point and term, the term's slot layout,
 *   weight c_t / C_t at its read order n_t;
 * - an operator sampled term by term (method stde): B rows per point, each with a term drawn with
 *   probability |c_t| / Σ|c| every step, weight sign(c_t) Σ|c| / (B C_t): an unbiased estimate.
 *
 * With the unbiased loss (STDE) each operator's draws split in two halves, each its own estimate
 * (weight doubled), in loss blocks j and j + J; a plain derivative is copied into both.
 *
 * All rows run at one jet order (the largest needed). The gather kernel writes the loss kernel's
 * packed blocks (a plain derivative's coefficients, or L u at c_0 of the operator's block); the
 * scatter kernel maps their adjoints back onto the rows for TaylorJetBackward, whose first
 * layer sees the whole input jets.
 */
import { InputError } from '../errors';
import { createStorageBuffer } from '../gpu/gpu';
import type { GpuMlp } from '../model/gpu-mlp';
import { TermSampler } from '../jets/jet-slots';
import type { LossTerm } from '../problems/types';
import { Rng } from '../sampling/rng';
import { MAX_SLOT_JET_ORDER, TaylorJetForward } from '../jets/taylor-jet';
import { TaylorJetBackward } from '../jets/taylor-jet-backward';
import { kernelPass } from '../gpu/kernels';
import { coefficientBuffers, type MethodEnv, type TermPlan, type TermStages } from './method';

type Pass = (pass: GPUComputePassEncoder) => void;
type PassMaker = (shader: string, params: Record<string, number>, buffers: GPUBuffer[], workgroups: number) => Pass;

/** A loss block's rows: `count` consecutive row blocks from `start`; an operator's sampler, or null for a plain direction. */
interface BlockRows {
  start: number;
  rowBlocks: number;
  sampler: TermSampler | null;
}

export interface OperatorRowsSetup {
  device: GPUDevice;
  net: GpuMlp;
  term: LossTerm;
  dim: number;
  count: number;
  /** The term's points [count][d]. */
  points: GPUBuffer;
  /** From termDirections: the loss blocks' directions and, per derivative, the block it reads. */
  directions: Float32Array[];
  dirOf: number[];
  /** The loss kernel's packed blocks and their adjoints ([J][chunk]: point p's WIDTH coefficients at p · width). */
  blocks: GPUBuffer;
  adjoints: GPUBuffer;
  width: number;
  chunk: number;
  /** The network's gradient (accumulated into). */
  grad: GPUBuffer;
  /** Terms drawn per point and operator every step (STDE); absent: every term once (exact). */
  sample?: number;
  /**
   * Unbiased loss (STDE, even `sample`): the loss blocks J..2J−1 get each operator's estimate
   * from the second half of its draws (the first half fills blocks 0..J−1) and a copy of each
   * plain derivative, for the loss kernel's r_A r_B (JetLayout.split).
   */
  split?: boolean;
  makePass: PassMaker;
  /** Refuses a batch of this many rows at this jet order when the device cannot dispatch it. */
  checkRows: (rows: number, n1: number) => void;
}

export class OperatorRows {
  readonly jet: TaylorJetForward;
  readonly backward: TaylorJetBackward;
  readonly before: Pass[];
  readonly after: Pass[];
  readonly owned: GPUBuffer[] = [];
  /** The jet order every row runs at. */
  readonly order: number;
  readonly rows: number;
  /** Whether terms are drawn anew every step (STDE). */
  readonly random: boolean;
  /** Two estimates per operator from the halves of its draws (the unbiased loss). */
  readonly split: boolean;
  private readonly blockRows: BlockRows[];
  private readonly slots: Int32Array<ArrayBuffer>;
  private readonly reads: Uint32Array<ArrayBuffer>;
  private readonly weights: Float32Array<ArrayBuffer>;
  private readonly slotBuf: GPUBuffer;
  private readonly readBuf: GPUBuffer;
  private readonly weightBuf: GPUBuffer;

  constructor(readonly setup: OperatorRowsSetup) {
    const { device, term, dim: d, count, directions, dirOf, sample } = setup;
    if (sample !== undefined && !(Number.isInteger(sample) && sample >= 1)) throw new InputError(`an operator's sampled terms per point must be a positive integer, got ${sample}`);
    const split = setup.split === true;
    if (split && (sample === undefined || sample % 2 !== 0)) throw new InputError(`the unbiased loss splits an operator's drawn terms in two halves: the random batch must be even, got ${sample ?? 'every term'}`);
    this.random = sample !== undefined;
    this.split = split;
    // each loss block: a plain direction (one row block) or an operator (a row block per term or per draw)
    const specOf = directions.map((_, j) => term.derivatives.find((_, i) => dirOf[i] === j)!);
    let start = 0;
    this.blockRows = specOf.map((s) => {
      const sampler = s.operator ? new TermSampler(s.operator) : null;
      const rowBlocks = sampler ? (sample ?? sampler.terms.length) : 1;
      const b = { start, rowBlocks, sampler };
      start += rowBlocks;
      return b;
    });
    const rowBlocks = start;
    this.rows = rowBlocks * count;
    const plainOrder = Math.max(0, ...term.derivatives.filter((s) => !s.operator).map((s) => s.order));
    const slotOrder = Math.max(...this.blockRows.flatMap((b) => b.sampler?.layouts.map((L) => L.order) ?? []));
    this.order = Math.max(1, plainOrder, slotOrder);
    if (this.order > MAX_SLOT_JET_ORDER) throw new InputError(`${term.name}: a slot jet of order ${this.order} is past the largest the kernels run (${MAX_SLOT_JET_ORDER})`);
    const N = this.order;
    const n1 = N + 1;
    setup.checkRows(this.rows, n1);
    this.slots = new Int32Array(this.rows * N).fill(-1);
    this.reads = new Uint32Array(this.rows);
    this.weights = new Float32Array(this.rows);
    this.blockRows.forEach((b, j) => {
      if (!b.sampler) {
        for (let p = 0; p < count; p++) this.slots[(b.start * count + p) * N] = -2 - j;
      } else if (!this.random) {
        // exact: row block t holds term t for every point
        b.sampler.terms.forEach((_, t) => {
          for (let p = 0; p < count; p++) this.setRow((b.start + t) * count + p, b.sampler!, t, b.sampler!.terms[t].coefficient);
        });
      }
    });
    const own = (buf: GPUBuffer) => {
      this.owned.push(buf);
      return buf;
    };
    const input = own(createStorageBuffer(device, this.rows * n1 * d * 4, `${term.name}: slot-jet inputs (${this.rows} rows of order ${N} in ${d} dimensions; fewer points${this.random ? ' or a smaller --rand-batch' : ', or --method stde'} fit)`));
    this.slotBuf = own(createStorageBuffer(device, this.slots.byteLength, `${term.name}: slot codes`));
    this.readBuf = own(createStorageBuffer(device, this.reads.byteLength, `${term.name}: read orders`));
    this.weightBuf = own(createStorageBuffer(device, this.weights.byteLength, `${term.name}: row weights`));
    const dirBuf = own(createStorageBuffer(device, directions.length * d * 4, `${term.name}: directions`));
    device.queue.writeBuffer(dirBuf, 0, Float32Array.from(directions.flatMap((v) => Array.from(v))));
    // per loss block (start, row blocks, kind); then per row block the loss blocks it feeds (two for a plain derivative's copy)
    const J = directions.length;
    const lossBlocks = split ? 2 * J : J;
    const NONE = 0xffffffff;
    const info = new Uint32Array(3 * lossBlocks + 2 * rowBlocks).fill(NONE, 3 * lossBlocks);
    this.blockRows.forEach((b, j) => {
      const half = split && b.sampler ? b.rowBlocks / 2 : b.rowBlocks;
      info.set([b.start, half, b.sampler ? 1 : 0], 3 * j);
      if (split) info.set(b.sampler ? [b.start + half, half, 1] : [b.start, 1, 0], 3 * (j + J));
      for (let r = 0; r < b.rowBlocks; r++) {
        const at = 3 * lossBlocks + 2 * (b.start + r);
        if (!split) info[at] = j;
        else if (b.sampler) info[at] = r < half ? j : j + J;
        else info.set([j, j + J], at);
      }
    });
    const infoBuf = own(createStorageBuffer(device, info.byteLength, `${term.name}: block rows`));
    device.queue.writeBuffer(infoBuf, 0, info);
    this.upload();
    const adjOut = own(createStorageBuffer(device, this.rows * n1 * 4, `${term.name}: slot-jet adjoints`));
    this.jet = new TaylorJetForward(device, setup.net, { order: N, maxBatch: this.rows, sharedDirection: true, savePreActivations: true, inputJets: input });
    this.jet.setBatch(this.rows);
    this.backward = new TaylorJetBackward(this.jet, adjOut, setup.grad, true);
    const shape = { N1: n1, COUNT: count, J: lossBlocks, WIDTH: setup.width, CHUNK: setup.chunk };
    const inputPass = setup.makePass('operator_input', { D: d, N, COUNT: count, ROWS: this.rows }, [setup.points, this.slotBuf, dirBuf, input], Math.ceil((this.rows * d) / 64));
    const gather = setup.makePass('operator_gather', shape, [this.jet.output, this.readBuf, this.weightBuf, infoBuf, setup.blocks], Math.ceil((lossBlocks * count) / 64));
    const scatter = setup.makePass('operator_scatter', { ...shape, ROWS: this.rows }, [setup.adjoints, this.readBuf, this.weightBuf, infoBuf, adjOut], Math.ceil(this.rows / 64));
    this.before = [inputPass, (pass) => this.jet.encode(pass), gather];
    this.after = [scatter, (pass) => this.backward.encode(pass)];
  }

  /** Row r reads term t of the sampler with the given estimate weight (c_t exact, ± Σ|c| / B drawn). */
  private setRow(r: number, sampler: TermSampler, t: number, weight: number): void {
    const L = sampler.layouts[t];
    const N = this.order;
    this.slots.fill(-1, r * N, (r + 1) * N);
    L.slots.forEach((c, o) => {
      if (c !== null) this.slots[r * N + o] = c;
    });
    this.reads[r] = L.order;
    this.weights[r] = weight / L.constant;
  }

  private upload(): void {
    const q = this.setup.device.queue;
    q.writeBuffer(this.slotBuf, 0, this.slots);
    q.writeBuffer(this.readBuf, 0, this.reads);
    q.writeBuffer(this.weightBuf, 0, this.weights);
  }

  /** STDE: draw every operator's terms for sampling stream `stream` (seeded: a run reproduces). */
  draw(seed: number, stream: number, termIndex: number): void {
    if (!this.random) return;
    const rng = new Rng((Math.imul(seed + 1, 0x27d4eb2f) ^ Math.imul(stream + 1, 0x165667b1) ^ (termIndex + 0x51ed27)) >>> 0);
    const { count } = this.setup;
    for (const b of this.blockRows) {
      if (!b.sampler) continue;
      const s = b.sampler;
      for (let k = 0; k < b.rowBlocks; k++) {
        for (let p = 0; p < count; p++) {
          const t = s.pick(rng.uniform());
          // each estimate averages its own draws: all of them, or a half under the unbiased loss
          this.setRow((b.start + k) * count + p, s, t, (Math.sign(s.terms[t].coefficient) * s.total) / (this.split ? b.rowBlocks / 2 : b.rowBlocks));
        }
      }
    }
    this.upload();
  }

  destroy(): void {
    this.jet.destroy();
    this.backward.destroy();
    this.owned.forEach((b) => b.destroy());
  }
}

/**
 * A term with an operator, for methods that read it from slot jets (taylor, and stde with
 * `sample` terms drawn per point): the rows' stages filling the term's packed blocks.
 */
export function operatorStages(env: MethodEnv, plan: TermPlan, sample?: number): TermStages {
  const { device, net, grad, problem } = env;
  const { inputs, adjoints } = coefficientBuffers(device, plan);
  const rows = new OperatorRows({
    device,
    net,
    term: plan.term,
    dim: problem.dim,
    count: plan.count,
    points: plan.points,
    directions: plan.directions,
    dirOf: plan.dirOf,
    blocks: inputs[0],
    adjoints: adjoints[0],
    width: plan.width,
    chunk: plan.chunk,
    grad,
    sample,
    split: plan.split,
    makePass: (shader, params, buffers, workgroups) => kernelPass(device, shader, params, buffers, workgroups),
    checkRows: (r, n1) => env.checkJetRows(plan.term, r, n1),
  });
  return {
    inputs,
    adjoints,
    before: rows.before,
    after: rows.after,
    owned: [...inputs, ...adjoints, ...rows.owned],
    jets: [rows.jet],
    backwards: [rows.backward],
    draw: rows.random ? (seed, stream) => rows.draw(seed, stream, plan.runtimeIndex) : undefined,
    randomDirections: rows.random,
  };
}
