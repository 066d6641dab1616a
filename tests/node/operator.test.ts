import { describe, expect, it } from 'vitest';
import { mlpSlotJet, readPartial, slotLayout, slotTangents, type OperatorTerm } from '../../src/engine/jets/jet-slots';
import { problemWith } from '../../src/engine/problems';
import { operatorSpec, type PdeProblem } from '../../src/engine/problems/types';
import { referenceJets } from '../../src/engine/jets/jet-f64';
import type { Mlp } from '../../src/engine/model/mlp';
import { defaultTrainConfig, PinnTrainer, type TrainConfig } from '../../src/engine/train/trainer';
import { expectTrainsAndReproduces, stats, useNodeGpu } from './helpers';

const gpu = useNodeGpu();

const D = 3;
const POINTS = Array.from({ length: 6 }, (_, p) => Array.from({ length: D }, (_, i) => 0.6 * Math.sin(1.7 * p + 0.9 * i)));
/** Mixed partials of orders 1 to 4, odd and even, signs both ways. */
const OPERATOR: OperatorTerm[] = [
  { coefficient: 1, alpha: [4, 0, 0] },
  { coefficient: 2, alpha: [2, 2, 0] },
  { coefficient: -1.5, alpha: [1, 1, 1] },
  { coefficient: 0.7, alpha: [0, 1, 0] },
  { coefficient: 1.2, alpha: [0, 0, 2] },
  { coefficient: -0.4, alpha: [1, 0, 1] },
];
const C = 60; // r = L u + C > 0 at these points, so L u = sqrt(parts · n / w) − C

/** A term r = L u + 0.5 u_x0 + u + C at fixed points: the operator next to plain derivatives of one jet batch. */
function probe(c = C, operator: OperatorTerm[] = OPERATOR): PdeProblem {
  return {
    id: 'operator-probe',
    title: 'operator probe',
    equation: 'r = L u + u_x0/2 + u + C',
    description: 'test only',
    dim: D,
    domain: { lo: Array(D).fill(-1), hi: Array(D).fill(1) },
    terms: [
      {
        name: 'probe',
        points: POINTS,
        derivatives: [operatorSpec('Lu', D, operator), { name: 'u_x0', direction: [1, 0, 0], order: 1 }, { name: 'u', direction: [1, 0, 0], order: 0 }],
        residualWgsl: `return d[0] + 0.5 * d[1] + d[2] + ${c}.0;`,
        residualGradWgsl: 'return array<f32, 3>(1.0, 0.5, 1.0);',
        residual: (_x, d) => d[0] + 0.5 * d[1] + d[2] + c,
        weight: 1,
      },
    ],
    exact: () => 0,
    testPoints: () => POINTS,
    defaults: { width: 8, depth: 2, steps: 1, lr: 1e-3, interiorPoints: 1 },
  };
}

const lF64 = (mlp: Mlp, x: number[], params: ArrayLike<number>, operator: OperatorTerm[] = OPERATOR) =>
  operator.reduce((a, t) => {
    const L = slotLayout(t.alpha);
    return a + t.coefficient * readPartial(L, mlpSlotJet(mlp, x, slotTangents(L.slots, D), L.order, params));
  }, 0);

/** The probe's loss in f64: mean over the points of (L u + u_x0/2 + u + C)², L u exact, from f64 slot and Taylor jets. */
function lossF64(mlp: Mlp, params: ArrayLike<number>, c = C, operator: OperatorTerm[] = OPERATOR): number {
  return (
    POINTS.reduce((acc, x) => {
      const jet = referenceJets(mlp, x, [1, 0, 0], 1, params);
      const r = lF64(mlp, x, params, operator) + 0.5 * jet[1] + jet[0] + c;
      return acc + r * r;
    }, 0) / POINTS.length
  );
}

