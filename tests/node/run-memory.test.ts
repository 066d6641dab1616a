import { describe, expect, it } from 'vitest';
import { freshMemory, historyUpTo, rememberRecord, rememberSnapshot, snapshotDue, useHighDimMemory } from '../../src/app/run-memory';

const device = {} as GPUDevice;
const rec = (step: number) => ({ step, seconds: step / 10, loss: 1 / step, l2re: 0.1 });

describe('run memory with sparse snapshots (large networks)', () => {
  it('reads small parameters back at each record and large ones once per interval', () => {
    expect(snapshotDue(1e5, 0)).toBe(true);
    expect(snapshotDue(51e6, 100)).toBe(false);
    expect(snapshotDue(51e6, 5000)).toBe(true);
    expect(snapshotDue(51e6, 900, 800)).toBe(true);
  });

  it('keeps the older parameters for a record logged without them, and a restore drops the records past them', () => {
    useHighDimMemory.setState(freshMemory('k', device));
    const p10 = new Float32Array([1, 2]);
    rememberRecord(useHighDimMemory, 'k', { step: 10, params: p10 }, rec(10), device);
    rememberRecord(useHighDimMemory, 'k', null, rec(20), device);
    rememberRecord(useHighDimMemory, 'k', null, rec(30), device);
    let mem = useHighDimMemory.getState();
    expect(mem.step).toBe(10);
    expect(mem.params).toBe(p10);
    expect(mem.elapsed).toBe(1);
    expect(mem.history.map((h) => h.step)).toEqual([10, 20, 30]);
    expect(historyUpTo(mem).map((h) => h.step)).toEqual([10]);

    // a pause at step 34 keeps its parameters: all records up to it survive a restore
    const p34 = new Float32Array([3, 4]);
    rememberSnapshot(useHighDimMemory, 'k', { step: 34, params: p34 }, 3.4, device);
    mem = useHighDimMemory.getState();
    expect(mem.params).toBe(p34);
    expect(mem.elapsed).toBe(3.4);
    expect(historyUpTo(mem).map((h) => h.step)).toEqual([10, 20, 30]);
  });

  it('leaves the memory of another run alone', () => {
    useHighDimMemory.setState(freshMemory('other', device));
    rememberRecord(useHighDimMemory, 'k', null, rec(10), device);
    rememberSnapshot(useHighDimMemory, 'k', { step: 12, params: new Float32Array(1) }, 1.2, device);
    const mem = useHighDimMemory.getState();
    expect(mem.history).toEqual([]);
    expect(mem.params).toBeNull();
  });
});
