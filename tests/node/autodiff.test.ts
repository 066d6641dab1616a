import { describe, expect, it } from 'vitest';
import { Mlp, type Activation } from '../../src/engine/model/mlp';
import { GpuMlp } from '../../src/engine/model/gpu-mlp';
import { AdDerivatives } from '../../src/engine/methods/ad';
import { AdContext, type AdKernels } from '../../src/engine/autodiff/context';
import { adParams, nestedDerivativesAd, sumOfMeanSquares } from '../../src/engine/autodiff/mlp-ad';
import { add, addScalar, expand, fromArray, grad, matmul, mul, div, scale, sum, sin, cos, square, tanh, tanhBackward, view, type Tensor } from '../../src/engine/autodiff/tensor';
import { referenceJets } from '../../src/engine/jets/jet-f64';
import { factorial } from '../../src/engine/jets/taylor-jet';
import { referenceLossGradient, useNodeGpu } from './helpers';
import { readBuffer } from '../../src/engine/gpu/gpu';
import { Rng } from '../../src/engine/sampling/rng';

const gpu = useNodeGpu();

describe('stacked AD engine', () => {
  it('primitive ops and their gradients match hand-computed values', async () => {
    const ctx = new AdContext(gpu.device);
    const a = fromArray(ctx, Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3], true);
    const b = fromArray(ctx, Float32Array.from([0.5, -1, 2]), [1, 3], true);
    // y = sum( (a * b) / (1 + a^2) ) + sum(sin(a) cos(b)) ; broadcasting b over rows
    const y = sum(div(mul(a, b), addScalar(square(a), 1)));
    const z = sum(mul(sin(a), cos(b)));
    const total = sum(matmul(fromArray(ctx, Float32Array.of(1, 1), [1, 2]), fromArray(ctx, Float32Array.of(2, 3), [2, 1])));
    const [ga, gb] = grad(y, [a, b]);
    const [za, zb] = grad(z, [a, b]);
    const A = [1, 2, 3, 4, 5, 6];
    const B = [0.5, -1, 2];
    const gaRef = A.map((x, i) => (B[i % 3] * (1 - x * x)) / (1 + x * x) ** 2);
    const gbRef = B.map((_, j) => [0, 1].reduce((s, r) => s + A[r * 3 + j] / (1 + A[r * 3 + j] ** 2), 0));
    const zaRef = A.map((x, i) => Math.cos(x) * Math.cos(B[i % 3]));
    const zbRef = B.map((bv, j) => [0, 1].reduce((s, r) => s - Math.sin(A[r * 3 + j]) * Math.sin(bv), 0));
    const close = (got: Float32Array, ref: number[]) => ref.forEach((r, i) => expect(got[i]).toBeCloseTo(r, 5));
    close(await ga.read(), gaRef);
    close(await gb.read(), gbRef);
    close(await za.read(), zaRef);
    close(await zb.read(), zbRef);
    expect((await total.read())[0]).toBeCloseTo(5, 6);
    ctx.destroy();
  });

  it('per-row parameter gradients (perRow: matmul with W and Wᵀ, a broadcast bias and scale) match f64 central differences per sample', async () => {
    const ctx = new AdContext(gpu.device);
    const rng = new Rng(5);
    // f32 values, so the f64 reference sees exactly what the GPU holds
    const rand = (n: number) => Float64Array.from({ length: n }, () => Math.fround(rng.normal() * 0.7));
    const [P, I, H] = [5, 3, 4];
    const X = rand(P * I);
    // parameters in one flat vector: W [H][I], b [1][H], c [1][H], V [H][1]
    const theta = rand(H * I + 3 * H);
    const offsets = { W: 0, b: H * I, c: H * I + H, V: H * I + 2 * H };
    const n = theta.length;
    const flat = ctx.allocate(n);
    gpu.device.queue.writeBuffer(flat, 0, Float32Array.from(theta));
    const W = view(ctx, flat, offsets.W, [H, I], true);
    const b = view(ctx, flat, offsets.b, [1, H], true);
    const c = view(ctx, flat, offsets.c, [1, H], true);
    const V = view(ctx, flat, offsets.V, [H, 1], true);
    const x = fromArray(ctx, Float32Array.from(X), [P, I]);
    // out_p = Σ_j V_j c_j tanh(Σ_i W_ji x_pi + b_j); y = Σ_p out_p
    const out = matmul(mul(tanh(add(matmul(x, W, false, true), b)), c), V);
    const J = ctx.allocate(P * n);
    const enc = gpu.device.createCommandEncoder();
    enc.clearBuffer(J);
    gpu.device.queue.submit([enc.finish()]);
    const columns = new Map<Tensor, number>([[W, offsets.W], [b, offsets.b], [c, offsets.c], [V, offsets.V]]);
    expect(grad(sum(out), [], { perRow: { buffer: J, rows: P, rowStride: n, firstRow: 0, columns } })).toEqual([]);
    ctx.flush();
    const got = (await readBuffer(gpu.device, J, P * n * 4)).slice(0, P * n);
    const f = (t: Float64Array, p: number) => {
      let s = 0;
      for (let j = 0; j < H; j++) {
        let a = t[offsets.b + j];
        for (let i = 0; i < I; i++) a += t[offsets.W + j * I + i] * X[p * I + i];
        s += t[offsets.V + j] * t[offsets.c + j] * Math.tanh(a);
      }
      return s;
    };
    const h = 1e-6;
    let worst = 0;
    for (let p = 0; p < P; p++) {
      for (let k = 0; k < n; k++) {
        const up = Float64Array.from(theta);
        const down = Float64Array.from(theta);
        up[k] += h;
        down[k] -= h;
        worst = Math.max(worst, Math.abs((f(up, p) - f(down, p)) / (2 * h) - got[p * n + k]));
      }
    }
    // f32 entries of size about 1: a few ulps; a missed row or a summed contribution is off by order one
    expect(worst).toBeLessThan(1e-5);
    // a parameter used by an op without a per-row rule is refused, not summed
    expect(() => grad(sum(tanh(b)), [], { perRow: { buffer: J, rows: 1, rowStride: n, firstRow: 0, columns } })).toThrow(/per-row gradients: a parameter of shape \[1,4\] used by tanh/);
    ctx.destroy();
  });

  it('second derivative through tanh (double backward) is right', async () => {
    const ctx = new AdContext(gpu.device);
    const xs = [-1.5, -0.2, 0.3, 2];
    const x = fromArray(ctx, Float32Array.from(xs), [4, 1], true);
    const y = tanh(x);
    const [g1] = grad(sum(y), [x], { createGraph: true });
    const [g2] = grad(sum(g1), [x], { createGraph: true });
    const [g3] = grad(sum(g2), [x]);
    const t = xs.map(Math.tanh);
    const d2 = t.map((v) => -2 * v * (1 - v * v));
    const d3 = t.map((v) => -2 * (1 - v * v) * (1 - 3 * v * v));
    (await g2.read()).forEach((v, i) => expect(v).toBeCloseTo(d2[i], 5));
    (await g3.read()).forEach((v, i) => expect(v).toBeCloseTo(d3[i], 5));
    ctx.destroy();
  });

  const cases: [number, number, number, Activation, number][] = [
    [1, 24, 3, 'tanh', 6],
    [2, 16, 2, 'sin', 5],
    [3, 20, 2, 'tanh', 4],
  ];
  it.each(cases)('nested derivatives d=%i width %i depth %i %s n=%i match the f64 reference', async (d, width, depth, activation, order) => {
    const mlp = Mlp.init({ inputDim: d, width, depth, outputDim: 1, activation }, 3);
    const rng = new Rng(9);
    const batch = 19;
    const points = Float32Array.from({ length: batch * d }, () => rng.range(-1, 1));
    const dir = Float32Array.from({ length: d }, (_, i) => (d === 1 ? 1 : Math.cos(i + 1)));
    const net = new GpuMlp(gpu.device, mlp);
    const ad = new AdDerivatives(net);
    const got = await ad.derivatives(points, dir, true, order);
    const ref = referenceJets(mlp, points, dir, order);
    for (let k = 0; k <= order; k++) {
      const refK = Array.from({ length: batch }, (_, p) => factorial(k) * ref[p * (order + 1) + k]);
      const scale = Math.max(...refK.map(Math.abs));
      refK.forEach((r, p) => expect(Math.abs(got[p][k] - r) / scale, `order ${k} point ${p}`).toBeLessThan(k <= 4 ? 1e-4 : 1e-3));
    }
    ad.destroy();
    net.destroy();
  });

  // [rows, cols, offset of a, shape of b]: vec4 rows (b full, a row, a column, a scalar), then fallbacks
  const mapCases: [number, number, number, [number, number]][] = [
    [6, 12, 0, [6, 12]],
    [6, 12, 4, [1, 12]],
    [6, 8, 0, [6, 1]],
    [3, 8, 8, [1, 1]],
    [5, 6, 0, [5, 6]],
    [4, 8, 2, [1, 8]],
  ];
  it.each(mapCases)('element-wise ops on %ix%i (a at offset %i, b %j) match f64 with both kernel families', async (rows, cols, aOff, bShape) => {
    const rng = new Rng(rows * 100 + cols + aOff);
    const aData = Float32Array.from({ length: aOff + rows * cols }, () => rng.range(-2, 2));
    const bData = Float32Array.from({ length: bShape[0] * bShape[1] }, () => rng.range(0.5, 2));
    const x = (i: number, j: number) => aData[aOff + i * cols + j];
    const y = (i: number, j: number) => bData[(bShape[0] === 1 ? 0 : i) * bShape[1] + (bShape[1] === 1 ? 0 : j)];
    const ops: [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number][] = [
      ['add', add, (p, q) => p + q],
      ['div', div, (p, q) => p / q],
      ['tanhBackward', tanhBackward, (p, q) => p * (1 - q * q)],
      ['tanh', (a) => tanh(a), Math.tanh],
      ['sin', (a) => sin(a), Math.sin],
      ['cos', (a) => cos(a), Math.cos],
      ['scale', (a) => scale(a, 0.3), (p) => 0.3 * p],
      ['expand b', (_, b) => expand(b, [rows, cols]), (_, q) => q],
    ];
    for (const kernels of ['tiled', 'vec4'] as const) {
      const ctx = new AdContext(gpu.device, { kernels });
      const keys: string[] = [];
      const pipeline = ctx.pipeline.bind(ctx);
      ctx.pipeline = (key, ...rest) => (keys.push(key), pipeline(key, ...rest));
      const a = view(ctx, fromArray(ctx, aData, [1, aData.length]).buffer, aOff, [rows, cols], false);
      const b = fromArray(ctx, bData, bShape);
      for (const [name, op, ref] of ops) {
        keys.length = 0;
        const got = await op(a, b).read();
        const vec4 = kernels === 'vec4' && cols % 4 === 0 && (name === 'expand b' || aOff % 4 === 0);
        expect(keys.every((key) => key.startsWith(vec4 ? 'map4:' : 'map:')), `${name} (${kernels}) ran ${keys}`).toBe(true);
        got.forEach((v, k) => {
          const [i, j] = [Math.floor(k / cols), k % cols];
          const r = ref(x(i, j), y(i, j));
          expect(Math.abs(v - r), `${name} [${i}][${j}] (${kernels})`).toBeLessThanOrEqual(4e-7 * Math.max(1, Math.abs(r)));
        });
      }
      ctx.destroy();
    }
  });

  // [m, n, k, ta, tb, aOff, bOff]: vec4-blocked shapes in every transpose, then the fallbacks
  // (a dimension or an offset not a multiple of 4, and k > 256, where GPUs tile)
  const matmulCases: [number, number, number, boolean, boolean, number, number][] = [
    [8, 12, 16, false, false, 0, 0],
    [12, 8, 20, false, true, 4, 8],
    [16, 4, 300, true, false, 0, 4],
    [4, 16, 8, true, true, 8, 0],
    [132, 32, 32, false, true, 0, 96],
    [6, 8, 12, false, false, 0, 0],
    [8, 6, 12, true, false, 0, 0],
    [8, 8, 6, false, true, 0, 0],
    [8, 8, 12, false, false, 2, 0],
    [8, 8, 12, true, true, 0, 1],
    [32, 2, 300, true, false, 0, 0],
    [1, 32, 260, true, false, 3, 0],
    [5, 7, 300, true, true, 0, 0],
  ];
  it.each(matmulCases)('matmul %ix%i (k %i, ta %s, tb %s, offsets %i %i) matches an f64 product with both kernel families', async (m, n, k, ta, tb, aOff, bOff) => {
    const rng = new Rng(m * 1000 + n * 10 + k);
    const aData = Float32Array.from({ length: aOff + m * k }, () => rng.range(-1, 1));
    const bData = Float32Array.from({ length: bOff + k * n }, () => rng.range(-1, 1));
    // op(A)[i][kk], op(B)[kk][j] in the tensors' row-major layouts
    const opA = (i: number, kk: number) => aData[aOff + (ta ? kk * m + i : i * k + kk)];
    const opB = (kk: number, j: number) => bData[bOff + (tb ? j * k + kk : kk * n + j)];
    const ref = new Float64Array(m * n);
    const mag = new Float64Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        for (let kk = 0; kk < k; kk++) {
          ref[i * n + j] += opA(i, kk) * opB(kk, j);
          mag[i * n + j] += Math.abs(opA(i, kk) * opB(kk, j));
        }
      }
    }
    // f32 rounding of a k-term sum: |error| <= k * eps * sum |terms| (summation order may differ)
    const bound = (i: number) => k * 2 ** -24 * mag[i];
    const results: Partial<Record<AdKernels, Float32Array>> = {};
    for (const kernels of ['tiled', 'vec4'] as const) {
      const ctx = new AdContext(gpu.device, { kernels });
      const keys: string[] = [];
      const pipeline = ctx.pipeline.bind(ctx);
      ctx.pipeline = (key, ...rest) => (keys.push(key), pipeline(key, ...rest));
      const aBuf = fromArray(ctx, aData, [1, aData.length]).buffer;
      const bBuf = fromArray(ctx, bData, [1, bData.length]).buffer;
      const a = view(ctx, aBuf, aOff, ta ? [k, m] : [m, k], false);
      const b = view(ctx, bBuf, bOff, tb ? [n, k] : [k, n], false);
      const got = await matmul(a, b, ta, tb).read();
      const blocked = [m, n, k, aOff, bOff].every((v) => v % 4 === 0);
      expect(keys.some((key) => key.startsWith('ad_matmul_vec4'))).toBe(kernels === 'vec4' && blocked);
      expect(keys.some((key) => key.startsWith('ad_matmul:'))).toBe(kernels === 'tiled' && k > 256);
      got.forEach((v, i) => expect(Math.abs(v - ref[i]), `C[${Math.floor(i / n)}][${i % n}] (${kernels})`).toBeLessThanOrEqual(bound(i)));
      results[kernels] = got;
      ctx.destroy();
    }
    results.vec4!.forEach((v, i) => expect(Math.abs(v - results.tiled![i])).toBeLessThanOrEqual(2 * bound(i)));
  });

  it('parameter gradient of the derivative loss matches f64 central differences', async () => {
    const mlp = Mlp.init({ inputDim: 1, width: 8, depth: 2, outputDim: 1, activation: 'tanh' }, 5);
    const order = 3;
    const rng = new Rng(2);
    const batch = 16;
    const points = Float32Array.from({ length: batch }, () => rng.range(-1, 1));
    const net = new GpuMlp(gpu.device, mlp);
    const ctx = new AdContext(gpu.device);
    const params = adParams(ctx, net, true);
    const x = fromArray(ctx, points, [batch, 1], true);
    const loss = sumOfMeanSquares(nestedDerivativesAd(net, params, x, null, order));
    const grads = await Promise.all(grad(loss, params.all).map((g) => g.read()));
    const flatGrad = new Float64Array(mlp.params.length);
    mlp.layers.forEach((l, i) => {
      flatGrad.set(grads[2 * i], l.weightOffset);
      flatGrad.set(grads[2 * i + 1], l.biasOffset);
    });
    const gradScale = Math.max(...flatGrad.map(Math.abs));
    for (const [i, fd] of referenceLossGradient(mlp, points, [1], order, 3)) {
      expect(Math.abs(flatGrad[i] - fd) / gradScale, `param ${i}`).toBeLessThan(1e-3);
    }
    ctx.destroy();
    net.destroy();
  });
});
