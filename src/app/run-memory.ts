/**
 * What a training run must not lose when the GPU device is lost: its history and its
 * last logged parameters, kept outside React and the device (a zustand store). A new
 * device with the same settings continues from here.
 */
import { create } from 'zustand';
import type { TrainRecord } from '../engine/train/trainer';

export interface RunMemory {
  /** The settings the run belongs to (serialized). */
  key: string;
  history: TrainRecord[];
  step: number;
  params: Float32Array | null;
  unknownRaw: Float32Array | null;
  elapsed: number;
  /** The device the state was saved from (a different one means a recovery). */
  device: GPUDevice | null;
}

const empty: RunMemory = { key: '', history: [], step: 0, params: null, unknownRaw: null, elapsed: 0, device: null };

export const useRunMemory = create<RunMemory>(() => empty);

export function forgetRun(): void {
  useRunMemory.setState(empty);
}

/** The High dimension view's run, kept the same way (no trained unknowns there). */
export const useHighDimMemory = create<RunMemory>(() => empty);

export function forgetHighDimRun(): void {
  useHighDimMemory.setState(empty);
}

/** What a view says when it continues a remembered run on `device`. */
export function resumeMessage(mem: RunMemory, device: GPUDevice): string {
  return mem.device !== device
    ? `The GPU device was lost; a new one continues the run from step ${mem.step} (history kept, Adam's moments restart).`
    : `Continuing this run from step ${mem.step}, where it was when you left the view (history kept, Adam's moments restart). Reset starts over.`;
}

type Snapshot = { step: number; params: Float32Array; unknownRaw?: Float32Array | null };

/**
 * Add a logged record to the memory of the run of `key` (a memory of another run is left
 * alone), with the parameters it was logged at, or, `snap` null, without them: the memory
 * keeps its older parameters, and a restore drops the records past them (historyUpTo).
 */
export function rememberRecord(store: typeof useRunMemory, key: string, snap: Snapshot | null, record: TrainRecord, device: GPUDevice): void {
  const mem = store.getState();
  if (mem.key !== key) return;
  const history = [...mem.history, record];
  store.setState(snap ? { ...snap, history, elapsed: record.seconds, device } : { history });
}

/** Keep parameters taken between logged records (a paused run), with the run's clock at that moment. */
export function rememberSnapshot(store: typeof useRunMemory, key: string, snap: Snapshot, elapsed: number, device: GPUDevice): void {
  if (store.getState().key === key) store.setState({ ...snap, elapsed, device });
}

/** The remembered records a restore continues from: those up to the remembered parameters' step. */
export function historyUpTo(mem: RunMemory): TrainRecord[] {
  return mem.history.filter((h) => h.step <= mem.step);
}

/**
 * Whether a run should read its parameters back for the memory now: every logged record while
 * they are small, else once per `everyMs` (at d = 10⁵ they are 51 MB; reading them every few
 * steps would cost more than the steps).
 */
export function snapshotDue(paramBytes: number, sinceMs: number, everyMs = 5000, smallBytes = 4 * 2 ** 20): boolean {
  return paramBytes <= smallBytes || sinceMs >= everyMs;
}

/** A fresh memory for the run of `key` on `device`. */
export function freshMemory(key: string, device: GPUDevice): RunMemory {
  return { ...empty, key, device };
}
