import { afterAll, beforeAll, expect } from 'vitest';
import { expandDerivative, type LossTerm, type PdeProblem } from '../../src/engine/problems/types';
import type { PinnDevice } from '../../src/engine/gpu/gpu';
import { Mlp } from '../../src/engine/model/mlp';
import { Rng } from '../../src/engine/sampling/rng';
import { nodeDevice, releaseNodeGpu } from '../../src/node/webgpu-node';
import { referenceJets } from '../../src/engine/jets/jet-f64';
import { mlpPartial, slotLayout } from '../../src/engine/jets/jet-slots';
import { factorial, TaylorJetForward, type JetKernels } from '../../src/engine/jets/taylor-jet';
import { JetSumSquaresLoss, TaylorJetBackward } from '../../src/engine/jets/taylor-jet-backward';
import { PinnTrainer, type TrainConfig, type TrainResult } from '../../src/engine/train/trainer';
import { readBuffer } from '../../src/engine/gpu/gpu';
import type { GpuMlp } from '../../src/engine/model/gpu-mlp';

/** f64 benchmark loss sum_k mean_p (u^(k))^2 from the reference jets, for finite differences. */
export function referenceLoss(mlp: Mlp, points: ArrayLike<number>, dir: ArrayLike<number>, order: number, params: ArrayLike<number>) {
  const c = referenceJets(mlp, points, dir, order, params);
  const n1 = order + 1;
  const batch = points.length / mlp.inputDim;
  let loss = 0;
  for (let p = 0; p < batch; p++) for (let k = 0; k < n1; k++) loss += (factorial(k) * c[p * n1 + k]) ** 2 / batch;
  return loss;
}

/** Central differences of referenceLoss in f64 for the parameters with index i % stride == 0. */
export function referenceLossGradient(mlp: Mlp, points: ArrayLike<number>, dir: ArrayLike<number>, order: number, stride = 1) {
  const p64 = Float64Array.from(mlp.params);
  const out = new Map<number, number>();
  for (let i = 0; i < p64.length; i += stride) {
    const h = 1e-6 * Math.max(1, Math.abs(p64[i]));
    const plus = p64.slice();
    plus[i] += h;
    const minus = p64.slice();
    minus[i] -= h;
    out.set(i, (referenceLoss(mlp, points, dir, order, plus) - referenceLoss(mlp, points, dir, order, minus)) / (2 * h));
  }
  return out;
}

/** One WebGPU device for a test file (Dawn in Node), released after its tests. */
export function useNodeGpu(): { readonly device: GPUDevice } {
  const holder: { gpu: PinnDevice | null } = { gpu: null };
  beforeAll(async () => {
    holder.gpu = await nodeDevice();
  });
  afterAll(() => {
    holder.gpu?.device.destroy();
    releaseNodeGpu();
  });
  return {
    get device() {
      if (!holder.gpu) throw new Error('GPU not ready');
      return holder.gpu.device;
    },
  };
}

/** Taylor coefficients of φ(x + t v) in f64, by expanding the product of its linear factors. */
function phiSeries(problem: PdeProblem, x: number[], v: number[], n: number): number[] {
  const { lo, hi } = problem.domain;
  let poly = [1];
  for (const { axis: a, side } of problem.hard!.factors) {
    const w = hi[a] - lo[a];
    const lin: [number, number][] = [];
    if (side === 'both' || side === 'lo') lin.push([(x[a] - lo[a]) / w, v[a] / w]);
    if (side === 'both' || side === 'hi') lin.push([(hi[a] - x[a]) / w, -v[a] / w]);
    if (side === 'both') lin.push([4, 0]);
    for (const [al, be] of lin) {
      const next = new Array(poly.length + 1).fill(0);
      poly.forEach((p, i) => {
        next[i] += p * al;
        next[i + 1] += p * be;
      });
      poly = next;
    }
  }
  return Array.from({ length: n + 1 }, (_, k) => poly[k] ?? 0);
}

/** Taylor coefficients of g(x + t v) in f64 by central differences of g's f64 form (g is smooth, orders <= 2 here). */
function gSeries(problem: PdeProblem, x: number[], v: number[], n: number): number[] {
  const g = problem.hard?.g?.f64;
  if (!g) return new Array(n + 1).fill(0);
  const at = (t: number) => g(x.map((xi, i) => xi + t * v[i]));
  const h = 1e-3;
  const out = [at(0), (at(h) - at(-h)) / (2 * h), (at(h) - 2 * at(0) + at(-h)) / (2 * h * h)];
  if (n > 2) throw new Error('gSeries: orders above 2 not needed here');
  return out.slice(0, n + 1);
}

/**
 * The f64 loss parts weight · r² / n of one term for a network at the given points, from
 * the reference jets: through the odd model or a Laplacian where the problem has them,
 * and optionally through the hard transform.
 */
