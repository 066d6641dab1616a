import { describe, expect, it } from 'vitest';
import { InputEmbedding } from '../../src/engine/model/embedding';
import { Mlp } from '../../src/engine/model/mlp';
import { GpuMlp } from '../../src/engine/model/gpu-mlp';
import { embedSeries, referenceJets } from '../../src/engine/jets/jet-f64';
import { factorial, TaylorJetForward, type JetKernels } from '../../src/engine/jets/taylor-jet';
import { mlpSlotJet, slotLayout, slotTangents } from '../../src/engine/jets/jet-slots';
import { SlotJetForward } from '../../src/engine/jets/slot-jet-gpu';
import { AdDerivatives } from '../../src/engine/methods/ad';
import { Rng } from '../../src/engine/sampling/rng';
import { problemById, problemWith } from '../../src/engine/problems';
import { defaultTrainConfig, PinnTrainer, type TrainConfig, type TrainMethod } from '../../src/engine/train/trainer';
import { expectParts, jetLossGradient, referenceLossGradient, referenceParts, useNodeGpu } from './helpers';

const gpu = useNodeGpu();

// a space-time input (x, t) with x periodic of period 2 on [-1, 1]
const PERIODIC = InputEmbedding.build(2, { periodic: [{ axis: 0, period: 2 }] })!;
const FOURIER = InputEmbedding.build(2, { fourier: { features: 8, scale: 2, seed: 3 } })!;
const BOTH = InputEmbedding.build(2, { periodic: [{ axis: 0, period: 2 }], fourier: { features: 8, scale: 3, seed: 4 } })!;

function inputs(seed: number, batch: number, d: number) {
  const rng = new Rng(seed);
  const points = Float32Array.from({ length: batch * d }, () => 2 * rng.uniform() - 1);
  const directions = Float32Array.from({ length: batch * d }, () => rng.normal());
  return { points, directions };
}

describe('input embeddings: f64', () => {
  it('the closed-form jets of γ along a line equal Faà di Bruno composed jets (two independent f64 paths), orders 0..8', () => {
    const rng = new Rng(1);
    for (const e of [PERIODIC, FOURIER, BOTH]) {
      for (let trial = 0; trial < 5; trial++) {
        const x = [rng.uniform() * 2 - 1, rng.uniform()];
        const v = [rng.normal(), rng.normal()];
        const closed = e.embedLineJets(x, v, 8);
        const composed = embedSeries(
          e,
          x.map((xi, j) => [xi, v[j], 0, 0, 0, 0, 0, 0, 0]),
        );
        closed.forEach((row, i) => row.forEach((c, k) => expect(Math.abs(c - composed[i][k])).toBeLessThan(1e-9 * Math.max(1, Math.abs(c)))));
      }
    }
  });

  it('the periodic embedding and periodic Fourier features are periodic in x (γ(x) = γ(x + L)); plain Fourier features are not', () => {
    for (const [e, periodic] of [
      [PERIODIC, true],
      [BOTH, true],
      [FOURIER, false],
    ] as const) {
      let worst = 0;
      for (const x of [-1, -0.37, 0.2, 0.9]) {
        const a = e.embed([x, 0.4]);
        const b = e.embed([x + 2, 0.4]);
        a.forEach((ai, i) => (worst = Math.max(worst, Math.abs(ai - b[i]))));
      }
      if (periodic) expect(worst).toBeLessThan(1e-12);
      else expect(worst).toBeGreaterThan(1e-3);
    }
    // shape: cos and sin of the periodic input, then t passed through
    expect(PERIODIC.outDim).toBe(3);
    expect(PERIODIC.passThrough).toEqual([1]);
    expect(Array.from(PERIODIC.embed([0.25, 0.7]))).toEqual([Math.sin(Math.PI * 0.25 + Math.PI / 2), Math.sin(Math.PI * 0.25), 0.7]);
    expect(FOURIER.outDim).toBe(16);
  });

  it('a model with an embedding survives JSON (and refuses a malformed embedding with a message)', () => {
    const mlp = Mlp.init({ inputDim: 2, width: 8, depth: 2, outputDim: 1, activation: 'tanh' }, 5, { embedding: BOTH });
    const back = Mlp.fromJSON(JSON.parse(JSON.stringify(mlp.toJSON())));
    expect(back.inputDim).toBe(2);
    expect(back.sizes[0]).toBe(16);
    expect(Array.from(back.embedding!.frequencies)).toEqual(Array.from(BOTH.frequencies));
    const bad = { ...JSON.parse(JSON.stringify(mlp.toJSON())), embedding: { inputs: 2, frequencies: [[1, 'x']], phases: [0] } };
    expect(() => Mlp.fromJSON(bad)).toThrow(/frequencies\[0\]\[1\] must be a finite number/);
  });
});

