/**
 * Systems: problem files with several outputs (one network output each), trained by every
 * derivative method. Each method's loss parts at the step's own points are checked against an
 * independent f64 reference (src/engine/jets/jet-f64.ts's jets of a multi-output network, the
 * residuals' f64 twins), and Taylor's parameter gradient against f64 central differences of that
 * reference loss.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileProblemText } from '../../src/engine/equations/problem-file';
import { referenceJets } from '../../src/engine/jets/jet-f64';
import { factorial } from '../../src/engine/jets/taylor-jet';
import type { Mlp } from '../../src/engine/model/mlp';
import { expandDerivative, unknownValue, type LossTerm, type PdeProblem } from '../../src/engine/problems/types';
import { defaultTrainConfig, PinnTrainer } from '../../src/engine/train/trainer';
import { useNodeGpu } from './helpers';

const gpu = useNodeGpu();
const load = (id: string) => compileProblemText(readFileSync(`problems/${id}.json`, 'utf8'), { file: `${id}.json` }).problem;

/** f64 loss parts w r² / n of a term at its points, reading each derivative of its own output from the f64 jets. */
function parts(problem: PdeProblem, term: LossTerm, mlp: Mlp, points: Float32Array, q: number[], params: ArrayLike<number> = mlp.params): number[] {
  const dim = problem.dim;
  const m = mlp.outputDim;
  const n = points.length / dim;
  return Array.from({ length: n }, (_, p) => {
    const x = Array.from(points.subarray(p * dim, (p + 1) * dim));
    const d = term.derivatives.map((s) => {
      const o = s.output ?? 0;
      return expandDerivative(s, dim).reduce((acc, v) => acc + factorial(s.order) * referenceJets(mlp, x, v, s.order, params)[s.order * m + o], 0);
    });
    return (term.weight * term.residual(x, d, q, p) ** 2) / n;
  });
}

async function compare(id: string, method: string, tol: number, extra: object = {}) {
  const problem = load(id);
  const trainer = new PinnTrainer(gpu.device, problem, { ...defaultTrainConfig(problem), width: 16, depth: 2, interiorPoints: 64, method, seed: 3, ...extra });
  const mlp = await trainer.net.download();
  expect(mlp.outputDim).toBe(problem.outputs!.length);
  const q = (problem.unknowns ?? []).map((u) => unknownValue(u, u.init));
  let worst = 0;
  for (const t of await trainer.evaluateTerms()) {
    const term = problem.terms.find((x) => x.name === t.name)!;
    const ref = parts(problem, term, mlp, t.points, q);
    // a term whose parts are all zero (v(0) of a zero-bias network at t = 0) must stay zero
    const scale = Math.max(...ref) || 1;
    ref.forEach((r, p) => (worst = Math.max(worst, Math.abs(t.parts[p] - r) / scale)));
  }
  trainer.destroy();
  expect(worst, `${id} by ${method}: worst loss part relative to the term's largest`).toBeLessThan(tol);
  return worst;
}

describe('systems of several outputs (problem files)', () => {
  // f32 jets: the parts agree to a few f32 roundings; finite differences carry their truncation
  // and rounding error (steps about ε^(1/(k+2))), a few 1e-3 on these terms
  it.each([
    ['oscillator', 'taylor', 1e-4],
    ['oscillator', 'ad', 1e-4],
    ['oscillator', 'fd', 1e-2],
    ['kovasznay', 'taylor', 1e-4],
    ['kovasznay', 'ad', 1e-4],
    ['kovasznay', 'fd', 3e-2],
    ['lorenz-inverse', 'taylor', 1e-4],
    ['lorenz-inverse', 'ad', 1e-4],
  ] as const)('%s by %s: every term’s loss parts match the f64 reference', async (id, method, tol) => {
    await compare(id, method, tol);
  });

  it('oscillator by Stein (σ = 0.01, 2048 shifts): the smoothed derivatives of order ≤ 1 land near the plain network’s (O(σ²) bias and sampling noise)', async () => {
    await compare('oscillator', 'stein', 0.05, { stein: { sigma: 0.01, samples: 2048, varianceReduction: true, unbiasedLoss: false, laplacian: 'stein' } });
  });

  it('kovasznay by STDE with a batch of 2 = d (every coordinate drawn once: its Laplacians exact): the f64 reference to f32 rounding', async () => {
    const worst = await compare('kovasznay', 'stde', 1e-4, { stde: { kind: 'sparse', batch: 2 } });
    console.log(`kovasznay by STDE (batch 2): worst loss part off the exact one by ${worst.toExponential(2)} of the term's largest`);
  });

  it('kovasznay by Taylor jets: the gradient of every output’s parameters matches f64 central differences of the reference loss', async () => {
    const problem = load('kovasznay');
    // fixed points only: the interior terms' points are drawn per step, so read them back once and keep them
    const trainer = new PinnTrainer(gpu.device, problem, { ...defaultTrainConfig(problem), width: 8, depth: 2, interiorPoints: 32, seed: 5 });
    const mlp = await trainer.net.download();
    const terms = await trainer.evaluateTerms();
    const { grad } = await trainer.gradient();
    trainer.destroy();
    const loss = (params: Float64Array) =>
      terms.reduce((acc, t) => acc + parts(problem, problem.terms.find((x) => x.name === t.name)!, mlp, t.points, [], params).reduce((a, b) => a + b, 0), 0);
    const p64 = Float64Array.from(mlp.params);
    // the last layer's weights of each output, and a few hidden-layer ones (every output's adjoint flows there)
    const last = mlp.layers[mlp.layers.length - 1];
    const probe = [0, 5, 17, last.weightOffset, last.weightOffset + last.inDim + 1, last.weightOffset + 2 * last.inDim + 3, last.biasOffset + 2];
    for (const i of probe) {
      const h = 1e-5;
      const plus = p64.slice();
      plus[i] += h;
      const minus = p64.slice();
      minus[i] -= h;
      const fd = (loss(plus) - loss(minus)) / (2 * h);
      expect(Math.abs(grad[i] - fd), `parameter ${i}: GPU ${grad[i]}, f64 ${fd}`).toBeLessThan(2e-3 * (1 + Math.abs(fd)));
    }
  });
});
