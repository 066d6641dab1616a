import { InputError, DeviceLimitError } from '../errors';
import { createStorageBuffer, preferredKernels, readBuffer, type KernelFamily } from '../gpu/gpu';
import { GpuMlp } from '../model/gpu-mlp';
import { unrolledJetActivation, unrollMarkedLoops } from './jet-unroll';
import { fillTemplate, shaderPath } from '../gpu/shaders';
import { bindBuffers, computePipeline, gridSize, type KernelParams } from '../gpu/kernels';
import { makeShaderDataDefinitions, makeStructuredView, type StructuredView } from 'webgpu-utils';

/** Highest derivative order the jet kernels are built for. */
export const MAX_JET_ORDER = 20;

/** Highest order of a slot jet (TaylorJetOptions.inputJets; past MAX_JET_ORDER with the scalar kernels). */
export const MAX_SLOT_JET_ORDER = 64;

const ACT_CODE = { identity: 0, tanh: 1, sin: 2 } as const;

export interface TaylorJetOptions {
  order: number;
  /** Largest number of points one call handles (buffers are sized for it). */
  maxBatch: number;
  /** One direction for all points (true) or one per point (false). */
  sharedDirection: boolean;
  /** Keep each layer's pre-activation jets (for the backward pass). */
  savePreActivations?: boolean;
  /** Kernel family; default: 'tiled' on GPUs, 'vec4' on CPU adapters (see preferredKernels). */
  kernels?: JetKernels;
  /** Points per thread of the vec4 kernels (default VEC4_POINTS). */
  vec4Points?: number;
  /** Read points from this buffer ([maxBatch][d], e.g. written by a sampler) instead of owning one. */
  pointsBuffer?: GPUBuffer;
  /**
   * Slot jets: the first layer reads whole input jets [maxBatch][n+1][d] from this buffer (the
   * point at order 0, the tangent of slot o at order o; see operators/jet-slots.ts) instead of
   * a point and one direction at order 1. Points and directions are then unused.
   */
  inputJets?: GPUBuffer;
}

/**
 * The kernel families (gpu.ts, KernelFamily). For jets 'vec4' blocks the layers whose shapes are
 * multiples of 4 as 4 neurons x vec4Points points per thread, order loops unrolled
 * (jet-unroll.ts); the other layers run the direct kernels (docs/BENCHMARKS.md has the timings).
 */
export type JetKernels = KernelFamily;


/** Default points per thread of the vec4 hidden layers and their input adjoint: each W load feeds that many. */
export const VEC4_POINTS = 4;

/** Whether a layer's shapes allow the vec4 kernels: vec4 views of W need W_OFF, IN and OUT multiples of 4. */
export function vec4Layer(inDim: number, outDim: number, weightOffset: number): boolean {
  return inDim % 4 === 0 && outDim % 4 === 0 && weightOffset % 4 === 0;
}

/** The first layer reads x and v as scalars: the vec4 kernel needs 4 neurons per thread and vec4 views of W and b. */
export function vec4FirstLayer(inDim: number, outDim: number, weightOffset: number): boolean {
  return outDim % 4 === 0 && weightOffset % 4 === 0 && (inDim * outDim) % 4 === 0;
}

export interface LayerTiling {
  tm: number;
  tp: number;
  tk: number;
}

/**
 * Workgroup tile for one layer: TM neurons x TP points (64 threads), and the
 * largest TK input neurons whose staged jets fit in workgroup memory.
 */
export function chooseTiling(outDim: number, kin: number, workgroupBytes: number): LayerTiling {
  let tm: number;
  if (outDim === 1) tm = 1;
  else if (outDim % 16 === 0) tm = 16;
  else if (outDim <= 4) tm = 4;
  else tm = 8;
  const tp = 64 / tm;
  const floats = Math.floor(workgroupBytes / 4);
  let tk = 32;
  while (tk > 1 && tp * kin * tk + tm * tk > floats) tk /= 2;
  if (tp * kin * tk + tm * tk > floats) {
    throw new DeviceLimitError('maxComputeWorkgroupStorageSize', (tp * kin + tm) * 4, workgroupBytes, `a jet of ${kin} orders`);
  }
  return { tm, tp, tk };
}

