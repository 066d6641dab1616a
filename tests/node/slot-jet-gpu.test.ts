import { describe, expect, it } from 'vitest';
import { mlpPartial, mlpSlotJet, slotLayout, slotTangents, TermSampler, type SlotLayout } from '../../src/engine/jets/jet-slots';
import { SlotJetForward } from '../../src/engine/jets/slot-jet-gpu';
import { TaylorJetBackward } from '../../src/engine/jets/taylor-jet-backward';
import { createStorageBuffer, readBuffer } from '../../src/engine/gpu/gpu';
import { GpuMlp } from '../../src/engine/model/gpu-mlp';
import { Mlp } from '../../src/engine/model/mlp';
import { Rng } from '../../src/engine/sampling/rng';
import { useNodeGpu } from './helpers';

const gpu = useNodeGpu();

/** Every multi-index of total order 1..k over 3 coordinates. */
function multiIndices(k: number): number[][] {
  const out: number[][] = [];
  for (let a = 0; a <= k; a++) for (let b = 0; a + b <= k; b++) for (let c = 0; a + b + c <= k; c++) if (a + b + c > 0) out.push([a, b, c]);
  return out;
}

describe('slot jets on the GPU (Taylor-jet layer kernel fed multi-slot input jets)', () => {
  it('the GPU slot jets match the f64 slot jets for every layout of order ≤ 4 in 3 coordinates and two of order 5–6', async () => {
    const mlp = Mlp.init({ inputDim: 3, width: 16, depth: 2, outputDim: 1, activation: 'tanh' }, 7);
    const net = new GpuMlp(gpu.device, mlp);
    const layouts: SlotLayout[] = [...multiIndices(4), [3, 2, 0], [0, 3, 3]].map((a) => slotLayout(a));
    const order = Math.max(...layouts.map((L) => L.order));
    const points = [
      [0.3, -0.2, 0.45],
      [-0.5, 0.1, 0.2],
      [0.05, 0.6, -0.3],
    ];
    const rows = points.flatMap((x) => layouts.map((L) => ({ x, L })));
    const fwd = new SlotJetForward(gpu.device, net, order, rows.length);
    const jets = await fwd.run(
      fwd.inputJets(
        rows.flatMap((r) => r.x),
        rows.map((r) => r.L.slots),
      ),
    );
    // per layout: the largest GPU − f64 difference over the points, relative to the largest |∂^α u|
    let worst = 0;
    layouts.forEach((L, li) => {
      let err = 0;
      let scale = 0;
      points.forEach((x, p) => {
        const ref = mlpPartial(mlp, x, L);
        const got = jets[(p * layouts.length + li) * (order + 1) + L.order] / L.constant;
        err = Math.max(err, Math.abs(got - ref));
        scale = Math.max(scale, Math.abs(ref));
      });
      worst = Math.max(worst, err / scale);
    });
    // f32 allows 1e-4 up to order 6 (docs/BENCHMARKS.md): each layout's read order is reached through at most 6 tangent uses
    expect(worst).toBeLessThan(1e-4);
    // and every coefficient of a jet (not only the read one) matches the f64 jet
    const f64 = mlpSlotJet(mlp, points[1], slotTangents(layouts[5].slots, 3), order);
    const row = (1 * layouts.length + 5) * (order + 1);
    const big = Math.max(...Array.from(f64, Math.abs));
    f64.forEach((c, k) => expect(Math.abs(jets[row + k] - c)).toBeLessThan(1e-5 * big));
    fwd.destroy();
    net.destroy();
  });

  it('a sampled operator evaluated on the GPU: every estimate matches the f64 one with the same draws, and their mean is within 3 standard errors of L u', async () => {
    const terms = [
      ...[0, 1, 2].map((c) => ({ coefficient: 1, alpha: [0, 1, 2].map((q) => (q === c ? 4 : 0)) })),
      { coefficient: 2, alpha: [2, 2, 0] },
      { coefficient: 2, alpha: [2, 0, 2] },
      { coefficient: 2, alpha: [0, 2, 2] },
      { coefficient: -1.5, alpha: [1, 1, 1] },
      { coefficient: 0.7, alpha: [0, 1, 0] },
    ];
    const sampler = new TermSampler(terms);
    const mlp = Mlp.init({ inputDim: 3, width: 16, depth: 2, outputDim: 1, activation: 'tanh' }, 8);
    const net = new GpuMlp(gpu.device, mlp);
    const points = [
      [0.15, -0.3, 0.2],
      [-0.4, 0.25, 0.1],
    ];
    const S = 300;
    const B = 3;
    const rng = new Rng(5);
    const draws = points.map(() => Array.from({ length: S }, () => sampler.draw([rng.uniform(), rng.uniform(), rng.uniform()])));
    const order = Math.max(...sampler.layouts.map((L) => L.order));
    const rows = points.flatMap((x, p) => draws[p].flat().map((t) => ({ x, t })));
    const fwd = new SlotJetForward(gpu.device, net, order, rows.length);
    const jets = await fwd.run(
      fwd.inputJets(
        rows.flatMap((r) => r.x),
        rows.map((r) => sampler.layouts[r.t].slots),
      ),
    );
    points.forEach((x, p) => {
      const f64 = sampler.layouts.map((L) => mlpPartial(mlp, x, L));
      const Lu = sampler.exact((i) => f64[i]);
      let sum = 0;
      let sq = 0;
      draws[p].forEach((drawn, s) => {
        const base = (p * S + s) * B;
        const gpuPartial = (b: number) => jets[(base + b) * (order + 1) + sampler.layouts[drawn[b]].order] / sampler.layouts[drawn[b]].constant;
        const est = (sampler.total / B) * drawn.reduce((a, t, b) => a + Math.sign(terms[t].coefficient) * gpuPartial(b), 0);
        const ref = sampler.estimate(drawn, (i) => f64[i]);
        expect(Math.abs(est - ref)).toBeLessThan(1e-4 * sampler.total * Math.max(...f64.map(Math.abs)));
        sum += est;
        sq += est * est;
      });
      const mean = sum / S;
      const se = Math.sqrt((sq / S - mean * mean) / S);
      expect(Math.abs(mean - Lu)).toBeLessThan(3 * se);
    });
    fwd.destroy();
    net.destroy();
  });

  it.each([3, 4])('the backward through slot jets (d = %i): the parameter gradient of ½ Σ_rows (c_n / C)² matches central differences of the f64 slot jets', async (d) => {
    const mlp = Mlp.init({ inputDim: d, width: 8, depth: 2, outputDim: 1, activation: 'tanh' }, 21 + d);
    const net = new GpuMlp(gpu.device, mlp);
    const alphas = [[4, 0, 0], [2, 2, 0], [0, 1, 1], [1, 0, 0]].map((a) => [...a, ...new Array(d - 3).fill(0)]);
    const layouts = alphas.map((a) => slotLayout(a));
    const order = Math.max(...layouts.map((L) => L.order));
    const rng = new Rng(4);
    const rows = Array.from({ length: 12 }, (_, r) => ({ x: Array.from({ length: d }, () => 0.8 * rng.uniform() - 0.4), L: layouts[r % layouts.length] }));
    const fwd = new SlotJetForward(gpu.device, net, order, rows.length, true);
    const n1 = order + 1;
    const jets = await fwd.run(fwd.inputJets(rows.flatMap((r) => r.x), rows.map((r) => r.L.slots)));
    // the loss's adjoint: (c_n / C) / C at the read order of each row
    const adjoint = new Float32Array(rows.length * n1);
    rows.forEach((r, i) => (adjoint[i * n1 + r.L.order] = jets[i * n1 + r.L.order] / r.L.constant ** 2));
    const adjBuf = createStorageBuffer(gpu.device, adjoint.byteLength, 'slot adjoint');
    gpu.device.queue.writeBuffer(adjBuf, 0, adjoint);
    const bwd = new TaylorJetBackward(fwd.jet, adjBuf);
    const enc = gpu.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    bwd.encode(pass);
    pass.end();
    gpu.device.queue.submit([enc.finish()]);
    const g = await readBuffer(gpu.device, bwd.grad, mlp.params.byteLength);
    const loss = (params: Float64Array) =>
      rows.reduce((a, r) => a + 0.5 * (mlpSlotJet(mlp, r.x, slotTangents(r.L.slots, d), order, params)[r.L.order] / r.L.constant) ** 2, 0);
    const h = 1e-5;
    const fd = Array.from(mlp.params, (_, i) => {
      const p = Float64Array.from(mlp.params);
      p[i] += h;
      const up = loss(p);
      p[i] -= 2 * h;
      return (up - loss(p)) / (2 * h);
    });
    const scale = Math.max(...fd.map(Math.abs));
    fd.forEach((v, i) => expect(Math.abs(g[i] - v), `parameter ${i}`).toBeLessThan(2e-3 * scale));
    // the first layer's weights see every slot's tangent: some of their gradients are far from zero
    expect(Math.max(...fd.slice(0, d * 8).map(Math.abs))).toBeGreaterThan(0.05 * scale);
    bwd.destroy();
    adjBuf.destroy();
    fwd.destroy();
    net.destroy();
  });
});
