import { createStorageBuffer, readBuffer } from './gpu';
import { Mlp } from './mlp';

/** An MLP whose parameters live in one flat f32 storage buffer (layout: see mlpLayout). */
export class GpuMlp {
  readonly params: GPUBuffer;

  constructor(
    readonly device: GPUDevice,
    readonly mlp: Mlp,
  ) {
    // a whole number of vec4s: the vec4 kernels view the parameters as array<vec4f>, whose
    // length rounds down, so the last parameters would fall outside it otherwise
    this.params = createStorageBuffer(device, Math.ceil(mlp.params.byteLength / 16) * 16, 'MLP parameters');
    this.upload(mlp.params);
  }

  upload(values: Float32Array): void {
    this.device.queue.writeBuffer(this.params, 0, values.buffer, values.byteOffset, values.byteLength);
  }

  /** Current parameters as a CPU model (for export and checks). */
  async download(): Promise<Mlp> {
    const data = await readBuffer(this.device, this.params, this.mlp.params.byteLength);
    return new Mlp(this.mlp.sizes, this.mlp.activation, data);
  }

  destroy(): void {
    this.params.destroy();
  }
}
