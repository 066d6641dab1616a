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
  /**
   * The run length a deadline-planned run has settled on so far (runTraining writes it, and
   * clears it when the run ends): the host's learning-rate schedule, which decays over its
   * configured steps, follows it instead while it is set.
   */
  plannedSteps: number | null;
}

export interface RunOptions {
  /** The last step (with planToDeadline and a finite deadline: only the first guess). */
  steps: number;
  logEvery: number;
  /** [live, backup] pairs of what a divergence restores. */
  rollback: readonly (readonly [GPUBuffer, GPUBuffer])[];
  /** Anything the host adds to a good burst's record (e.g. trained unknowns). */
  extend?: (record: TrainRecord) => Promise<void>;
  onLog?: (r: TrainRecord) => boolean | void;
  deadlineSeconds?: number;
  /**
   * With a finite deadline: re-plan the run's length after each burst from the pace so far
   * (host.plannedSteps), so that the schedule ends when the time does instead of at a step
   * count guessed beforehand (a misjudged guess either stops the decay early or leaves time unused).
   */
  planToDeadline?: boolean;
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

/**
 * The last step of each burst for a run from `first` to `deadlineSeconds` (started at t0, ms),
 * re-planned from the pace after each burst; 2% of the budget is kept for the last
 * measurements, and the last burst is planned once (re-planning it would log, and measure the
 * error, every step or two).
 */
function deadlinePlan(host: RunHost, steps: number, logEvery: number, t0: number, deadlineSeconds: number): () => number {
  const first = host.step;
  return () => {
    const taken = host.step - first;
    const planned = host.plannedSteps;
    const lastBurst = planned !== null && planned - host.step <= logEvery;
    if (taken > 0 && !lastBurst) host.plannedSteps = stepsToDeadline(host.step, taken, (performance.now() - t0) / 1000, 0.98 * deadlineSeconds);
    // before the first burst: at least one burst, even for a resumed run already past `steps`
    return host.plannedSteps ?? Math.max(steps, host.step + logEvery);
  };
}

export async function runTraining(host: RunHost, options: RunOptions): Promise<TrainResult> {
  try {
    return await trainingLoop(host, options);
  } finally {
    host.plannedSteps = null;
  }
}

async function trainingLoop(host: RunHost, { steps, logEvery, rollback, extend, onLog, deadlineSeconds = Infinity, planToDeadline = false }: RunOptions): Promise<TrainResult> {
  const { device } = host;
  const t0 = performance.now();
  const history: TrainRecord[] = [];
  let stopReason = 'done';
  const copy = (toBackup: boolean) => copyBuffers(device, rollback.map(([live, backup]): [GPUBuffer, GPUBuffer] => (toBackup ? [live, backup] : [backup, live])));
  copy(true);
  const lastStep = planToDeadline && Number.isFinite(deadlineSeconds) ? deadlinePlan(host, steps, logEvery, t0, deadlineSeconds) : () => steps;
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
    // a run whose last burst ends a little past the deadline has still taken every step (and
    // its schedule has ended): only a run cut short by the deadline reports it
    if (record.seconds > deadlineSeconds && host.step < end) {
      stopReason = `time budget of ${deadlineSeconds} s reached`;
      break;
    }
  }
  const l2re = await host.l2RelativeError();
  return { steps: host.step, seconds: (performance.now() - t0) / 1000, l2re, history, stopReason };
}
