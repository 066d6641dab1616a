import { describe, expect, it } from 'vitest';
import { GpuMlp } from '../../src/engine/model/gpu-mlp';
import { FiniteDifferenceDerivatives, fornbergWeights } from '../../src/engine/methods/fd';
import { Mlp } from '../../src/engine/model/mlp';
import { referenceJets } from '../../src/engine/jets/jet-f64';
import { Rng } from '../../src/engine/sampling/rng';
import { factorial } from '../../src/engine/jets/taylor-jet';
import { useNodeGpu } from './helpers';

const gpu = useNodeGpu();

describe('finite differences', () => {
  it('Fornberg weights reproduce the classic stencils', () => {
    const close = (got: number[], want: number[]) => want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 12));
    close(fornbergWeights([-1, 0, 1], 1), [-0.5, 0, 0.5]);
    close(fornbergWeights([-1, 0, 1], 2), [1, -2, 1]);
    close(fornbergWeights([-2, -1, 0, 1, 2], 3), [-0.5, 1, 0, -1, 0.5]);
    close(fornbergWeights([-2, -1, 0, 1, 2], 4), [1, -4, 6, -4, 1]);
  });

  it('agree with the exact derivatives up to truncation and f32 rounding, and converge like h^2', async () => {
    const mlp = Mlp.init({ inputDim: 2, width: 16, depth: 2, outputDim: 1, activation: 'tanh' }, 4);
    const rng = new Rng(1);
    const batch = 20;
    const points = Float32Array.from({ length: batch * 2 }, () => rng.range(-1, 1));
    const dir = Float32Array.of(0.6, 0.8);
    const net = new GpuMlp(gpu.device, mlp);
    const ref = referenceJets(mlp, points, dir, 4);
    const exact = (p: number, k: number) => factorial(k) * ref[p * 5 + k];
    const errorOf = (vals: number[][], k: number) => {
      const scale = Math.max(...vals.map((_, p) => Math.abs(exact(p, k))));
      return Math.max(...vals.map((row, p) => Math.abs(row[k] - exact(p, k)))) / scale;
    };
    const fd = await new FiniteDifferenceDerivatives(net).derivatives(points, dir, true, 4);
    expect(errorOf(fd, 0)).toBeLessThan(1e-6);
    expect(errorOf(fd, 1)).toBeLessThan(1e-3);
    expect(errorOf(fd, 2)).toBeLessThan(1e-2);
    expect(errorOf(fd, 4)).toBeLessThan(2e-1);
    // in the truncation-dominated range, halving h divides the first-derivative error by about 4
    const coarse = errorOf(await new FiniteDifferenceDerivatives(net, 0.2).derivatives(points, dir, true, 1), 1);
    const fine = errorOf(await new FiniteDifferenceDerivatives(net, 0.1).derivatives(points, dir, true, 1), 1);
    expect(coarse / fine).toBeGreaterThan(3);
    expect(coarse / fine).toBeLessThan(5);
    net.destroy();
  });
});
