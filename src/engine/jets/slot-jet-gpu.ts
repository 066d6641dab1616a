/**
 * Slot jets on the GPU: c_0..c_n of N(x + Σ_o v_o t^o) for a batch of rows, each with its own
 * point and slot tangents (./jet-slots.ts reads mixed partials from them). A TaylorJetForward
 * whose first layer reads whole input jets [row][n+1][d] (its `inputJets` option): the point
 * at order 0 and the tangent of slot o at order o; with `savePreActivations` its
 * TaylorJetBackward gives the parameter gradient of a loss on them.
 */
import { InputError } from '../errors';
import { createStorageBuffer, readBuffer } from '../gpu/gpu';
import type { GpuMlp } from '../model/gpu-mlp';
import { MAX_SLOT_JET_ORDER, TaylorJetForward } from './taylor-jet';

export class SlotJetForward {
  readonly input: GPUBuffer;
  readonly jet: TaylorJetForward;

  constructor(
    readonly device: GPUDevice,
    readonly net: GpuMlp,
    /** Jet order n. */
    readonly order: number,
    readonly maxRows: number,
    savePreActivations = false,
  ) {
    if (!Number.isInteger(order) || order < 1 || order > MAX_SLOT_JET_ORDER) throw new InputError(`a slot jet's order must be an integer from 1 to ${MAX_SLOT_JET_ORDER}, got ${order}`);
    this.input = createStorageBuffer(device, maxRows * (order + 1) * net.mlp.inputDim * 4, 'slot jet inputs');
    this.jet = new TaylorJetForward(device, net, { order, maxBatch: maxRows, sharedDirection: true, savePreActivations, inputJets: this.input });
  }

  /**
   * The input jets [row][n+1][d] of rows with points [row][d] and, per row, slot tangents as
   * coordinates (slots[o − 1] = c: e_c at order o; null: zero), as jet-slots.ts lays them out.
   */
  inputJets(points: ArrayLike<number>, slots: readonly (readonly (number | null)[])[]): Float32Array<ArrayBuffer> {
    const d = this.net.mlp.inputDim;
    const n1 = this.order + 1;
    const out = new Float32Array(slots.length * n1 * d);
    slots.forEach((row, r) => {
      for (let j = 0; j < d; j++) out[r * n1 * d + j] = points[r * d + j];
      row.forEach((c, o) => {
        if (c === null) return;
        if (o + 1 > this.order) throw new InputError(`slot ${o + 1} is past the jet order ${this.order}`);
        out[(r * n1 + o + 1) * d + c] = 1;
      });
    });
    return out;
  }

  /** Run on input jets [rows][n+1][d]; returns the network's c_0..c_n per row, [rows][n+1]. */
  async run(inputs: Float32Array<ArrayBuffer>): Promise<Float32Array> {
    const n1 = this.order + 1;
    const rows = inputs.length / (n1 * this.net.mlp.inputDim);
    if (!Number.isInteger(rows) || rows < 1 || rows > this.maxRows) throw new InputError(`slot jet inputs must hold 1 to ${this.maxRows} rows of ${n1} x ${this.net.mlp.inputDim}`);
    this.device.queue.writeBuffer(this.input, 0, inputs);
    this.jet.setBatch(rows);
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    this.jet.encode(pass);
    pass.end();
    this.device.queue.submit([enc.finish()]);
    return readBuffer(this.device, this.jet.output, rows * n1 * 4);
  }

  destroy(): void {
    this.jet.destroy();
    this.input.destroy();
  }
}
