import { describe, expect, it } from 'vitest';
import { problemWith } from '../../src/engine/problems';
import { poisson1d } from '../../src/engine/problems/poisson-1d';
import { poisson2d } from '../../src/engine/problems/poisson-2d';
import { hardFactor, unknownValue, type PdeProblem } from '../../src/engine/problems/types';
import { defaultTrainConfig, PinnTrainer, redrawSeed, type TrainConfig, type TrainMethod } from '../../src/engine/train/trainer';
import { samplePoints } from '../../src/engine/sampling/qmc';
import { expectParts, referenceParts, useNodeGpu } from './helpers';

const gpu = useNodeGpu();

async function lossCurve(problem: PdeProblem, config: TrainConfig): Promise<number[]> {
  const trainer = new PinnTrainer(gpu.device, problem, config);
  const r = await trainer.run();
  trainer.destroy();
  return r.history.map((h) => h.loss);
}

describe('poisson-nd: many directions packed into one jet batch', () => {
  const problem = problemWith('poisson-nd', { dim: 4 })!;
  const small = { ...defaultTrainConfig(problem), width: 10, depth: 2, interiorPoints: 40, steps: 12, logEvery: 3, seed: 5 };

  it('the GPU residual of a random network matches the f64 residual (Taylor, AD and FD packed layouts)', async () => {
    for (const method of ['taylor', 'ad', 'fd'] as TrainMethod[]) {
      const trainer = new PinnTrainer(gpu.device, problem, { ...small, method });
      const terms = await trainer.evaluateTerms();
      const mlp = await trainer.net.download();
      // finite differences: truncation error of the stencil in f32 (step ~ eps^(1/4))
      expectParts(terms[0].parts, referenceParts(problem, problem.terms[0], mlp, terms[0].points, [], false), method === 'fd' ? 3e-2 : 1e-3);
      trainer.destroy();
    }
  });

  it('AD and Taylor follow the same loss curve; FD up to its truncation error', async () => {
    const curves = Object.fromEntries(await Promise.all((['taylor', 'ad', 'fd'] as TrainMethod[]).map(async (m) => [m, await lossCurve(problem, { ...small, method: m })])));
    curves.taylor.forEach((l: number, i: number) => {
      expect(Math.abs(curves.ad[i] - l) / l).toBeLessThan(1e-3);
      expect(Math.abs(curves.fd[i] - l) / l).toBeLessThan(3e-2);
    });
    expect(curves.taylor[curves.taylor.length - 1]).toBeLessThan(curves.taylor[0]);
  });

  it('rejects a dimension outside its range with the range named', () => {
    expect(() => problemWith('poisson-nd', { dim: 0 })).toThrow(/from 1 to 100/);
    expect(() => problemWith('poisson-2d', { dim: 3 })).toThrow(/2-dimensional/);
    expect(problemWith('poisson-nd', { dim: 7 })!.dim).toBe(7);
  });
});

describe('hard boundary transform u = φ N', () => {
  it('the GPU residual matches the f64 residual of φ N (Taylor and AD), and the boundary term is gone', async () => {
    for (const method of ['taylor', 'ad'] as TrainMethod[]) {
      const trainer = new PinnTrainer(gpu.device, poisson2d, { ...defaultTrainConfig(poisson2d), method, hardBoundary: true, width: 8, depth: 2, interiorPoints: 32, seed: 2 });
      const terms = await trainer.evaluateTerms();
      expect(terms.map((t) => t.name)).toEqual(['residual']);
      const mlp = await trainer.net.download();
      const hard = referenceParts(poisson2d, poisson2d.terms[0], mlp, terms[0].points, [], true);
      expectParts(terms[0].parts, hard);
      // and it is not the plain network's residual
      const plain = referenceParts(poisson2d, poisson2d.terms[0], mlp, terms[0].points, [], false);
      expect(Math.max(...plain.map((p, i) => Math.abs(p - hard[i])))).toBeGreaterThan(1e-3 * Math.max(...hard));
      trainer.destroy();
    }
  });

  it('with boundary values g (heat-1d: u = sin(πx) + t·φ·N): the GPU residual matches f64, and predictions meet the initial values', async () => {
    const heat = problemWith('heat-1d', {})!;
    const trainer = new PinnTrainer(gpu.device, heat, { ...defaultTrainConfig(heat), hardBoundary: true, width: 8, depth: 2, interiorPoints: 32, seed: 6 });
    const terms = await trainer.evaluateTerms();
    expect(terms.map((t) => t.name)).toEqual(['residual']);
    const mlp = await trainer.net.download();
    expectParts(terms[0].parts, referenceParts(heat, heat.terms[0], mlp, terms[0].points, [], true), 2e-3);
    const u = await trainer.predictTest();
    trainer.testSet.points.forEach((x, i) => {
      if (x[1] === 0) expect(u[i]).toBeCloseTo(Math.sin(Math.PI * x[0]), 6);
      if (x[0] === 0 || x[0] === 1) expect(u[i]).toBeCloseTo(0, 6);
    });
    trainer.destroy();
  });

  it('predictions vanish on the boundary, and training poisson-1d with it lowers the error', async () => {
    const trainer = new PinnTrainer(gpu.device, poisson1d, { ...defaultTrainConfig(poisson1d), hardBoundary: true, steps: 300, logEvery: 100 });
    const u = await trainer.predictTest();
    const pts = trainer.testSet.points;
    expect(hardFactor(poisson1d, pts[0])).toBe(0);
    expect(Math.abs(u[0])).toBe(0);
    expect(Math.abs(u[pts.length - 1])).toBe(0);
    const r = await trainer.run();
    expect(r.l2re).toBeLessThan(0.1);
    trainer.destroy();
  });

  it('is refused for a problem without one', () => {
    const kdv = problemWith('kdv-1d', {})!;
    expect(kdv.hard).toBeUndefined();
    expect(() => new PinnTrainer(gpu.device, kdv, { ...defaultTrainConfig(kdv), hardBoundary: true })).toThrow(/declares no hard boundary/);
  });
});