/**
 * taylorJetForward: all normalized Taylor coefficients c_0..c_n of t -> u(x + t v)
 * for a batch of points, every order in the same pass (n-TangentProp).
 * Output layout: [batch][n+1][outputDim]; the k-th derivative is k! c_k.
 */
export class TaylorJetForward {
  readonly order: number;
  readonly kernels: JetKernels;
  /** Points per thread of the vec4 hidden layers and of their input adjoint. */
  readonly vec4Points: number;
  /** True when the kernels read their operands directly (no workgroup tiles): 'direct' and 'vec4'. */
  readonly direct: boolean;
  /** The kernel each layer runs (for tests and benchmarks). */
  readonly layerKernels: ('tiled' | 'output' | 'direct' | 'vec4')[] = [];
  readonly points: GPUBuffer;
  readonly directions: GPUBuffer;
  /** Jets after each layer: [batch][n+1][width of that layer]; the last is the network output. */
  readonly layerOutputs: GPUBuffer[];
  readonly preActivations: GPUBuffer[];
  private readonly pipelines: GPUComputePipeline[];
  private readonly bindGroups: GPUBindGroup[];
  private readonly dims: GPUBuffer;
  private readonly unusedRead: GPUBuffer;
  /** A read-only binding for kernels that do not use one of their inputs (the backward's too). */
  get unusedInput(): GPUBuffer {
    return this.unusedRead;
  }
  private readonly unusedWrite: GPUBuffer;
  /** Per layer: its tile (tiled and direct kernels), or its threads per block of points (output and vec4 kernels). */
  private readonly grids: (LayerTiling | { threads: number; points: number })[];
  private batch = 0;
  /** The input embedding's jets [maxBatch][n+1][features] and its dispatch (a network with mlp.embedding). */
  readonly embedded: GPUBuffer | null = null;
  private embedStep: { pipeline: GPUComputePipeline; bindGroup: GPUBindGroup; tiling: LayerTiling } | null = null;
  /** The kernels' `dims` uniform, laid out from the WGSL struct itself. */
  private dimsView: StructuredView | null = null;

