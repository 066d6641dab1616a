import { describe, expect, it } from 'vitest';
import { problemById } from '../../src/engine/problems';
import { defaultTrainConfig, PinnTrainer, type TrainConfig, type TrainMethod } from '../../src/engine/train/trainer';
import { useNodeGpu } from './helpers';

const gpu = useNodeGpu();
const norm = (g: Float32Array) => Math.sqrt(g.reduce((a, v) => a + v * v, 0));

describe('gradient-norm balancing of the loss weights (learning-rate annealing)', () => {
  const problem = problemById('heat-1d')!;
  const base: TrainConfig = { ...defaultTrainConfig(problem), width: 12, depth: 2, interiorPoints: 64, steps: 1, logEvery: 1, seed: 4 };

  for (const method of ['taylor', 'ad'] as TrainMethod[]) {
    it(`${method}: one update moves each weight to α w + (1 − α) Σ_j |∇L_j| / |∇L_i|, the norms taken term by term at the step's points`, async () => {
      const names = problem.terms.map((t) => t.name);
      // each term's unweighted gradient alone, at step 0's points: every other term's weight 0
      const alone = await Promise.all(
        names.map(async (name) => {
          const weights = Object.fromEntries(names.map((n) => [n, n === name ? 1 : 0]));
          const t = new PinnTrainer(gpu.device, problem, { ...base, method, weights });
          const { grad } = await t.gradient();
          t.destroy();
          return norm(grad);
        }),
      );
      const total = alone.reduce((a, b) => a + b, 0);
      const alpha = 0.9;
      const expected = problem.terms.map((term, i) => alpha * term.weight + ((1 - alpha) * total) / alone[i]);
      const trainer = new PinnTrainer(gpu.device, problem, { ...base, method, lr: 0, balance: { every: 1, alpha } });
      await trainer.run();
      const got = await trainer.termWeights();
      got.forEach((w, i) => expect(Math.abs(w.weight - expected[i]) / expected[i], w.term).toBeLessThan(1e-4));
      // the terms really differ: balancing changed something
      expect(Math.max(...got.map((w, i) => Math.abs(w.weight - problem.terms[i].weight)))).toBeGreaterThan(1e-3);
      trainer.destroy();
    });
  }
});
