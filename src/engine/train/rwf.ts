/**
 * Random weight factorization (RWF; Wang, Wang, Perdikaris and others, "Random weight
 * factorization improves the training of continuous neural representations", and jaxpi's
 * weight_fact): each weight row W[r] = exp(s_r) V[r], with s_r ~ N(mean, std) at the start and
 * V = W / exp(s). Adam trains (V, s, biases). The network's parameters stay W, so every method
 * and kernel reads them unchanged: the factorization lives in the optimizer, in three passes
 * around Adam's step (shaders/train/rwf.wgsl): the gradient in the factors (∂L/∂V = exp(s) ∂L/∂W,
 * ∂L/∂s_r = Σ_j ∂L/∂W[r][j] W[r][j]), Adam on the factors, and W = exp(s) V. Parameters set from
 * outside (a restore, the divergence checkpoint, a quasi-Newton phase) are taken up at the next
 * step, which re-derives V from W before it moves.
 */
import { createStorageBuffer } from '../gpu/gpu';
import { kernelPass, type PassFn } from '../gpu/kernels';
import type { GpuMlp } from '../model/gpu-mlp';
import { Rng } from '../sampling/rng';
import { Adam, type ParamOptimizer } from './adam';

export interface RwfOptions {
  /** Mean and standard deviation of the initial s (jaxpi: 1 and 0.1). */
  mean: number;
  std: number;
  seed: number;
}

export const RWF_DEFAULTS = { mean: 1, std: 0.1 } as const;

export class RwfAdam implements ParamOptimizer {
  /** [P] V and biases in the network's layout, then [S] every row's s. */
  readonly factors: GPUBuffer;
  readonly factorGrad: GPUBuffer;
  readonly inner: Adam;
  /** Rows factorized (every layer's output neurons). */
  readonly rows: number;
  private readonly toFactors: PassFn;
  private readonly toWeights: PassFn;
  private readonly sync: PassFn;

  constructor(
    readonly device: GPUDevice,
    readonly net: GpuMlp,
    grad: GPUBuffer,
    options: RwfOptions,
  ) {
    const mlp = net.mlp;
    const P = mlp.params.length;
    const layers = mlp.layers;
    const row0: number[] = [];
    let S = 0;
    for (const l of layers) {
      row0.push(S);
      S += l.outDim;
    }
    this.rows = S;
    // s ~ N(mean, std), V = W / exp(s): the network starts as it was
    const rng = new Rng(options.seed);
    const s = Float32Array.from({ length: S }, () => options.mean + options.std * rng.normal());
    const init = new Float32Array(P + S);
    init.set(mlp.params);
    init.set(s, P);
    layers.forEach((l, li) => {
      for (let o = 0; o < l.outDim; o++) {
        const e = Math.exp(s[row0[li] + o]);
        for (let j = 0; j < l.inDim; j++) init[l.weightOffset + o * l.inDim + j] = mlp.params[l.weightOffset + o * l.inDim + j] / e;
      }
    });
    this.factors = createStorageBuffer(device, Math.ceil(init.byteLength / 16) * 16, 'RWF factors (V, biases, s)');
    device.queue.writeBuffer(this.factors, 0, init);
    this.factorGrad = createStorageBuffer(device, this.factors.size, 'RWF factors gradient');
    this.inner = new Adam(device, this.factors, this.factorGrad, P + S);
    const params = (mode: number) => ({
      MODE: mode,
      P,
      S,
      L: layers.length,
      W_OFF: layers.map((l) => `${l.weightOffset}u`).join(', '),
      B_OFF: layers.map((l) => `${l.biasOffset}u`).join(', '),
      IN: layers.map((l) => `${l.inDim}u`).join(', '),
      ROW0: row0.map((r) => `${r}u`).join(', '),
    });
    const buffers = [net.params, this.factors, grad, this.factorGrad];
    this.toFactors = kernelPass(device, 'rwf', params(0), buffers, Math.ceil((P + S) / 64));
    this.toWeights = kernelPass(device, 'rwf', params(1), buffers, Math.ceil(P / 64));
    this.sync = kernelPass(device, 'rwf', params(2), buffers, Math.ceil(P / 64));
  }

  get step(): number {
    return this.inner.step;
  }

  encode(pass: GPUComputePassEncoder, lr: number): void {
    // V from the network's W first: L-BFGS, Levenberg–Marquardt or a restore may have set W since
    // the last step (a round trip through exp(s) and back costs V about an ulp, far below a step)
    this.sync(pass);
    this.toFactors(pass);
    this.inner.encode(pass, lr);
    this.toWeights(pass);
  }

  save(enc: GPUCommandEncoder): () => void {
    const copy = this.device.createBuffer({ size: this.factors.size, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    enc.copyBufferToBuffer(this.factors, 0, copy, 0, copy.size);
    const back = this.inner.save(enc);
    return () => {
      back();
      const e = this.device.createCommandEncoder();
      e.copyBufferToBuffer(copy, 0, this.factors, 0, copy.size);
      this.device.queue.submit([e.finish()]);
      copy.destroy();
    };
  }

  /** Moments cleared, and V re-derived from the network's current W (the s are kept). */
  reset(): void {
    this.inner.reset();
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    this.sync(pass);
    pass.end();
    this.device.queue.submit([enc.finish()]);
  }

  destroy(): void {
    this.inner.destroy();
    this.factors.destroy();
    this.factorGrad.destroy();
  }
}