describe('input embeddings: the GPU jets against the f64 closed form', () => {
  const cases: [string, InputEmbedding, JetKernels, number][] = [
    ['periodic, tiled', PERIODIC, 'tiled', 6],
    ['periodic, direct', PERIODIC, 'direct', 6],
    ['periodic, vec4', PERIODIC, 'vec4', 4],
    ['Fourier, tiled', FOURIER, 'tiled', 4],
    ['Fourier + periodic, vec4', BOTH, 'vec4', 6],
  ];
  for (const [label, e, kernels, order] of cases) {
    it(`${label}: every coefficient 0..${order} of u(x + s v) matches (f32 tolerance 1e-4 of the largest of its order)`, async () => {
      const mlp = Mlp.init({ inputDim: 2, width: 16, depth: 2, outputDim: 1, activation: 'tanh' }, 11, { embedding: e });
      const net = new GpuMlp(gpu.device, mlp);
      const batch = 37;
      const { points, directions } = inputs(2, batch, 2);
      const fwd = new TaylorJetForward(gpu.device, net, { order, maxBatch: batch, sharedDirection: false, kernels });
      const got = await fwd.run(points, directions);
      const ref = referenceJets(mlp, points, directions, order);
      const n1 = order + 1;
      for (let k = 0; k < n1; k++) {
        let scale = 0;
        for (let p = 0; p < batch; p++) scale = Math.max(scale, Math.abs(ref[p * n1 + k]));
        for (let p = 0; p < batch; p++) expect(Math.abs(got[p * n1 + k] - ref[p * n1 + k]) / scale, `order ${k} point ${p}`).toBeLessThan(1e-4);
      }
      fwd.destroy();
      net.destroy();
    });
  }

  it('the network is exactly periodic on the GPU: u, u_x and u_xx equal at x = -1 and x = 1', async () => {
    const mlp = Mlp.init({ inputDim: 2, width: 16, depth: 3, outputDim: 1, activation: 'tanh' }, 12, { embedding: BOTH });
    const net = new GpuMlp(gpu.device, mlp);
    const ts = [0, 0.3, 0.8];
    const points = Float32Array.from(ts.flatMap((t) => [[-1, t], [1, t]]).flat());
    const fwd = new TaylorJetForward(gpu.device, net, { order: 2, maxBatch: 6, sharedDirection: true });
    const c = await fwd.run(points, Float32Array.of(1, 0));
    let scale = 0;
    for (let i = 0; i < c.length; i++) scale = Math.max(scale, Math.abs(c[i]));
    for (let i = 0; i < ts.length; i++) for (let k = 0; k < 3; k++) expect(Math.abs(c[(2 * i) * 3 + k] - c[(2 * i + 1) * 3 + k]) / scale).toBeLessThan(2e-5);
    fwd.destroy();
    net.destroy();
  });

  it('the backward pass through an embedded network: the parameter gradient matches f64 central differences (tiled and vec4)', async () => {
    const mlp = Mlp.init({ inputDim: 2, width: 8, depth: 2, outputDim: 1, activation: 'tanh' }, 13, { embedding: PERIODIC });
    const net = new GpuMlp(gpu.device, mlp);
    const { points, directions } = inputs(4, 9, 2);
    const order = 3;
    const ref = referenceLossGradient(mlp, points, directions, order);
    let big = 0;
    for (const r of ref.values()) big = Math.max(big, Math.abs(r));
    for (const kernels of ['tiled', 'vec4'] as const) {
      const { g } = await jetLossGradient(gpu.device, net, points, directions, false, order, kernels);
      for (const [i, r] of ref) expect(Math.abs(g[i] - r) / big, `${kernels} parameter ${i}`).toBeLessThan(2e-4);
    }
    net.destroy();
  });

  it('slot jets (mixed partials) through an embedding match the f64 slot jets', async () => {
    const mlp = Mlp.init({ inputDim: 2, width: 16, depth: 2, outputDim: 1, activation: 'tanh' }, 14, { embedding: BOTH });
    const net = new GpuMlp(gpu.device, mlp);
    const layouts = [[2, 0], [1, 1], [2, 2], [0, 3]].map((a) => slotLayout(a));
    const order = Math.max(...layouts.map((L) => L.order));
    const x = [0.3, 0.55];
    const fwd = new SlotJetForward(gpu.device, net, order, layouts.length);
    const jets = await fwd.run(fwd.inputJets(layouts.flatMap(() => x), layouts.map((L) => L.slots)));
    layouts.forEach((L, r) => {
      const ref = mlpSlotJet(mlp, x, slotTangents(L.slots, 2), order);
      // each coefficient relative to its own size (at least 1): high coefficients grow like (ω·v)^k / k!
      ref.forEach((c, k) => expect(Math.abs(jets[r * (order + 1) + k] - c) / Math.max(1, Math.abs(c)), `layout ${r} order ${k}`).toBeLessThan(1e-4));
    });
    fwd.destroy();
    net.destroy();
  });

  it('stacked AD through an embedding gives the same derivatives as the f64 jets', async () => {
    const mlp = Mlp.init({ inputDim: 2, width: 8, depth: 2, outputDim: 1, activation: 'tanh' }, 15, { embedding: PERIODIC });
    const net = new GpuMlp(gpu.device, mlp);
    const { points, directions } = inputs(6, 5, 2);
    const ad = new AdDerivatives(net);
    const order = 3;
    const got = await ad.derivatives(points, directions, false, order);
    const ref = referenceJets(mlp, points, directions, order);
    for (let k = 0; k <= order; k++) {
      const scale = Math.max(...got.map((_, p) => Math.abs(factorial(k) * ref[p * (order + 1) + k])));
      got.forEach((row, p) => expect(Math.abs(row[k] - factorial(k) * ref[p * (order + 1) + k]) / scale, `order ${k} point ${p}`).toBeLessThan(1e-4));
    }
    ad.destroy();
    net.destroy();
  });
});

