import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bsb, hjbLin } from '../../src/engine/problems/highdim-files';
import { highDimProblemWith } from '../../src/engine/problems';
import type { HighDimProblem } from '../../src/engine/problems/highdim-types';
import { denseDirection } from '../../src/engine/highdim/dense';
import { defaultHighDimConfig, HighDimTrainer, type HighDimConfig } from '../../src/engine/highdim/trainer';
import { InputError } from '../../src/engine/errors';
import { Mlp } from '../../src/engine/model/mlp';
import { referenceJets } from '../../src/engine/jets/jet-f64';
import { useNodeGpu } from './helpers';

type BallProblem = HighDimProblem;
/** A two- or three-body ball problem (problems/<operator>-<body>body.json) at dimension d. */
const ballProblem = (operator: string, body: string, d: number): BallProblem => {
  const p = highDimProblemWith(`${operator}-${body}body`, d);
  if (!p) throw new Error(`no problem ${operator}-${body}body`);
  return p;
};

const gpu = useNodeGpu();

// ---- f64 references: N's jets from the repo's Faà di Bruno reference, u = (1 − |x|²) N by Leibniz ----

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i], 0);

/** (u, ½ vᵀ(∇²u)v) of u = (1 − |x|²) N at x along v, in f64: φ(x + tv) = φ − 2(x·v) t − |v|² t². */
function modelAlong(mlp: Mlp, x: ArrayLike<number>, v: ArrayLike<number>, params: ArrayLike<number> = mlp.params): [number, number] {
  const [n0, n1, n2] = referenceJets(mlp, x, v, 2, params);
  const phi = 1 - dot(x, x);
  return [phi * n0, phi * n2 - 2 * dot(x, v) * n1 - dot(v, v) * n0];
}

/** The dense STDE residual f(u) + (1/B) Σ_b vᵀ(∇²u)v − g at x with the given directions (f64). */
function denseResidual(problem: BallProblem, mlp: Mlp, x: ArrayLike<number>, dirs: Float64Array[], params?: ArrayLike<number>): number {
  const lap = dirs.reduce((s, v) => s + 2 * modelAlong(mlp, x, v, params)[1], 0) / dirs.length;
  return problem.temporal(x, modelAlong(mlp, x, dirs[0], params)[0], 0, 0) + lap - problem.source(x);
}

/** The full Hessian of u at x in f64 by polarization: ½ eᵢᵀHeᵢ and ½ (eᵢ + eⱼ)ᵀH(eᵢ + eⱼ). */
function hessian(mlp: Mlp, x: ArrayLike<number>): number[][] {
  const d = x.length;
  const unit = (...ks: number[]) => Float64Array.from({ length: d }, (_, j) => (ks.includes(j) ? 1 : 0));
  const half = Array.from({ length: d }, (_, i) => modelAlong(mlp, x, unit(i))[1]);
  return Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 2 * half[i] : modelAlong(mlp, x, unit(i, j))[1] - half[i] - half[j])));
}

const small = (problem: BallProblem, over: Partial<HighDimConfig> = {}): HighDimConfig => ({
  ...defaultHighDimConfig(problem),
  width: 8,
  depth: 2,
  points: 4,
  randBatch: 3,
  testPoints: 50,
  stde: 'dense',
  ...over,
});

describe('dense STDE directions (Philox, CPU twin of the kernel)', () => {
  it('are ±1, balanced, and differ between points, directions and steps', () => {
    const d = 300;
    const a = denseDirection(5, 0, 0, 0, d);
    expect(a.every((v) => v === 1 || v === -1)).toBe(true);
    // a sum of 300 fair signs: sd √300 ≈ 17
    expect(Math.abs(a.reduce((s, v) => s + v, 0))).toBeLessThan(4 * Math.sqrt(d));
    for (const other of [denseDirection(5, 1, 0, 0, d), denseDirection(5, 0, 1, 0, d), denseDirection(5, 0, 0, 1, d), denseDirection(6, 0, 0, 0, d)]) {
      // independent directions agree on about half of the coordinates
      expect(Math.abs(dot(a, other))).toBeLessThan(4 * Math.sqrt(d));
    }
    expect(Array.from(denseDirection(5, 0, 0, 0, d))).toEqual(Array.from(a));
  });
});

