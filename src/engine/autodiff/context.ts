/**
 * GPU side of the stacked-AD engine, built to keep the per-op cost of an eager
 * framework low: a pipeline cache, a buffer pool (a caching allocator), the ops'
 * small parameter blocks staged on the CPU and uploaded with one write per submit
 * (bound with dynamic offsets), bind groups cached by their buffers (with pooled
 * buffers a repeated step reuses them all), and one compute pass per step, so a
 * whole step is one submit with no read-backs.
 */
import { InputError } from '../errors';
import { checkStorageBuffer, preferredKernels, type KernelFamily } from '../gpu/gpu';
import { computePipeline, gridSize } from '../gpu/kernels';

/** Bytes per op parameter block; dynamic uniform offsets must be multiples of 256. */
const SLOT = 256;
const SLOTS_PER_CHUNK = 4096;
const PARAM_BYTES = 48;

/** Binding shapes of the autodiff kernels: inputs (read-only storage), one output, then the op parameters. */
export type KernelShape = 'in1' | 'in2';

/** The memory stacked AD's buffers may take on one context: 2 GiB. */
export const AD_MEMORY_BUDGET = 2 * 2 ** 30;

/** The most operations the autodiff graphs alive at once may record (each holds JS objects and a uniform slot): 10^6. */
export const AD_GRAPH_BUDGET = 1_000_000;

/** An autodiff graph needs more memory (bytes of buffers, or recorded operations) than its context's budget. */
export class AdMemoryBudgetError extends InputError {
  constructor(
    readonly requested: number,
    readonly budget: number,
    readonly unit: 'bytes' | 'operations' = 'bytes',
    message?: string,
  ) {
    const amount = (n: number) => (unit === 'bytes' ? `${(n / 2 ** 30).toFixed(2)} GiB` : `${n.toExponential(1)} operations`);
    super(message ?? `stacked AD's graph passed its budget of ${amount(budget)} (at ${amount(requested)}): lower the order, the batch or the width`);
    this.name = 'AdMemoryBudgetError';
  }
}

/**
 * Kernel family. 'tiled' (GPUs): matmuls pick by shape between workgroup tiles and one thread
 * per output; element-wise ops one thread per element. 'vec4' (CPU adapters): where shapes and
 * offsets are multiples of 4, matmuls block 4x4 outputs per thread and element-wise ops four
 * row neighbours, read as vec4; elsewhere one thread per output (never tiles: barriers are dear there).
 */
export type AdKernels = Exclude<KernelFamily, 'direct'>;

export class AdContext {
  /** Pipelines by op key: an op finds its pipeline without filling the template (computePipeline creates and caches them). */
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly layouts: Record<KernelShape, GPUBindGroupLayout>;
  private readonly pipelineLayouts: Record<KernelShape, GPUPipelineLayout>;
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  private readonly bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 1;
  private readonly free = new Map<number, GPUBuffer[]>();
  private readonly inUse: GPUBuffer[] = [];
  private readonly uniformChunks: GPUBuffer[] = [];
  private readonly staging = new ArrayBuffer(SLOT * SLOTS_PER_CHUNK);
  private stagedChunks: ArrayBuffer[] = [];
  private slot = 0;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  /** Operations recorded into autodiff graphs since the last resetCounters(). */
  recordedOps = 0;
  /** Kernel launches since the last resetCounters(). */
  dispatches = 0;
  bytesInUse = 0;
  peakBytes = 0;
  /** The most bytes the pool may hold (AD_MEMORY_BUDGET unless set). */
  budgetBytes = AD_MEMORY_BUDGET;
  /** The most operations the graphs alive at once may hold (AD_GRAPH_BUDGET unless set). */
  budgetOps = AD_GRAPH_BUDGET;
  /** Operations recorded since the last releaseAll (the graphs alive now). */
  private graphOps = 0;

  /** One more recorded operation: past the budget (a nested graph about 3x larger per order) it stops. */
  countGraphOp(): void {
    if (++this.graphOps > this.budgetOps) {
      const ops = this.graphOps;
      this.graphOps = 0;
      throw new AdMemoryBudgetError(ops, this.budgetOps, 'operations');
    }
  }
  /** Bytes of buffers held by the pool (allocated once, reused). */
  pooledBytes = 0;
  /** Descriptor for the next compute pass (benchmarks set timestamp writes here). */
  passDescriptor: GPUComputePassDescriptor | undefined;
  /** Called on the encoder after the pass ends, before submit (benchmarks resolve timestamps here). */
  beforeSubmit: ((enc: GPUCommandEncoder) => void) | undefined;

  /** Kernel family; default: 'vec4' on CPU adapters (see preferredKernels), else 'tiled'. */
  readonly kernels: AdKernels;

