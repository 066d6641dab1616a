import { describe, expect, it } from 'vitest';
import type { HighDimProblem } from '../../src/engine/problems/highdim-types';
import { bsb, hjbLin, waveSinh } from '../../src/engine/problems/highdim-files';
import { highDimProblemWith } from '../../src/engine/problems';
import { hjbLqg, hjbLqgReference } from '../../src/engine/problems/hjb-lqg';
import { Rng } from '../../src/engine/sampling/rng';
import { ballTestPoints, checkFreshTestPoints, defaultHighDimConfig, freshSampleSize, HighDimTrainer, TEST_SET_SEED, type HighDimConfig } from '../../src/engine/highdim/trainer';
import { Mlp } from '../../src/engine/model/mlp';
import { useNodeGpu } from './helpers';

const gpu = useNodeGpu();

/** A two- or three-body ball problem (problems/<operator>-<body>body.json) at dimension d. */
const ballProblem = (operator: 'poisson' | 'allen-cahn' | 'sine-gordon', body: 'two' | 'three', d: number): HighDimProblem => {
  const p = highDimProblemWith(`${operator}-${body}body`, d);
  if (!p) throw new Error(`no problem ${operator}-${body}body`);
  return p;
};

// ---- an independent f64 reference: the tanh MLP's 2-jet along e_i, the STDE loss ----

/** (N, ∂N/∂x_i, ½ ∂²N/∂x_i²) at x in f64, by pushing a 2-jet through every layer (i = 'x': along the direction x itself). */
function jet2(mlp: Mlp, x: ArrayLike<number>, i: number | 'x'): [number, number, number] {
  const p = mlp.params;
  let h: number[][] = [Array.from(x), Array.from(x, (v, j) => (i === 'x' ? v : j === i ? 1 : 0)), Array.from(x, () => 0)];
  mlp.layers.forEach((L, l) => {
    const last = l === mlp.layers.length - 1;
    const a = [0, 1, 2].map((k) =>
      Array.from({ length: L.outDim }, (_, m) => {
        let s = k === 0 ? p[L.biasOffset + m] : 0;
        for (let j = 0; j < L.inDim; j++) s += p[L.weightOffset + m * L.inDim + j] * h[k][j];
        return s;
      }),
    );
    if (last) {
      h = a;
      return;
    }
    const y0 = a[0].map(Math.tanh);
    const s = y0.map((y) => 1 - y * y);
    h = [y0, a[1].map((v, m) => s[m] * v), a[2].map((v, m) => s[m] * v - y0[m] * s[m] * a[1][m] ** 2)];
  });
  return [h[0][0], h[1][0], h[2][0]];
}

/** u = (1 − |x|²) N: ∂²u/∂x_i² from N's jet (the product rule written out independently). */
function uSecond(mlp: Mlp, x: ArrayLike<number>, i: number): number {
  const [n0, n1, n2] = jet2(mlp, x, i);
  const phi = 1 - Array.from(x).reduce((a, v) => a + v * v, 0);
  // φ'' N + 2 φ' N' + φ N'' with φ' = −2x_i, φ'' = −2
  return -2 * n0 + 2 * (-2 * x[i]) * n1 + phi * 2 * n2;
}

/** The model u = G + F N's normalized jet along axis a (f64). */
function modelJet(problem: HighDimProblem, mlp: Mlp, z: ArrayLike<number>, a: number): [number, number, number] {
  const [n0, n1, n2] = jet2(mlp, z, a);
  const [f0, f1, f2] = problem.factorJet(z, a);
  const [g0, g1, g2] = problem.offsetJet(z, a);
  return [g0 + f0 * n0, g1 + f0 * n1 + f1 * n0, g2 + f0 * n2 + f1 * n1 + f2 * n0];
}

/** The STDE residual at z with the sampled space axes `coords` (f64). */
function residualF64(problem: HighDimProblem, mlp: Mlp, z: ArrayLike<number>, coords: number[]): number {
  const d = problem.dim;
  const sp = coords.reduce((acc, i) => {
    const u = modelJet(problem, mlp, z, i);
    return acc + problem.spatial(z[i], u[1], 2 * u[2]);
  }, 0);
  const u = modelJet(problem, mlp, z, coords[0])[0];
  const ut = problem.horizon !== undefined ? modelJet(problem, mlp, z, d) : [0, 0, 0];
  return problem.temporal(z, u, ut[1], 2 * ut[2]) + (d / coords.length) * sp - problem.source(z);
}

/**
 * The product-rule estimator's residual in f64 (u = (1 − |x|²) N, a plain Laplacian): Δu written
 * out as −2d N − 4 x·∇N + (1 − |x|²) ΔN, with x·∇N from a jet along x and ΔN estimated from `coords`.
 */
