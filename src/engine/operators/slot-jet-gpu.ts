/**
 * Slot jets on the GPU: c_0..c_n of N(x + Σ_o v_o t^o) for a batch of rows, each with its own
 * point and slot tangents (./jet-slots.ts reads mixed partials from them). It reuses the
 * Taylor-jet layer kernel (shaders/taylor_jet_layer.wgsl) with every layer, the first
 * included, fed whole input jets [row][n+1][in] (FIRST = 0): the first layer's input jet is
 * the point at order 0 and the tangent of slot o at order o. TaylorJetForward's first layer
 * takes only x and one direction, so this builds its own pipelines from the same template.
 */
import { InputError } from '../errors';
import { createStorageBuffer, preferredKernels, readBuffer } from '../gpu';
import type { GpuMlp } from '../gpu-mlp';
import { expandIncludes, fillTemplate } from '../shaders';
import { chooseTiling } from '../taylor-jet';

const ACT = { identity: 0, tanh: 1, sin: 2 } as const;

export class SlotJetForward {
  readonly input: GPUBuffer;
  private readonly outputs: GPUBuffer[] = [];
  private readonly owned: GPUBuffer[] = [];
  private readonly passes: ((pass: GPUComputePassEncoder, rows: number) => void)[] = [];
  private readonly dims: GPUBuffer;

  constructor(
    readonly device: GPUDevice,
    readonly net: GpuMlp,
    /** Jet order n. */
    readonly order: number,
    readonly maxRows: number,
  ) {
    if (!Number.isInteger(order) || order < 1 || order > 64) throw new InputError(`a slot jet's order must be an integer from 1 to 64, got ${order}`);
    const mlp = net.mlp;
    const n1 = order + 1;
    const direct = preferredKernels(device) === 'direct';
    this.input = this.own(createStorageBuffer(device, maxRows * n1 * mlp.inputDim * 4, 'slot jet inputs'));
    this.dims = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.owned.push(this.dims);
    const unusedRead = this.own(createStorageBuffer(device, 16, 'unused read binding'));
    const unusedWrite = this.own(createStorageBuffer(device, 16, 'unused write binding'));
    mlp.layers.forEach((L, l) => {
      const last = l === mlp.layers.length - 1;
      const tiling = chooseTiling(L.outDim, n1, device.limits.maxComputeWorkgroupStorageSize);
      const known: Record<string, number | string> = {
        N1: n1,
        KIN: n1,
        IN: L.inDim,
        OUT: L.outDim,
        TM: tiling.tm,
        TP: tiling.tp,
        TK: tiling.tk,
        ACT: last ? ACT.identity : ACT[mlp.activation],
        FIRST: 0,
        SAVE_PRE: 0,
        DIRECT: direct ? 1 : 0,
        W_OFF: L.weightOffset,
        B_OFF: L.biasOffset,
        JET: 'f32',
      };
      // pass exactly the parameters the template names (the shared includes may add or drop some)
      const wanted = new Set([...expandIncludes('taylor_jet_layer').matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]));
      const missing = [...wanted].filter((k) => !(k in known));
      if (missing.length > 0) throw new Error(`taylor_jet_layer asks for template parameters this module does not know: ${missing.join(', ')}`);
      const code = fillTemplate('taylor_jet_layer', Object.fromEntries(Object.entries(known).filter(([k]) => wanted.has(k))));
      const module = device.createShaderModule({ label: `slot jet layer ${l + 1}`, code });
      const pipeline = device.createComputePipeline({ label: `slot jet layer ${l + 1}`, layout: 'auto', compute: { module, entryPoint: 'main' } });
      const out = this.own(createStorageBuffer(device, maxRows * n1 * L.outDim * 4, `slot jets of layer ${l + 1}`));
      const inp = l === 0 ? this.input : this.outputs[l - 1];
      const bindGroup = device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [net.params, inp, unusedRead, out, unusedWrite, this.dims].map((buffer, binding) => ({ binding, resource: { buffer } })),
      });
      this.outputs.push(out);
      this.passes.push((pass, rows) => {
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindGroup);
        pass.dispatchWorkgroups(Math.ceil(L.outDim / tiling.tm), Math.ceil(rows / tiling.tp));
      });
    });
  }

  private own(b: GPUBuffer): GPUBuffer {
    this.owned.push(b);
    return b;
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
    this.device.queue.writeBuffer(this.dims, 0, new Uint32Array([rows, 0, 0, 0]));
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    this.passes.forEach((p) => p(pass, rows));
    pass.end();
    this.device.queue.submit([enc.finish()]);
    return readBuffer(this.device, this.outputs[this.outputs.length - 1], rows * n1 * 4);
  }

  destroy(): void {
    this.owned.forEach((b) => b.destroy());
  }
}
