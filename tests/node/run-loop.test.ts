import { describe, expect, it, vi } from 'vitest';
import { runTraining, stepsToDeadline, type RunHost } from '../../src/engine/train/run-loop';

/** A host whose steps only count, with a loss that is the step number (nothing on a GPU queue). */
function countingHost(): RunHost & { encoded: number } {
  const host = {
    encoded: 0,
    plannedSteps: null as number | null,
    device: { createCommandEncoder: () => ({ finish: () => ({}), copyBufferToBuffer: () => undefined }), queue: { submit: () => undefined } } as unknown as GPUDevice,
    get step() {
      return host.encoded;
    },
    encodeStep: () => void host.encoded++,
    readLoss: async () => host.encoded,
    l2RelativeError: async () => 1 / (1 + host.encoded),
  };
  return host;
}

describe('the shared run loop', () => {
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
    expect((await runTraining(fixed, { steps: 25, logEvery: 10, rollback: [] })).history.map((h) => h.step)).toEqual([10, 20, 25]);
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
      const r = await runTraining(host, { steps: 1000, logEvery: 10, rollback: [], deadlineSeconds: 5, planToDeadline: true });
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
      const p = await runTraining(plain, { steps: 1000, logEvery: 10, rollback: [], deadlineSeconds: 5 });
      expect(p.steps).toBe(60);
      expect(p.stopReason).toMatch(/time budget of 5 s reached/);
      // a run whose last burst ends past the deadline has still taken every step: done, with its time
      clock = 0;
      const late = clocked((step) => (step >= 40 ? 200 : 100));
      const l = await runTraining(late, { steps: 1000, logEvery: 10, rollback: [], deadlineSeconds: 5, planToDeadline: true });
      expect(l.history.map((h) => h.step)).toEqual([10, 20, 30, 40, 49]);
      expect(l.seconds).toBeGreaterThan(5);
      expect(l.stopReason).toBe('done');
      // so is a fixed count whose last burst ends past the deadline (55 steps at 0.1 s, 5 s budget)
      clock = 0;
      const cut = clocked(() => 100);
      const c = await runTraining(cut, { steps: 55, logEvery: 10, rollback: [], deadlineSeconds: 5 });
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
      const r = await runTraining(host, { steps: 50, logEvery: 10, rollback: [], deadlineSeconds: 3, planToDeadline: true });
      expect(r.steps).toBeGreaterThan(110);
      expect(r.stopReason).toBe('done');
    } finally {
      now.mockRestore();
    }
  });
});
