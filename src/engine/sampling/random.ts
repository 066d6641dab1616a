/**
 * Counter-based random numbers on the GPU (Philox4x32-10, shaders/philox.wgsl) and a
 * CPU twin of the same generator, so a run reproduces from its seed and the GPU
 * stream can be checked number by number.
 */
import { createStorageBuffer } from '../gpu/gpu';
import { bindBuffers, computePipeline } from '../gpu/kernels';

function mulhilo(a: number, b: number): [number, number] {
  const p = BigInt(a >>> 0) * BigInt(b >>> 0);
  return [Number(p & 0xffffffffn), Number(p >> 32n)];
}

/** Philox4x32-10 on the CPU (BigInt products: an implementation independent of the WGSL one). */
export function philox4x32(counter: [number, number, number, number], key: [number, number]): [number, number, number, number] {
  let [c0, c1, c2, c3] = counter.map((x) => x >>> 0);
  let [k0, k1] = key.map((x) => x >>> 0);
  for (let round = 0; round < 10; round++) {
    const [lo0, hi0] = mulhilo(0xd2511f53, c0);
    const [lo1, hi1] = mulhilo(0xcd9e8d57, c2);
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
    k0 = (k0 + 0x9e3779b9) >>> 0;
    k1 = (k1 + 0xbb67ae85) >>> 0;
  }
  return [c0, c1, c2, c3];
}

export function uniform01(word: number): number {
  return (word >>> 8) / 16777216;
}

/** Uniform points in a box, drawn on the GPU: the same (seed, stream) gives the same points. */
export class BoxSampler {
  readonly points: GPUBuffer;
  private readonly params: GPUBuffer;
  private readonly pipeline: GPUComputePipeline;
  private readonly bindGroup: GPUBindGroup;

  constructor(
    readonly device: GPUDevice,
    readonly lo: number[],
    readonly hi: number[],
    readonly maxCount: number,
    points?: GPUBuffer,
  ) {
    const d = lo.length;
    const bounds = createStorageBuffer(device, 2 * d * 4, 'sampling box');
    device.queue.writeBuffer(bounds, 0, Float32Array.from([...lo, ...hi]));
    this.points = points ?? createStorageBuffer(device, maxCount * d * 4, `collocation points (${maxCount} x ${d})`);
    this.params = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.pipeline = computePipeline(device, { shader: 'sample_box', params: { D: d } });
    this.bindGroup = bindBuffers(device, this.pipeline, [bounds, this.points, this.params]);
  }

  /** Record drawing `count` points of stream `stream` (e.g. the training step) for `seed`. */
  encode(pass: GPUComputePassEncoder, count: number, seed: number, stream: number): void {
    this.device.queue.writeBuffer(this.params, 0, new Uint32Array([count, stream >>> 0, seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0]));
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bindGroup);
    pass.dispatchWorkgroups(Math.ceil(count / 64));
  }
}