describe('dense STDE in the high-dimensional trainer (Rademacher directions)', () => {
  it('the f64 reference: its exact Laplacian matches f64 finite differences of u = (1 − |x|²) N', () => {
    const d = 7;
    const mlp = Mlp.init({ inputDim: d, width: 6, depth: 2, outputDim: 1, activation: 'tanh' }, 4);
    const x = [0.1, -0.3, 0.2, 0.25, -0.15, 0.05, 0.3];
    const u = (y: number[]) => modelAlong(mlp, y, new Float64Array(d))[0];
    const H = hessian(mlp, x);
    const h = 1e-3;
    for (const [i, j] of [
      [0, 0],
      [2, 5],
      [6, 1],
    ]) {
      const at = (si: number, sj: number) => {
        const y = x.slice();
        y[i] += si * h;
        y[j] += sj * h;
        return u(y);
      };
      const fd = i === j ? (at(0.5, 0.5) - 2 * u(x) + at(-0.5, -0.5)) / (h * h) : (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * h * h);
      expect(Math.abs(H[i][j] - fd)).toBeLessThan(1e-5);
    }
  });

  // d = 9: one partial sign word; d = 130: two Philox blocks, five words, the last partial
  for (const [d, problem] of [
    [9, ballProblem('sine-gordon', 'two', 9)],
    [130, ballProblem('allen-cahn', 'three', 130)],
  ] as const) {
    it(`${problem.id}, d = ${d}: the GPU loss equals the f64 dense loss with the same directions, and the parameter gradient (W₁ through W₁v too) matches its central differences`, async () => {
      const cfg = small(problem);
      const t = new HighDimTrainer(gpu.device, problem, cfg);
      const stream = 2;
      const { loss, grad, x } = await t.probe(stream);
      const mlp = await t.net.download();
      const P = cfg.points;
      const B = cfg.randBatch;
      const pts = Array.from({ length: P }, (_, p) => x.subarray(p * d, (p + 1) * d));
      const dirs = pts.map((_, p) => Array.from({ length: B }, (_, b) => denseDirection(cfg.seed, stream, p, b, d)));
      const f = (params: ArrayLike<number>) => pts.reduce((s, z, p) => s + denseResidual(problem, mlp, z, dirs[p], params) ** 2 / P, 0);
      const ref = f(mlp.params);
      expect(Math.abs(loss - ref)).toBeLessThan(2e-4 * ref + 1e-6);
      const [L0, L1, L2] = mlp.layers;
      const probes = [
        L0.weightOffset + 0,
        L0.weightOffset + 3 * d + d - 1,
        L0.weightOffset + 5 * d + Math.min(d - 1, 100),
        L0.weightOffset + 7 * d + Math.floor(d / 2),
        L0.biasOffset + 2,
        L1.weightOffset + 7,
        L1.biasOffset + 4,
        L2.weightOffset + 3,
        L2.biasOffset,
      ];
      const scale = Math.sqrt(Array.from(grad).reduce((a, g) => a + g * g, 0));
      for (const k of probes) {
        // central differences of the f64 loss with a small step (truncation ~1e-10): the
        // tolerance is the GPU's f32 accumulation, tight enough to see W₁v's share of gW₁ go missing
        const plus = Float64Array.from(mlp.params);
        const minus = Float64Array.from(mlp.params);
        const h = 1e-5 * Math.max(1, Math.abs(plus[k]));
        plus[k] += h;
        minus[k] -= h;
        const fd = (f(plus) - f(minus)) / (2 * h);
        expect(Math.abs(grad[k] - fd)).toBeLessThan(3e-4 * scale + 1e-3 * Math.abs(fd));
      }
      t.destroy();
    });
  }

  it('is unbiased: over 400 steps the mean Laplacian estimate is within 3 standard errors of the exact f64 Laplacian, and its variance is Hutchinson’s 2 Σ_{i≠j} H_ij² / B', async () => {
    const d = 12;
    const problem = ballProblem('poisson', 'two', d);
    const P = 4;
    const B = 16; // more directions than d: allowed, and the noise is small enough to see a 10 % error
    const pts = new Float32Array(P * d).map((_, k) => 0.25 * Math.sin(1.7 * k + 0.3));
    const t = new HighDimTrainer(gpu.device, problem, small(problem, { points: P, randBatch: B }));
    const mlp = await t.net.download();
    const exact: number[] = [];
    const rest: number[] = [];
    const hutchinson: number[] = [];
    for (let p = 0; p < P; p++) {
      const z = pts.subarray(p * d, (p + 1) * d);
      const H = hessian(mlp, z);
      let lap = 0;
      let off = 0;
      for (let i = 0; i < d; i++) {
        lap += H[i][i];
        for (let j = 0; j < d; j++) if (i !== j) off += H[i][j] ** 2;
      }
      exact.push(lap);
      // residual = Δu estimate + (f(u) − g): the second part has no randomness
      rest.push(problem.temporal(z, modelAlong(mlp, z, new Float64Array(d))[0], 0, 0) - problem.source(z));
      hutchinson.push((2 * off) / B);
    }
    const S = 400;
    const sums = new Array(P).fill(0);
    const sq = new Array(P).fill(0);
    for (let s = 0; s < S; s++) {
      const e = await t.probe(1000 + s, pts);
      e.residuals.forEach((v, p) => {
        const lap = v - rest[p];
        sums[p] += lap;
        sq[p] += lap * lap;
      });
    }
    for (let p = 0; p < P; p++) {
      const mean = sums[p] / S;
      const variance = (sq[p] - S * mean * mean) / (S - 1);
      const se = Math.sqrt(variance / S);
      // f32: the residual (about 50 here, mostly −g) carries about 1e-5 of rounding, far below the Monte Carlo noise
      expect(Math.abs(mean - exact[p])).toBeLessThan(3 * se + 1e-4 * (1 + Math.abs(rest[p])));
      // the check can fail: a 10 % scale error (e.g. a stray factor) is many standard errors off
      expect(0.1 * Math.abs(exact[p])).toBeGreaterThan(6 * se);
      // the sample variance of 400 draws is within about ±7 % (1 sd) of the true one
      expect(variance / hutchinson[p]).toBeGreaterThan(0.6);
      expect(variance / hutchinson[p]).toBeLessThan(1.5);
    }
    t.destroy();
  });

  // a d = 200 training run that reproduces: tests/node/highdim.test.ts, for sparse and dense alike

  it('refuses problems whose sums dense directions cannot estimate, naming the problem and --stde sparse', () => {
    expect(() => new HighDimTrainer(gpu.device, hjbLin(10), { ...defaultHighDimConfig(hjbLin(10)), stde: 'dense' })).toThrow(InputError);
    expect(() => new HighDimTrainer(gpu.device, hjbLin(10), { ...defaultHighDimConfig(hjbLin(10)), stde: 'dense' })).toThrow(/hjb-lin uses sparse STDE only: .*\|∂u\/∂xᵢ\|\^1\.75.*use --stde sparse/);
    expect(() => new HighDimTrainer(gpu.device, bsb(10), { ...defaultHighDimConfig(bsb(10)), stde: 'dense' })).toThrow(/bsb uses sparse STDE only: .*xᵢ².*use --stde sparse/);
    const p = ballProblem('poisson', 'two', 10);
    expect(() => new HighDimTrainer(gpu.device, p, small(p, { randBatch: 2000 }))).toThrow(/dense STDE's random batch must be an integer from 1 to 1024, got 2000/);
    // the packed signs (P·B·⌈d/32⌉·4 bytes) count against the binding limit: enough points that they,
    // and nothing else (W₁, the points, the jets), are over this device's limit
    const big = ballProblem('poisson', 'two', 10_000);
    const limit = Math.min(gpu.device.limits.maxStorageBufferBindingSize, gpu.device.limits.maxBufferSize);
    const points = Math.ceil((limit / (313 * 4) + 1) / 1024);
    expect(4 * Math.max(points, 1000) * 10_000).toBeLessThan(limit);
    expect(() => new HighDimTrainer(gpu.device, big, { ...defaultHighDimConfig(big), width: 4, points, randBatch: 1024, stde: 'dense' })).toThrow(/dense STDE's direction signs; at most d = \d+ fits.*maxStorageBufferBindingSize/);
  });
});

describe('pinn train --stde dense (command line)', () => {
  const PINN = join(__dirname, '..', '..', 'bin', 'pinn.mjs');
  const pinn = (...args: string[]) => {
    const r = spawnSync(process.execPath, [PINN, 'train', ...args], { encoding: 'utf8', timeout: 120_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  it('trains a ball problem with dense directions (B may exceed d)', () => {
    const r = pinn('--pde', 'sine-gordon-twobody', '--dim', '10', '--method', 'stde', '--stde', 'dense', '--rand-batch', '12', '--steps', '4', '--log-every', '2', '--width', '8', '--depth', '1', '--points', '8', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ pde: 'sine-gordon-twobody', dim: 10, method: 'stde', stde: 'dense', rand_batch: 12, steps: 4 });
  });
  it.each([
    [['--pde', 'poisson-twobody', '--dim', '10', '--stde', 'bogus'], /^pinn: --stde must be one of sparse, dense, got 'bogus'\n$/],
    [['--pde', 'hjb-lin', '--dim', '10', '--stde', 'dense'], /^pinn: hjb-lin uses sparse STDE only: .*1\.75.*; use --stde sparse\n$/],
    [['--pde', 'poisson-twobody', '--dim', '10', '--stde', 'dense', '--rand-batch', '2000'], /^pinn: --rand-batch must be an integer in \[1, 1024\]/],
  ])('%j: one line, exit code 2', (args, message) => {
    const r = pinn(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
