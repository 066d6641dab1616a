/**
 * Every number that reaches generated WGSL goes through wgslFloat (src/engine/gpu/kernels.ts):
 * over the whole f32 range its text compiles and the GPU reads back exactly the f32 rounding of
 * the value (1e21 and above once came out as `5e+29.0`, which does not parse, and a run trained
 * on the invalid pipeline to "loss 0"); beyond f32 it is refused with a message. A kernel that
 * does not compile stops a run (shadersCompiled) instead of running on.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/engine/errors';
import { createStorageBuffer, readBuffer } from '../../src/engine/gpu/gpu';
import { computePipeline, bindBuffers, onShaderCompileError, ShaderCompileError, shadersCompiled, wgslFloat } from '../../src/engine/gpu/kernels';
import { Rng } from '../../src/engine/sampling/rng';
import { useNodeGpu } from './helpers';

const gpu = useNodeGpu();

/** Values over every f32 binade, both signs, integers (small, 2^24 + 1, 1e21 and up), and the edges. */
function values(): number[] {
  const rng = new Rng(41);
  const out = [0, -0, 1, -1, 2, 0.5, 3, 7, 1e21, 5e29, -5e29, 2.5e23, 1e38, 3.4028234663852886e38, -3.4028234663852886e38, 1.4e-45, -1.4e-45, 1.1754943508222875e-38, 16777217, 123456789012, 1e-7, 2 ** 100, -(2 ** 127)];
  for (let e = -149; e <= 127; e++) {
    const m = 1 + rng.uniform();
    out.push(m * 2 ** e, -m * 2 ** e, 2 ** e);
  }
  // decimal integers across magnitudes (their text has no point until 1e21, then an exponent)
  for (let k = 0; k <= 38; k++) out.push(10 ** k, -(10 ** k), Math.round(rng.uniform() * 9 + 1) * 10 ** k);
  return out.filter((v) => Number.isFinite(Math.fround(v)));
}

describe('wgslFloat: one formatter for every constant of generated WGSL', () => {
  it('writes every f32-representable value as WGSL that compiles, and the GPU reads back its f32 rounding exactly', async () => {
    const device = gpu.device;
    const vs = values();
    const code = [
      '@group(0) @binding(0) var<storage, read_write> out : array<f32>;',
      `const V = array<f32, ${vs.length}>(${vs.map((v) => wgslFloat(v)).join(', ')});`,
      '@compute @workgroup_size(64)',
      'fn main(@builtin(global_invocation_id) gid : vec3u) {',
      `  if (gid.x < ${vs.length}u) { out[gid.x] = V[gid.x]; }`,
      '}',
    ].join('\n');
    const errors: ShaderCompileError[] = [];
    const off = onShaderCompileError((e) => errors.push(e));
    try {
      const pipeline = computePipeline(device, { code, label: 'wgslFloat round trip' });
      await shadersCompiled(device);
      const out = createStorageBuffer(device, vs.length * 4, 'out');
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindBuffers(device, pipeline, [out]));
      pass.dispatchWorkgroups(Math.ceil(vs.length / 64));
      pass.end();
      device.queue.submit([enc.finish()]);
      const got = await readBuffer(device, out);
      out.destroy();
      expect(errors).toEqual([]);
      vs.forEach((v, i) => {
        const want = Math.fround(v);
        // subnormals may flush to zero on a GPU (WGSL allows it); everything else is exact
        if (Math.abs(want) < 1.1754943508222875e-38) expect(got[i] === want || got[i] === 0, `${v} as ${wgslFloat(v)} read ${got[i]}`).toBe(true);
        else expect(got[i], `${v} as ${wgslFloat(v)}`).toBe(want);
      });
    } finally {
      off();
    }
  });

  it('has a point or an exponent in every literal, never both forms glued (5e+29.0)', () => {
    for (const v of values()) {
      const s = wgslFloat(v);
      expect(s, String(v)).toMatch(/^-?(\d+\.\d*|\d*\.\d+)([eE][+-]?\d+)?$|^-?\d+[eE][+-]?\d+$/);
    }
    expect(wgslFloat(5e29)).toBe('5e+29');
    expect(wgslFloat(3)).toBe('3.0');
    expect(wgslFloat(-0)).toBe('0.0');
  });

  it('refuses NaN, infinities and values beyond f32, naming what the number is', () => {
    for (const v of [NaN, Infinity, -Infinity, 3.5e38, -1e39, 1e300]) {
      expect(() => wgslFloat(v, 'the test weight')).toThrow(InputError);
      expect(() => wgslFloat(v, 'the test weight')).toThrow(/^the test weight is /);
    }
    // the largest f32 and values that round to it are accepted
    expect(() => wgslFloat(3.4028235e38)).not.toThrow();
  });
});

describe('a kernel that does not compile stops what uses it', () => {
  it('shadersCompiled throws the compile error of any pipeline made so far on the device, once', async () => {
    const device = gpu.device;
    const seen: ShaderCompileError[] = [];
    const off = onShaderCompileError((e) => seen.push(e));
    try {
      await shadersCompiled(device); // nothing pending from other tests
      computePipeline(device, { code: '@compute @workgroup_size(1) fn main() { let x : f32 = 5e+29.0; }', label: 'a broken test kernel' });
      const err = await shadersCompiled(device).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ShaderCompileError);
      expect((err as Error).message).toMatch(/^WGSL does not compile: a broken test kernel:1:/);
      expect(seen).toHaveLength(1);
      // awaited once: the next call has nothing left to report
      await expect(shadersCompiled(device)).resolves.toBeUndefined();
    } finally {
      off();
    }
  });
});
