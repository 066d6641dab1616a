/**
 * Periodic conditions in problem files ({ "periodic": "x" }): each output and its first
 * derivative along x equal at both ends, as paired terms (points, then their partners at the
 * other end). The compiled terms, `pinn validate`'s exact-solution check, the loss kernel's
 * pairs (every loss part and the gradient through both points) and Levenberg–Marquardt's rows
 * against f64 references computed here from the network's f64 jets.
 */
import { describe, expect, it } from 'vitest';
import { compileProblem, type ProblemFile } from '../../src/engine/equations/problem-file';
import { EquationError } from '../../src/engine/equations/syntax';
import { validateProblem } from '../../src/engine/equations/validate';
import type { PdeProblem } from '../../src/engine/problems/types';
import { lossF64, residualsF64 } from '../../src/engine/reference/loss-f64';
import { defaultTrainConfig, PinnTrainer } from '../../src/engine/train/trainer';
import { jacobianDirectionError, useNodeGpu } from './helpers';

const gpu = useNodeGpu();

const TWO_PI = 2 * Math.PI;

/** Heat on a ring: u_t = ν u_xx, x ∈ [0, 2π] periodic, u = e^{−νt} sin x + ½ e^{−4νt} cos 2x. */
function ringDoc(extra: Partial<ProblemFile> = {}): ProblemFile {
  return {
    id: 'heat-ring',
    inputs: ['x', 't'],
    outputs: ['u'],
    domain: { x: [0, TWO_PI], t: [0, 1] },
    parameters: { nu: 0.1 },
    equations: ['u_t = nu * u_xx'],
    conditions: [{ name: 'initial', on: 't = 0', equation: 'u = sin(x) + 0.5 * cos(2 * x)' }, { on: { periodic: 'x' } }],
    exact: { u: 'exp(-nu * t) * sin(x) + 0.5 * exp(-4 * nu * t) * cos(2 * x)' },
    ...extra,
  } as ProblemFile;
}

const message = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(EquationError);
    return (e as Error).message;
  }
  throw new Error('expected an EquationError');
};

describe('periodic conditions: compiling and validating', () => {
  it('one paired term per output and order (u, u_x), partners at the other end at the same other coordinates', () => {
    const c = compileProblem(ringDoc());
    const paired = c.problem.terms.filter((t) => t.pairs);
    expect(paired.map((t) => t.name)).toEqual(['periodic x: u', 'periodic x: u_x']);
    for (const t of paired) {
      const pts = t.points as number[][];
      const n = pts.length / 2;
      expect(n).toBeGreaterThan(16);
      for (let p = 0; p < n; p++) {
        expect(pts[p][0]).toBe(0);
        expect(pts[p + n][0]).toBe(TWO_PI);
        expect(pts[p + n][1]).toBe(pts[p][1]);
      }
      expect(t.derivatives.map((d) => !!d.partner)).toEqual([false, true]);
      expect(t.weight).toBe(10);
    }
    // the short form, a name, a weight and a pair count
    const short = compileProblem(ringDoc({ conditions: [{ name: 'ring', periodic: 'x', weight: 3, points: 20 } as never] }));
    expect(short.problem.terms.filter((t) => t.pairs).map((t) => [t.name, t.weight, (t.points as number[][]).length])).toEqual([
      ['ring: u', 3, 40],
      ['ring: u_x', 3, 40],
    ]);
    // a system: each output's pair of terms
    const system = compileProblem({
      id: 'rotor',
      inputs: ['x', 't'],
      outputs: ['u', 'v'],
      domain: { x: [-1, 1], t: [0, 1] },
      equations: ['u_t = v_x', 'v_t = u_x'],
      conditions: [{ on: { periodic: 'x' } }],
    } as never);
    expect(system.problem.terms.filter((t) => t.pairs).map((t) => t.name)).toEqual(['periodic x: u', 'periodic x: u_x', 'periodic x: v', 'periodic x: v_x']);
  });

  it('pinn validate: a periodic exact solution passes; one that is not periodic fails at the periodic terms only', () => {
    const ok = validateProblem(compileProblem(ringDoc()));
    expect(ok.ok).toBe(true);
    expect(ok.checks!.filter((ch) => ch.name.startsWith('periodic')).length).toBe(2);
    expect(ok.terms.find((t) => t.name === 'periodic x: u')!.points).toMatch(/fixed pairs/);
    // on [0, 3π/2] this solution satisfies the equation and the initial condition, but not periodicity
    const bad = validateProblem(compileProblem(ringDoc({ domain: { x: [0, 1.5 * Math.PI], t: [0, 1] } } as never)));
    expect(bad.ok).toBe(false);
    const failing = bad.checks!.filter((ch) => ch.largest > 1e-8).map((ch) => ch.name);
    expect(failing).toEqual(['periodic x: u', 'periodic x: u_x']);
  });

  it('refuses malformed periodic conditions with the field and a reason', () => {
    const withCondition = (cond: unknown, doc: Partial<ProblemFile> = {}) => () => compileProblem(ringDoc({ conditions: [cond as never], ...doc }), { file: 'ring.json' });
    expect(message(withCondition({ on: { periodic: 'y' } }))).toMatch(/ring\.json.*conditions\[0\]\.on\.periodic.*"y" is not an input/s);
    expect(message(withCondition({ on: { periodic: 'x' }, equation: 'u = 0' }))).toMatch(/conditions\[0\]\.equation.*has no equation/s);
    expect(message(withCondition({ on: { periodic: 3 } }))).toMatch(/must name an input/);
    expect(message(withCondition({ on: { periodic: 'x', side: 1 } }))).toMatch(/conditions\[0\]\.on\.side/);
    expect(message(withCondition({ on: 't = 0', periodic: 'x' }))).toMatch(/not both forms/);
    expect(message(withCondition({ periodic: 'x', points: 0 }))).toMatch(/conditions\[0\]\.points/);
  });
});