describe('input embeddings in training (advection on a ring: u_t + u_x = 0, periodic in x)', () => {
  const problem = problemById('advection-1d')!;
  const base: TrainConfig = { ...defaultTrainConfig(problem), width: 32, depth: 3, interiorPoints: 256, steps: 200, lr: 2e-3, logEvery: 200, seed: 0 };

  it('every method computes the residual of an embedded network (periodic + Fourier) as the f64 twin does', async () => {
    const config = { ...base, periodicEmbedding: true, fourier: { features: 8, scale: 1 } };
    for (const [method, tol] of [['taylor', 1e-3], ['ad', 1e-3], ['fd', 3e-2]] as [TrainMethod, number][]) {
      const trainer = new PinnTrainer(gpu.device, problem, { ...config, method });
      // the periodic terms go: they hold exactly
      expect(trainer.problem.terms.filter((t) => t.periodicAxis !== undefined).length).toBeGreaterThan(0);
      const terms = await trainer.evaluateTerms();
      expect(terms.some((t) => t.name.startsWith('periodic'))).toBe(false);
      const mlp = await trainer.net.download();
      expect(mlp.embedding?.outDim).toBe(16);
      for (const t of terms) {
        const term = problem.terms.find((p) => p.name === t.name)!;
        expectParts(t.parts, referenceParts(problem, term, mlp, t.points, [], false), tol, `${method} ${t.name}`);
      }
      trainer.destroy();
    }
  });

  it('the sampled methods (STDE, Stein) train an embedded network too: poisson-nd with Fourier features, the loss falls', async () => {
    const nd = problemWith('poisson-nd', { dim: 3 })!;
    for (const method of ['stde', 'stein'] as TrainMethod[]) {
      const trainer = new PinnTrainer(gpu.device, nd, { ...defaultTrainConfig(nd), method, stde: { kind: 'sparse', batch: 2 }, width: 16, depth: 2, interiorPoints: 64, steps: 60, logEvery: 20, seed: 1, fourier: { features: 8, scale: 1 } });
      const r = await trainer.run();
      trainer.destroy();
      const losses = r.history.map((h) => h.loss);
      expect(losses.every(Number.isFinite), method).toBe(true);
      expect(losses[losses.length - 1], method).toBeLessThan(losses[0]);
    }
  });

  it('the exact periodic embedding, then Fourier features on it, each lower the error the plain network reaches in the same 200 steps', async () => {
    const error = async (config: TrainConfig) => {
      const trainer = new PinnTrainer(gpu.device, problem, config);
      const r = await trainer.run();
      trainer.destroy();
      return r.history[r.history.length - 1].l2re;
    };
    const plain = await error(base);
    const periodic = await error({ ...base, periodicEmbedding: true });
    const fourier = await error({ ...base, periodicEmbedding: true, fourier: { features: 32, scale: 1 } });
    expect(periodic).toBeLessThan(plain / 2);
    expect(fourier).toBeLessThan(periodic / 2);
  });
});
