import { describe, expect, it } from 'vitest';
import { PROBLEMS } from '../../src/engine/problems';
import { poisson1d } from '../../src/engine/problems/poisson-1d';
import type { PdeProblem } from '../../src/engine/problems/types';
import { defaultTrainConfig, PinnTrainer } from '../../src/engine/train/trainer';
import { expectParts, referenceParts, useNodeGpu } from './helpers';

const gpu = useNodeGpu();

describe('training with Taylor jets', () => {
  it('a short run lowers the L2 error of poisson-1d below 0.1, and the same seed reproduces it', async () => {
    const config = { ...defaultTrainConfig(poisson1d), steps: 300, logEvery: 100 };
    const a = new PinnTrainer(gpu.device, poisson1d, config);
    const initial = await a.l2RelativeError();
    const ra = await a.run();
    a.destroy();
    expect(initial).toBeGreaterThan(0.3);
    expect(ra.stopReason).toBe('done');
    expect(ra.l2re).toBeLessThan(0.1);
    expect(ra.history.map((h) => h.loss)).toHaveLength(3);
    expect(ra.history[2].loss).toBeLessThan(ra.history[0].loss);
    const b = new PinnTrainer(gpu.device, poisson1d, config);
    const rb = await b.run();
    b.destroy();
    expect(rb.history.map((h) => h.loss)).toEqual(ra.history.map((h) => h.loss));
  });

  it('a loss that is always NaN: three restores at halved learning rates, then a stop that says so, the last good parameters kept', async () => {
    const broken: PdeProblem = {
      ...poisson1d,
      terms: poisson1d.terms.map((t) => (t.name === 'residual' ? { ...t, residualWgsl: 'return sqrt(-1.0 - d[0] * d[0]);' } : t)),
    };
    const trainer = new PinnTrainer(gpu.device, broken, { ...defaultTrainConfig(broken), steps: 80, logEvery: 10 });
    const before = await trainer.l2RelativeError();
    const r = await trainer.run();
    expect(r.notices.map((n) => n.message.slice(0, 34))).toEqual(['The loss became NaN by step 10: re', 'The loss became NaN by step 20: re', 'The loss became NaN by step 30: re', 'The loss became NaN by step 40, ag']);
    expect(r.stopReason).toBe('diverged: the loss became NaN by step 40, after 3 restores; kept the parameters of step 0');
    expect(r.steps).toBe(40);
    expect(trainer.lrScale).toBe(0.125);
    expect(r.l2re).toBe(before);
    trainer.destroy();
  });

  it('a learning rate far too large (0.99): a notice, and the run ends on finite parameters with a finite loss', async () => {
    const trainer = new PinnTrainer(gpu.device, poisson1d, { ...defaultTrainConfig(poisson1d), lr: 0.99, steps: 200, logEvery: 20 });
    const notices: string[] = [];
    const r = await trainer.run(undefined, Infinity, { onEvent: (e) => void (e.type === 'divergence' && notices.push(e.notice.message)) });
    expect(r.notices.length).toBeGreaterThan(0);
    expect(notices).toEqual(r.notices.map((n) => n.message));
    expect(notices[0]).toMatch(/^The loss (became|grew to) .* by step \d+.*restored the parameters of step \d+/);
    expect(trainer.lrScale).toBeLessThan(1);
    const { params } = await trainer.snapshot();
    expect(params.every(Number.isFinite)).toBe(true);
    const loss = (await trainer.evaluateTerms()).reduce((a, t) => a + t.parts.reduce((b, v) => b + v, 0), 0);
    expect(Number.isFinite(loss)).toBe(true);
    expect(Number.isFinite(r.l2re)).toBe(true);
    r.history.forEach((h) => expect(Number.isFinite(h.loss)).toBe(true));
    trainer.destroy();
    // lrScale multiplies the schedule's rate: at 0 the steps leave the parameters
    const still = new PinnTrainer(gpu.device, poisson1d, { ...defaultTrainConfig(poisson1d), steps: 4, logEvery: 2 });
    const start = (await still.snapshot()).params;
    still.lrScale = 0;
    await still.run();
    expect(still.step).toBe(4);
    expect((await still.snapshot()).params).toEqual(start);
    still.destroy();
  });
});

describe('the loss-term kernels of every problem', () => {
  it.each(PROBLEMS.map((p) => [p.id, p] as const))('%s: GPU residuals of a random network match the f64 residual of its reference jets', async (_id, problem) => {
    // every term as the problem lists it (hard transforms have their own tests)
    const config = { ...defaultTrainConfig(problem), width: 8, depth: 2, interiorPoints: 40, seed: 3, hardBoundary: false };
    const trainer = new PinnTrainer(gpu.device, problem, config);
    const terms = await trainer.evaluateTerms();
    const mlp = await trainer.net.download();
    const q = await trainer.unknownValues();
    problem.terms.forEach((term, ti) => expectParts(terms[ti].parts, referenceParts(problem, term, mlp, terms[ti].points, q, false), 1e-3, term.name));
    trainer.destroy();
  });
});

