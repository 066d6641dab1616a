/**
 * The high-dimensional trainer's memory estimate (issue "Hardening"): within 2x of what the
 * trainer allocates, over networks, batches, estimators and problems with and without time;
 * a run over the budget is refused before anything is allocated, with the estimate.
 */
import { describe, expect, it } from 'vitest';
import { highDimProblemWith } from '../../src/engine/problems';
import { defaultHighDimConfig, estimateHighDimBytes, HighDimTrainer, type HighDimConfig } from '../../src/engine/highdim/trainer';
import { highDimSetup, specDefaults } from '../../src/engine/spec/experiment';
import { InputError } from '../../src/engine/errors';
import { useNodeGpu } from './helpers';

const gpu = useNodeGpu();

describe('high-dimensional memory estimate', () => {
  const cases: [string, number, Partial<HighDimConfig>][] = [
    ['sine-gordon-twobody', 50, { width: 16, depth: 2, points: 32, randBatch: 4 }],
    ['sine-gordon-twobody', 2000, { width: 64, depth: 3, points: 100, randBatch: 16 }],
    ['poisson-twobody', 300, { width: 32, depth: 1, points: 64, randBatch: 2, productRule: true }],
    ['poisson-twobody', 200, { width: 16, depth: 2, points: 16, randBatch: 8, stde: 'dense' }],
    ['hjb-lin', 500, { width: 24, depth: 3, points: 50, randBatch: 10 }],
    ['wave-sinh', 40, { width: 8, depth: 4, points: 8, randBatch: 40, testPoints: 300 }],
  ];
  for (const [id, d, over] of cases) {
    it(`${id}, d = ${d}, ${JSON.stringify(over)}: the estimate is within 2x of what is allocated`, () => {
      const problem = highDimProblemWith(id, d)!;
      const config: HighDimConfig = { ...defaultHighDimConfig(problem), ...over };
      const estimate = estimateHighDimBytes(problem, config);
      const t = new HighDimTrainer(gpu.device, problem, config);
      const allocated = t.memoryBytes();
      t.destroy();
      expect(estimate / allocated).toBeGreaterThan(0.5);
      expect(estimate / allocated).toBeLessThan(2);
    });
  }

  it('a run over the budget is refused with its estimate, by the spec (CLI, app) and by the trainer, before allocating', () => {
    const spec = { ...specDefaults('highdim', 'sine-gordon-twobody'), dim: 1_000_000, width: 1024 };
    expect(() => highDimSetup(spec)).toThrow(InputError);
    expect(() => highDimSetup(spec)).toThrow(/at d = 1000000 with a 3x1024 network and 100 points needs about 1\d\.\d GiB of GPU memory, more than the 4\.0 GiB budget/);
    const problem = highDimProblemWith('sine-gordon-twobody', 1000)!;
    expect(() => new HighDimTrainer(gpu.device, problem, { ...defaultHighDimConfig(problem), memoryBudget: 2 ** 20 })).toThrow(/more than the 0\.0 GiB budget/);
  });
});
