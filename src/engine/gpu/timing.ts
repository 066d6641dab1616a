/**
 * Timing of GPU work for benchmarks: median of repeated runs after warm-up.
 * With `timestamp-query` the pass is timed on the GPU (begin/end of one compute
 * pass); otherwise wall clock from submit to onSubmittedWorkDone.
 */
export interface TimingResult {
  medianMs: number;
  samplesMs: number[];
  timer: 'gpu-timestamps' | 'wall-clock';
}

export interface TimingOptions {
  warmup?: number;
  reps?: number;
  /** Use GPU timestamps when the device has the feature (default true). */
  timestamps?: boolean;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** GPU timestamps at the beginning and end of one compute pass (when the device has timestamp-query). */
export class PassTimer {
  private readonly querySet: GPUQuerySet;
  private readonly resolveBuf: GPUBuffer;
  private readonly readBuf: GPUBuffer;

  constructor(readonly device: GPUDevice) {
    this.querySet = device.createQuerySet({ type: 'timestamp', count: 2 });
    this.resolveBuf = device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    this.readBuf = device.createBuffer({ size: 16, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  }

  static available(device: GPUDevice): boolean {
    return device.features.has('timestamp-query');
  }

  get passDescriptor(): GPUComputePassDescriptor {
    return { timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } };
  }

  /** Encode after the pass has ended. */
  resolve(enc: GPUCommandEncoder): void {
    enc.resolveQuerySet(this.querySet, 0, 2, this.resolveBuf, 0);
    enc.copyBufferToBuffer(this.resolveBuf, 0, this.readBuf, 0, 16);
  }

  /** Milliseconds between the two timestamps (after the work completed). */
  async read(): Promise<number> {
    await this.readBuf.mapAsync(GPUMapMode.READ);
    const ts = new BigUint64Array(this.readBuf.getMappedRange().slice(0));
    this.readBuf.unmap();
    return Number(ts[1] - ts[0]) / 1e6;
  }

  destroy(): void {
    this.querySet.destroy();
    this.resolveBuf.destroy();
    this.readBuf.destroy();
  }
}

export interface StepTiming {
  gpuMs: number | null;
  wallMs: number;
}

/**
 * Time `step` (which records into one compute pass, created by the given
 * descriptor, and submits it) repeatedly: GPU time from timestamps when
 * available and wall-clock time from the start of recording to completion.
 */
export async function timeSteps(
  device: GPUDevice,
  step: (passDescriptor: GPUComputePassDescriptor | undefined, resolve: ((enc: GPUCommandEncoder) => void) | undefined) => void,
  options: TimingOptions = {},
  afterEach?: () => void,
): Promise<{ gpu: TimingResult | null; wall: TimingResult }> {
  const warmup = options.warmup ?? 3;
  const reps = options.reps ?? 20;
  const timer = (options.timestamps ?? true) && PassTimer.available(device) ? new PassTimer(device) : null;
  const gpuSamples: number[] = [];
  const wallSamples: number[] = [];
  for (let i = 0; i < warmup + reps; i++) {
    const t0 = now();
    step(timer?.passDescriptor, timer ? (enc) => timer.resolve(enc) : undefined);
    await device.queue.onSubmittedWorkDone();
    const wall = now() - t0;
    const gpuMs = timer ? await timer.read() : null;
    afterEach?.();
    if (i < warmup) continue;
    wallSamples.push(wall);
    if (gpuMs !== null) gpuSamples.push(gpuMs);
  }
  timer?.destroy();
  return {
    gpu: timer ? { medianMs: median(gpuSamples), samplesMs: gpuSamples, timer: 'gpu-timestamps' } : null,
    wall: { medianMs: median(wallSamples), samplesMs: wallSamples, timer: 'wall-clock' },
  };
}

/** Time one compute pass recorded by `encode` (GPU timestamps when available, else wall clock). */
export async function timeComputePass(
  device: GPUDevice,
  encode: (pass: GPUComputePassEncoder) => void,
  options: TimingOptions = {},
): Promise<TimingResult> {
  const { gpu, wall } = await timeSteps(
    device,
    (desc, resolve) => {
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass(desc);
      encode(pass);
      pass.end();
      resolve?.(enc);
      device.queue.submit([enc.finish()]);
    },
    options,
  );
  return gpu ?? wall;
}

/**
 * Median wall-clock milliseconds of `record` (one command buffer, submitted and awaited
 * alone) over `reps` runs after `warmup` untimed ones: the trainers' step timings.
 */
export async function medianSubmitMs(device: GPUDevice, record: (enc: GPUCommandEncoder) => void, warmup: number, reps: number): Promise<number> {
  const once = async () => {
    const enc = device.createCommandEncoder();
    record(enc);
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
  };
  for (let i = 0; i < warmup; i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = now();
    await once();
    samples.push(now() - t0);
  }
  return median(samples);
}
