/**
 * A 1-D slice through a high-dimensional ball problem, for plots: the model
 * u = G + F·N and the exact solution along x = s·e, s ∈ [−1, 1], with e = (1, …, 1)/√d
 * (at t = 0 for time-dependent problems), in f64 on the CPU from the network's
 * parameters. The first layer is W₁x = s·(W₁e) + t·(column t), so the cost is one O(d·width)
 * product and then O(width²) per point, whatever the number of points.
 */
import type { Mlp } from '../model/mlp';
import type { HighDimProblem } from './highdim-types';

export interface BallSlice {
  /** Position along the diagonal, −1..1. */
  s: number[];
  model: number[];
  exact: number[];
}

export function ballSlice(mlp: Mlp, problem: HighDimProblem, count = 101): BallSlice {
  const d = problem.dim;
  const din = mlp.inputDim;
  const [first, ...rest] = mlp.layers;
  const P = mlp.params;
  const act = (a: number) => (mlp.activation === 'tanh' ? Math.tanh(a) : Math.sin(a));
  // W₁e: the first layer's response to the unit diagonal
  const we = new Float64Array(first.outDim);
  const inv = 1 / Math.sqrt(d);
  for (let o = 0; o < first.outDim; o++) {
    let acc = 0;
    const row = first.weightOffset + o * din;
    for (let j = 0; j < d; j++) acc += P[row + j];
    we[o] = acc * inv;
  }
  const out: BallSlice = { s: [], model: [], exact: [] };
  const z = new Float64Array(din);
  for (let i = 0; i < count; i++) {
    const s = -1 + (2 * i) / (count - 1);
    // t = 0: the time input (coordinate d) adds nothing to W₁z
    let h = Array.from(we, (w, o) => act(s * w + P[first.biasOffset + o]));
    rest.forEach((layer, l) => {
      const last = l === rest.length - 1;
      const next: number[] = [];
      for (let o = 0; o < layer.outDim; o++) {
        let a = P[layer.biasOffset + o];
        for (let j = 0; j < layer.inDim; j++) a += P[layer.weightOffset + o * layer.inDim + j] * h[j];
        next.push(last ? a : act(a));
      }
      h = next;
    });
    z.fill(s * inv, 0, d);
    if (din > d) z[d] = 0;
    const F = problem.factorJet(z, 0)[0];
    const G = problem.offsetJet(z, 0)[0];
    out.s.push(s);
    out.model.push(G + F * h[0]);
    out.exact.push(problem.exact(z));
  }
  return out;
}
