import { describe, expect, it, vi } from 'vitest';
import { MAX_RESTORES, runTraining, stepsToDeadline, type Checkpoint, type QuasiNewtonHost, type RunEvent, type RunHost } from '../../src/engine/train/run';

/** A host whose steps only count, with a loss that falls with the step (nothing on a GPU queue). */
function countingHost(): RunHost & { encoded: number } {
  const host = {
    encoded: 0,
    plannedSteps: null as number | null,
    lrScale: 1,
    device: { createCommandEncoder: () => ({ finish: () => ({}), copyBufferToBuffer: () => undefined }), queue: { submit: () => undefined } } as unknown as GPUDevice,
    get step() {
      return host.encoded;
    },
    encodeStep: () => void host.encoded++,
    readLoss: async () => 1 / (1 + host.encoded),
    l2RelativeError: async () => 1 / (1 + host.encoded),
  };
  return host;
}

/** A checkpoint with nothing to keep (the counting host has no parameters). */
const NONE: Checkpoint = { save: () => undefined, restore: () => undefined };

describe('the run loop', () => {
  it('plans the run to a deadline from its pace', () => {
    // 100 steps in 20 s, 40 s left: 200 more
    expect(stepsToDeadline(100, 100, 20, 60)).toBe(300);
    // a resumed run counts only its own steps and time
    expect(stepsToDeadline(1100, 100, 20, 60)).toBe(1300);
    // past the deadline: one more step, never fewer
    expect(stepsToDeadline(50, 50, 70, 60)).toBe(51);
  });

  it('runs to a fixed step count in bursts of logEvery', async () => {
    const fixed = countingHost();
    expect((await runTraining(fixed, { steps: 25, logEvery: 10, checkpoint: NONE })).history.map((h) => h.step)).toEqual([10, 20, 25]);
  });

  it('plans a deadline run from its pace: the host schedule sees the planned length, the last burst is planned once, and the plan is cleared after', async () => {
    // a clock that moves 0.1 s per step and nowhere else (0.05 s from step 30: the plan made at
    // step 30 ends at 49; re-planned at step 40 it would say 56, but the last burst is not re-planned)
    let clock = 0;
    const now = vi.spyOn(performance, 'now').mockImplementation(() => clock);
    try {
      const host = countingHost();
      const seen: (number | null)[] = [];
      const encode = host.encodeStep;
      host.encodeStep = (enc) => {
        seen.push(host.plannedSteps);
        clock += host.step >= 30 ? 50 : 100;
        encode(enc);
      };
      const r = await runTraining(host, { steps: 1000, logEvery: 10, checkpoint: NONE, deadlineSeconds: 5, planToDeadline: true });
      // 98% of 5 s at 10 steps/s: 49 steps; planned after the first burst (10 + 3.9 s x 10/s), kept for the last
      expect(r.history.map((h) => h.step)).toEqual([10, 20, 30, 40, 49]);
      expect(r.stopReason).toBe('done');
      expect(seen.slice(0, 10).every((p) => p === null)).toBe(true);
      expect(seen.slice(10).every((p) => p === 49)).toBe(true);
      expect(host.plannedSteps).toBeNull();
      // without planToDeadline the deadline only stops the run
      clock = 0;
      // a counting host whose step at `step` moves the clock by ms(step)
      const clocked = (ms: (step: number) => number) => {
        const h = countingHost();
        h.encodeStep = () => {
          clock += ms(h.step);
          h.encoded++;
        };
        return h;
      };
      const plain = clocked(() => 100);
      const p = await runTraining(plain, { steps: 1000, logEvery: 10, checkpoint: NONE, deadlineSeconds: 5 });
      expect(p.steps).toBe(60);
      expect(p.stopReason).toMatch(/time budget of 5 s reached/);
      // a run whose last burst ends past the deadline has still taken every step: done, with its time
      clock = 0;
      const late = clocked((step) => (step >= 40 ? 200 : 100));
      const l = await runTraining(late, { steps: 1000, logEvery: 10, checkpoint: NONE, deadlineSeconds: 5, planToDeadline: true });
      expect(l.history.map((h) => h.step)).toEqual([10, 20, 30, 40, 49]);
      expect(l.seconds).toBeGreaterThan(5);
      expect(l.stopReason).toBe('done');
      // so is a fixed count whose last burst ends past the deadline (55 steps at 0.1 s, 5 s budget)
      clock = 0;
      const cut = clocked(() => 100);
      const c = await runTraining(cut, { steps: 55, logEvery: 10, checkpoint: NONE, deadlineSeconds: 5 });
      expect(c.steps).toBe(55);
      expect(c.stopReason).toBe('done');
    } finally {
      now.mockRestore();
    }
  });

  it('a deadline run resumed past its configured steps still trains', async () => {
    let clock = 0;
    const now = vi.spyOn(performance, 'now').mockImplementation(() => clock);
    try {
      const host = countingHost();
      host.encoded = 100;
      const encode = host.encodeStep;
      host.encodeStep = (enc) => {
        clock += 100;
        encode(enc);
      };
      const r = await runTraining(host, { steps: 50, logEvery: 10, checkpoint: NONE, deadlineSeconds: 3, planToDeadline: true });
      expect(r.steps).toBeGreaterThan(110);
      expect(r.stopReason).toBe('done');
    } finally {
      now.mockRestore();
    }
  });

  it('a NaN at step k: the last good parameters back, the learning rate halved, a notice naming step k, and the run goes on', async () => {
    // the 30th step poisons the parameter; the burst ending there reads NaN
    const { host, checkpoint, events, onEvent } = paramHost((step, st) => {
      if (step === 30) st.param = NaN;
    });
    const r = await runTraining(host, { steps: 60, logEvery: 10, checkpoint, onEvent });
    expect(r.stopReason).toBe('done');
    expect(r.notices).toHaveLength(1);
    const n = r.notices[0];
    expect(n).toMatchObject({ phase: 'adam', step: 30, restoredStep: 20, lrScale: 0.5, stopped: false });
    expect(n.message).toMatch(/^The loss became NaN by step 30: restored the parameters of step 20 and halved the learning rate \(now 0\.5× the schedule’s; restore 1 of 3\); training goes on\.$/);
    expect(events.filter((e) => e.type === 'divergence')).toEqual([{ type: 'divergence', notice: n }]);
    // the NaN burst is not recorded; the run goes on from step 20's parameter at half the rate
    expect(r.history.map((h) => h.step)).toEqual([10, 20, 40, 50, 60]);
    expect(host.lrScale).toBe(0.5);
    expect(host.rates.slice(0, 30).every((x) => x === 1)).toBe(true);
    expect(host.rates.slice(30).every((x) => x === 0.5)).toBe(true);
    expect(host.state.param).toBe(20 + 30 * 0.5);
  });

  it('a loss that grows 1e4 times over its recent best counts as a divergence too', async () => {
    const { host, checkpoint } = paramHost((step, st) => {
      if (step === 40) st.blown = true;
    });
    const r = await runTraining(host, { steps: 60, logEvery: 10, checkpoint });
    expect(r.stopReason).toBe('done');
    expect(r.notices).toHaveLength(1);
    expect(r.notices[0]).toMatchObject({ step: 40, restoredStep: 30, lrScale: 0.5, stopped: false });
    expect(r.notices[0].message).toMatch(/^The loss grew to .* by step 40, over 1000 times its recent best .*: restored the parameters of step 30 and halved the learning rate/);
    expect(r.history.map((h) => h.step)).toEqual([10, 20, 30, 50, 60]);
    expect(host.state.blown).toBe(false);
    expect(host.state.param).toBe(30 + 20 * 0.5);
    // a signed (unbiased) loss estimate is judged by finiteness only
    const signed = paramHost((step, st) => {
      if (step === 40) st.blown = true;
    });
    expect((await runTraining(signed.host, { steps: 60, logEvery: 10, checkpoint: signed.checkpoint, signedLoss: true })).notices).toEqual([]);
  });

  it(`the divergence after ${MAX_RESTORES} restores stops the run with a message, the last good parameters kept, and no quasi-Newton phase`, async () => {
    // every step from 15 on poisons the parameter
    const { host, checkpoint } = paramHost((step, st) => {
      if (step >= 15) st.param = NaN;
    });
    const phases: string[] = [];
    const r = await runTraining(host, { steps: 100, logEvery: 10, checkpoint, lbfgs: 5, quasiNewton: quasiNewtonStub(phases) });
    expect(r.notices.map((n) => [n.step, n.restoredStep, n.stopped])).toEqual([
      [20, 10, false],
      [30, 10, false],
      [40, 10, false],
      [50, 10, true],
    ]);
    expect(r.notices[3].message).toMatch(/^The loss became NaN by step 50, again after 3 restores at lower learning rates: kept the parameters of step 10 and stopped\. Lower the learning rate and start again\.$/);
    expect(r.stopReason).toBe('diverged: the loss became NaN by step 50, after 3 restores; kept the parameters of step 10');
    expect(r.steps).toBe(50);
    expect(r.history.map((h) => h.step)).toEqual([10]);
    expect(host.state.param).toBe(10);
    expect(host.lrScale).toBe(0.125);
    expect(phases).toEqual([]);
  });

  it('runs Adam, then L-BFGS, then Levenberg–Marquardt, and the events say so in order', async () => {
    const { host, checkpoint, events, onEvent } = paramHost(() => undefined);
    const phases: string[] = [];
    const r = await runTraining(host, { steps: 20, logEvery: 10, checkpoint, onEvent, lbfgs: 3, lm: 2, quasiNewton: quasiNewtonStub(phases) });
    expect(phases).toEqual(['lbfgs', 'lm']);
    const said = events.map((e) => (e.type === 'record' ? `record ${e.phase} ${e.record.step}` : e.type === 'iteration' ? `${e.phase} ${e.iteration}/${e.iterations}` : e.type === 'phase' ? `phase ${e.phase} ${e.count}` : e.type === 'phase-end' ? `end ${e.phase}` : e.type));
    expect(said).toEqual(['phase adam 20', 'record adam 10', 'record adam 20', 'phase lbfgs 3', 'lbfgs 1/3', 'lbfgs 2/3', 'lbfgs 3/3', 'record lbfgs 23', 'end lbfgs', 'phase lm 2', 'lm 1/2', 'lm 2/2', 'record lm 25', 'end lm', 'done']);
    expect(r.lbfgs).toMatchObject({ iterations: 3, evaluations: 4, loss: 0.3, reason: 'lbfgs converged' });
    expect(r.lm).toMatchObject({ iterations: 2, evaluations: 3, loss: 0.2, reason: 'lm converged' });
    expect(r.history.map((h) => h.step)).toEqual([10, 20]); // Adam's records; each phase's end is its report
    expect(r.stopReason).toBe('done');
    // a host without the phases (the ball problems) runs Adam only
    const adamOnly = paramHost(() => undefined);
    const a = await runTraining(adamOnly.host, { steps: 20, logEvery: 10, checkpoint: adamOnly.checkpoint, onEvent: adamOnly.onEvent, lbfgs: 3, lm: 2 });
    expect(a.lbfgs).toBeNull();
    expect(adamOnly.events.map((e) => e.type)).toEqual(['phase', 'record', 'record', 'done']);
  });

  it('a pause mid-burst checks the steps taken without a record; the next run logs where an unbroken one would', async () => {
    const { host, checkpoint } = paramHost(() => undefined);
    let reads = 0;
    const read = host.readLoss;
    host.readLoss = () => (reads++, read());
    const pace = { every: 5, wait: async () => undefined };
    const r = await runTraining(host, { steps: 40, logEvery: 10, checkpoint, pace, interrupt: () => (host.step >= 13 ? 'stop' : null) });
    expect(r.stopReason).toBe('stopped');
    expect(r.steps).toBe(15);
    expect(r.history.map((h) => h.step)).toEqual([10]);
    expect(host.state.saved.param).toBe(15); // checked, so kept as good
    const more = await runTraining(host, { steps: 40, logEvery: 10, checkpoint, pace });
    expect(more.history.map((h) => h.step)).toEqual([20, 30, 40]);
    // abandoned (the host is gone): nothing more is read
    const gone = paramHost(() => undefined);
    let goneReads = 0;
    gone.host.readLoss = async () => (goneReads++, 1);
    const g = await runTraining(gone.host, { steps: 40, logEvery: 10, checkpoint: gone.checkpoint, pace, interrupt: () => (gone.host.step >= 13 ? 'abandon' : null) });
    expect(g.stopReason).toBe('abandoned');
    expect(goneReads).toBe(2); // the first step's and step 10's
    expect(reads).toBeGreaterThan(0);
  });
});