/** The problem's fixed-point terms only (the f64 references read fixed points): the initial condition and the periodic pairs. */
function fixedOnly(p: PdeProblem): PdeProblem {
  return { ...p, terms: p.terms.filter((t) => t.points !== 'interior') };
}

const infNorm = (v: ArrayLike<number>) => Math.max(...Array.from(v, Math.abs));

describe('periodic conditions on the GPU: the loss kernel reads both ends of a pair', () => {
  const problem = fixedOnly(compileProblem(ringDoc({ conditions: [{ name: 'initial', on: 't = 0', equation: 'u = sin(x)', points: 24 }, { periodic: 'x', points: 40 } as never] })).problem);

  // (STDE takes problems with a Laplacian; its fixed-direction terms are Taylor's)
  it.each(['taylor', 'ad', 'fd', 'stein'] as const)('%s: the loss is the f64 loss of the pairs (and of the other term)', async (method) => {
    const trainer = new PinnTrainer(gpu.device, problem, { ...defaultTrainConfig(problem), width: 12, depth: 2, seed: 3, method });
    const mlp = await trainer.net.download();
    const ref = lossF64(problem, mlp, mlp.params, [], true);
    const g = await trainer.gradient();
    // f32 jets: relative 1e-5; finite differences: their truncation error on a tanh network of width 12; Stein's first
    // derivatives are Gaussian-smoothed estimates
    expect(Math.abs(g.loss - ref) / ref).toBeLessThan(method === 'fd' ? 2e-3 : method === 'stein' ? 0.5 : 1e-5);
    trainer.destroy();
  });

  it.each(['taylor', 'ad'] as const)('%s: Levenberg–Marquardt rows (a pair’s residual, its Jacobian through both points) and 2 Jᵀ r = the gradient', async (method) => {
    const trainer = new PinnTrainer(gpu.device, problem, { ...defaultTrainConfig(problem), width: 12, depth: 2, seed: 5, method });
    const mlp = await trainer.net.download();
    const { r, J } = await trainer.residualsAndJacobian();
    const n = mlp.params.length;
    const x = Float64Array.from(mlp.params);
    const residuals = (y: Float64Array) => residualsF64(problem, mlp, y, [], true);
    const ref = residuals(x);
    expect(r.length).toBe(ref.length);
    expect(infNorm(ref.map((v, i) => v - r[i])) / infNorm(ref)).toBeLessThan(1e-5);
    // J v against central differences of the f64 residuals along a random unit direction
    expect(jacobianDirectionError(J, residuals, x, 17)).toBeLessThan(2e-5);
    const g = await trainer.gradient();
    const jtr = new Float64Array(n);
    r.forEach((ri, row) => {
      for (let c = 0; c < n; c++) jtr[c] += 2 * J[row * n + c] * ri;
    });
    expect(infNorm(Array.from(g.grad, (a, i) => a - jtr[i])) / infNorm(g.grad)).toBeLessThan(1e-3);
    trainer.destroy();
  });
});
