import { createStorageBuffer, readBuffer } from './gpu';
import { Mlp } from './mlp';

/**
 * An MLP whose parameters live in one flat f32 storage buffer (layout: see mlpLayout), with a
 * second buffer of low parts that only the double-single jets read (params + paramsLo: about
 * 48-bit parameters for the quasi-Newton phases, whose last steps are below an f32 ulp).
 */
export class GpuMlp {
  readonly params: GPUBuffer;
  readonly paramsLo: GPUBuffer;

  constructor(
    readonly device: GPUDevice,
    readonly mlp: Mlp,
  ) {
    // a whole number of vec4s: the vec4 kernels view the parameters as array<vec4f>, whose
    // length rounds down, so the last parameters would fall outside it otherwise
    this.params = createStorageBuffer(device, Math.ceil(mlp.params.byteLength / 16) * 16, 'MLP parameters');
    this.paramsLo = createStorageBuffer(device, this.params.size, 'MLP parameters (double-single low parts)');
    this.upload(mlp.params);
  }

  /** Set the parameters (f32: the low parts are cleared). */
  upload(values: Float32Array): void {
    this.device.queue.writeBuffer(this.params, 0, values.buffer, values.byteOffset, values.byteLength);
    this.device.queue.writeBuffer(this.paramsLo, 0, new Float32Array(values.length));
  }

  /** Set the parameters as double-single pairs: hi = f32(x), lo = f32(x − hi). Returns hi + lo, what the double-single jets see. */
  uploadPrecise(values: Float64Array): Float64Array {
    const hi = Float32Array.from(values);
    const lo = Float32Array.from(values, (v, i) => v - hi[i]);
    this.device.queue.writeBuffer(this.params, 0, hi.buffer, hi.byteOffset, hi.byteLength);
    this.device.queue.writeBuffer(this.paramsLo, 0, lo.buffer, lo.byteOffset, lo.byteLength);
    return Float64Array.from(hi, (h, i) => h + lo[i]);
  }

  /** Current parameters as a CPU model (for export and checks). */
  async download(): Promise<Mlp> {
    const data = await readBuffer(this.device, this.params, this.mlp.params.byteLength);
    return new Mlp(this.mlp.sizes, this.mlp.activation, data);
  }

  destroy(): void {
    this.params.destroy();
    this.paramsLo.destroy();
  }
}
