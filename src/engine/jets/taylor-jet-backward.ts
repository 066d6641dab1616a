import { InputError } from '../errors';
import { createStorageBuffer } from '../gpu/gpu';
import { chooseTiling, TaylorJetForward, vec4Layer } from './taylor-jet';
import { unrolledJetActivation, unrollMarkedLoops } from './jet-unroll';
import { fillTemplate, shaderPath } from '../gpu/shaders';
import { bindBuffers, computePipeline, gridSize, type PipelineSource } from '../gpu/kernels';

/**
 * Parameter gradients of a loss on Taylor-jet outputs, in one reverse pass whose
 * cost is linear in the number of orders (the adjoint of taylorJetForward).
 * Give it the adjoint of the output jets ([batch][n+1][1]); it writes the flat
 * gradient (same layout as the parameters) into `grad`.
 */
export class TaylorJetBackward {
  readonly grad: GPUBuffer;
  /** Adjoints of each hidden layer's pre-activation jets, [batch][n+1][width]. */
  private readonly abar: GPUBuffer[] = [];
  /** Dispatches in order; grid gives the workgroup counts for a batch. */
  private readonly steps: { pipeline: GPUComputePipeline; bindGroup: GPUBindGroup; grid: (batch: number) => [number, number] }[] = [];
  /** The kernel of each step, in dispatch order (for tests and benchmarks). */
  readonly stepKernels: string[] = [];
  private readonly dims: GPUBuffer;

  constructor(
    readonly forward: TaylorJetForward,
    /** Adjoint of the network's output jets, [batch][n+1][1] (written by the loss kernel). */
    readonly outputAdjoint: GPUBuffer,
    gradBuffer?: GPUBuffer,
    /** Add to `grad` instead of overwriting it (several jets feeding one loss). */
    accumulate = false,
  ) {
    if (forward.preActivations.length === 0) throw new InputError('the forward jet must keep its pre-activations (savePreActivations)');
    const device = forward.device;
    const mlp = forward.net.mlp;
    const n1 = forward.order + 1;
    const maxBatch = forward.options.maxBatch;
    this.grad = gradBuffer ?? createStorageBuffer(device, mlp.params.byteLength, 'parameter gradient');
    this.dims = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const layers = mlp.layers;
    const L = layers.length;
    for (let l = 0; l < L - 1; l++) {
      this.abar.push(createStorageBuffer(device, maxBatch * n1 * layers[l].outDim * 4, `adjoint jets of layer ${l + 1}`));
    }
    const abarOf = (l: number) => (l === L - 1 ? outputAdjoint : this.abar[l]);
    const act = mlp.activation === 'tanh' ? 1 : 2;
    const make = (src: PipelineSource, buffers: GPUBuffer[]) => {
      const pipeline = computePipeline(device, src);
      return { pipeline, bindGroup: bindBuffers(device, pipeline, buffers) };
    };
    // a shader whose marked loops were unrolled: compile errors name the file and a line of the unrolled text
    const unrolled = (shader: string, code: string): PipelineSource => ({ code, label: `${shaderPath(shader)}, loops unrolled` });
    // 64-thread workgroups over a flat thread index, on a 2-D grid past the per-dimension limit
    const flat = (threadsPerBlock: number, points: number) => (batch: number) => gridSize(device, Math.ceil((Math.ceil(batch / points) * threadsPerBlock) / 64));
    const vec4 = forward.kernels === 'vec4';
    const slotInputs = forward.firstInputJets;
    for (let l = L - 1; l >= 0; l--) {
      const layer = layers[l];
      // the first layer's (x, v) kernels; with slot input jets its weights see whole input jets like a hidden layer's
      const first = l === 0 && !slotInputs;
      const kin = first ? Math.min(2, n1) : n1;
      const abar = abarOf(l);
      const below = l === 0 ? slotInputs! : forward.layerOutputs[l - 1];
      // the vec4 weight gradient views abar as vec4: a scalar output's adjoint must fill whole vec4s
      const vec4Grad = first
        ? layer.outDim % 4 === 0
        : layer.inDim % 4 === 0 && (layer.outDim % 4 === 0 || layer.outDim === 1) && abar.size % 16 === 0;
      if (vec4 && vec4Grad) {
        const mb = layer.outDim === 1 ? 1 : 4;
        const jc = first || (layer.inDim / 4) % 2 !== 0 ? 1 : 2;
        const wg = make(
          unrolled(
            'taylor_jet_weight_grad_vec4',
            unrollMarkedLoops(
              fillTemplate('taylor_jet_weight_grad_vec4', {
                N1: n1,
                M: layer.outDim,
                MB: mb,
                J: layer.inDim,
                J4: Math.floor(layer.inDim / 4),
                JC: jc,
                FIRST: first ? 1 : 0,
                ACCUMULATE: accumulate ? 1 : 0,
                W_OFF: layer.weightOffset,
                B_OFF: layer.biasOffset,
              }),
              { N1: n1, MB: mb, JC: jc },
            ),
          ),
          first
            ? [abar, forward.unusedInput, forward.points, forward.directions, this.grad, this.dims]
            : [abar, below, forward.unusedInput, forward.unusedInput, this.grad, this.dims],
        );
        const threads = (layer.outDim / mb) * ((first ? layer.inDim : layer.inDim / 4 / jc) + 1);
        this.steps.push({ ...wg, grid: () => [Math.ceil(threads / 8), 1] });
        this.stepKernels.push(`weightGradVec4 ${l + 1}`);
      } else {
        const inputs = first ? [forward.points, forward.directions] : [below, below];
        const wg = make(
          {
            shader: 'taylor_jet_weight_grad',
            params: {
              N1: n1,
              KIN: kin,
              M: layer.outDim,
              J: layer.inDim,
              FIRST: first ? 1 : 0,
              DIRECT: forward.direct ? 1 : 0,
              ACCUMULATE: accumulate ? 1 : 0,
              W_OFF: layer.weightOffset,
              B_OFF: layer.biasOffset,
            },
          },
          [abar, inputs[0], inputs[1], this.grad, this.dims],
        );
        // the weight gradient's grid does not depend on the batch
        const grid: [number, number] = [Math.ceil((layer.inDim + 1) / 8), Math.ceil(layer.outDim / 8)];
        this.steps.push({ ...wg, grid: () => grid });
        this.stepKernels.push(`weightGrad ${l + 1}`);
      }
      if (l === 0) continue;
      if (vec4 && vec4Layer(layer.inDim, layer.outDim === 1 ? 4 : layer.outDim, layer.weightOffset) && abar.size % 16 === 0) {
        const bw = make(
          unrolled(
            'taylor_jet_layer_backward_vec4',
            unrollMarkedLoops(
              fillTemplate('taylor_jet_layer_backward_vec4', { N1: n1, K: layer.outDim, J: layer.inDim, PB: forward.vec4Points, ACT: act, W_OFF: layer.weightOffset, JET: 'vec4f', JET_UNROLLED: unrolledJetActivation(n1) }),
              { N1: n1, PB: forward.vec4Points },
            ),
          ),
          [forward.net.params, abar, forward.preActivations[l - 1], this.abar[l - 1], this.dims],
        );
        this.steps.push({ ...bw, grid: flat(layer.inDim / 4, forward.vec4Points) });
        this.stepKernels.push(`layerBackwardVec4 ${l + 1}`);
      } else {
        const tiling = chooseTiling(layer.inDim, n1, device.limits.maxComputeWorkgroupStorageSize);
        const bw = make(
          {
            shader: 'taylor_jet_layer_backward',
            params: {
              N1: n1,
              K: layer.outDim,
              J: layer.inDim,
              TM: tiling.tm,
              TP: tiling.tp,
              TK: tiling.tk,
              ACT: act,
              DIRECT: forward.direct ? 1 : 0,
              W_OFF: layer.weightOffset,
              JET: 'f32',
            },
          },
          [forward.net.params, abar, forward.preActivations[l - 1], this.abar[l - 1], this.dims],
        );
        this.steps.push({ ...bw, grid: (batch) => [Math.ceil(layer.inDim / tiling.tm), Math.ceil(batch / tiling.tp)] });
        this.stepKernels.push(`layerBackward ${l + 1}`);
      }
    }
  }