  constructor(
    readonly device: GPUDevice,
    readonly net: GpuMlp,
    readonly options: TaylorJetOptions,
  ) {
    const { order, maxBatch } = options;
    // slot jets read c_n / C (no n! to overflow): longer ones run the scalar kernels, whose loops are not unrolled
    const most = options.inputJets ? MAX_SLOT_JET_ORDER : MAX_JET_ORDER;
    if (!Number.isInteger(order) || order < 0 || order > most) {
      throw new InputError(`${options.inputJets ? "a slot jet's order" : 'derivative order'} must be an integer in [0, ${most}], got ${order}`);
    }
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new InputError(`batch must be a positive integer, got ${maxBatch}`);
    this.order = order;
    this.kernels = order > MAX_JET_ORDER && options.kernels !== 'tiled' ? 'direct' : (options.kernels ?? preferredKernels(device));
    this.direct = this.kernels !== 'tiled';
    this.vec4Points = options.vec4Points ?? VEC4_POINTS;
    const n1 = order + 1;
    const mlp = net.mlp;
    const d = mlp.inputDim;
    this.points = options.pointsBuffer ?? createStorageBuffer(device, maxBatch * d * 4, `points (${maxBatch} x ${d})`);
    this.directions = createStorageBuffer(
      device,
      (options.sharedDirection ? 1 : maxBatch) * d * 4,
      `directions (${options.sharedDirection ? 1 : maxBatch} x ${d})`,
    );
    this.dims = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    // bindings a layer does not use still need a buffer; a writable one must not alias a readable one
    this.unusedRead = createStorageBuffer(device, 16, 'unused read binding');
    this.unusedWrite = createStorageBuffer(device, 16, 'unused write binding');
    this.layerOutputs = [];
    this.preActivations = [];
    this.pipelines = [];
    this.bindGroups = [];
    this.grids = [];
    const wgBytes = device.limits.maxComputeWorkgroupStorageSize;
    if (options.inputJets && options.inputJets.size < maxBatch * n1 * d * 4) throw new InputError(`slot input jets need ${maxBatch} x ${n1} x ${d} floats`);
    if (mlp.embedding) {
      // the embedding as a fixed layer: sines (of (x, v), or of whole input jets) then the passed-through inputs
      const e = mlp.embedding;
      const kin = options.inputJets ? n1 : Math.min(2, n1);
      const tiling = chooseTiling(e.outDim, kin, wgBytes);
      const params = { N1: n1, KIN: kin, IN: d, OUT: e.outDim, TM: tiling.tm, TP: tiling.tp, TK: tiling.tk, ACT: ACT_CODE.sin, ACT_SPLIT: e.sines, FIRST: options.inputJets ? 0 : 1, SAVE_PRE: 0, DIRECT: this.direct ? 1 : 0, W_OFF: 0, B_OFF: d * e.outDim, JET: 'f32' };
      this.dimsView ??= makeStructuredView(makeShaderDataDefinitions(fillTemplate('taylor_jet_layer', params)).uniforms.dims);
      const pipeline = this.compile('taylor_jet_layer', params);
      this.embedded = createStorageBuffer(device, maxBatch * n1 * e.outDim * 4, `embedded input jets (${maxBatch} points x ${n1} orders x ${e.outDim})`);
      const bindGroup = this.bind(pipeline, [net.embedding!, options.inputJets ?? this.points, options.inputJets ? this.unusedRead : this.directions, this.embedded, this.unusedWrite, this.dims]);
      this.embedStep = { pipeline, bindGroup, tiling };
    }
    const firstJets = this.embedded ?? options.inputJets;
    mlp.layers.forEach((layer, l) => {
      // the first layer's own kernels read (x, v); with input jets (slot jets, or an embedding's) it runs the hidden-layer kernels on them
      const first = l === 0 && !firstJets;
      const last = l === mlp.layers.length - 1;
      const kin = first ? Math.min(2, n1) : n1;
      const below = l === 0 ? firstJets! : this.layerOutputs[l - 1];
      const tiling = chooseTiling(layer.outDim, kin, wgBytes);
      const out = createStorageBuffer(
        device,
        maxBatch * n1 * layer.outDim * 4,
        `jets of layer ${l + 1} (${maxBatch} points x ${n1} orders x ${layer.outDim})`,
      );
      const savePre = options.savePreActivations === true;
      if (last && l > 0 && layer.outDim === 1 && !this.direct) {
        // scalar output: one workgroup per point splits the sum (see taylor_jet_output.wgsl)
        const pipeline = this.compile('taylor_jet_output', { N1: n1, IN: layer.inDim, W_OFF: layer.weightOffset, B_OFF: layer.biasOffset });
        const bindGroup = this.bind(pipeline, [net.params, this.layerOutputs[l - 1], out, this.dims]);
        this.layerOutputs.push(out);
        if (savePre) this.preActivations.push(out); // identity activation: the output is its own pre-activation
        this.pipelines.push(pipeline);
        this.bindGroups.push(bindGroup);
        this.grids.push({ threads: 1, points: 1 });
        this.layerKernels.push('output');
        return;
      }
      if (this.kernels === 'vec4' && l > 0 && last && layer.outDim === 1 && vec4Layer(layer.inDim, 4, layer.weightOffset)) {
        // scalar output on a CPU: one thread per point (see taylor_jet_output_vec4.wgsl)
        const code = unrollMarkedLoops(
          fillTemplate('taylor_jet_output_vec4', { N1: n1, IN4: layer.inDim / 4, W_OFF4: layer.weightOffset / 4, B_OFF: layer.biasOffset }),
          { N1: n1 },
        );
        this.dimsView ??= makeStructuredView(makeShaderDataDefinitions(code).uniforms.dims);
        const pipeline = this.compileUnrolled('taylor_jet_output_vec4', code);
        this.layerOutputs.push(out);
        if (savePre) this.preActivations.push(out); // identity activation: the output is its own pre-activation
        this.pipelines.push(pipeline);
        this.bindGroups.push(this.bind(pipeline, [net.params, this.layerOutputs[l - 1], out, this.dims]));
        this.grids.push({ threads: 1, points: 1 });
        this.layerKernels.push('vec4');
        return;
      }
      const pre = savePre
        ? createStorageBuffer(device, maxBatch * n1 * layer.outDim * 4, `pre-activation jets of layer ${l + 1}`)
        : this.unusedWrite;
      const act = last ? ACT_CODE.identity : ACT_CODE[mlp.activation];
      const vec4 = first ? vec4FirstLayer(layer.inDim, layer.outDim, layer.weightOffset) : vec4Layer(layer.inDim, layer.outDim, layer.weightOffset);
      if (this.kernels === 'vec4' && !last && vec4) {
        const template = fillTemplate('taylor_jet_layer_vec4', {
          N1: n1,
          IN: layer.inDim,
          IN4: Math.floor(layer.inDim / 4),
          OUT4: layer.outDim / 4,
          PB: first ? 1 : this.vec4Points,
          ACT: act,
          FIRST: first ? 1 : 0,
          SAVE_PRE: savePre ? 1 : 0,
          W_OFF: layer.weightOffset,
          B_OFF: layer.biasOffset,
          JET: 'vec4f',
          JET_UNROLLED: unrolledJetActivation(n1),
        });
        const code = unrollMarkedLoops(template, { N1: n1, PB: first ? 1 : this.vec4Points });
        this.dimsView ??= makeStructuredView(makeShaderDataDefinitions(code).uniforms.dims);
        const pipeline = this.compileUnrolled('taylor_jet_layer_vec4', code);
        const bindGroup = first
          ? this.bind(pipeline, [net.params, this.unusedRead, this.points, this.directions, out, pre, this.dims])
          : this.bind(pipeline, [net.params, below, this.unusedRead, this.unusedRead, out, pre, this.dims]);
        this.layerOutputs.push(out);
        if (savePre) this.preActivations.push(pre);
        this.pipelines.push(pipeline);
        this.bindGroups.push(bindGroup);
        this.grids.push({ threads: layer.outDim / 4, points: first ? 1 : this.vec4Points });
        this.layerKernels.push('vec4');
        return;
      }
      const params = {
        N1: n1,
        KIN: kin,
        IN: layer.inDim,
        OUT: layer.outDim,
        TM: tiling.tm,
        TP: tiling.tp,
        TK: tiling.tk,
        ACT: act,
        ACT_SPLIT: layer.outDim,
        FIRST: first ? 1 : 0,
        SAVE_PRE: savePre ? 1 : 0,
        DIRECT: this.direct ? 1 : 0,
        W_OFF: layer.weightOffset,
        B_OFF: layer.biasOffset,
        JET: 'f32',
      };
      this.dimsView ??= makeStructuredView(makeShaderDataDefinitions(fillTemplate('taylor_jet_layer', params)).uniforms.dims);
      const pipeline = this.compile('taylor_jet_layer', params);
      const input = first ? this.points : below;
      const bindGroup = this.bind(pipeline, [net.params, input, first ? this.directions : this.unusedRead, out, pre, this.dims]);
      this.layerOutputs.push(out);
      if (savePre) this.preActivations.push(pre);
      this.pipelines.push(pipeline);
      this.bindGroups.push(bindGroup);
      this.grids.push(tiling);
      this.layerKernels.push(this.direct ? 'direct' : 'tiled');
    });
  }