function residualProductF64(problem: HighDimProblem, mlp: Mlp, x: ArrayLike<number>, coords: number[]): number {
  const d = problem.dim;
  const n0 = jet2(mlp, x, 0)[0];
  const xGradN = jet2(mlp, x, 'x')[1];
  const lapN = (d / coords.length) * coords.reduce((acc, i) => acc + 2 * jet2(mlp, x, i)[2], 0);
  const phi = 1 - Array.from(x).reduce((a, v) => a + v * v, 0);
  return problem.temporal(x, phi * n0, 0, 0) - 2 * d * n0 - 4 * xGradN + phi * lapN - problem.source(x);
}

/** The STDE loss in f64: mean r², or with `split` (the unbiased loss) mean r_A r_B over the two halves of the axes; `product`: the product-rule residual. */
function lossF64(problem: HighDimProblem, mlp: Mlp, zs: Float32Array, idx: Uint32Array, P: number, B: number, split = false, product = false): number {
  const time = problem.horizon !== undefined ? 1 : 0;
  const din = problem.dim + time;
  const r1 = B + time + (product ? 1 : 0);
  const residual = product ? residualProductF64 : residualF64;
  let l = 0;
  for (let p = 0; p < P; p++) {
    const z = zs.subarray(p * din, (p + 1) * din);
    const axes = Array.from(idx.subarray(p * r1, p * r1 + B));
    if (split) {
      l += (residual(problem, mlp, z, axes.slice(0, B / 2)) * residual(problem, mlp, z, axes.slice(B / 2))) / P;
    } else {
      const r = residual(problem, mlp, z, axes);
      l += (r * r) / P;
    }
  }
  return l;
}

/** The GPU gradient at the probed parameters against central differences of an f64 loss (f32-stored parameters, exactly the perturbed ones). */
function expectGradientAt(grad: Float32Array, params: Float32Array, probes: number[], f: (params: Float32Array) => number) {
  const scale = Math.sqrt(Array.from(grad).reduce((a, g) => a + g * g, 0));
  for (const k of probes) {
    const h = 1e-3;
    const plus = Float32Array.from(params);
    const minus = Float32Array.from(params);
    plus[k] += h;
    minus[k] -= h;
    const fd = (f(plus) - f(minus)) / (plus[k] - minus[k]);
    expect(Math.abs(grad[k] - fd), `parameter ${k}`).toBeLessThan(3e-3 * scale + 1e-4 * Math.abs(fd));
  }
}

const small = (problem: HighDimProblem, over: Partial<HighDimConfig> = {}): HighDimConfig => ({
  ...defaultHighDimConfig(problem),
  width: 8,
  depth: 2,
  points: 6,
  randBatch: 3,
  testPoints: 50,
  ...over,
});

describe('ball problems (two- and three-body, STDE paper)', () => {
  for (const body of ['two', 'three'] as const) {
    it(`${body}-body: g = Δu* + sin u* with Δu* from f64 finite differences of u*, and u* = 0 on the sphere`, () => {
      const p = ballProblem('sine-gordon', body, 7);
      const x = [0.21, -0.33, 0.18, 0.4, -0.12, 0.05, 0.3];
      const h = 1e-3;
      let fd = 0;
      for (let i = 0; i < 7; i++) {
        const xp = x.slice();
        const xm = x.slice();
        xp[i] += h;
        xm[i] -= h;
        fd += (p.exact(xp) - 2 * p.exact(x) + p.exact(xm)) / (h * h);
      }
      expect(Math.abs(p.source(x) - (fd + Math.sin(p.exact(x))))).toBeLessThan(1e-5 * (1 + Math.abs(fd)));
      expect(p.temporal(x, 0.3, 0, 0)).toBeCloseTo(Math.sin(0.3), 14);
      const n = Math.hypot(...x);
      expect(Math.abs(p.exact(x.map((v) => v / n)))).toBeLessThan(1e-12);
    });
  }
  it('the model jets of u = (1 − |x|²) N follow the product rule (independent of the problem file)', () => {
    const p = ballProblem('poisson', 'two', 5);
    const mlp = Mlp.init({ inputDim: 5, width: 6, depth: 2, outputDim: 1, activation: 'tanh' }, 3);
    const x = [0.1, -0.2, 0.3, 0.05, -0.4];
    for (let i = 0; i < 5; i++) expect(2 * modelJet(p, mlp, x, i)[2]).toBeCloseTo(uSecond(mlp, x, i), 12);
  });
  it('refuses a dimension too small for the body', () => {
    expect(() => ballProblem('poisson', 'three', 2)).toThrow(/from 3 to/);
  });
});

