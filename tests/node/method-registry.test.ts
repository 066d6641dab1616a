import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { methodById, methodIds, registerMethod, unregisterMethod } from '../../src/engine/methods/registry';
import { fornbergWeights } from '../../src/engine/methods/fd';
import { poisson1d } from '../../src/engine/problems/poisson-1d';
import { kdv1d } from '../../src/engine/problems/kdv-1d';
import { defaultTrainConfig, PinnTrainer, type TrainConfig } from '../../src/engine/train/trainer';
import type { PdeProblem } from '../../src/engine/problems/types';
import { expectParts, referenceParts, useNodeGpu } from './helpers';
import { fd4, fourthOrderStencil } from './fixtures/fd4';

const gpu = useNodeGpu();

describe('the derivative-method registry', () => {
  beforeAll(() => registerMethod(fd4));
  afterAll(() => unregisterMethod('fd4'));

  it('lists the built-in methods and a registered one, refuses a second of the same name and names the known ones for an unknown name', () => {
    expect(methodIds()).toEqual(['taylor', 'ad', 'fd', 'stde', 'stein', 'fd4']);
    expect(methodIds('exact')).toEqual(['taylor', 'ad', 'fd', 'fd4']);
    expect(() => registerMethod(fd4)).toThrow(/already registered/);
    expect(() => methodById('fd5')).toThrow(/unknown derivative method 'fd5' \(known: taylor, ad, fd, stde, stein, fd4\)/);
  });

  it('the fourth-order stencil: its weights are exact on polynomials of degree k + 3 (second order would miss x^(k+2))', () => {
    for (const k of [1, 2, 3, 4]) {
      const z = fourthOrderStencil(k).map((o) => 0.1 * o);
      const w = fornbergWeights(z, k);
      const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
      for (let degree = 0; degree <= k + 3; degree++) {
        const got = z.reduce((s, zi, i) => s + w[i] * zi ** degree, 0);
        expect(got, `k ${k}, x^${degree}`).toBeCloseTo(degree === k ? fact(k) : 0, 6);
      }
    }
  });

  // the f64 reference: the residuals from exact derivatives of the same network (reference/jet-f64.ts)
  async function partsAgainstReference(problem: PdeProblem, config: Partial<TrainConfig>) {
    const trainer = new PinnTrainer(gpu.device, problem, { ...defaultTrainConfig(problem), width: 12, depth: 2, interiorPoints: 32, ...config });
    const terms = await trainer.evaluateTerms();
    const mlp = await trainer.net.download();
    const worst = problem.terms.map((term, ti) => {
      const ref = referenceParts(problem, term, mlp, terms[ti].points, [], false);
      const scale = Math.max(...ref.map(Math.abs));
      return { term, got: terms[ti].parts, ref, err: Math.max(...ref.map((r, p) => Math.abs(terms[ti].parts[p] - r) / scale)) };
    });
    trainer.destroy();
    return worst;
  }

  it.each([
    ['poisson-1d', poisson1d],
    ['kdv-1d', kdv1d],
  ])('%s: a trainer with the registered method computes every term’s loss parts as the f64 reference does (and a wrong step is caught)', async (_id, problem) => {
    // f32 rounding amplified by 1/h^k at the default step: about ε^(4/(k+4)) of the network's scale (3e-4 at k = 3),
    // squared in a part and grown where the residual cancels; measured up to 3.2e-3 (kdv-1d), the second-order fd's bound is 1e-2
    for (const t of await partsAgainstReference(problem, { method: 'fd4' })) expectParts(t.got, t.ref, 1e-2, t.term.name);
    // can fail: the same stencil with a step of 1 (the domain's width) misses the derivatives by its truncation error
    const coarse = await partsAgainstReference(problem, { method: 'fd4', methodOptions: { step: 1 } });
    expect(Math.max(...coarse.map((t) => t.err))).toBeGreaterThan(1e-2);
  });

  it('follows the Taylor loss curve from the same seed (as fd does) and trains poisson-1d below 0.1 L2 error in 300 steps', async () => {
    const curves: Record<string, number[]> = {};
    for (const method of ['taylor', 'fd4']) {
      const trainer = new PinnTrainer(gpu.device, poisson1d, { ...defaultTrainConfig(poisson1d), method, steps: 20, logEvery: 5, width: 12, depth: 2, interiorPoints: 48 });
      curves[method] = (await trainer.run()).history.map((h) => h.loss);
      trainer.destroy();
    }
    curves.fd4.forEach((l, i) => expect(Math.abs(l - curves.taylor[i]) / curves.taylor[i], `log ${i}`).toBeLessThan(1e-2));
    const trainer = new PinnTrainer(gpu.device, poisson1d, { ...defaultTrainConfig(poisson1d), method: 'fd4', steps: 300, logEvery: 100 });
    const r = await trainer.run();
    trainer.destroy();
    expect(r.stopReason).toBe('done');
    expect(r.history[2].loss).toBeLessThan(r.history[0].loss);
    expect(r.l2re).toBeLessThan(0.1);
  });
});
