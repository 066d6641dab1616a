import { createStorageBuffer } from '../gpu/gpu';
import { bindBuffers, computePipeline } from '../gpu/kernels';

export interface AdamOptions {
  beta1: number;
  beta2: number;
  eps: number;
}

export const ADAM_DEFAULTS: AdamOptions = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/** A learning-rate multiplier for the first `count` parameters (a parameter group, e.g. the first layer's weights). */
export interface LeadingLrScale {
  count: number;
  scale: number;
}

/** What a trainer steps its network with: Adam, or Adam on a reparametrization (rwf.ts). */
export interface ParamOptimizer {
  readonly step: number;
  /** Record one update with learning rate `lr`. */
  encode(pass: GPUComputePassEncoder, lr: number): void;
  /** Copy the state aside; the returned function puts it back. */
  save(enc: GPUCommandEncoder): () => void;
  /** Clear the moments (after the parameters were set from outside). */
  reset(): void;
  destroy(): void;
}

/**
 * Adam on the GPU for a flat parameter buffer and a gradient buffer of the same
 * layout (what TaylorJetBackward writes). The moments live on the GPU; a step
 * uploads only its 32-byte hyper-parameter block, nothing is read back.
 */
export class Adam implements ParamOptimizer {
  readonly m: GPUBuffer;
  readonly v: GPUBuffer;
  private readonly hyper: GPUBuffer;
  private readonly pipeline: GPUComputePipeline;
  private readonly bindGroup: GPUBindGroup;
  private t = 0;

  constructor(
    readonly device: GPUDevice,
    readonly params: GPUBuffer,
    readonly grads: GPUBuffer,
    readonly count: number,
    readonly options: AdamOptions = ADAM_DEFAULTS,
    readonly leading: LeadingLrScale = { count: 0, scale: 1 },
  ) {
    if (!(leading.scale > 0) || !Number.isInteger(leading.count) || leading.count < 0 || leading.count > count) throw new RangeError(`Adam: a learning-rate scale needs a positive factor and 0..${count} leading parameters (got ${leading.scale} for ${leading.count})`);
    this.m = createStorageBuffer(device, count * 4, 'Adam first moment');
    this.v = createStorageBuffer(device, count * 4, 'Adam second moment');
    this.hyper = device.createBuffer({ size: 48, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.pipeline = computePipeline(device, { shader: 'adam_step' });
    this.bindGroup = bindBuffers(device, this.pipeline, [params, grads, this.m, this.v, this.hyper]);
  }

  get step(): number {
    return this.t;
  }

  /** Copy the moments and the step counter aside; the returned function puts them back. */
  save(enc: GPUCommandEncoder): () => void {
    const m = this.device.createBuffer({ size: this.m.size, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    const v = this.device.createBuffer({ size: this.v.size, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    enc.copyBufferToBuffer(this.m, 0, m, 0, m.size);
    enc.copyBufferToBuffer(this.v, 0, v, 0, v.size);
    const t = this.t;
    return () => {
      const back = this.device.createCommandEncoder();
      back.copyBufferToBuffer(m, 0, this.m, 0, m.size);
      back.copyBufferToBuffer(v, 0, this.v, 0, v.size);
      this.device.queue.submit([back.finish()]);
      this.t = t;
      m.destroy();
      v.destroy();
    };
  }

  /** Record one update with learning rate `lr` (bias corrections in f64 here). */
  encode(pass: GPUComputePassEncoder, lr: number): void {
    this.t++;
    const { beta1, beta2, eps } = this.options;
    const data = new ArrayBuffer(48);
    new Float32Array(data, 0, 6).set([lr, beta1, beta2, eps, 1 - beta1 ** this.t, 1 - beta2 ** this.t]);
    new Uint32Array(data, 24, 2).set([this.count, this.leading.count]);
    new Float32Array(data, 32, 1)[0] = this.leading.scale;
    this.device.queue.writeBuffer(this.hyper, 0, data);
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bindGroup);
    pass.dispatchWorkgroups(Math.ceil(this.count / 256));
  }

  reset(): void {
    this.t = 0;
    const zeros = new Float32Array(this.count);
    this.device.queue.writeBuffer(this.m, 0, zeros);
    this.device.queue.writeBuffer(this.v, 0, zeros);
  }

  destroy(): void {
    this.m.destroy();
    this.v.destroy();
    this.hyper.destroy();
  }
}