describe('the odd model of burgers-selfsimilar (u = N(x) − N(−x))', () => {
  it('AD and Taylor follow the same loss curve and the same λ from the same seed; predictions are odd', async () => {
    const problem = PROBLEMS.find((p) => p.id === 'burgers-selfsimilar')!;
    const out: Record<string, { loss: number[]; lambda: number[] }> = {};
    for (const method of ['taylor', 'ad'] as const) {
      const trainer = new PinnTrainer(gpu.device, problem, { ...defaultTrainConfig(problem), method, steps: 12, logEvery: 4, width: 10, depth: 2 });
      // first the terms of the initial network against f64 (the mirrored AD graph included)
      const terms = await trainer.evaluateTerms();
      const mlp = await trainer.net.download();
      const q = await trainer.unknownValues();
      problem.terms.forEach((term, ti) => expectParts(terms[ti].parts, referenceParts(problem, term, mlp, terms[ti].points, q, false), 1e-3, `${method} ${term.name}`));
      const r = await trainer.run();
      out[method] = { loss: r.history.map((h) => h.loss), lambda: r.history.map((h) => h.unknowns![0]) };
      const u = await trainer.predictTest();
      for (let i = 0; i < u.length; i++) expect(u[i] + u[u.length - 1 - i]).toBeCloseTo(0, 6);
      trainer.destroy();
    }
    // the same mathematics in f32: nested reverse passes and the jet recurrence round
    // differently, and the smoothness term (U'''' at order 4) amplifies it over the steps
    out.taylor.loss.forEach((l, i) => expect(Math.abs(out.ad.loss[i] - l) / l).toBeLessThan(5e-3));
    out.taylor.lambda.forEach((l, i) => expect(out.ad.lambda[i]).toBeCloseTo(l, 5));
    expect(out.taylor.lambda[2]).not.toBe(out.taylor.lambda[0]);
  });
});

describe('training with finite differences', () => {
  it('follows the Taylor loss curve up to the truncation error of the stencils', async () => {
    const curves: Record<string, number[]> = {};
    for (const method of ['taylor', 'fd'] as const) {
      const trainer = new PinnTrainer(gpu.device, poisson1d, { ...defaultTrainConfig(poisson1d), method, steps: 20, logEvery: 5, width: 12, depth: 2, interiorPoints: 48 });
      curves[method] = (await trainer.run()).history.map((h) => h.loss);
      trainer.destroy();
    }
    const rel = curves.fd.map((l, i) => Math.abs(l - curves.taylor[i]) / curves.taylor[i]);
    rel.forEach((r) => expect(r).toBeLessThan(1e-2));
    expect(Math.max(...rel)).toBeGreaterThan(0); // not the same computation
  });
});

describe('training with stacked AD', () => {
  it.each(['poisson-1d', 'kdv-1d'])('%s: AD and Taylor follow the same loss curve from the same seed (same mathematics)', async (id) => {
    const problem = PROBLEMS.find((p) => p.id === id)!;
    const curves: Record<string, number[]> = {};
    for (const method of ['taylor', 'ad'] as const) {
      const trainer = new PinnTrainer(gpu.device, problem, { ...defaultTrainConfig(problem), method, steps: 20, logEvery: 5, width: 12, depth: 2, interiorPoints: 48 });
      curves[method] = (await trainer.run()).history.map((h) => h.loss);
      trainer.destroy();
    }
    expect(curves.ad).toHaveLength(4);
    // f32 sums in different orders: agreement to ~1e-4 relative after 20 Adam steps
    curves.ad.forEach((l, i) => expect(Math.abs(l - curves.taylor[i]) / curves.taylor[i], `log ${i}`).toBeLessThan(1e-3));
    expect(curves.ad[3]).not.toBe(curves.ad[0]);
  });
});

describe('L-BFGS after Adam', () => {
  it('lowers the loss further on fixed points and leaves the best parameters in the network', async () => {
    const trainer = new PinnTrainer(gpu.device, poisson1d, { ...defaultTrainConfig(poisson1d), steps: 100, logEvery: 100 });
    await trainer.run();
    const before = (await trainer.lbfgs(0)).f; // the loss at L-BFGS's fixed points, after Adam
    const r = await trainer.lbfgs(25);
    expect(r.iterations).toBeGreaterThan(5);
    expect(r.reason.length).toBeGreaterThan(5);
    expect(r.f).toBeLessThan(0.5 * before);
    // the network now holds L-BFGS's parameters: evaluating at the same points gives its loss
    expect((await trainer.lbfgs(0)).f).toBeCloseTo(r.f, 5);
    trainer.destroy();
  });
});

describe('warm-up', () => {
  it('leaves the run unchanged: the same loss curve as without it', async () => {
    const config = { ...defaultTrainConfig(poisson1d), steps: 20, logEvery: 10, width: 8, depth: 2, interiorPoints: 32 };
    const cold = new PinnTrainer(gpu.device, poisson1d, config);
    const a = (await cold.run()).history.map((h) => h.loss);
    cold.destroy();
    const warm = new PinnTrainer(gpu.device, poisson1d, config);
    await warm.warmUp();
    const b = (await warm.run()).history.map((h) => h.loss);
    warm.destroy();
    expect(b).toEqual(a);
  });
});