/** f64 derivatives of f along axis a at z by central differences (step h). */
function fdAlong(f: (z: number[]) => number, z: number[], a: number, h = 1e-4): [number, number] {
  const zp = z.slice();
  const zm = z.slice();
  zp[a] += h;
  zm[a] -= h;
  return [(f(zp) - f(zm)) / (2 * h), (f(zp) - 2 * f(z) + f(zm)) / (h * h)];
}

describe('time-dependent problems on the ball (hjb-lin, bsb, wave-sinh)', () => {
  const d = 6;
  const z = [0.2, -0.3, 0.15, 0.35, -0.1, 0.25, 0.4]; // x in the ball, t = 0.4
  for (const problem of [hjbLin(d), bsb(d), waveSinh(d), hjbLqg(d)]) {
    it(`${problem.id}: the exact solution solves the equation (f64 finite differences)`, () => {
      let sp = 0;
      for (let i = 0; i < d; i++) {
        const [ui, uii] = fdAlong(problem.exact, z, i);
        sp += problem.spatial(z[i], ui, uii);
      }
      const [ut, utt] = fdAlong(problem.exact, z, d);
      const r = problem.temporal(z, problem.exact(z), ut, utt) + sp - problem.source(z);
      // hjb-lqg's reference is a quadrature: its finite differences carry its error / h²
      expect(Math.abs(r)).toBeLessThan(problem.id === 'hjb-lqg' ? 1e-4 : 1e-5);
    });
    it(`${problem.id}: the jets of F and G match finite differences, and u = G + F N meets the ${problem.id === 'wave-sinh' ? 'initial' : 'terminal'} values for any N`, () => {
      for (let a = 0; a <= d; a++) {
        for (const jet of [problem.factorJet, problem.offsetJet]) {
          const [v0, v1, v2] = jet(z, a);
          const [f1, f2] = fdAlong((y) => jet(y, a)[0], z, a);
          expect(v0).toBeCloseTo(jet(z, a)[0], 12);
          expect(Math.abs(v1 - f1)).toBeLessThan(1e-6);
          expect(Math.abs(2 * v2 - f2)).toBeLessThan(1e-5);
        }
      }
      const tb = problem.id === 'wave-sinh' ? 0 : problem.horizon!;
      const zb = [...z.slice(0, d), tb];
      expect(problem.factorJet(zb, d)[0]).toBe(0);
      expect(problem.offsetJet(zb, d)[0]).toBeCloseTo(problem.exact(zb), 12);
      if (problem.id === 'wave-sinh') {
        expect(problem.factorJet(zb, d)[1]).toBe(0); // u_t = 0 at t = 0 as well
        expect(fdAlong(problem.exact, zb, d)[0]).toBeCloseTo(0, 6);
      }
    });
  }
});

describe('hjb-lqg reference (Cole–Hopf expectation as a 2-D integral)', () => {
  for (const d of [1, 5, 60]) {
    it(`d = ${d}: matches plain Monte Carlo over d-dimensional Gaussians (within 4 standard errors)`, () => {
      const rng = new Rng(7 + d);
      const x = Array.from({ length: d }, (_, i) => 0.6 * Math.sin(i + 1) / Math.sqrt(d));
      const t = 0.3;
      const s = Math.sqrt(2 * (1 - t));
      const n = 40000;
      let sum = 0;
      let sq = 0;
      for (let m = 0; m < n; m++) {
        let r2 = 0;
        for (let i = 0; i < d; i++) r2 += (x[i] + s * rng.normal()) ** 2;
        const v = 2 / (1 + r2);
        sum += v;
        sq += v * v;
      }
      const mean = sum / n;
      const se = Math.sqrt((sq / n - mean * mean) / n);
      const ref = Math.exp(-hjbLqgReference(x, t, d));
      expect(Math.abs(ref - mean)).toBeLessThan(4 * se);
      // at the terminal time it is g itself
      expect(hjbLqgReference(x, 1, d)).toBeCloseTo(Math.log((1 + x.reduce((a, v) => a + v * v, 0)) / 2), 14);
    });
  }
});

