import { describe, expect, it } from 'vitest';
import { problemById } from '../../src/engine/problems';
import { defaultTrainConfig, PinnTrainer, type TrainConfig } from '../../src/engine/train/trainer';
import { CAUSAL_GROW, CAUSAL_RAISES } from '../../src/engine/train/term';
import { trainSetup, specDefaults } from '../../src/engine/spec/experiment';
import { useNodeGpu } from './helpers';

const gpu = useNodeGpu();

describe('causal training (time chunks weighted by the loss before them)', () => {
  const problem = problemById('advection-1d')!;
  const base: TrainConfig = { ...defaultTrainConfig(problem), width: 16, depth: 2, interiorPoints: 300, steps: 1, logEvery: 1, seed: 2, resampleEvery: 0 };

  it('the chunk weights equal exp(−ε × the f64 sum of the earlier chunks’ mean squared residuals) and never rise with time', async () => {
    const chunks = 8;
    const eps = 0.5;
    // lr 0: the step leaves the network as it was, so the weights it computed belong to the points evaluateTerms reads
    const trainer = new PinnTrainer(gpu.device, problem, { ...base, lr: 0, causal: { chunks, eps } });
    await trainer.run();
    const [state] = await trainer.causalWeights();
    const interior = (await trainer.evaluateTerms()).find((t) => problem.terms.find((p) => p.name === t.name)!.points === 'interior')!;
    const term = problem.terms.find((p) => p.name === interior.name)!;
    const n = interior.parts.length;
    const [t0, t1] = [problem.domain.lo[1], problem.domain.hi[1]];
    const sums = new Array<number>(chunks).fill(0);
    const counts = new Array<number>(chunks).fill(0);
    for (let p = 0; p < n; p++) {
      const c = Math.min(chunks - 1, Math.floor(((interior.points[2 * p + 1] - t0) / (t1 - t0)) * chunks));
      sums[c] += (interior.parts[p] * n) / term.weight;
      counts[c]++;
    }
    let before = 0;
    const expected = sums.map((s, c) => {
      const w = Math.exp(-eps * before);
      before += s / Math.max(1, counts[c]);
      return w;
    });
    expected.forEach((w, c) => expect(Math.abs(state.weights[c] - w), `chunk ${c}`).toBeLessThan(1e-4 * Math.max(w, 1e-3) + 1e-6));
    expect(state.weights[0]).toBe(1);
    for (let c = 1; c < chunks; c++) expect(state.weights[c]).toBeLessThanOrEqual(state.weights[c - 1]);
    expect(state.weights[chunks - 1]).toBeLessThan(0.999); // a random network leaves a residual: later chunks weigh less
    trainer.destroy();
  });

  it('ε grows ×10 each step while every chunk weighs more than 0.99, and stops after its last raise', async () => {
    const eps = 1e-12; // so small that every weight is ~1
    const trainer = new PinnTrainer(gpu.device, problem, { ...base, lr: 0, steps: CAUSAL_RAISES + 3, causal: { chunks: 4, eps } });
    await trainer.run();
    const [state] = await trainer.causalWeights();
    expect(state.eps / (eps * CAUSAL_GROW ** CAUSAL_RAISES)).toBeCloseTo(1, 4);
    trainer.destroy();
  });

  it('the spec: --causal M on a problem with time; refused (with the reason) on one without', () => {
    const spec = { ...specDefaults('train', 'advection-1d'), causal: 16, causalEps: '0.1' };
    expect(trainSetup(spec, new Set(['causal'])).config.causal).toEqual({ chunks: 16, eps: 0.1 });
    const still = { ...specDefaults('train', 'poisson-2d'), causal: 16 };
    expect(() => trainSetup(still, new Set(['causal']))).toThrow(/no time input/);
  });

  it('--tricks none: the plain PINN whatever the technique settings say (hard transforms aside)', () => {
    const spec = { ...specDefaults('train', 'advection-1d'), hard: 'on', causal: 16, fourier: 8, rwf: 'on', rba: 'on', rad: 10, balance: 10 };
    const on = trainSetup(spec, new Set()).config;
    expect(on.periodicEmbedding).toBe(true);
    expect([on.causal, on.fourier, on.rwf, on.rba, on.rad, on.balance].every((v) => v !== undefined)).toBe(true);
    const plain = trainSetup({ ...spec, tricks: 'none' }, new Set()).config;
    expect(plain.periodicEmbedding).toBe(false);
    expect([plain.causal, plain.fourier, plain.rwf, plain.rba, plain.rad, plain.balance]).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
  });
});
