import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readBuffer } from '../../src/engine/gpu/gpu';
import { expandIncludes } from '../../src/engine/gpu/shaders';
import { Rng } from '../../src/engine/sampling/rng';
import { useNodeGpu } from './helpers';

const gpu = useNodeGpu();

/**
 * Run shaders/double_single.wgsl on the adapter: for each pair (a, b), twoSum, twoProd, and a
 * running double-single sum of a_i b_i against a plain f32 one. Out: [n][4] (s, e, p, pe) and
 * the two dot products [ds hi, ds lo, plain].
 */
async function runDoubleSingle(a: Float32Array<ArrayBuffer>, b: Float32Array<ArrayBuffer>): Promise<{ pairs: Float32Array; dots: Float32Array }> {
  const device = gpu.device;
  const n = a.length;
  const code = `${expandIncludes('double_single')}
@group(0) @binding(0) var<storage, read> a : array<f32>;
@group(0) @binding(1) var<storage, read> b : array<f32>;
@group(0) @binding(2) var<storage, read_write> pairs : array<f32>;
@group(0) @binding(3) var<storage, read_write> dots : array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u) {
  let i = gid.x;
  if (i < ${n}u) {
    let s = twoSum(a[i], b[i]);
    let p = twoProd(a[i], b[i]);
    pairs[4u * i] = s.x; pairs[4u * i + 1u] = s.y; pairs[4u * i + 2u] = p.x; pairs[4u * i + 3u] = p.y;
  }
  if (i == 0u) {
    var acc = vec2f(0.0, 0.0);
    var plain = 0.0;
    for (var j = 0u; j < ${n}u; j++) {
      acc = dsAdd(acc, twoProd(a[j], b[j]));
      plain += a[j] * b[j];
    }
    dots[0] = acc.x; dots[1] = acc.y; dots[2] = plain;
  }
}`;
  const upload = (v: Float32Array<ArrayBuffer>) => {
    const buf = createStorageBuffer(device, v.byteLength, 'input');
    device.queue.writeBuffer(buf, 0, v);
    return buf;
  };
  const bufs = [upload(a), upload(b), createStorageBuffer(device, n * 16, 'pairs'), createStorageBuffer(device, 16, 'dots')];
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code }), entryPoint: 'main' } });
  const bind = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: bufs.map((buffer, binding) => ({ binding, resource: { buffer } })) });
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bind);
  pass.dispatchWorkgroups(Math.ceil(n / 64));
  pass.end();
  device.queue.submit([enc.finish()]);
  const pairs = await readBuffer(device, bufs[2]);
  const dots = await readBuffer(device, bufs[3]);
  bufs.forEach((x) => x.destroy());
  return { pairs, dots };
}

describe('double-single arithmetic on the adapter (shaders/double_single.wgsl)', () => {
  it('twoSum and twoProd are exact: s + e = a + b and p + e = a b in f64, bit for bit', async () => {
    const rng = new Rng(3);
    const n = 512;
    const a = Float32Array.from({ length: n }, () => rng.normal() * 2 ** Math.floor(rng.range(-12, 12)));
    const b = Float32Array.from({ length: n }, () => rng.normal() * 2 ** Math.floor(rng.range(-12, 12)));
    const { pairs } = await runDoubleSingle(a, b);
    let inexactSums = 0;
    for (let i = 0; i < n; i++) {
      // both are exact in f64: the sum's exponents differ by < 29 bits, the product has 48
      expect(pairs[4 * i] + pairs[4 * i + 1], `sum ${i}`).toBe(a[i] + b[i]);
      expect(pairs[4 * i + 2] + pairs[4 * i + 3], `product ${i}`).toBe(a[i] * b[i]);
      if (pairs[4 * i + 1] !== 0) inexactSums++;
    }
    expect(inexactSums).toBeGreaterThan(n / 2); // the error terms are really there
  });

  it('a dot product whose terms cancel: double-single keeps it to f32 rounding, plain f32 loses digits', async () => {
    // pairs (x, y), (x, −y'), … with products of size 24 cancelling to a sum of about 1e-2
    const rng = new Rng(9);
    const n = 200;
    const a = new Float32Array(n);
    const b = new Float32Array(n);
    for (let i = 0; i < n; i += 2) {
      a[i] = a[i + 1] = Math.fround(4 + rng.uniform());
      b[i] = Math.fround(6 + rng.uniform());
      b[i + 1] = Math.fround(-b[i] + 1e-4 * rng.normal());
    }
    let exact = 0;
    for (let i = 0; i < n; i++) exact += a[i] * b[i]; // products exact in f64, and few: the f64 sum is exact to 1e-15
    const { dots } = await runDoubleSingle(a, b);
    const ds = dots[0] + dots[1];
    expect(Math.abs(ds - exact)).toBeLessThan(1e-12 * 24 * n);
    expect(Math.abs(dots[2] - exact)).toBeGreaterThan(1e-7);
    expect(Math.abs(dots[2] - exact)).toBeGreaterThan(1e4 * Math.abs(ds - exact));
  });
});