  get adjointBuffers(): GPUBuffer[] {
    return this.abar;
  }

  /** Record the backward pass for the forward jet's current batch. */
  encode(pass: GPUComputePassEncoder): void {
    const batch = this.forward.currentBatch;
    const shared = this.forward.options.sharedDirection;
    this.forward.device.queue.writeBuffer(
      this.dims,
      0,
      new Uint32Array([batch, shared ? 0 : this.forward.net.mlp.inputDim, 0, 0]),
    );
    for (const s of this.steps) {
      pass.setPipeline(s.pipeline);
      pass.setBindGroup(0, s.bindGroup);
      pass.dispatchWorkgroups(...s.grid(batch));
    }
  }

  destroy(): void {
    for (const b of [...this.abar, this.dims]) b.destroy();
  }
}

/** The benchmark loss sum_k (k!)^2 mean_p c_k^2 as a seed for TaylorJetBackward. */
export class JetSumSquaresLoss {
  readonly adjoint: GPUBuffer;
  private readonly pipeline: GPUComputePipeline;
  private readonly bindGroup: GPUBindGroup;
  private readonly dims: GPUBuffer;

  constructor(readonly forward: TaylorJetForward) {
    const device = forward.device;
    const n1 = forward.order + 1;
    this.adjoint = createStorageBuffer(device, forward.options.maxBatch * n1 * 4, 'adjoint of the output jets');
    this.dims = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.pipeline = computePipeline(device, { shader: 'jet_loss_sum_squares', params: { N1: n1 } });
    this.bindGroup = bindBuffers(device, this.pipeline, [forward.output, this.adjoint, this.dims]);
  }

  encode(pass: GPUComputePassEncoder): void {
    const batch = this.forward.currentBatch;
    this.forward.device.queue.writeBuffer(this.dims, 0, new Uint32Array([batch, 0, 0, 0]));
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bindGroup);
    pass.dispatchWorkgroups(Math.ceil((batch * (this.forward.order + 1)) / 64));
  }

  destroy(): void {
    this.adjoint.destroy();
    this.dims.destroy();
  }
}
