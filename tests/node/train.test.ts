import { describe, expect, it } from 'vitest';
import { poisson1d } from '../../src/engine/problems/poisson-1d';
import type { PdeProblem } from '../../src/engine/problems/types';
import { defaultTrainConfig, TaylorTrainer } from '../../src/engine/train/taylor-trainer';
import { useNodeGpu } from './helpers';

const gpu = useNodeGpu();

describe('training with Taylor jets', () => {
  it('a short run lowers the L2 error of poisson-1d below 0.1, and the same seed reproduces it', async () => {
    const config = { ...defaultTrainConfig(poisson1d), steps: 300, logEvery: 100 };
    const a = new TaylorTrainer(gpu.device, poisson1d, config);
    const initial = await a.l2RelativeError();
    const ra = await a.run();
    a.destroy();
    expect(initial).toBeGreaterThan(0.3);
    expect(ra.stopReason).toBe('done');
    expect(ra.l2re).toBeLessThan(0.1);
    expect(ra.history.map((h) => h.loss)).toHaveLength(3);
    expect(ra.history[2].loss).toBeLessThan(ra.history[0].loss);
    const b = new TaylorTrainer(gpu.device, poisson1d, config);
    const rb = await b.run();
    b.destroy();
    expect(rb.history.map((h) => h.loss)).toEqual(ra.history.map((h) => h.loss));
  });

  it('stops on a NaN loss, says so, and keeps the last good parameters', async () => {
    const broken: PdeProblem = {
      ...poisson1d,
      terms: poisson1d.terms.map((t) => (t.name === 'residual' ? { ...t, residualWgsl: 'return sqrt(-1.0 - d[0] * d[0]);' } : t)),
    };
    const trainer = new TaylorTrainer(gpu.device, broken, { ...defaultTrainConfig(broken), steps: 50, logEvery: 10 });
    const before = await trainer.l2RelativeError();
    const r = await trainer.run();
    expect(r.stopReason).toMatch(/diverged: the loss became NaN by step 10; restored the parameters of step 0/);
    expect(r.steps).toBe(10);
    expect(r.l2re).toBe(before);
    trainer.destroy();
  });
});
