/**
 * The one training run every caller uses (the Train and High dimension views, the command line
 * and the benchmarks, through PinnTrainer.run and HighDimTrainer.run):
 *
 * - Adam in bursts of `logEvery` steps (bursts end at multiples of logEvery, so a paused and
 *   resumed run logs the same steps), the loss read after each burst, a record per good burst;
 *   optionally to a wall-clock deadline with the run's length planned from its pace;
 * - then L-BFGS and Levenberg–Marquardt, each where the caller asks for iterations and the host
 *   has them (QuasiNewtonHost: PinnTrainer; the ball problems run Adam only);
 * - progress as a typed event stream (RunEvent);
 * - one divergence policy: a non-finite loss, or one over GROWTH_LIMIT times the best of the
 *   recent bursts, puts back the parameters (and trained unknowns) of the last good burst, halves
 *   the host's learning-rate scale, says so at that step, and goes on; the divergence after
 *   MAX_RESTORES restores stops the run with the last good parameters kept.
 */
import { shadersCompiled } from '../gpu/kernels';
import type { TrainRecord, TrainResult } from './config';

/** A loss this many times the best of the recent bursts is a divergence (unless the loss is a signed estimate). */
export const GROWTH_LIMIT = 1e3;
/** How many good bursts (and the run's first step) the recent best is taken over. */
export const RECENT_BURSTS = 10;
/** Restores (each halving the learning rate) before a further divergence stops the run. */
export const MAX_RESTORES = 3;

/** What both trainers provide (structurally: pass the trainer itself). */
export interface RunHost {
  readonly device: GPUDevice;
  /** Steps taken so far. */
  readonly step: number;
  encodeStep(enc: GPUCommandEncoder): void;
  /** The loss of the last step taken (at the parameters before its update). */
  readLoss(): Promise<number>;
  l2RelativeError(): Promise<number>;
  /**
   * The run length a deadline-planned run has settled on so far (runTraining writes it, and
   * clears it when the run ends): the host's learning-rate schedule, which decays over its
   * configured steps, follows it instead while it is set.
   */
  plannedSteps: number | null;
  /** Multiplies the schedule's learning rate (1 at first); the divergence policy halves it at each restore. */
  lrScale: number;
}

export interface QuasiNewtonResult {
  f: number;
  iterations: number;
  evaluations: number;
  reason: string;
}

/** Called each iteration of a quasi-Newton phase with its loss and the unknowns' values; false stops the phase. */
export type IterationCallback = (it: number, loss: number, unknowns: number[]) => boolean | void;

/** The phases after Adam (PinnTrainer's): each leaves its best parameters in the network. */
export interface QuasiNewtonHost {
  lbfgs(iterations: number, onIteration?: IterationCallback): Promise<QuasiNewtonResult>;
  levenbergMarquardt(iterations: number, onIteration?: IterationCallback): Promise<QuasiNewtonResult>;
}

/** Where a run keeps its last good state: saved after each good burst, restored after a divergence. */
export interface Checkpoint {
  save(): void;
  /** Put the saved state back (and clear what a divergence spoiled, e.g. Adam's moments). */
  restore(): void;
}

export type RunPhase = 'adam' | 'lbfgs' | 'lm';
export const PHASE_NAMES: Record<RunPhase, string> = { adam: 'Adam', lbfgs: 'L-BFGS', lm: 'Levenberg–Marquardt' };

/** How a quasi-Newton phase ended. */
export interface PhaseReport {
  iterations: number;
  evaluations: number;
  loss: number;
  l2re: number;
  reason: string;
  seconds: number;
}

/** A divergence and what the run did about it, with a sentence for the user. */
export interface DivergenceNotice {
  phase: RunPhase;
  /** The step at which it was seen (Adam's; a quasi-Newton phase's counts on from Adam's last). */
  step: number;
  /** The step whose parameters were put back. */
  restoredStep: number;
  loss: number;
  /** The host's learning-rate scale after it. */
  lrScale: number;
  /** The run stopped on it (a divergence after MAX_RESTORES restores). */
  stopped: boolean;
  message: string;
}

