/**
 * The training loop both trainers share (PinnTrainer and HighDimTrainer): steps submitted in
 * bursts of `logEvery`, the loss read after each burst, a non-finite loss stopping the run and
 * restoring the parameters saved after the last good burst, a record per burst for the caller
 * (which may stop the run by returning false), and an optional wall-clock budget.
 */
import type { TrainRecord, TrainResult } from './trainer';

/** What both trainers provide (structurally: pass the trainer itself). */
export interface RunHost {
  readonly device: GPUDevice;
  /** Steps taken so far. */
  readonly step: number;
  encodeStep(enc: GPUCommandEncoder): void;
  readLoss(): Promise<number>;
  l2RelativeError(): Promise<number>;
}

export interface RunOptions {
  /** The last step, or a function asked again after each burst (a plan that follows the pace). */
  steps: number | (() => number);
  logEvery: number;
  /** [live, backup] pairs of what a divergence restores. */
  rollback: readonly (readonly [GPUBuffer, GPUBuffer])[];
  /** Anything the host adds to a good burst's record (e.g. trained unknowns). */
  extend?: (record: TrainRecord) => Promise<void>;
  onLog?: (r: TrainRecord) => boolean | void;
  deadlineSeconds?: number;
}

/**
 * The last step of a run that must end at `deadlineSeconds`, planned from its pace so far:
 * `taken` steps (this run's) in `elapsed` seconds, now at `step`. At least one more step.
 */
export function stepsToDeadline(step: number, taken: number, elapsed: number, deadlineSeconds: number): number {
  return step + Math.max(1, Math.floor(((deadlineSeconds - elapsed) * taken) / Math.max(elapsed, 1e-9)));
}

/** Copy each pair's first buffer into its second, whole (backup sizes), in one submission. */
export function copyBuffers(device: GPUDevice, pairs: readonly (readonly [GPUBuffer, GPUBuffer])[]): void {
  const enc = device.createCommandEncoder();
  for (const [from, to] of pairs) enc.copyBufferToBuffer(from, 0, to, 0, Math.min(from.size, to.size));
  device.queue.submit([enc.finish()]);
}

export async function runTraining(host: RunHost, { steps, logEvery, rollback, extend, onLog, deadlineSeconds = Infinity }: RunOptions): Promise<TrainResult> {
  const { device } = host;
  const t0 = performance.now();
  const history: TrainRecord[] = [];
  let stopReason = 'done';
  const copy = (toBackup: boolean) => copyBuffers(device, rollback.map(([live, backup]): [GPUBuffer, GPUBuffer] => (toBackup ? [live, backup] : [backup, live])));
  copy(true);
  const lastStep = typeof steps === 'number' ? () => steps : steps;
  for (let end = lastStep(); host.step < end; end = lastStep()) {
    const burst = Math.min(logEvery, end - host.step);
    for (let i = 0; i < burst; i++) {
      const enc = device.createCommandEncoder();
      host.encodeStep(enc);
      device.queue.submit([enc.finish()]);
    }
    const loss = await host.readLoss();
    if (!Number.isFinite(loss)) {
      stopReason = `diverged: the loss became ${loss} by step ${host.step}; restored the parameters of step ${host.step - burst}`;
      copy(false);
      break;
    }
    copy(true);
    const record: TrainRecord = { step: host.step, seconds: (performance.now() - t0) / 1000, loss, l2re: await host.l2RelativeError() };
    await extend?.(record);
    history.push(record);
    if (onLog?.(record) === false) {
      stopReason = 'stopped';
      break;
    }
    if (record.seconds > deadlineSeconds) {
      stopReason = `time budget of ${deadlineSeconds} s reached`;
      break;
    }
  }
  const l2re = await host.l2RelativeError();
  return { steps: host.step, seconds: (performance.now() - t0) / 1000, l2re, history, stopReason };
}