interface ParamState {
  param: number;
  blown: boolean;
}

/**
 * A counting host with one parameter that each step moves by its learning-rate scale, a
 * checkpoint of it, and a loss of 1/(1 + step) unless the parameter is NaN (a NaN loss) or
 * blown (1e4 times its usual value). `onStep(step, state)` runs after each step.
 */
function paramHost(onStep: (step: number, state: ParamState) => void) {
  const state = { param: 0, blown: false, saved: { param: 0, blown: false } };
  const rates: number[] = [];
  const host = countingHost();
  host.encodeStep = () => {
    rates.push(host.lrScale);
    state.param += host.lrScale;
    host.encoded++;
    onStep(host.encoded, state);
  };
  host.readLoss = async () => (Number.isNaN(state.param) ? NaN : (state.blown ? 1e4 : 1) / (1 + host.encoded));
  const checkpoint: Checkpoint = {
    save: () => void (state.saved = { param: state.param, blown: state.blown }),
    restore: () => void Object.assign(state, state.saved),
  };
  const events: RunEvent[] = [];
  const onEvent = (e: RunEvent) => void events.push(e);
  return { host: Object.assign(host, { state, rates }), checkpoint, events, onEvent };
}

/** Quasi-Newton phases that only count: loss 0.1 x (iterations left + 1) ... ending at 0.3 (L-BFGS) and 0.2 (LM). */
function quasiNewtonStub(calls: string[]): QuasiNewtonHost {
  const phase = (name: string, end: number) => async (iterations: number, onIteration?: (it: number, loss: number, unknowns: number[]) => boolean | void) => {
    calls.push(name);
    for (let it = 1; it <= iterations; it++) onIteration?.(it, end + 0.1 * (iterations - it), []);
    return { f: end, iterations, evaluations: iterations + 1, reason: `${name} converged` };
  };
  return { lbfgs: phase('lbfgs', 0.3), levenbergMarquardt: phase('lm', 0.2) };
}
