import { describe, expect, it } from 'vitest';
import { burgersSelfSimilar } from '../../src/engine/problems/burgers-selfsimilar';
import type { PdeProblem } from '../../src/engine/problems/types';
import { residualsF64 } from '../../src/engine/reference/loss-f64';
import { continuationFactors, defaultTrainConfig, PinnTrainer } from '../../src/engine/train/trainer';
import { jacobianDirectionError, useNodeGpu } from './helpers';

const gpu = useNodeGpu();

const infNorm = (v: ArrayLike<number>) => Math.max(...Array.from(v, Math.abs));

/**
 * The GPU's residual vector and Jacobian (Levenberg–Marquardt's inputs) against the f64
 * reference: the residuals sqrt(w/n) r_p from f64 jets, J v against central differences of
 * those residuals along a random direction, and 2 Jᵀ r against the trainer's own gradient.
 */
describe('the residuals’ Jacobian on the GPU (taylor_jet_jacobian; stacked AD’s per-row reverse pass)', () => {
  const cases: [string, PdeProblem, 'f32' | 'double-single', 'taylor' | 'ad'][] = [
    ['Burgers k = 0, odd model (two jet blocks per point), double-single residuals', burgersSelfSimilar(0), 'double-single', 'taylor'],
    ['Burgers k = 1, plain model (one shared-direction jet per term), f32', { ...burgersSelfSimilar(1), oddModel: false }, 'f32', 'taylor'],
    ['Burgers k = 0, odd model, stacked AD (nested gradients, then per-row parameter gradients)', burgersSelfSimilar(0), 'f32', 'ad'],
    ['Burgers k = 1, plain model, stacked AD', { ...burgersSelfSimilar(1), oddModel: false }, 'f32', 'ad'],
  ];
  it.each(cases)('%s', async (_name, problem, precision, method) => {
    const trainer = new PinnTrainer(gpu.device, problem, { ...defaultTrainConfig(problem), seed: 4, precision, method });
    const raw = 0.3;
    trainer.setUnknownRaw([Math.fround(raw)]);
    const mlp = await trainer.net.download();
    const { r, J } = await trainer.residualsAndJacobian();
    const count = mlp.params.length;
    const n = count + 1;
    expect(J.length).toBe(r.length * n);
    const x = Float64Array.from([...mlp.params, Math.fround(raw)]);
    const residuals = (y: Float64Array) => residualsF64(problem, mlp, y.subarray(0, count), [y[count]], true);
    const ref = residuals(x);
    expect(r.length).toBe(ref.length);
    const rErr = infNorm(ref.map((v, i) => v - r[i])) / infNorm(ref);
    // f32 jets: a few ulps of the largest terms that cancel in R^(m); double-single: f32 rounding of r
    expect(rErr).toBeLessThan(precision === 'f32' ? 1e-5 : 1e-6);
    // J v against central differences in f64 (h = 1e-3 on a unit direction: truncation near 1e-7 relative)
    const jvErr = jacobianDirectionError(J, residuals, x, 11);
    // the λ column alone, against a difference in the raw parameter only
    const h = 1e-3;
    const e = Float64Array.from({ length: n }, (_, i) => (i === count ? 1 : 0));
    const lp = residuals(x.map((a, i) => a + h * e[i]));
    const lm = residuals(x.map((a, i) => a - h * e[i]));
    const lambdaFd = lp.map((a, i) => (a - lm[i]) / (2 * h));
    const lambdaErr = infNorm(lambdaFd.map((a, row) => a - J[row * n + count])) / infNorm(lambdaFd);
    console.log(`${_name}: residuals ${rErr.toExponential(2)}, J v ${jvErr.toExponential(2)}, λ column ${lambdaErr.toExponential(2)} (relative, max norm)`);
    // f32 Jacobian entries (about 5e-7 measured): 2e-5 leaves room for other adapters, and a wrong
    // column or a missed jet block is off by order one
    expect(jvErr).toBeLessThan(2e-5);
    expect(lambdaErr).toBeLessThan(2e-5);
    // 2 Jᵀ r is the gradient of Σ r² (the trainer's f32 gradient pass)
    const g = await trainer.gradient();
    const jtr = new Float64Array(n);
    r.forEach((ri, row) => {
      for (let c = 0; c < n; c++) jtr[c] += 2 * J[row * n + c] * ri;
    });
    const full = [...g.grad, ...g.unknownGrad];
    const gErr = infNorm(full.map((a, i) => a - jtr[i])) / infNorm(full);
    expect(gErr).toBeLessThan(1e-3);
    expect(Math.abs(g.loss - r.reduce((s, a) => s + a * a, 0)) / g.loss).toBeLessThan(1e-4);
    trainer.destroy();
  });

  it('Levenberg–Marquardt brings a continuation term in by stages and restores its weight (Burgers k = 1)', async () => {
    const problem = burgersSelfSimilar(1);
    // the first factor brings 100 (5!)² below 1: 1e-8 (k = 2, 3: 1e-10 and 1e-14), a hundredfold per stage
    expect(problem.terms.find((t) => t.name === 'smoothness')!.continuation).toBeCloseTo(1e-8, 20);
    expect(burgersSelfSimilar(2).terms.find((t) => t.name === 'smoothness')!.continuation).toBeCloseTo(1e-10, 22);
    expect(burgersSelfSimilar(3).terms.find((t) => t.name === 'smoothness')!.continuation).toBeCloseTo(1e-14, 26);
    expect(continuationFactors(1e-8)).toEqual([1e-8, 1e-6, 1e-4, 1e-2, 1]);
    expect(burgersSelfSimilar(0).terms.some((t) => t.continuation !== undefined)).toBe(false);
    const trainer = new PinnTrainer(gpu.device, problem, { ...defaultTrainConfig(problem), seed: 4 });
    const before = (await trainer.gradient()).loss;
    // at the start the smoothness term is nearly all of the loss (R^(5) of an untrained 3x24 network)
    const parts = await trainer.evaluateTerms();
    const smooth = parts.find((t) => t.name === 'smoothness')!.parts.reduce((a, b) => a + b, 0);
    expect(smooth / before).toBeGreaterThan(0.99);
    const losses: number[] = [];
    const r = await trainer.levenbergMarquardt(10, (_it, f) => void losses.push(f));
    expect(r.reason).toMatch(/smoothness brought in over 5 stages/);
    expect(r.iterations).toBe(10);
    // stage 0 weighs the smoothness term by 1e-8: its losses are below 2% of the start (where that term was 99%)
    expect(losses[0]).toBeLessThan(0.02 * before);
    // afterwards the full weight is back: the trainer's own loss equals the phase's final one
    const after = (await trainer.gradient()).loss;
    expect(Math.abs(after - r.f) / r.f).toBeLessThan(1e-3);
    expect(r.f).toBeLessThan(before);
    trainer.destroy();
  });

  it('is refused with a reason for methods without Taylor jets or stacked AD', async () => {
    const problem = { ...burgersSelfSimilar(0), oddModel: false };
    const trainer = new PinnTrainer(gpu.device, problem, { ...defaultTrainConfig(problem), method: 'fd', precision: 'f32' });
    await expect(trainer.residualsAndJacobian()).rejects.toThrow(/Taylor jets or stacked AD/);
    await expect(trainer.levenbergMarquardt(3)).rejects.toThrow(/Taylor jets or stacked AD/);
    trainer.destroy();
  });
});
