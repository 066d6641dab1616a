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

export async function timeComputePass(
  device: GPUDevice,
  encode: (pass: GPUComputePassEncoder) => void,
  options: TimingOptions = {},
): Promise<TimingResult> {
  const warmup = options.warmup ?? 3;
  const reps = options.reps ?? 20;
  const useTs = (options.timestamps ?? true) && device.features.has('timestamp-query');
  const querySet = useTs ? device.createQuerySet({ type: 'timestamp', count: 2 }) : null;
  const resolve = useTs
    ? device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC })
    : null;
  const read = useTs ? device.createBuffer({ size: 16, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ }) : null;
  const samples: number[] = [];
  for (let i = 0; i < warmup + reps; i++) {
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass(
      querySet ? { timestampWrites: { querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : undefined,
    );
    encode(pass);
    pass.end();
    if (querySet && resolve && read) {
      enc.resolveQuerySet(querySet, 0, 2, resolve, 0);
      enc.copyBufferToBuffer(resolve, 0, read, 0, 16);
    }
    const t0 = now();
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
    const wall = now() - t0;
    let ms = wall;
    if (read) {
      await read.mapAsync(GPUMapMode.READ);
      const ts = new BigUint64Array(read.getMappedRange().slice(0));
      read.unmap();
      const ns = Number(ts[1] - ts[0]);
      // some drivers report 0 or garbage for tiny passes: fall back to wall clock then
      ms = ns > 0 && ns / 1e6 < wall * 10 + 1 ? ns / 1e6 : wall;
    }
    if (i >= warmup) samples.push(ms);
  }
  querySet?.destroy();
  resolve?.destroy();
  read?.destroy();
  return { medianMs: median(samples), samplesMs: samples, timer: useTs ? 'gpu-timestamps' : 'wall-clock' };
}
