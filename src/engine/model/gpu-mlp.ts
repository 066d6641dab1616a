import { createStorageBuffer, readBuffer } from '../gpu/gpu';
import { Mlp } from './mlp';

/**
 * An MLP whose parameters live in one flat f32 storage buffer (layout: see mlpLayout), with a
 * second buffer of low parts that only the double-single jets read (params + paramsLo: about
 * 48-bit parameters for the quasi-Newton phases, whose last steps are below an f32 ulp).
 */
export class GpuMlp {
  readonly params: GPUBuffer;
  readonly paramsLo: GPUBuffer;
  /** The input embedding as a layer (mlp.embedding): W [outDim][inDim] at 0, b after it; fixed, never trained. */
  readonly embedding: GPUBuffer | null = null;

  constructor(
    readonly device: GPUDevice,
    readonly mlp: Mlp,
  ) {
    // a whole number of vec4s: the vec4 kernels view the parameters as array<vec4f>, whose
    // length rounds down, so the last parameters would fall outside it otherwise
    this.params = createStorageBuffer(device, Math.ceil(mlp.params.byteLength / 16) * 16, 'MLP parameters');
    this.paramsLo = createStorageBuffer(device, this.params.size, 'MLP parameters (double-single low parts)');
    this.upload(mlp.params);
    if (mlp.embedding) {
      const { weights, biases } = mlp.embedding.layer();
      const flat = new Float32Array(Math.ceil((weights.length + biases.length) / 4) * 4);
      flat.set(weights);
      flat.set(biases, weights.length);
      this.embedding = createStorageBuffer(device, flat.byteLength, 'input embedding');
      device.queue.writeBuffer(this.embedding, 0, flat);
    }
  }

  /** Whether paramsLo holds non-zero low parts (set by uploadPrecise, cleared by upload). */
  private hasLowParts = false;

  /** Set the parameters (f32: the low parts are cleared, when there are any). */
  upload(values: Float32Array): void {
    this.device.queue.writeBuffer(this.params, 0, values.buffer, values.byteOffset, values.byteLength);
    if (this.hasLowParts) this.device.queue.writeBuffer(this.paramsLo, 0, new Float32Array(values.length));
    this.hasLowParts = false;
  }

  /** Set the parameters as double-single pairs: hi = f32(x), lo = f32(x − hi). */
  uploadPrecise(values: Float64Array): void {
    const hi = Float32Array.from(values);
    const lo = Float32Array.from(values, (v, i) => v - hi[i]);
    this.device.queue.writeBuffer(this.params, 0, hi.buffer, hi.byteOffset, hi.byteLength);
    this.device.queue.writeBuffer(this.paramsLo, 0, lo.buffer, lo.byteOffset, lo.byteLength);
    this.hasLowParts = true;
  }

  /** Current parameters as a CPU model (for export and checks). */
  async download(): Promise<Mlp> {
    const data = await readBuffer(this.device, this.params, this.mlp.params.byteLength);
    return this.mlp.withParams(data);
  }

  destroy(): void {
    this.params.destroy();
    this.paramsLo.destroy();
    this.embedding?.destroy();
  }
}