describe('high-dimensional STDE trainer (column trick, GPU sampling)', () => {
  it('samples points uniformly in the ball and B distinct coordinates per point', async () => {
    const problem = ballProblem('poisson', 'two', 40);
    const t = new HighDimTrainer(gpu.device, problem, small(problem, { points: 400, randBatch: 12 }));
    const { x, idx } = await t.probe(3);
    const d = 40;
    const radii: number[] = [];
    for (let p = 0; p < 400; p++) {
      const r = Math.sqrt(Array.from(x.subarray(p * d, (p + 1) * d)).reduce((a, v) => a + v * v, 0));
      expect(r).toBeLessThanOrEqual(1 + 1e-5);
      radii.push(r);
      const picks = Array.from(idx.subarray(p * 12, (p + 1) * 12));
      expect(new Set(picks).size).toBe(12);
      picks.forEach((i) => expect(i).toBeLessThan(d));
    }
    // r^d is uniform on [0, 1] for volume-uniform points: mean 1/2, sd 1/sqrt(12 n)
    const mean = radii.reduce((a, r) => a + r ** d, 0) / radii.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(4 / Math.sqrt(12 * 400));
    // every coordinate is picked about equally often (400 · 12 / 40 = 120 each)
    const counts = new Array(d).fill(0);
    idx.forEach((i) => counts[i]++);
    expect(Math.min(...counts)).toBeGreaterThan(120 - 5 * Math.sqrt(120));
    expect(Math.max(...counts)).toBeLessThan(120 + 5 * Math.sqrt(120));
    // the same stream gives the same sample
    const again = await t.probe(3);
    expect(Array.from(again.idx)).toEqual(Array.from(idx));
    t.destroy();
  });

  it("samples |x| uniformly in [0, 1] with ballSampling 'radius' (the STDE release's points), in training and in the test set, unless testSampling says 'volume'", async () => {
    const problem = ballProblem('poisson', 'two', 40);
    const t = new HighDimTrainer(gpu.device, problem, small(problem, { points: 400, randBatch: 4, ballSampling: 'radius', testPoints: 400 }));
    const { x } = await t.probe(3);
    const d = 40;
    const norm = (z: ArrayLike<number>) => Math.sqrt(Array.from(z).reduce((a, v) => a + v * v, 0));
    const mean = (r: number[]) => r.reduce((a, v) => a + v, 0) / r.length;
    const radii = Array.from({ length: 400 }, (_, p) => norm(x.subarray(p * d, (p + 1) * d)));
    const tests = ballTestPoints(d, 400, 7, undefined, 'radius').map(norm);
    for (const r of [radii, tests, t.testSet.points.map(norm)]) {
      // |x| uniform: mean 1/2 (sd 1/sqrt(12 n)); volume-uniform points in 40-D have mean 40/41
      expect(Math.abs(mean(r) - 0.5)).toBeLessThan(4 / Math.sqrt(12 * 400));
      expect(Math.max(...r)).toBeLessThanOrEqual(1 + 1e-5);
    }
    t.destroy();
    // trained on radial points, measured on volume-uniform ones (|x| has density 40 r^39: mean 40/41, sd about 0.024)
    const mixed = new HighDimTrainer(gpu.device, problem, small(problem, { points: 400, randBatch: 4, ballSampling: 'radius', testSampling: 'volume', testPoints: 400 }));
    const trainRadii = await mixed.probe(3).then(({ x: xs }) => Array.from({ length: 400 }, (_, p) => norm(xs.subarray(p * d, (p + 1) * d))));
    expect(Math.abs(mean(trainRadii) - 0.5)).toBeLessThan(4 / Math.sqrt(12 * 400));
    expect(Math.abs(mean(mixed.testSet.points.map(norm)) - 40 / 41)).toBeLessThan(0.01);
    expect(mixed.testSet.exact.every((u, i) => u === problem.exact(mixed.testSet.points[i]))).toBe(true);
    mixed.destroy();
  });

  for (const problem of [ballProblem('sine-gordon', 'two', 9), ballProblem('allen-cahn', 'three', 9), hjbLin(9), bsb(9), waveSinh(9), hjbLqg(9)]) {
    it(`${problem.id}: the GPU loss matches the f64 STDE loss at the sampled points and coordinates`, async () => {
      const cfg = small(problem);
      const t = new HighDimTrainer(gpu.device, problem, cfg);
      const { loss, x, idx } = await t.probe(1);
      const mlp = await t.net.download();
      const ref = lossF64(problem, mlp, x, idx, cfg.points, cfg.randBatch);
      expect(Math.abs(loss - ref)).toBeLessThan(2e-4 * ref + 1e-6);
      t.destroy();
    });
  }

  // d = 9: scalar first-layer kernels; d = 12: the vec4-blocked ones
  for (const [d, make] of [
    [9, (n: number) => ballProblem('sine-gordon', 'two', n)],
    [12, (n: number) => ballProblem('sine-gordon', 'two', n)],
    [11, waveSinh],
    [6, hjbLin],
  ] as const) it(`${make(d).id}, d = ${d}: the parameter gradient matches central differences of the f64 loss (first-layer columns, dense part, hidden and output layers)`, async () => {
    const problem = make(d);
    const cfg = small(problem);
    const t = new HighDimTrainer(gpu.device, problem, cfg);
    const { grad, x, idx } = await t.probe(2);
    const mlp = await t.net.download();
    const f = (params: Float32Array) => lossF64(problem, new Mlp(mlp.sizes, mlp.activation, params), x, idx, cfg.points, cfg.randBatch);
    const [L0, L1, L2] = mlp.layers;
    const picked = idx[0];
    const unpicked = [...Array(d).keys()].find((i) => !Array.from(idx).includes(i));
    const probes = [
      L0.weightOffset + 0 * L0.inDim + picked,
      L0.weightOffset + 3 * L0.inDim + picked,
      ...(unpicked === undefined ? [] : [L0.weightOffset + 5 * L0.inDim + unpicked, L0.weightOffset + 2 * L0.inDim + L0.inDim - 1]),
      L0.biasOffset + 2,
      L1.weightOffset + 7,
      L1.biasOffset + 4,
      L2.weightOffset + 3,
      L2.biasOffset,
    ];
    expectGradientAt(grad, mlp.params, probes, f);
    t.destroy();
  });

  for (const problem of [ballProblem('sine-gordon', 'two', 10), hjbLin(8)]) {
    it(`${problem.id}, unbiased loss: the GPU's r_A r_B loss and its gradient match the f64 ones over the two halves of the axes`, async () => {
      const cfg = small(problem, { randBatch: 4, unbiasedLoss: true });
      const t = new HighDimTrainer(gpu.device, problem, cfg);
      const { loss, grad, x, idx } = await t.probe(2);
      const mlp = await t.net.download();
      const f = (params: Float32Array) => lossF64(problem, new Mlp(mlp.sizes, mlp.activation, params), x, idx, cfg.points, cfg.randBatch, true);
      const ref = f(mlp.params);
      // the product loss differs from the squared one (so the test can tell them apart)
      expect(Math.abs(ref - lossF64(problem, mlp, x, idx, cfg.points, cfg.randBatch))).toBeGreaterThan(1e-3 * Math.abs(ref));
      expect(Math.abs(loss - ref)).toBeLessThan(2e-4 * Math.abs(ref) + 1e-6);
      const [L0, L1, L2] = mlp.layers;
      const probes = [L0.weightOffset + idx[0], L0.weightOffset + 2 * L0.inDim + idx[3], L0.biasOffset + 1, L1.weightOffset + 5, L1.biasOffset + 2, L2.weightOffset + 1, L2.biasOffset];
      expectGradientAt(grad, mlp.params, probes, f);
      t.destroy();
    });
  }

  // the product-rule estimator: d = 9 blocked first-layer kernels reading scalars, d = 12 vec4; with the unbiased loss too
  for (const [d, split] of [
    [9, false],
    [12, false],
    [12, true],
  ] as const) {
    it(`product rule, d = ${d}${split ? ', unbiased loss' : ''}: the GPU loss and gradient match the f64 product-rule loss (x·∇N from the jet along x)`, async () => {
      const problem = ballProblem('sine-gordon', 'two', d);
      const cfg = small(problem, { randBatch: 4, productRule: true, unbiasedLoss: split });
      const t = new HighDimTrainer(gpu.device, problem, cfg);
      const { loss, grad, x, idx } = await t.probe(3);
      // row B of each point is the jet along x
      for (let p = 0; p < cfg.points; p++) expect(idx[p * 5 + 4]).toBe(0xffffffff);
      const mlp = await t.net.download();
      const f = (params: Float32Array) => lossF64(problem, new Mlp(mlp.sizes, mlp.activation, params), x, idx, cfg.points, 4, split, true);
      const ref = f(mlp.params);
      expect(Math.abs(loss - ref)).toBeLessThan(2e-4 * Math.abs(ref) + 1e-6);
      const [L0, L1, L2] = mlp.layers;
      const unpicked = [...Array(d).keys()].find((i) => !Array.from(idx).includes(i));
      const probes = [L0.weightOffset + idx[0], L0.weightOffset + 3 * L0.inDim + idx[1], ...(unpicked === undefined ? [L0.weightOffset + 5 * L0.inDim + 2] : [L0.weightOffset + 5 * L0.inDim + unpicked]), L0.biasOffset + 2, L1.weightOffset + 7, L1.biasOffset + 4, L2.weightOffset + 3, L2.biasOffset];
      expectGradientAt(grad, mlp.params, probes, f);
      t.destroy();
    });
  }

  // the wide single-hidden-layer net of the d = 10³ target (docs/BENCHMARKS.md): no hidden-to-hidden layer, width past three workgroups of 64
  it('product rule, one hidden layer of 200 (d = 12): the GPU loss and gradient match the f64 product-rule loss', async () => {
    const d = 12;
    const problem = ballProblem('allen-cahn', 'two', d);
    const cfg = small(problem, { width: 200, depth: 1, randBatch: 2, productRule: true });
    const t = new HighDimTrainer(gpu.device, problem, cfg);
    const { loss, grad, x, idx } = await t.probe(5);
    const mlp = await t.net.download();
    expect(mlp.sizes).toEqual([d, 200, 1]);
    const f = (params: Float32Array) => lossF64(problem, new Mlp(mlp.sizes, mlp.activation, params), x, idx, cfg.points, 2, false, true);
    const ref = f(mlp.params);
    expect(Math.abs(loss - ref)).toBeLessThan(2e-4 * Math.abs(ref) + 1e-6);
    const [L0, L1] = mlp.layers;
    const probes = [L0.weightOffset + idx[0], L0.weightOffset + 130 * L0.inDim + idx[1], L0.weightOffset + 199 * L0.inDim + 7, L0.biasOffset + 190, L1.weightOffset + 3, L1.weightOffset + 197, L1.biasOffset];
    expectGradientAt(grad, mlp.params, probes, f);
    t.destroy();
  });

  // the first-layer kernels at ragged shapes, each kernel pair: 7 points (a block of 4 half past
  // the count), 20 neurons (an odd number of 4-blocks, so the last 8-block is half outside) and
  // d = 12 (vec4 reads); d = 9 and 14 (scalar reads, a last quad of 1 and 2 inputs, at d = 9 in an
  // 8-block half outside); width 10 (the unblocked kernels). Every first-layer entry is checked.
  for (const [d, width, kernels] of [
    [12, 20, 'blocked, vec4'],
    [9, 20, 'blocked, scalar reads'],
    [14, 20, 'blocked, scalar reads'],
    [9, 10, 'unblocked'],
  ] as const) {
    it(`first-layer kernels (${kernels}) at 7 points, width ${width}, d = ${d}: every first-layer gradient entry and the test error match f64`, async () => {
      const problem = ballProblem('sine-gordon', 'two', d);
      const cfg = small(problem, { width, depth: 1, points: 7, randBatch: 2, productRule: true, testPoints: 7 });
      const t = new HighDimTrainer(gpu.device, problem, cfg);
      const { loss, grad, x, idx } = await t.probe(4);
      const mlp = await t.net.download();
      const f = (params: Float32Array) => lossF64(problem, new Mlp(mlp.sizes, mlp.activation, params), x, idx, cfg.points, 2, false, true);
      const ref = f(mlp.params);
      expect(Math.abs(loss - ref)).toBeLessThan(2e-4 * Math.abs(ref) + 1e-6);
      const L0 = mlp.layers[0];
      const probes = [...Array(width * d + width).keys()].map((k) => L0.weightOffset + k);
      expect(L0.biasOffset).toBe(L0.weightOffset + width * d);
      expectGradientAt(grad, mlp.params, probes, f);
      // the test set's error: the network in f64 at the 7 test points
      const { points, exact } = t.testSet;
      let num = 0;
      let den = 0;
      points.forEach((z, p) => {
        const phi = 1 - z.reduce((a, v) => a + v * v, 0);
        const u = phi * jet2(mlp, z, 0)[0];
        num += (u - exact[p]) ** 2;
        den += exact[p] ** 2;
      });
      expect(Math.abs((await t.l2RelativeError()) - Math.sqrt(num / den))).toBeLessThan(1e-4 * Math.sqrt(num / den));
      t.destroy();
    });
  }

  it('the error on fresh points: chunks of the test batch match the f64 network, the standard error matches the spread over seeds, the test set is put back', async () => {
    const d = 12;
    const problem = ballProblem('allen-cahn', 'two', d);
    const cfg = small(problem, { width: 20, depth: 1, testPoints: 7 });
    const t = new HighDimTrainer(gpu.device, problem, cfg);
    const before = await t.l2RelativeError();
    const mlp = await t.net.download();
    // 17 points of seed 50's stream, evaluated in chunks of 7, 7 and 3
    const points = ballTestPoints(d, 17, 50);
    let num = 0;
    let den = 0;
    for (const z of points) {
      const u = (1 - z.reduce((a, v) => a + v * v, 0)) * jet2(mlp, z, 0)[0];
      num += (u - problem.exact(z)) ** 2;
      den += problem.exact(z) ** 2;
    }
    const fresh = await t.l2RelativeErrorFresh(17, 50);
    expect(Math.abs(fresh.l2re - Math.sqrt(num / den))).toBeLessThan(1e-4 * Math.sqrt(num / den));
    expect(await t.l2RelativeError()).toBe(before);
    // the fixed test set is the first chunk of its own seed
    expect(Math.abs((await t.l2RelativeErrorFresh(7, TEST_SET_SEED)).l2re - before)).toBeLessThan(1e-12 * before);
    // the standard error of a 70-point estimate against the spread of 40 of them
    const runs = [];
    for (let k = 0; k < 40; k++) runs.push(await t.l2RelativeErrorFresh(70, 1000 + k));
    const mean = runs.reduce((a, r) => a + r.l2re, 0) / runs.length;
    const sd = Math.sqrt(runs.reduce((a, r) => a + (r.l2re - mean) ** 2, 0) / (runs.length - 1));
    const se = runs.reduce((a, r) => a + r.standardError, 0) / runs.length;
    expect(se / sd).toBeGreaterThan(0.6);
    expect(se / sd).toBeLessThan(1.6);
    t.destroy();
  });

  it('the app\'s fresh sample: 20,000 points up to d = 2,000, then about 4e7 coordinates, at least 200, always within the generator\'s bound', () => {
    expect(freshSampleSize(1000)).toBe(20_000);
    expect(freshSampleSize(2000)).toBe(20_000);
    expect(freshSampleSize(100_000)).toBe(400);
    expect(freshSampleSize(10_000_000)).toBeLessThanOrEqual(214);
    for (const d of [1, 10, 1000, 4000, 100_000, 1_000_000, 10_000_000]) {
      const n = freshSampleSize(d);
      expect(n * d).toBeLessThanOrEqual(Math.max(4e7, 200 * d));
      expect(() => checkFreshTestPoints(n, d)).not.toThrow();
      expect(() => checkFreshTestPoints(Math.floor(2 ** 31 / (d + 2)) + 1, d)).toThrow(/fit the test-point generator's period/);
    }
  });

  it('product rule: B = d gives the exact Laplacian; B < d is unbiased and its spread is far below plain STDE at the same B', async () => {
    const d = 12;
    const problem = ballProblem('sine-gordon', 'two', d);
    const P = 4;
    // points near the sphere, where volume-uniform points lie in high dimension
    const pts = new Float32Array(P * d).map((_, k) => 0.27 * Math.sin(1.7 * k + 0.3));
    const mlp = await (async () => {
      const t = new HighDimTrainer(gpu.device, problem, small(problem, { points: P, randBatch: d }));
      const m = await t.net.download();
      t.destroy();
      return m;
    })();
    const exactRes = Array.from({ length: P }, (_, p) => residualF64(problem, mlp, pts.subarray(p * d, (p + 1) * d), [...Array(d).keys()]));
    const full = new HighDimTrainer(gpu.device, problem, small(problem, { points: P, randBatch: d, productRule: true }));
    const r = await full.probe(0, pts);
    r.residuals.forEach((v, p) => expect(Math.abs(v - exactRes[p])).toBeLessThan(1e-4 * (1 + Math.abs(exactRes[p]))));
    full.destroy();
    const spreadOf = async (productRule: boolean) => {
      const t = new HighDimTrainer(gpu.device, problem, small(problem, { points: P, randBatch: 3, productRule }));
      const S = 300;
      const sums = new Array(P).fill(0);
      const sq = new Array(P).fill(0);
      for (let s = 0; s < S; s++) {
        const e = await t.probe(100 + s, pts);
        e.residuals.forEach((v, p) => {
          sums[p] += v;
          sq[p] += v * v;
        });
      }
      t.destroy();
      let spread = 0;
      for (let p = 0; p < P; p++) {
        const mean = sums[p] / S;
        const sd = Math.sqrt(sq[p] / S - mean * mean);
        spread = Math.max(spread, sd);
        expect(Math.abs(mean - exactRes[p])).toBeLessThan(3 * (sd / Math.sqrt(S)) + 1e-4);
      }
      return spread;
    };
    const plain = await spreadOf(false);
    const product = await spreadOf(true);
    expect(product).toBeGreaterThan(1e-4); // still an estimate
    expect(product).toBeLessThan(0.5 * plain);
  });

  it('the product rule refuses problems of another form and dense STDE, with the reason', () => {
    expect(() => new HighDimTrainer(gpu.device, hjbLin(8), small(hjbLin(8), { productRule: true }))).toThrow(/u = \(1 − \|x\|²\) N with a plain Laplacian/);
    const problem = ballProblem('poisson', 'two', 10);
    expect(() => new HighDimTrainer(gpu.device, problem, small(problem, { randBatch: 4, stde: 'dense', productRule: true }))).toThrow(/sparse STDE only/);
  });

  it('the unbiased loss refuses an odd B and dense STDE, with the reason', () => {
    const problem = ballProblem('sine-gordon', 'two', 10);
    expect(() => new HighDimTrainer(gpu.device, problem, small(problem, { randBatch: 3, unbiasedLoss: true }))).toThrow(/even/);
    expect(() => new HighDimTrainer(gpu.device, problem, small(problem, { randBatch: 4, stde: 'dense', unbiasedLoss: true }))).toThrow(/sparse STDE only/);
  });

  it('B = d gives the exact Laplacian; B < d is unbiased over sampling streams (within 3 standard errors)', async () => {
    const d = 12;
    const problem = ballProblem('poisson', 'two', d);
    const P = 4;
    const pts = new Float32Array(P * d).map((_, k) => 0.25 * Math.sin(1.7 * k + 0.3));
    // exact: every coordinate once
    const full = new HighDimTrainer(gpu.device, problem, small(problem, { points: P, randBatch: d }));
    const mlp = await full.net.download();
    const exactRes = Array.from({ length: P }, (_, p) => residualF64(problem, mlp, pts.subarray(p * d, (p + 1) * d), [...Array(d).keys()]));
    const r = await full.probe(0, pts);
    r.residuals.forEach((v, p) => expect(Math.abs(v - exactRes[p])).toBeLessThan(1e-4 * (1 + Math.abs(exactRes[p]))));
    full.destroy();
    // B = 3: the same network (same seed), 300 coordinate draws
    const sparse = new HighDimTrainer(gpu.device, problem, small(problem, { points: P, randBatch: 3 }));
    const S = 300;
    const sums = new Array(P).fill(0);
    const sq = new Array(P).fill(0);
    let spread = 0;
    for (let s = 0; s < S; s++) {
      const e = await sparse.probe(100 + s, pts);
      e.residuals.forEach((v, p) => {
        sums[p] += v;
        sq[p] += v * v;
      });
    }
    for (let p = 0; p < P; p++) {
      const mean = sums[p] / S;
      const sd = Math.sqrt(sq[p] / S - mean * mean);
      spread = Math.max(spread, sd);
      expect(Math.abs(mean - exactRes[p])).toBeLessThan(3 * (sd / Math.sqrt(S)) + 1e-4);
    }
    expect(spread).toBeGreaterThan(1e-3); // it is an estimate: the draws differ
    sparse.destroy();
  });

  it.each(['sparse', 'dense'] as const)('trains sine-gordon two-body at d = 200 with %s STDE: the loss and the error fall; the same seed reproduces the run', async (stde) => {
    const problem = ballProblem('sine-gordon', 'two', 200);
    const cfg = small(problem, { width: 32, depth: 2, points: 32, randBatch: 8, steps: 150, lr: 3e-3, logEvery: 50, testPoints: 100, stde });
    const run = async () => {
      const t = new HighDimTrainer(gpu.device, problem, cfg);
      const e0 = await t.l2RelativeError();
      const res = await t.run();
      t.destroy();
      return { e0, res };
    };
    const a = await run();
    expect(a.res.stopReason).toBe('done');
    expect(a.res.l2re).toBeLessThan(0.7 * a.e0);
    expect(a.res.history.at(-1)!.loss).toBeLessThan(a.res.history[0].loss);
    const b = await run();
    expect(b.res.history.map((h) => h.loss)).toEqual(a.res.history.map((h) => h.loss));
  });

  it('lrScale multiplies the learning rate (the run loop halves it after a divergence): at 0 a run leaves the parameters', async () => {
    const problem = ballProblem('poisson', 'two', 12);
    const t = new HighDimTrainer(gpu.device, problem, small(problem, { points: 16, randBatch: 4, steps: 4, logEvery: 2 }));
    const before = Array.from((await t.net.download()).params);
    t.lrScale = 0;
    await t.run();
    expect(t.step).toBe(4);
    expect(Array.from((await t.net.download()).params)).toEqual(before);
    t.lrScale = 1;
    await t.run(undefined, Infinity, { steps: 6 });
    expect(Array.from((await t.net.download()).params)).not.toEqual(before);
    t.destroy();
  });

  it('restoreGood puts back the parameters of the last saveGood and clears Adam (the run loop after a divergence)', async () => {
    const problem = ballProblem('poisson', 'two', 12);
    const t = new HighDimTrainer(gpu.device, problem, small(problem, { points: 16, randBatch: 4 }));
    const step = async () => {
      const enc = gpu.device.createCommandEncoder();
      t.encodeStep(enc);
      gpu.device.queue.submit([enc.finish()]);
      await t.readLoss();
    };
    await step();
    await step();
    t.saveGood();
    const saved = (await t.net.download()).params.slice();
    await step();
    await step();
    await step();
    const moved = (await t.net.download()).params;
    expect(moved.some((v, i) => v !== saved[i])).toBe(true);
    expect(t.restoreGood()).toBe(2);
    expect(Array.from((await t.net.download()).params)).toEqual(Array.from(saved));
    expect(t.adam.step).toBe(0);
    expect(t.step).toBe(5); // the step count goes on: the next step draws new points
    t.destroy();
  });

  it('refuses a dimension over the device limit, naming the limit and the largest d that fits', () => {
    const problem = ballProblem('poisson', 'two', 100_000);
    // 65536 points of 10⁵ coordinates: 26 GB, over any device's binding limit
    expect(() => new HighDimTrainer(gpu.device, problem, { ...defaultHighDimConfig(problem), points: 65536 })).toThrow(/at most d = \d+ fits.*maxStorageBufferBindingSize/);
  });
});
