import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readBuffer } from '../../src/engine/gpu/gpu';
import { kernelPass } from '../../src/engine/gpu/kernels';
import { problemById } from '../../src/engine/problems';
import { defaultTrainConfig, PinnTrainer } from '../../src/engine/train/trainer';
import { useNodeGpu } from './helpers';

const gpu = useNodeGpu();

describe('RAD adaptive sampling (points drawn by residual on the GPU)', () => {
  it('draws from p(x) ∝ |r(x)| / mean |r| + 1 on a known field: |r| = x² on [0, 1] gives the density (3x² + 1) / 2', async () => {
    const device = gpu.device;
    const M = 4096;
    const N = 40_000;
    const pool = Float32Array.from({ length: M }, (_, i) => (i + 0.5) / M);
    // the loss parts are w r² / M: any constant factor; here r = x²
    const parts = pool.map((x) => 7 * x ** 4);
    const poolBuf = createStorageBuffer(device, M * 4, 'pool');
    const partsBuf = createStorageBuffer(device, M * 4, 'parts');
    const out = createStorageBuffer(device, N * 4, 'drawn');
    const cdf = createStorageBuffer(device, M * 4, 'cdf');
    const draw = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(poolBuf, 0, pool);
    device.queue.writeBuffer(partsBuf, 0, parts);
    device.queue.writeBuffer(draw, 0, new Uint32Array([12345, 0, 3, 0]));
    const select = kernelPass(device, 'rad_select', { M, N, D: 1, K: '1.0', C: '1.0' }, [poolBuf, partsBuf, out, cdf, draw], 1);
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    select(pass);
    pass.end();
    device.queue.submit([enc.finish()]);
    const drawn = await readBuffer(device, out, N * 4);
    const bins = 10;
    const counts = new Array<number>(bins).fill(0);
    for (const x of drawn) counts[Math.min(bins - 1, Math.floor(x * bins))]++;
    counts.forEach((c, b) => {
      const [a, z] = [b / bins, (b + 1) / bins];
      const p = (z ** 3 - a ** 3 + (z - a)) / 2; // ∫ (3x² + 1) / 2
      const sd = Math.sqrt(N * p * (1 - p));
      expect(Math.abs(c - N * p), `bin ${b}: ${c} drawn, ${(N * p).toFixed(0)} expected`).toBeLessThan(5 * sd);
    });
    // and not uniform: the last bin holds about 2.4x the first's share... (0.1995 against 0.0502)
    expect(counts[bins - 1] / counts[0]).toBeGreaterThan(3);
    [poolBuf, partsBuf, out, cdf, draw].forEach((b) => b.destroy());
  });

  it('trains with --rad-every: the interior points are redrawn from the pool and the loss falls', async () => {
    const problem = problemById('heat-1d')!;
    const trainer = new PinnTrainer(gpu.device, problem, { ...defaultTrainConfig(problem), width: 12, depth: 2, interiorPoints: 128, steps: 120, logEvery: 40, seed: 2, rad: { every: 40, pool: 4, k: 1, c: 1 } });
    const r = await trainer.run();
    const losses = r.history.map((h) => h.loss);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(losses[0]);
    // the drawn points lie in the domain
    const interior = (await trainer.evaluateTerms()).find((t) => problem.terms.find((p) => p.name === t.name)!.points === 'interior')!;
    for (let p = 0; p < interior.points.length; p += 2) {
      expect(interior.points[p]).toBeGreaterThanOrEqual(problem.domain.lo[0]);
      expect(interior.points[p]).toBeLessThanOrEqual(problem.domain.hi[0]);
    }
    trainer.destroy();
  });
});