  /** What the first layer reads as whole jets: slot input jets, or the embedding's; undefined when it reads (x, v). */
  get firstInputJets(): GPUBuffer | undefined {
    return this.embedded ?? this.options.inputJets;
  }

  get currentBatch(): number {
    return this.batch;
  }

  get output(): GPUBuffer {
    return this.layerOutputs[this.layerOutputs.length - 1];
  }

  /** Upload points [batch][d] and directions ([batch][d], or [d] when shared). */
  setInputs(points: Float32Array, directions: Float32Array): void {
    const d = this.net.mlp.inputDim;
    if (points.length % d !== 0) throw new InputError(`points array length ${points.length} is not a multiple of d = ${d}`);
    const batch = points.length / d;
    if (batch > this.options.maxBatch) throw new InputError(`batch ${batch} exceeds this jet's maximum ${this.options.maxBatch}`);
    const dirLen = this.options.sharedDirection ? d : batch * d;
    if (directions.length !== dirLen) throw new InputError(`directions must have ${dirLen} entries, got ${directions.length}`);
    const q = this.device.queue;
    q.writeBuffer(this.points, 0, points.buffer, points.byteOffset, points.byteLength);
    q.writeBuffer(this.directions, 0, directions.buffer, directions.byteOffset, directions.byteLength);
    this.setBatch(batch);
  }

