import { describe, expect, it } from 'vitest';
import { Mlp } from '../../src/engine/model/mlp';
import { GpuMlp } from '../../src/engine/model/gpu-mlp';
import { createStorageBuffer, readBuffer } from '../../src/engine/gpu/gpu';
import { RwfAdam } from '../../src/engine/train/rwf';
import { Rng } from '../../src/engine/sampling/rng';
import { problemById } from '../../src/engine/problems';
import { defaultTrainConfig, PinnTrainer, type TrainConfig } from '../../src/engine/train/trainer';
import { jetLossGradient, referenceLoss, useNodeGpu } from './helpers';

const gpu = useNodeGpu();

describe('random weight factorization (W = exp(s) V, Adam on V and s)', () => {
  it('the gradient in the factors matches f64 central differences of the jet loss through W = exp(s) V', async () => {
    const mlp = Mlp.init({ inputDim: 2, width: 6, depth: 2, outputDim: 1, activation: 'tanh' }, 21);
    const net = new GpuMlp(gpu.device, mlp);
    const rng = new Rng(4);
    const points = Float32Array.from({ length: 10 }, () => rng.uniform() * 2 - 1);
    const dir = Float32Array.from({ length: 10 }, () => rng.normal());
    const order = 2;
    const { g } = await jetLossGradient(gpu.device, net, points, dir, false, order, 'tiled');
    const grad = createStorageBuffer(gpu.device, mlp.params.byteLength, 'gradient');
    gpu.device.queue.writeBuffer(grad, 0, Float32Array.from(g));
    const rwf = new RwfAdam(gpu.device, net, grad, { mean: 1, std: 0.1, seed: 5 });
    const enc = gpu.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    rwf.encode(pass, 0); // lr 0: only the gradient in the factors matters here
    pass.end();
    gpu.device.queue.submit([enc.finish()]);
    const P = mlp.params.length;
    const S = rwf.rows;
    const factors = Float64Array.from(await readBuffer(gpu.device, rwf.factors, (P + S) * 4));
    const fgrad = await readBuffer(gpu.device, rwf.factorGrad, (P + S) * 4);
    // W from the factors in f64: each weight row scaled by exp(s_row), biases as they are
    const weightsOf = (f: Float64Array) => {
      const w = Float64Array.from(f.subarray(0, P));
      let row = P;
      for (const l of mlp.layers) {
        for (let o = 0; o < l.outDim; o++, row++) for (let j = 0; j < l.inDim; j++) w[l.weightOffset + o * l.inDim + j] *= Math.exp(f[row]);
      }
      return w;
    };
    // the factors reproduce the network
    const w0 = weightsOf(factors);
    mlp.params.forEach((p, i) => expect(Math.abs(w0[i] - p)).toBeLessThan(1e-6 * Math.max(1, Math.abs(p))));
    const loss = (f: Float64Array) => referenceLoss(mlp, points, dir, order, weightsOf(f));
    const fd = Array.from({ length: P + S }, (_, i) => {
      const h = 1e-6 * Math.max(1, Math.abs(factors[i]));
      const plus = factors.slice();
      plus[i] += h;
      const minus = factors.slice();
      minus[i] -= h;
      return (loss(plus) - loss(minus)) / (2 * h);
    });
    const big = Math.max(...fd.map(Math.abs));
    fd.forEach((r, i) => expect(Math.abs(fgrad[i] - r) / big, `factor ${i}${i >= P ? ` (s of row ${i - P})` : ''}`).toBeLessThan(2e-4));
    rwf.destroy();
    grad.destroy();
    net.destroy();
  });

  it('trains poisson-1d further than plain Adam in the same 150 steps, and the network stays W = exp(s) V after a reset (a restored checkpoint)', async () => {
    const problem = problemById('poisson-1d')!;
    const plainConfig: TrainConfig = { ...defaultTrainConfig(problem), width: 16, depth: 2, steps: 150, logEvery: 50, interiorPoints: 64, seed: 3 };
    const plainTrainer = new PinnTrainer(gpu.device, problem, plainConfig);
    const plain = (await plainTrainer.run()).history.at(-1)!.l2re;
    plainTrainer.destroy();
    const trainer = new PinnTrainer(gpu.device, problem, { ...plainConfig, rwf: { mean: 1, std: 0.1 } });
    const r = await trainer.run();
    // measured: 0.34 with RWF, 0.81 without
    expect(r.history.at(-1)!.l2re).toBeLessThan(0.6 * plain);
    const before = await readBuffer(gpu.device, trainer.net.params, trainer.net.mlp.params.byteLength);
    trainer.restore(trainer.step, before); // puts W back and re-derives V from it
    const enc = gpu.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    trainer.adam.encode(pass, 0);
    pass.end();
    gpu.device.queue.submit([enc.finish()]);
    const after = await readBuffer(gpu.device, trainer.net.params, trainer.net.mlp.params.byteLength);
    before.forEach((w, i) => expect(Math.abs(after[i] - w)).toBeLessThan(1e-5 * Math.max(1, Math.abs(w))));
    trainer.destroy();
  });
});
