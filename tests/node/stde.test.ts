import { describe, expect, it } from 'vitest';
import { problemWith } from '../../src/engine/problems';
import { referenceJets } from '../../src/engine/jets/jet-f64';
import type { PdeProblem } from '../../src/engine/problems/types';
import { defaultTrainConfig, PinnTrainer } from '../../src/engine/train/trainer';
import type { StdeOptions } from '../../src/engine/methods/stde';
import { stats, useNodeGpu } from './helpers';

const gpu = useNodeGpu();

const D = 6;
const C = 100; // r = Δu + C > 0, so Δu's estimate is sqrt(parts · n / w) − C exactly
const POINTS = Array.from({ length: 8 }, (_, p) => Array.from({ length: D }, (_, i) => Math.sin(1.3 * p + 0.7 * i)));

/** A probe problem whose one term reads back a Laplacian estimate at fixed points. */
const probe: PdeProblem = {
  id: 'laplacian-probe',
  title: 'Laplacian probe',
  equation: 'r = Δu + C',
  description: 'test only',
  dim: D,
  domain: { lo: Array(D).fill(-1), hi: Array(D).fill(1) },
  terms: [
    {
      name: 'probe',
      points: POINTS,
      derivatives: [{ name: 'Δu', direction: Array(D).fill(0), order: 2, laplacian: true }],
      residualWgsl: `return d[0] + ${C}.0;`,
      residualGradWgsl: 'return array<f32, 1>(1.0);',
      residual: (_x, d) => d[0] + C,
      weight: 1,
    },
  ],
  exact: () => 0,
  testPoints: () => POINTS,
  defaults: { width: 8, depth: 2, steps: 1, lr: 1e-3, interiorPoints: 1 },
};

/** Laplacian estimates at the probe points for sampling streams 0..streams−1. */
async function estimates(stde: StdeOptions | null, streams: number): Promise<{ est: number[][]; exact: number[] }> {
  const trainer = new PinnTrainer(gpu.device, probe, { ...defaultTrainConfig(probe), method: stde ? 'stde' : 'taylor', stde: stde ?? undefined, seed: 11 });
  const { params } = await trainer.snapshot();
  const mlp = await trainer.net.download();
  const exact = POINTS.map((x) => Array.from({ length: D }, (_, i) => 2 * referenceJets(mlp, x, Array.from({ length: D }, (_, m) => (m === i ? 1 : 0)), 2)[2]).reduce((a, b) => a + b, 0));
  const est: number[][] = [];
  for (let s = 0; s < streams; s++) {
    trainer.restore(s, params);
    const [t] = await trainer.evaluateTerms();
    est.push(Array.from(t.parts, (v) => Math.sqrt(v * POINTS.length) - C));
  }
  trainer.destroy();
  return { est, exact };
}

describe('STDE: a Laplacian from random second-order jets', () => {
  it('exact Taylor jets (one per axis) give the f64 Laplacian', async () => {
    const { est, exact } = await estimates(null, 1);
    exact.forEach((e, p) => expect(Math.abs(est[0][p] - e)).toBeLessThan(2e-3 * (1 + Math.abs(e))));
  });

  it('sparse with B = d samples every coordinate: the exact Laplacian at every step', async () => {
    const { est, exact } = await estimates({ kind: 'sparse', batch: D }, 4);
    for (const row of est) exact.forEach((e, p) => expect(Math.abs(row[p] - e)).toBeLessThan(2e-3 * (1 + Math.abs(e))));
  });

  it.each([
    ['sparse', 2],
    ['dense', 3],
  ] as const)('%s with B = %d is unbiased: the mean over 200 sampling streams is within 3 standard errors, and it is noisy', async (kind, batch) => {
    const { est, exact } = await estimates({ kind, batch }, 200);
    exact.forEach((e, p) => {
      const s = stats(est.map((row) => row[p]));
      expect(Math.abs(s.mean - e), `point ${p}: mean ${s.mean} exact ${e} se ${s.se}`).toBeLessThan(3 * s.se + 1e-3);
      expect(s.sd).toBeGreaterThan(1e-3); // really random
    });
  });

  it('trains poisson-nd (d = 8) with sparse STDE: the loss falls, and the same seed reproduces it', async () => {
    const problem = problemWith('poisson-nd', { dim: 8 })!;
    const cfg = { ...defaultTrainConfig(problem), method: 'stde' as const, stde: { kind: 'sparse' as const, batch: 2 }, width: 16, depth: 2, interiorPoints: 128, steps: 60, logEvery: 20 };
    const run = async () => {
      const t = new PinnTrainer(gpu.device, problem, cfg);
      const r = await t.run();
      t.destroy();
      return r.history.map((h) => h.loss);
    };
    const a = await run();
    expect(a[a.length - 1]).toBeLessThan(a[0]);
    expect(await run()).toEqual(a);
  });
});