  constructor(
    readonly device: GPUDevice,
    options: { kernels?: AdKernels } = {},
  ) {
    this.kernels = options.kernels ?? preferredKernels(device);
    const storage = (type: GPUBufferBindingType) => ({ visibility: GPUShaderStage.COMPUTE, buffer: { type } });
    const params = { visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' as const, hasDynamicOffset: true, minBindingSize: PARAM_BYTES } };
    const entries = (inputs: number) =>
      [...Array.from({ length: inputs }, () => storage('read-only-storage')), storage('storage'), params].map((e, binding) => ({ binding, ...e }));
    this.layouts = {
      in1: device.createBindGroupLayout({ label: 'autodiff 1-input', entries: entries(1) }),
      in2: device.createBindGroupLayout({ label: 'autodiff 2-input', entries: entries(2) }),
    };
    this.pipelineLayouts = {
      in1: device.createPipelineLayout({ bindGroupLayouts: [this.layouts.in1] }),
      in2: device.createPipelineLayout({ bindGroupLayouts: [this.layouts.in2] }),
    };
  }

  /** The pipeline of a kernel template; `key` must identify shader and parameters. */
  pipeline(key: string, shape: KernelShape, shader: string, params: Record<string, number | string>): GPUComputePipeline {
    let p = this.pipelines.get(key);
    if (!p) {
      // a broken kernel is a bug: computePipeline reports it (ShaderCompileError, by file and line)
      p = computePipeline(this.device, { shader, params, layout: this.pipelineLayouts[shape] });
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
      // a graph that grows past the budget (stacked AD's grows about 3x per order) stops here,
      // before it takes the machine's memory
      if (this.pooledBytes + bytes > this.budgetBytes) throw new AdMemoryBudgetError(this.pooledBytes + bytes, this.budgetBytes);
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

  computePass(): GPUComputePassEncoder {
    if (!this.pass) {
      this.encoder = this.device.createCommandEncoder();
      this.pass = this.encoder.beginComputePass(this.passDescriptor);
    }
    return this.pass;
  }

  /** Reserve the next parameter slot; returns the view to fill and where it lives. */
  params(): { u32: Uint32Array; f32: Float32Array; chunk: number; offset: number } {
    const chunk = Math.floor(this.slot / SLOTS_PER_CHUNK);
    const index = this.slot % SLOTS_PER_CHUNK;
    this.slot++;
    if (index === 0) this.stagedChunks.push(chunk === 0 ? this.staging : new ArrayBuffer(SLOT * SLOTS_PER_CHUNK));
    const buf = this.stagedChunks[chunk];
    return { u32: new Uint32Array(buf, index * SLOT, PARAM_BYTES / 4), f32: new Float32Array(buf, index * SLOT, PARAM_BYTES / 4), chunk, offset: index * SLOT };
  }

  private uniformChunk(chunk: number): GPUBuffer {
    while (this.uniformChunks.length <= chunk) {
      this.uniformChunks.push(
        this.device.createBuffer({ label: 'autodiff op parameters', size: SLOT * SLOTS_PER_CHUNK, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }),
      );
    }
    return this.uniformChunks[chunk];
  }

  private id(buffer: GPUBuffer): number {
    let id = this.bufferIds.get(buffer);
    if (id === undefined) {
      id = this.nextBufferId++;
      this.bufferIds.set(buffer, id);
    }
    return id;
  }

  /** Launch `pipeline` on storage `buffers` (inputs, then the output) with the op parameters at `slot`. */
  dispatch(
    pipeline: GPUComputePipeline,
    shape: KernelShape,
    buffers: GPUBuffer[],
    slot: { chunk: number; offset: number },
    x: number,
    y = 1,
  ): void {
    const uniform = this.uniformChunk(slot.chunk);
    let key = shape;
    for (const b of buffers) key += ':' + this.id(b);
    key += ':' + slot.chunk;
    let bindGroup = this.bindGroups.get(key);
    if (!bindGroup) {
      bindGroup = this.device.createBindGroup({
        layout: this.layouts[shape],
        entries: [...buffers, uniform].map((buffer, binding) => ({
          binding,
          resource: binding === buffers.length ? { buffer, size: PARAM_BYTES } : { buffer },
        })),
      });
      this.bindGroups.set(key, bindGroup);
    }
    const pass = this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup, [slot.offset]);
    if (y === 1) pass.dispatchWorkgroups(...gridSize(this.device, x));
    else pass.dispatchWorkgroups(x, y);
    this.dispatches++;
  }

  /** Upload the staged op parameters and submit everything recorded so far. */
  flush(): void {
    if (this.pass && this.encoder) {
      this.pass.end();
      this.stagedChunks.forEach((data, chunk) => {
        const used = chunk === this.stagedChunks.length - 1 ? ((this.slot - 1) % SLOTS_PER_CHUNK) + 1 : SLOTS_PER_CHUNK;
        this.device.queue.writeBuffer(this.uniformChunk(chunk), 0, data, 0, used * SLOT);
      });
      this.beforeSubmit?.(this.encoder);
      this.device.queue.submit([this.encoder.finish()]);
    }
    // queue order makes the slots reusable: the next write lands after this submit has run
    this.slot = 0;
    this.stagedChunks = [];
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
    this.bytesInUse = 0;
    this.graphOps = 0;
  }

  resetCounters(): void {
    this.recordedOps = 0;
    this.dispatches = 0;
    this.peakBytes = this.bytesInUse;
  }

  destroy(): void {
    this.releaseAll();
    for (const list of this.free.values()) list.forEach((b) => b.destroy());
    this.uniformChunks.forEach((b) => b.destroy());
    this.free.clear();
    this.bindGroups.clear();
  }
}