  /** Upload the direction(s) only (points come from a GPU kernel). */
  setDirections(directions: Float32Array): void {
    this.device.queue.writeBuffer(this.directions, 0, directions.buffer, directions.byteOffset, directions.byteLength);
  }

  /** Set the batch size without uploading (points already written by a GPU kernel). */
  setBatch(batch: number): void {
    this.batch = batch;
    const view = this.dimsView!;
    view.set({ batch, dirStride: this.options.sharedDirection ? 0 : this.net.mlp.inputDim });
    this.device.queue.writeBuffer(this.dims, 0, view.arrayBuffer);
  }

  private compile(shader: string, params: KernelParams): GPUComputePipeline {
    return computePipeline(this.device, { shader, params });
  }

  /** A shader whose marked loops were unrolled (compile errors name the file and a line of the unrolled text). */
  private compileUnrolled(shader: string, code: string): GPUComputePipeline {
    return computePipeline(this.device, { code, label: `${shaderPath(shader)}, loops unrolled` });
  }

  private bind(pipeline: GPUComputePipeline, buffers: GPUBuffer[]): GPUBindGroup {
    return bindBuffers(this.device, pipeline, buffers);
  }

  /** Record the forward pass (one dispatch per layer) into a compute pass. */
  encode(pass: GPUComputePassEncoder): void {
    if (this.embedStep) {
      const { pipeline, bindGroup, tiling } = this.embedStep;
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(Math.ceil(this.net.mlp.sizes[0] / tiling.tm), Math.ceil(this.batch / tiling.tp));
    }
    this.net.mlp.layers.forEach((layer, l) => {
      const g = this.grids[l];
      pass.setPipeline(this.pipelines[l]);
      pass.setBindGroup(0, this.bindGroups[l]);
      if ('tm' in g) {
        pass.dispatchWorkgroups(Math.ceil(layer.outDim / g.tm), Math.ceil(this.batch / g.tp));
      } else if (this.layerKernels[l] === 'output') {
        pass.dispatchWorkgroups(...gridSize(this.device, this.batch));
      } else {
        // vec4: 64-thread workgroups over a flat thread index, on a 2-D grid past the per-dimension limit
        const groups = Math.ceil((Math.ceil(this.batch / g.points) * g.threads) / 64);
        pass.dispatchWorkgroups(...gridSize(this.device, groups));
      }
    });
  }

  /** Upload, run, and read back c_0..c_n: [batch][n+1][outputDim] in f32. */
  async run(points: Float32Array, directions: Float32Array): Promise<Float32Array> {
    this.setInputs(points, directions);
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    this.encode(pass);
    pass.end();
    this.device.queue.submit([enc.finish()]);
    const n1 = this.order + 1;
    return readBuffer(this.device, this.output, this.batch * n1 * this.net.mlp.outputDim * 4);
  }

  destroy(): void {
    const owned = [this.directions, this.dims, this.unusedRead, this.unusedWrite, ...this.layerOutputs, ...this.preActivations];
    if (!this.options.pointsBuffer) owned.push(this.points);
    if (this.embedded) owned.push(this.embedded);
    for (const b of owned) b.destroy();
  }
}

/** n! as a double (exact up to 22!). */
export function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}