export function referenceParts(problem: PdeProblem, term: LossTerm, mlp: Mlp, points: Float32Array, q: number[], hard: boolean, weight = term.weight): number[] {
  // a paired term (periodic): one part per pair, then zeros for the partners (as the kernel writes them)
  const all = points.length / problem.dim;
  const n = term.pairs ? all / 2 : all;
  const out: number[] = [];
  const pointAt = (i: number) => Array.from(points.subarray(i * problem.dim, (i + 1) * problem.dim));
  for (let p = 0; p < n; p++) {
    const here = pointAt(p);
    // a system: the jets hold one value per output (order k of output o at k · outputs + o)
    const m = mlp.outputDim;
    const o = (s: { output?: number }) => s.output ?? 0;
    const d = term.derivatives.map((s) => {
      const x = term.pairs && s.partner ? pointAt(p + n) : here;
      // an operator: Σ_t c_t ∂^{α_t}N from f64 slot jets (no hard transform or system combines with it)
      if (s.operator) return s.operator.reduce((acc, t) => acc + t.coefficient * mlpPartial(mlp, x, slotLayout(t.alpha)), 0);
      if (s.laplacian) return expandDerivative(s, problem.dim).reduce((acc, v) => acc + factorial(2) * referenceJets(mlp, x, v, 2)[2 * m + o(s)], 0);
      if (m > 1) return factorial(s.order) * referenceJets(mlp, x, s.direction, s.order)[s.order * m + o(s)];
      const c = referenceJets(mlp, x, s.direction, s.order);
      // an odd model N(x) − N(−x): subtract the jet at −x along −v
      if (problem.oddModel) return factorial(s.order) * (c[s.order] - referenceJets(mlp, x.map((v) => -v), s.direction.map((v) => -v), s.order)[s.order]);
      if (!hard) return factorial(s.order) * c[s.order];
      const ph = phiSeries(problem, x, s.direction, s.order);
      let u = gSeries(problem, x, s.direction, s.order)[s.order];
      for (let m = 0; m <= s.order; m++) u += ph[m] * c[s.order - m];
      return factorial(s.order) * u;
    });
    // p: a data term's observation
    out.push((weight * term.residual(here, d, q, p) ** 2) / n);
  }
  if (term.pairs) out.push(...new Array<number>(n).fill(0));
  return out;
}

/** GPU loss parts against f64 ones, relative to the largest. */
export function expectParts(got: Float32Array, ref: number[], tol = 1e-3, label = '') {
  // parts that are all zero (v(0) of a zero-bias network at t = 0) must stay zero
  const scale = Math.max(...ref.map(Math.abs)) || 1;
  ref.forEach((r, p) => expect(Math.abs(got[p] - r) / scale, `${label} point ${p}`).toBeLessThan(tol));
}

/** The GPU gradient of the benchmark loss (jets 0..order, sum of mean squares) with one kernel family, and the kernels its backward ran. */
export async function jetLossGradient(device: GPUDevice, net: GpuMlp, points: Float32Array, dir: Float32Array, shared: boolean, order: number, kernels: JetKernels): Promise<{ g: Float32Array; kernels: string }> {
  const batch = points.length / net.mlp.inputDim;
  const fwd = new TaylorJetForward(device, net, { order, maxBatch: batch, sharedDirection: shared, savePreActivations: true, kernels });
  const loss = new JetSumSquaresLoss(fwd);
  const bwd = new TaylorJetBackward(fwd, loss.adjoint);
  fwd.setInputs(points, dir);
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  fwd.encode(pass);
  loss.encode(pass);
  bwd.encode(pass);
  pass.end();
  device.queue.submit([enc.finish()]);
  const g = await readBuffer(device, bwd.grad, net.mlp.params.byteLength);
  const ran = bwd.stepKernels.map((k) => k.split(' ')[0]).join(',');
  bwd.destroy();
  loss.destroy();
  fwd.destroy();
  return { g, kernels: ran };
}

/** Mean, standard error and sample standard deviation of draws. */
export function stats(xs: number[]): { mean: number; se: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
  return { mean, se: sd / Math.sqrt(xs.length), sd };
}

/** Train twice from the same config: the first run at least halves the initial L2 error, the second repeats its losses exactly. */
export async function expectTrainsAndReproduces(device: GPUDevice, problem: PdeProblem, cfg: TrainConfig): Promise<{ a: TrainResult; b: TrainResult }> {
  const run = async () => {
    const t = new PinnTrainer(device, problem, cfg);
    const initial = await t.l2RelativeError();
    const r = await t.run();
    t.destroy();
    return { initial, r };
  };
  const a = await run();
  expect(a.r.stopReason).toBe('done');
  expect(a.r.l2re).toBeLessThan(0.5 * a.initial);
  const b = await run();
  expect(b.r.history.map((h) => h.loss)).toEqual(a.r.history.map((h) => h.loss));
  return { a: a.r, b: b.r };
}

/**
 * J v against central differences of f64 residuals along a random unit direction v (seeded),
 * h = 1e-3: the relative error in the max norm. J: rows x n, row-major, n = x.length.
 */
export function jacobianDirectionError(J: ArrayLike<number>, residuals: (y: Float64Array) => number[], x: Float64Array, seed: number): number {
  const n = x.length;
  const rng = new Rng(seed);
  const v = Float64Array.from({ length: n }, () => rng.normal());
  const norm = Math.sqrt(v.reduce((s, a) => s + a * a, 0));
  v.forEach((a, i) => (v[i] = a / norm));
  const h = 1e-3;
  const plus = residuals(x.map((a, i) => a + h * v[i]));
  const minus = residuals(x.map((a, i) => a - h * v[i]));
  const fd = plus.map((a, i) => (a - minus[i]) / (2 * h));
  const jv = fd.map((_, row) => {
    let s = 0;
    for (let c = 0; c < n; c++) s += J[row * n + c] * v[c];
    return s;
  });
  const inf = (w: number[]) => Math.max(...w.map(Math.abs));
  return inf(jv.map((a, i) => a - fd[i])) / inf(fd);
}