export type RunEvent =
  /** A phase begins: Adam with its last step (a deadline run's first guess), or a quasi-Newton phase with its iterations. */
  | { type: 'phase'; phase: RunPhase; count: number }
  /** A good Adam burst, or a quasi-Newton phase's end (its step counts on from Adam's last). */
  | { type: 'record'; phase: RunPhase; record: TrainRecord }
  /** A quasi-Newton iteration (delivered synchronously: a promise returned is not awaited). */
  | { type: 'iteration'; phase: 'lbfgs' | 'lm'; iteration: number; iterations: number; loss: number; unknowns: number[] }
  | { type: 'phase-end'; phase: 'lbfgs' | 'lm'; report: PhaseReport }
  | { type: 'divergence'; notice: DivergenceNotice }
  | { type: 'done'; result: RunResult };

/** What a caller may ask the run between steps: 'stop' (pause: the steps taken are checked, not recorded) or 'abandon' (the host is gone: touch nothing). */
export type Interrupt = 'stop' | 'abandon' | null;

/** What a caller of PinnTrainer.run or HighDimTrainer.run may set. */
export interface RunSettings {
  /** Adam's last step (default: the host's configured steps; with planToDeadline only the first guess). */
  steps?: number;
  /**
   * With a finite deadline: re-plan the run's length after each burst from the pace so far
   * (host.plannedSteps), so that the schedule ends when the time does instead of at a step
   * count guessed beforehand (a misjudged guess either stops the decay early or leaves time unused).
   */
  planToDeadline?: boolean;
  /** L-BFGS iterations after Adam (0 or absent: none). */
  lbfgs?: number;
  /** Levenberg–Marquardt iterations after Adam and L-BFGS (0 or absent: none). */
  lm?: number;
  /** Every event; false from a record, phase or iteration event stops the run ('stopped'). */
  onEvent?: (e: RunEvent) => boolean | void | Promise<boolean | void>;
  /** Wait after every `every` steps within a burst (the app yields a frame there). */
  pace?: { every: number; wait: () => Promise<void> };
  /** Asked after each pace wait, before each burst and at each quasi-Newton iteration. */
  interrupt?: () => Interrupt;
}

export interface RunOptions extends RunSettings {
  steps: number;
  logEvery: number;
  checkpoint: Checkpoint;
  /** Anything the host adds to a record (e.g. trained unknowns). */
  extend?: (record: TrainRecord) => Promise<void>;
  /** Each good Adam burst's record; false stops the run. */
  onLog?: (r: TrainRecord) => boolean | void;
  deadlineSeconds?: number;
  /** The host's quasi-Newton phases (absent: Adam only, whatever lbfgs and lm say). */
  quasiNewton?: QuasiNewtonHost;
  /** The loss is an unbiased estimate that may be near zero or negative (r_A r_B): only a non-finite one is a divergence. */
  signedLoss?: boolean;
}

