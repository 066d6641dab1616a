/**
 * GPU side of the stacked-AD engine: pipeline cache, a buffer pool (an eager
 * framework's caching allocator), and one command encoder per step so a whole
 * step is one submit with no read-backs.
 */
import { checkStorageBuffer } from '../gpu';
import { fillTemplate } from '../shaders';

export class AdContext {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly free = new Map<number, GPUBuffer[]>();
  private readonly uniformFree: GPUBuffer[] = [];
  private readonly inUse: GPUBuffer[] = [];
  private readonly uniformsInUse: GPUBuffer[] = [];
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  /** Operations recorded into autodiff graphs since the last resetCounters(). */
  recordedOps = 0;
  /** Kernel launches since the last resetCounters(). */
  dispatches = 0;
  bytesInUse = 0;
  peakBytes = 0;
  /** Bytes of buffers held by the pool (allocated once, reused). */
  pooledBytes = 0;

  constructor(readonly device: GPUDevice) {}

  pipeline(shader: string, params: Record<string, number | string>): GPUComputePipeline {
    const key = shader + JSON.stringify(params);
    let p = this.pipelines.get(key);
    if (!p) {
      this.device.pushErrorScope('validation');
      const module = this.device.createShaderModule({ label: key, code: fillTemplate(shader, params) });
      p = this.device.createComputePipeline({ label: key, layout: 'auto', compute: { module, entryPoint: 'main' } });
      // a broken kernel is a bug: make it loud instead of silently computing nothing
      void this.device.popErrorScope().then((e) => {
        if (e) throw new Error(`autodiff kernel ${key} failed to compile: ${e.message}`);
      });
      this.pipelines.set(key, p);
    }
    return p;
  }

  /** A storage buffer of at least `floats` f32 from the pool (sizes rounded to powers of two, as caching allocators do). */
  allocate(floats: number): GPUBuffer {
    const bytes = Math.max(256, 2 ** Math.ceil(Math.log2(Math.max(1, floats) * 4)));
    const list = this.free.get(bytes);
    let buf = list?.pop();
    if (!buf) {
      checkStorageBuffer(this.device, bytes, `an autodiff tensor of ${floats} numbers`);
      buf = this.device.createBuffer({
        size: bytes,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
      this.pooledBytes += bytes;
    }
    this.inUse.push(buf);
    this.bytesInUse += bytes;
    this.peakBytes = Math.max(this.peakBytes, this.bytesInUse);
    return buf;
  }

  uniform(data: ArrayBuffer): GPUBuffer {
    const buf =
      this.uniformFree.pop() ?? this.device.createBuffer({ size: 48, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.device.queue.writeBuffer(buf, 0, data);
    this.uniformsInUse.push(buf);
    return buf;
  }

  /** Descriptor for the next compute pass (benchmarks set timestamp writes here). */
  passDescriptor: GPUComputePassDescriptor | undefined;
  /** Called on the encoder after the pass ends, before submit (benchmarks resolve timestamps here). */
  beforeSubmit: ((enc: GPUCommandEncoder) => void) | undefined;

  computePass(): GPUComputePassEncoder {
    if (!this.pass) {
      this.encoder = this.device.createCommandEncoder();
      this.pass = this.encoder.beginComputePass(this.passDescriptor);
    }
    return this.pass;
  }

  dispatch(pipeline: GPUComputePipeline, buffers: GPUBuffer[], workgroups: number): void {
    const pass = this.computePass();
    const bindGroup = this.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    const maxX = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (workgroups <= maxX) pass.dispatchWorkgroups(workgroups);
    else pass.dispatchWorkgroups(maxX, Math.ceil(workgroups / maxX));
    this.dispatches++;
  }

  dispatch2d(pipeline: GPUComputePipeline, buffers: GPUBuffer[], x: number, y: number): void {
    const pass = this.computePass();
    const bindGroup = this.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y);
    this.dispatches++;
  }

  /** Submit everything recorded so far. */
  flush(): void {
    if (this.pass && this.encoder) {
      this.pass.end();
      this.beforeSubmit?.(this.encoder);
      this.device.queue.submit([this.encoder.finish()]);
    }
    this.pass = null;
    this.encoder = null;
  }

  /** Return every tensor buffer to the pool (end of a step: nothing of it is referenced any more). */
  releaseAll(): void {
    this.flush();
    for (const b of this.inUse) {
      const list = this.free.get(b.size) ?? [];
      list.push(b);
      this.free.set(b.size, list);
    }
    this.inUse.length = 0;
    for (const u of this.uniformsInUse) this.uniformFree.push(u);
    this.uniformsInUse.length = 0;
    this.bytesInUse = 0;
  }

  resetCounters(): void {
    this.recordedOps = 0;
    this.dispatches = 0;
    this.peakBytes = this.bytesInUse;
  }

  destroy(): void {
    this.releaseAll();
    for (const list of this.free.values()) list.forEach((b) => b.destroy());
    this.uniformFree.forEach((b) => b.destroy());
    this.free.clear();
  }
}
