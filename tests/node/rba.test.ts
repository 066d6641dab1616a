import { describe, expect, it } from 'vitest';
import { problemById } from '../../src/engine/problems';
import { defaultTrainConfig, PinnTrainer, type TrainConfig } from '../../src/engine/train/trainer';
import { useNodeGpu } from './helpers';

const gpu = useNodeGpu();

describe('residual-based attention (a multiplier per fixed point)', () => {
  const problem = problemById('heat-1d')!;
  const base: TrainConfig = { ...defaultTrainConfig(problem), width: 12, depth: 2, interiorPoints: 96, steps: 1, logEvery: 1, seed: 6, resampleEvery: 0 };

  it('one update: λ_p = γ + η |r_p| / max |r| from the residuals at the points (lr 0), on every term once the points are fixed', async () => {
    const [gamma, eta] = [0.999, 0.01];
    const trainer = new PinnTrainer(gpu.device, problem, { ...base, lr: 0, rba: { gamma, eta } });
    await trainer.run();
    const attention = await trainer.attention();
    expect(attention.map((a) => a.term).sort()).toEqual(problem.terms.map((t) => t.name).sort());
    const terms = await trainer.evaluateTerms();
    for (const a of attention) {
      const parts = terms.find((t) => t.name === a.term)!.parts;
      const r = Array.from(parts.subarray(0, a.lambda.length), (v) => Math.sqrt(Math.max(v, 0)));
      const top = Math.max(...r);
      r.forEach((rp, p) => expect(Math.abs(a.lambda[p] - (gamma + (eta * rp) / top)), `${a.term} point ${p}`).toBeLessThan(1e-6));
    }
    trainer.destroy();
  });

  it('resampled interior points get none (only the fixed ones do)', async () => {
    const trainer = new PinnTrainer(gpu.device, problem, { ...base, resampleEvery: 1, rba: { gamma: 0.999, eta: 0.01 } });
    const names = (await trainer.attention()).map((a) => a.term);
    const interior = problem.terms.filter((t) => t.points === 'interior').map((t) => t.name);
    expect(names.some((n) => interior.includes(n))).toBe(false);
    expect(names.length).toBe(problem.terms.length - interior.length);
    trainer.destroy();
  });
});