export interface RunResult extends TrainResult {
  /** Every divergence the run met, in order (empty for a smooth run). */
  notices: DivergenceNotice[];
  lbfgs: PhaseReport | null;
  lm: PhaseReport | null;
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

/** Why a loss read at `step` is a divergence against the recent good losses (null: it is not). */
function divergence(loss: number, step: number, recent: readonly number[], signed: boolean): string | null {
  if (!Number.isFinite(loss)) return `the loss became ${loss} by step ${step}`;
  if (signed || recent.length === 0) return null;
  const best = Math.min(...recent);
  if (best > 0 && loss > GROWTH_LIMIT * best) return `the loss grew to ${loss.toExponential(2)} by step ${step}, over ${GROWTH_LIMIT} times its recent best ${best.toExponential(2)}`;
  return null;
}

const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Train: Adam, then the quasi-Newton phases asked for; see the file's comment. */
export async function runTraining(host: RunHost, options: RunOptions): Promise<RunResult> {
  try {
    return await run(host, options);
  } finally {
    host.plannedSteps = null;
  }
}

/** What the phases share while a run goes. */
interface RunState {
  t0: number;
  history: TrainRecord[];
  notices: DivergenceNotice[];
  emit: (e: RunEvent) => Promise<boolean>;
}

async function run(host: RunHost, o: RunOptions): Promise<RunResult> {
  const s: RunState = { t0: performance.now(), history: [], notices: [], emit: async (e) => (await o.onEvent?.(e)) !== false };
  const seconds = () => (performance.now() - s.t0) / 1000;
  const reports: Record<'lbfgs' | 'lm', PhaseReport | null> = { lbfgs: null, lm: null };
  const abandoned = (): RunResult => ({ steps: host.step, seconds: seconds(), l2re: NaN, history: s.history, stopReason: 'abandoned', notices: s.notices, ...reports });
  // a kernel that does not compile stops the run here, with its message (ShaderCompileError)
  await shadersCompiled(host.device);
  let stopReason = await adam(host, o, s);
  if (stopReason === 'abandoned') return abandoned();
  let l2re: number | null = null;
  const qn = o.quasiNewton;
  // after a run to its steps or its time (not a stopped or diverged one)
  if (qn && (stopReason === 'done' || stopReason.startsWith('time budget'))) {
    let done = 0; // quasi-Newton iterations so far: their records count on from Adam's last step
    for (const phase of ['lbfgs', 'lm'] as const) {
      const iterations = o[phase] ?? 0;
      if (iterations <= 0) continue;
      if (!(await s.emit({ type: 'phase', phase, count: iterations })) || o.interrupt?.()) {
        stopReason = o.interrupt?.() === 'abandon' ? 'abandoned' : 'stopped';
        break;
      }
      o.checkpoint.save();
      const p0 = performance.now();
      let interrupt: Interrupt = null;
      const onIteration: IterationCallback = (iteration, loss, unknowns) => {
        const go = o.onEvent?.({ type: 'iteration', phase, iteration, iterations, loss, unknowns });
        interrupt = o.interrupt?.() ?? null;
        return go !== false && interrupt === null;
      };
      const r = phase === 'lbfgs' ? await qn.lbfgs(iterations, onIteration) : await qn.levenbergMarquardt(iterations, onIteration);
      if ((interrupt as Interrupt) === 'abandon') return abandoned();
      done += r.iterations;
      const step = host.step + done;
      if (!Number.isFinite(r.f)) {
        // the phases keep their best point, so only a start they could not evaluate ends here
        o.checkpoint.restore();
        const message = `${PHASE_NAMES[phase]} ended at a loss of ${r.f} (iteration ${r.iterations}): restored the parameters from before it (Adam's step ${host.step}).`;
        const notice: DivergenceNotice = { phase, step, restoredStep: host.step, loss: r.f, lrScale: host.lrScale, stopped: false, message };
        s.notices.push(notice);
        await s.emit({ type: 'divergence', notice });
      }
      l2re = await host.l2RelativeError();
      const report: PhaseReport = { iterations: r.iterations, evaluations: r.evaluations, loss: r.f, l2re, reason: r.reason, seconds: (performance.now() - p0) / 1000 };
      reports[phase] = report;
      let go = true;
      if (Number.isFinite(r.f)) {
        const record: TrainRecord = { step, seconds: seconds(), loss: r.f, l2re };
        await o.extend?.(record);
        go = await s.emit({ type: 'record', phase, record });
      }
      await s.emit({ type: 'phase-end', phase, report });
      if (r.reason === 'stopped' || !go) {
        stopReason = 'stopped';
        break;
      }
    }
  }
  if (stopReason === 'abandoned') return abandoned();
  const result: RunResult = { steps: host.step, seconds: seconds(), l2re: l2re ?? (await host.l2RelativeError()), history: s.history, stopReason, notices: s.notices, ...reports };
  await s.emit({ type: 'done', result });
  return result;
}

/** Adam to the last step (or the deadline); returns the stop reason ('abandoned': return at once). */
async function adam(host: RunHost, o: RunOptions, s: RunState): Promise<string> {
  const { device } = host;
  const { logEvery, checkpoint, deadlineSeconds = Infinity } = o;
  const submitStep = () => {
    const enc = device.createCommandEncoder();
    host.encodeStep(enc);
    device.queue.submit([enc.finish()]);
  };
  checkpoint.save();
  let goodStep = host.step;
  let restores = 0;
  // the losses of the last good bursts, and first the loss at the run's starting parameters
  const recent: number[] = [];
  let firstBurst = true;
  const lastStep = o.planToDeadline && Number.isFinite(deadlineSeconds) ? deadlinePlan(host, o.steps, logEvery, s.t0, deadlineSeconds) : () => o.steps;
  let end = lastStep();
  if (host.step < end && !(await s.emit({ type: 'phase', phase: 'adam', count: end }))) return 'stopped';
  for (; host.step < end; end = lastStep()) {
    const before = o.interrupt?.() ?? null;
    if (before === 'abandon') return 'abandoned';
    if (before === 'stop') return 'stopped';
    // bursts end at multiples of logEvery (a resumed run logs the steps an unbroken one does)
    const burst = Math.min(logEvery - (host.step % logEvery), end - host.step);
    let interrupt: Interrupt = null;
    for (let taken = 1; taken <= burst; taken++) {
      submitStep();
      if (firstBurst && taken === 1 && burst > 1) {
        // the first step's loss is the loss at the starting parameters: the first reference
        const start = await host.readLoss();
        if (Number.isFinite(start)) recent.push(start);
      }
      if (o.pace && taken < burst && host.step % o.pace.every === 0) {
        await o.pace.wait();
        interrupt = o.interrupt?.() ?? null;
        if (interrupt === 'abandon') return 'abandoned';
        if (interrupt === 'stop') break;
      }
    }
    firstBurst = false;
    const loss = await host.readLoss();
    if (o.interrupt?.() === 'abandon') return 'abandoned';
    const elapsed = (performance.now() - s.t0) / 1000;
    const cause = divergence(loss, host.step, recent, o.signedLoss === true);
    if (cause) {
      const stopped = restores === MAX_RESTORES;
      checkpoint.restore();
      if (!stopped) {
        restores++;
        host.lrScale /= 2;
      }
      const scale = +host.lrScale.toPrecision(3);
      const message = stopped
        ? `${capitalized(cause)}, again after ${MAX_RESTORES} restores at lower learning rates: kept the parameters of step ${goodStep} and stopped. Lower the learning rate and start again.`
        : `${capitalized(cause)}: restored the parameters of step ${goodStep} and halved the learning rate (now ${scale}× the schedule’s; restore ${restores} of ${MAX_RESTORES}); training goes on.`;
      const notice: DivergenceNotice = { phase: 'adam', step: host.step, restoredStep: goodStep, loss, lrScale: host.lrScale, stopped, message };
      s.notices.push(notice);
      await s.emit({ type: 'divergence', notice });
      if (stopped) return `diverged: ${cause}, after ${MAX_RESTORES} restores; kept the parameters of step ${goodStep}`;
    } else {
      checkpoint.save();
      goodStep = host.step;
      recent.push(loss);
      if (recent.length > RECENT_BURSTS) recent.shift();
      // a pause mid-burst: its steps are checked and kept, not recorded
      if (interrupt === 'stop') return 'stopped';
      const record: TrainRecord = { step: host.step, seconds: elapsed, loss, l2re: await host.l2RelativeError() };
      await o.extend?.(record);
      s.history.push(record);
      if (o.onLog?.(record) === false || !(await s.emit({ type: 'record', phase: 'adam', record }))) return 'stopped';
    }
    if (interrupt === 'stop') return 'stopped';
    // a run whose last burst ends a little past the deadline has still taken every step (and
    // its schedule has ended): only a run cut short by the deadline reports it
    if (elapsed > deadlineSeconds && host.step < end) return `time budget of ${deadlineSeconds} s reached`;
  }
  return 'done';
}
