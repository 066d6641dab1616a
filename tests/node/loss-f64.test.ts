import { describe, expect, it } from 'vitest';
import { burgersSelfSimilar } from '../../src/engine/problems/burgers-selfsimilar';
import { lossF64 } from '../../src/engine/reference/loss-f64';
import { referenceParts, useNodeGpu } from './helpers';
import { defaultTrainConfig, PinnTrainer } from '../../src/engine/train/trainer';

const gpu = useNodeGpu();

describe('the f64 loss of a problem with fixed points (src/engine/reference/loss-f64.ts)', () => {
  it.each([0, 1])('self-similar Burgers k = %i: the sum of the f64 loss parts, and the GPU loss to f32 rounding', async (k) => {
    const problem = burgersSelfSimilar(k);
    const trainer = new PinnTrainer(gpu.device, problem, { ...defaultTrainConfig(problem), seed: 4 });
    const raw = 0.3;
    trainer.setUnknownRaw([raw]);
    const mlp = await trainer.net.download();
    const { loss } = await trainer.gradient();
    const f64 = lossF64(problem, mlp, mlp.params, [raw], true);
    const lambda = problem.unknowns![0].bounds![0] + ((problem.unknowns![0].bounds![1] - problem.unknowns![0].bounds![0]) * (1 + Math.tanh(raw))) / 2;
    const parts = problem.terms.flatMap((t) => referenceParts(problem, t, mlp, Float32Array.from((t.points as number[][]).flat()), [lambda], false));
    expect(Math.abs(f64 - parts.reduce((a, b) => a + b, 0))).toBeLessThan(1e-12 * f64);
    expect(Math.abs(loss - f64) / f64).toBeLessThan(1e-5);
    trainer.destroy();
  });
});