describe('sampling and weights', () => {
  it('Sobol and Latin-hypercube interior points are the seeded ones, inside the domain, fresh each step', async () => {
    for (const sampling of ['sobol', 'lhs'] as const) {
      const trainer = new PinnTrainer(gpu.device, poisson2d, { ...defaultTrainConfig(poisson2d), sampling, width: 8, depth: 2, interiorPoints: 64, seed: 9 });
      const a = (await trainer.evaluateTerms())[0].points;
      const expected = samplePoints(sampling, 64, 2, [0, 0], [1, 1], 9, 0);
      a.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
      const enc = gpu.device.createCommandEncoder();
      trainer.encodeStep(enc);
      gpu.device.queue.submit([enc.finish()]);
      const b = (await trainer.evaluateTerms())[0].points;
      expect(Array.from(b)).not.toEqual(Array.from(a));
      trainer.destroy();
    }
  });

  it('boundary and initial points are redrawn every step where a problem asks (cube faces, sphere × [0, 1], ball × {0}), and kept with resampleEvery 0', async () => {
    const onFace = (x: number[]) => x.some((v) => v === 0 || v === 1) && x.every((v) => v >= 0 && v <= 1);
    const r2 = (x: number[], d: number) => x.slice(0, d).reduce((a, v) => a + v * v, 0);
    const cases = [
      { problem: problemWith('poisson-sin', { dim: 10 })!, check: { boundary: onFace } },
      {
        problem: problemWith('heat-ball', { dim: 20 })!,
        check: { boundary: (x: number[]) => Math.abs(r2(x, 20) - 1) < 1e-5 && x[20] >= 0 && x[20] <= 1, initial: (x: number[]) => r2(x, 20) < 1 && x[20] === 0 },
      },
    ];
    for (const { problem, check } of cases) {
      const d = problem.dim;
      const rows = (flat: Float32Array) => Array.from({ length: flat.length / d }, (_, i) => Array.from(flat.subarray(i * d, (i + 1) * d)));
      const pointsAt = async (resampleEvery: number, steps: number) => {
        const trainer = new PinnTrainer(gpu.device, problem, { ...defaultTrainConfig(problem), width: 8, depth: 2, interiorPoints: 16, seed: 5, resampleEvery });
        for (let s = 0; s < steps; s++) {
          const enc = gpu.device.createCommandEncoder();
          trainer.encodeStep(enc);
          gpu.device.queue.submit([enc.finish()]);
        }
        const terms = await trainer.evaluateTerms();
        trainer.destroy();
        return terms;
      };
      const [first, later, kept] = [await pointsAt(1, 0), await pointsAt(1, 2), await pointsAt(0, 2)];
      for (const [name, ok] of Object.entries(check)) {
        const index = problem.terms.findIndex((t) => t.name === name);
        const term = problem.terms[index];
        const a = rows(first.find((t) => t.name === name)!.points);
        const b = rows(later.find((t) => t.name === name)!.points);
        expect(a.length).toBe((term.points as number[][]).length);
        for (const x of [...a, ...b]) expect(ok(x), `${problem.id} ${name}: ${x.slice(0, 4)}…`).toBe(true);
        expect(b).not.toEqual(a);
        // the redrawn set of a step is the problem's draw from the seed of (run seed, stream, term)
        const expected = term.redraw!(redrawSeed(5, 2, later.findIndex((t) => t.name === name)));
        b.forEach((x, i) => x.forEach((v, j) => expect(v).toBeCloseTo(expected[i][j], 6)));
        // resampleEvery 0 keeps the problem's fixed set
        rows(kept.find((t) => t.name === name)!.points).forEach((x, i) => x.forEach((v, j) => expect(v).toBeCloseTo((term.points as number[][])[i][j], 6)));
      }
    }
  });

  it('a configured weight scales its term, and a negative one is refused', async () => {
    const cfg = { ...defaultTrainConfig(poisson1d), width: 8, depth: 2, interiorPoints: 16 };
    const t1 = new PinnTrainer(gpu.device, poisson1d, cfg);
    const t2 = new PinnTrainer(gpu.device, poisson1d, { ...cfg, weights: { boundary: 2.5 } });
    const [a, b] = [await t1.evaluateTerms(), await t2.evaluateTerms()];
    expect(b[1].parts[0] / a[1].parts[0]).toBeCloseTo(2.5 / 10, 5);
    expect(Array.from(b[0].parts)).toEqual(Array.from(a[0].parts));
    t1.destroy();
    t2.destroy();
    expect(() => new PinnTrainer(gpu.device, poisson1d, { ...cfg, weights: { boundary: -1 } })).toThrow(/weight of poisson-1d's boundary/);
  });
});

describe('trained unknowns (burgers-selfsimilar, lambda)', () => {
  it("the unknown's gradient matches central differences of the f64 loss", async () => {
    const problem = problemWith('burgers-selfsimilar', { k: 0 })!;
    const trainer = new PinnTrainer(gpu.device, problem, { ...defaultTrainConfig(problem), width: 8, depth: 2, seed: 4 });
    const raw = 0.3;
    trainer.setUnknownRaw([raw]);
    const { unknownGrad, loss } = await trainer.gradient();
    const mlp = await trainer.net.download();
    const terms = await trainer.evaluateTerms();
    const u = problem.unknowns![0];
    const f64Loss = (s: number) =>
      problem.terms.reduce((acc, term, ti) => acc + referenceParts(problem, term, mlp, terms[ti].points, [unknownValue(u, s)], false).reduce((a, b) => a + b, 0), 0);
    const h = 1e-5;
    const ref = (f64Loss(raw + h) - f64Loss(raw - h)) / (2 * h);
    expect(loss).toBeCloseTo(f64Loss(raw), 3);
    expect(Math.abs(unknownGrad[0] - ref) / Math.abs(ref)).toBeLessThan(1e-3);
    expect(await trainer.unknownValues()).toHaveLength(1);
    trainer.destroy();
  });
});

describe('an odd model N(x) − N(−x) starts with non-zero biases', () => {
  it('its bias gradients are non-zero (with zero biases they vanish exactly, and the biases never move)', async () => {
    const problem = problemWith('burgers-selfsimilar', { k: 1 })!;
    const trainer = new PinnTrainer(gpu.device, problem, { ...defaultTrainConfig(problem), width: 8, depth: 2, seed: 4 });
    const mlp = await trainer.net.download();
    const { grad } = await trainer.gradient();
    for (const layer of mlp.layers) {
      const biases = Array.from(mlp.params.subarray(layer.biasOffset, layer.biasOffset + layer.outDim));
      expect(Math.max(...biases.map(Math.abs))).toBeGreaterThan(0);
      expect(Math.max(...biases.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(layer.inDim));
    }
    // the hidden layers' bias gradients: zero-bias odd networks give exactly 0 here
    const hidden = mlp.layers.slice(0, -1).flatMap((l) => Array.from(grad.subarray(l.biasOffset, l.biasOffset + l.outDim)));
    expect(Math.max(...hidden.map(Math.abs))).toBeGreaterThan(1e-6);
    trainer.destroy();
    // a plain model keeps Glorot weights with zero biases
    const plain = new PinnTrainer(gpu.device, { ...problem, oddModel: false }, { ...defaultTrainConfig(problem), width: 8, depth: 2, seed: 4 });
    const p = await plain.net.download();
    expect(p.layers.every((l) => p.params.subarray(l.biasOffset, l.biasOffset + l.outDim).every((b) => b === 0))).toBe(true);
    // same weights either way
    const w = mlp.layers[0];
    expect(Array.from(p.params.subarray(w.weightOffset, w.weightOffset + w.inDim * w.outDim))).toEqual(Array.from(mlp.params.subarray(w.weightOffset, w.weightOffset + w.inDim * w.outDim)));
    plain.destroy();
  });
});

describe('profiling a step by phase', () => {
  it.each(['taylor', 'ad'] as TrainMethod[])('%s: names its phases with positive times and leaves the run unchanged', async (method) => {
    const cfg = { ...defaultTrainConfig(poisson1d), method, width: 8, depth: 2, interiorPoints: 32, steps: 8, logEvery: 4 };
    const plain = new PinnTrainer(gpu.device, poisson1d, cfg);
    const expected = (await plain.run()).history.map((h) => h.loss);
    plain.destroy();
    const profiled = new PinnTrainer(gpu.device, poisson1d, cfg);
    const first = await profiled.run((r) => r.step < 4);
    const phases = await profiled.profileStep(2);
    expect(phases.map((p) => p.phase)).toEqual(
      method === 'ad' ? ['sampling', 'derivatives, residuals and backward (AD graph)', 'optimizer (Adam)'] : ['sampling', 'derivatives (forward)', 'residuals and loss', 'backward', 'optimizer (Adam)'],
    );
    phases.forEach((p) => expect(p.ms).toBeGreaterThan(0));
    expect(profiled.step).toBe(4);
    const rest = await profiled.run();
    expect([...first.history, ...rest.history].map((h) => h.loss)).toEqual(expected);
    profiled.destroy();
  });
});