describe('a loss term with an operator Σ c_t ∂^α u read from slot jets', () => {
  it.each([
    ['taylor (every term)', OPERATOR, {}],
    ['ad (nested gradients along each term’s coordinates)', OPERATOR, { method: 'ad' }],
    // one term: every draw is that term, so r_A = r_B = r and the split loss's gradient is r²'s (plain jets feed both halves)
    ['stde, unbiased loss, an operator of one term', [{ coefficient: 1.7, alpha: [2, 2, 0] }], { method: 'stde', stde: { kind: 'sparse', batch: 4, unbiasedLoss: true } }],
  ] as const)('%s: the GPU loss and its parameter gradient match the f64 loss and its central differences', async (_label, operator, over) => {
    const problem = probe(0, [...operator]);
    const trainer = new PinnTrainer(gpu.device, problem, { ...defaultTrainConfig(problem), method: 'taylor', seed: 5, ...over });
    const mlp = await trainer.net.download();
    const p64 = Float64Array.from(mlp.params);
    const { loss, grad } = await trainer.gradient();
    const lossF = (p: Float64Array) => lossF64(mlp, p, 0, [...operator]);
    expect(loss / lossF(p64)).toBeCloseTo(1, 4);
    const ref: number[] = [];
    const got: number[] = [];
    for (let i = 0; i < p64.length; i += 2) {
      const h = 1e-5;
      const plus = p64.slice();
      plus[i] += h;
      const minus = p64.slice();
      minus[i] -= h;
      ref.push((lossF(plus) - lossF(minus)) / (2 * h));
      got.push(grad[i]);
    }
    const scale = Math.max(...ref.map(Math.abs));
    ref.forEach((r, k) => expect(Math.abs(got[k] - r) / scale, `parameter ${2 * k}: GPU ${got[k]}, f64 ${r}`).toBeLessThan(2e-3));
    trainer.destroy();
  });

  it('stde (terms drawn in proportion to |c_t|): unbiased over 200 streams, with a spread that falls as B grows', async () => {
    const problem = probe();
    const sds: number[] = [];
    for (const batch of [2, 8]) {
      const trainer = new PinnTrainer(gpu.device, problem, { ...defaultTrainConfig(problem), method: 'stde', stde: { kind: 'sparse', batch }, seed: 5 });
      const { params } = await trainer.snapshot();
      const mlp = await trainer.net.download();
      const exact = POINTS.map((x) => lF64(mlp, x, mlp.params));
      const plain = POINTS.map((x) => {
        const jet = referenceJets(mlp, x, [1, 0, 0], 1);
        return 0.5 * jet[1] + jet[0];
      });
      const est: number[][] = POINTS.map(() => []);
      for (let s = 0; s < 200; s++) {
        trainer.restore(s, params);
        const [t] = await trainer.evaluateTerms();
        t.parts.forEach((v, p) => est[p].push(Math.sqrt(v * POINTS.length) - C - plain[p]));
      }
      POINTS.forEach((_, p) => {
        const st = stats(est[p]);
        expect(st.sd, `point ${p}: the terms are drawn, not all read`).toBeGreaterThan(1e-3 * Math.abs(exact[p]) + 1e-4);
        expect(Math.abs(st.mean - exact[p]), `point ${p}: mean ${st.mean} ± ${st.se}, exact ${exact[p]}`).toBeLessThan(3 * st.se + 1e-3 * Math.abs(exact[p]));
      });
      sds.push(stats(est.flat().map((v, i) => v - exact[Math.floor(i / 200)])).sd);
      trainer.destroy();
    }
    // variance ∝ 1/B: four times the draws, about half the spread
    expect(sds[1] / sds[0]).toBeGreaterThan(0.35);
    expect(sds[1] / sds[0]).toBeLessThan(0.65);
  });

  it('stde with the unbiased loss: the mean of r_A r_B over 200 streams is r², where the squared estimate adds its variance', async () => {
    const problem = probe(0);
    const products: number[][] = POINTS.map(() => []);
    const squares: number[][] = POINTS.map(() => []);
    let exact: number[] = [];
    for (const unbiasedLoss of [true, false]) {
      const trainer = new PinnTrainer(gpu.device, problem, { ...defaultTrainConfig(problem), method: 'stde', stde: { kind: 'sparse', batch: 4, unbiasedLoss }, seed: 8 });
      const { params } = await trainer.snapshot();
      const mlp = await trainer.net.download();
      exact = POINTS.map((x) => {
        const jet = referenceJets(mlp, x, [1, 0, 0], 1);
        return lF64(mlp, x, mlp.params) + 0.5 * jet[1] + jet[0];
      });
      for (let s = 0; s < 200; s++) {
        trainer.restore(s, params);
        const [t] = await trainer.evaluateTerms();
        t.parts.forEach((v, p) => (unbiasedLoss ? products : squares)[p].push(v * POINTS.length));
      }
      trainer.destroy();
    }
    let bias = 0;
    let biasVar = 0;
    POINTS.forEach((_, p) => {
      const prod = stats(products[p]);
      const sq = stats(squares[p]);
      const r2 = exact[p] ** 2;
      expect(Math.abs(prod.mean - r2), `point ${p}: r_A r_B ${prod.mean} ± ${prod.se}, r² ${r2}`).toBeLessThan(3 * prod.se + 1e-3 * r2);
      bias += sq.mean - r2;
      biasVar += sq.se ** 2;
    });
    // the plain loss's bias, Σ_p (E r̂² − r²) = Σ_p Var r̂: far outside its standard error
    expect(bias).toBeGreaterThan(5 * Math.sqrt(biasVar));
  });

  it('is refused with a message by the methods that cannot read it, with a hard transform, and by Levenberg–Marquardt', async () => {
    const problem = probe();
    for (const method of ['fd', 'stein'] as const) {
      expect(() => new PinnTrainer(gpu.device, problem, { ...defaultTrainConfig(problem), method })).toThrow(/operator of mixed partials: use --method taylor .*, ad .* or stde .*, not/);
    }
    for (const batch of [3, 1]) {
      expect(() => new PinnTrainer(gpu.device, problem, { ...defaultTrainConfig(problem), method: 'stde', stde: { kind: 'sparse', batch, unbiasedLoss: true } })).toThrow(/two halves.*must be even, got/);
    }
    const nd = problemWith('poisson-nd', { dim: 4 })!;
    expect(() => new PinnTrainer(gpu.device, nd, { ...defaultTrainConfig(nd), method: 'stde', stde: { kind: 'sparse', batch: 2, unbiasedLoss: true } })).toThrow(/splits the drawn terms of an operator.*poisson-nd's Laplacian/);
    for (const method of ['taylor', 'ad'] as const) {
      const trainer = new PinnTrainer(gpu.device, problem, { ...defaultTrainConfig(problem), method });
      expect(trainer.levenbergMarquardtRefusal()).toMatch(/does not read operator terms/);
      trainer.destroy();
    }
    // a Laplacian next to an operator in one term: refused, naming the way to write it
    const mixed = probe();
    mixed.terms[0].derivatives.push({ name: 'Δu', direction: [0, 0, 0], order: 2, laplacian: true });
    expect(() => new PinnTrainer(gpu.device, mixed, { ...defaultTrainConfig(mixed), method: 'taylor' })).toThrow(/has an operator and the Laplacian Δu: write the Laplacian as an operator/);
    const big = problemWith('biharmonic-nd', { dim: 3 })!;
    expect(() => new PinnTrainer(gpu.device, { ...big, hard: { factors: [{ axis: 0, side: 'both' }], replaces: [] } }, { ...defaultTrainConfig(big), hardBoundary: true })).toThrow(/hard boundary transform does not combine/);
  });
});

describe('training biharmonic-nd (a fourth-order operator of 6 terms in 3-D)', () => {
  it.each(['taylor', 'stde'] as const)('%s: a short run lowers the L2 error, and the same seed reproduces it', async (method) => {
    const problem = problemWith('biharmonic-nd', { dim: 3 })!;
    const cfg: TrainConfig = { ...defaultTrainConfig(problem), method, stde: { kind: 'sparse', batch: 2 }, width: 16, depth: 2, interiorPoints: 48, steps: 150, logEvery: 50, lr: 1e-2 };
    await expectTrainsAndReproduces(gpu.device, problem, cfg);
  });
});
