import { InputError } from '../errors';
import { createStorageBuffer } from '../gpu/gpu';
import type { TaylorJetForward } from './taylor-jet';
import { bindBuffers, computePipeline, dispatch } from '../gpu/kernels';

/** Numeric precision of a loss's jets: plain f32, or the network's output jets recomputed in double-single (for the terms that give a double-single residual, LossTerm.residualDsWgsl). */
export type JetPrecision = 'f32' | 'double-single';
export const JET_PRECISIONS: readonly JetPrecision[] = ['f32', 'double-single'];

/**
 * The output jets of an f32 TaylorJetForward recomputed in double-single arithmetic
 * (shaders/taylor_jet_mlp_ds.wgsl), from the same points, directions and parameters: the hi
 * parts overwrite the f32 jet's output, the lo parts go to `lo`. The f32 pass still runs
 * (the backward pass reads its pre-activations); what changes is the loss: its residuals are
 * computed from hi + lo, so the gradient's seeds 2 w r are as exact as the network allows.
 * Scalar-output tanh networks only.
 */
export class DoubleSingleJet {
  readonly lo: GPUBuffer;
  private readonly pipeline: GPUComputePipeline;
  private readonly bindGroup: GPUBindGroup;
  private readonly dims: GPUBuffer;
  private batch = 0;

  constructor(
    readonly device: GPUDevice,
    readonly jet: TaylorJetForward,
  ) {
    const mlp = jet.net.mlp;
    if (mlp.outputDim !== 1) throw new InputError(`double-single jets need a scalar network output (this one has ${mlp.outputDim})`);
    if (mlp.embedding) throw new InputError(`double-single jets are written for networks without an input embedding (this one has ${mlp.embedding.describe}); use f32 precision`);
    if (mlp.activation !== 'tanh') throw new InputError(`double-single jets are written for tanh networks (this one uses ${mlp.activation}); use f32 precision`);
    const n1 = jet.order + 1;
    const d = mlp.inputDim;
    const layers = mlp.layers.map((l, i) => {
      const [src, dst] = i % 2 === 0 ? ['h', 'g'] : ['g', 'h'];
      const act = i < mlp.layers.length - 1;
      return `  layer(&${src}, &${dst}, ${l.inDim}u, ${l.outDim}u, ${l.weightOffset}u, ${l.biasOffset}u, ${act});`;
    });
    const params = {
      N1: n1,
      D: d,
      WMAX: Math.max(d, ...mlp.layers.map((l) => l.outDim)),
      LAYERS: layers.join('\n'),
      RESULT: mlp.layers.length % 2 === 1 ? 'g' : 'h',
    };
    this.pipeline = computePipeline(device, { shader: 'taylor_jet_mlp_ds', params });
    this.lo = createStorageBuffer(device, jet.output.size, 'jets (double-single low parts)');
    this.dims = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.bindGroup = bindBuffers(device, this.pipeline, [jet.net.params, jet.points, jet.directions, jet.output, this.lo, this.dims, jet.net.paramsLo]);
    this.setBatch(jet.currentBatch);
  }

  /** Follow the f32 jet's batch (call after its setBatch). */
  setBatch(batch: number): void {
    this.batch = batch;
    const dirStride = this.jet.options.sharedDirection ? 0 : this.jet.net.mlp.inputDim;
    const dims = new ArrayBuffer(16);
    new Uint32Array(dims, 0, 2).set([batch, dirStride]);
    new Float32Array(dims, 8, 1)[0] = 1; // dsOne (see double_single.wgsl)
    this.device.queue.writeBuffer(this.dims, 0, dims);
  }

  /** Record the pass; it must come after the f32 jet's (it overwrites that jet's output). */
  encode(pass: GPUComputePassEncoder): void {
    if (this.batch !== this.jet.currentBatch) throw new Error(`double-single jet: batch ${this.batch}, its f32 jet's ${this.jet.currentBatch} (call setBatch)`);
    if (this.batch === 0) return;
    dispatch(pass, this.device, this.pipeline, this.bindGroup, Math.ceil(this.batch / 16));
  }

  /** The buffers it owns (its user destroys them, or calls destroy()). */
  get buffers(): GPUBuffer[] {
    return [this.lo, this.dims];
  }

  destroy(): void {
    this.buffers.forEach((b) => b.destroy());
  }
}
