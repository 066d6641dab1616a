import { describe, expect, it } from 'vitest';
import { runTraining, stepsToDeadline, type RunHost } from '../../src/engine/train/run-loop';

/** A host whose steps only count, with a loss that is the step number (nothing on a GPU queue). */
function countingHost(): RunHost & { encoded: number } {
  const host = {
    encoded: 0,
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

  it('asks a planned run length again after each burst and stops where it says', async () => {
    const host = countingHost();
    const asked: number[] = [];
    const plan = () => {
      asked.push(host.step);
      return host.step < 20 ? 35 : 27; // the plan shrinks once the run is under way
    };
    const r = await runTraining(host, { steps: plan, logEvery: 10, rollback: [] });
    expect(r.steps).toBe(27);
    expect(r.history.map((h) => h.step)).toEqual([10, 20, 27]);
    expect(asked).toEqual([0, 10, 20, 27]);
    // a fixed count as before
    const fixed = countingHost();
    expect((await runTraining(fixed, { steps: 25, logEvery: 10, rollback: [] })).history.map((h) => h.step)).toEqual([10, 20, 25]);
  });
});
