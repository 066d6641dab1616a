import { describe, expect, it } from 'vitest';
import { cachedPipelines, computePipeline, gridSize, onShaderCompileError, ShaderCompileError } from '../../src/engine/gpu/kernels';
import { expandedLines, expandIncludes, fillTemplate, registerShader, templateLineOf } from '../../src/engine/gpu/shaders';
import { useNodeGpu } from './helpers';

const gpu = useNodeGpu();

// tiny test shaders: a library with one helper, a kernel that includes it (after a blank-line-eating include)
registerShader('test_kernels_lib', ['// test library', 'fn twice(x : f32) -> f32 {', '  return 2.0 * x;', '}', ''].join('\n'), 'tests/shaders/test_kernels_lib.wgsl');
registerShader(
  'test_kernels_main',
  [
    '// a test kernel',
    '// #include test_kernels_lib',
    '',
    '@group(0) @binding(0) var<storage, read_write> out : array<f32>;',
    '{{HELPERS}}',
    '@compute @workgroup_size(64)',
    'fn main(@builtin(global_invocation_id) gid : vec3u) {',
    '  out[gid.x] = twice({{SCALE}});',
    '}',
  ].join('\n'),
  'tests/shaders/test_kernels_main.wgsl',
);
// the same kernel over a library whose line 3 does not compile
registerShader('test_kernels_broken_lib', ['// test library with an error', 'fn twice(x : f32) -> f32 {', '  return 2.0 * undefinedName;', '}', ''].join('\n'), 'tests/shaders/lib/test_kernels_broken_lib.wgsl');
registerShader(
  'test_kernels_broken',
  ['// a test kernel over a broken library', '// #include test_kernels_broken_lib', '@group(0) @binding(0) var<storage, read_write> out : array<f32>;', '@compute @workgroup_size(64)', 'fn main(@builtin(global_invocation_id) gid : vec3u) {', '  out[gid.x] = twice(1.0);', '}'].join('\n'),
  'tests/shaders/test_kernels_broken.wgsl',
);

/** A fake device: only what gridSize reads. */
const fakeDevice = (maxX: number) => ({ limits: { maxComputeWorkgroupsPerDimension: maxX } }) as unknown as GPUDevice;

describe('gridSize', () => {
  it('keeps a dispatch within the limit in one row', () => {
    expect(gridSize(fakeDevice(65535), 1)).toEqual([1, 1]);
    expect(gridSize(fakeDevice(65535), 65535)).toEqual([65535, 1]);
  });
  it('splits a dispatch past the limit into rows of the limit', () => {
    expect(gridSize(fakeDevice(65535), 65536)).toEqual([65535, 2]);
    expect(gridSize(fakeDevice(100), 1001)).toEqual([100, 11]);
    const [x, y] = gridSize(fakeDevice(100), 12345);
    expect(x * y).toBeGreaterThanOrEqual(12345);
    expect(x * (y - 1)).toBeLessThan(12345);
  });
});

describe('shader line map', () => {
  it('maps each line of the expanded text to its file and line', () => {
    const { lines, from } = expandedLines('test_kernels_main');
    expect(lines.join('\n')).toBe(expandIncludes('test_kernels_main'));
    expect(lines.length).toBe(from.length);
    // the include line and the blank line after it became the library's 5 lines
    expect(from.slice(0, 7)).toEqual([
      { path: 'tests/shaders/test_kernels_main.wgsl', line: 1 },
      { path: 'tests/shaders/test_kernels_lib.wgsl', line: 1 },
      { path: 'tests/shaders/test_kernels_lib.wgsl', line: 2 },
      { path: 'tests/shaders/test_kernels_lib.wgsl', line: 3 },
      { path: 'tests/shaders/test_kernels_lib.wgsl', line: 4 },
      { path: 'tests/shaders/test_kernels_lib.wgsl', line: 5 },
      { path: 'tests/shaders/test_kernels_main.wgsl', line: 4 },
    ]);
    expect(lines[3]).toBe('  return 2.0 * x;');
  });

  it('follows the lines a multi-line parameter adds', () => {
    const params = { HELPERS: 'fn a() {}\nfn b() {}\nfn c() {}', SCALE: 3 };
    const filled = fillTemplate('test_kernels_main', params).split('\n');
    const lineOf = templateLineOf('test_kernels_main', params);
    const at = (text: string) => lineOf(filled.indexOf(text) + 1);
    expect(at('fn a() {}')).toBe('tests/shaders/test_kernels_main.wgsl:5');
    expect(at('fn c() {}')).toBe('tests/shaders/test_kernels_main.wgsl:5 {{HELPERS}}:3');
    expect(at('@compute @workgroup_size(64)')).toBe('tests/shaders/test_kernels_main.wgsl:6');
    expect(at('  out[gid.x] = twice(3);')).toBe('tests/shaders/test_kernels_main.wgsl:8');
    expect(at('  return 2.0 * x;')).toBe('tests/shaders/test_kernels_lib.wgsl:3');
  });
});

describe('computePipeline', () => {
  it('returns the same pipeline for the same text and a new one for other parameters', () => {
    const device = gpu.device;
    const a = computePipeline(device, { shader: 'test_kernels_main', params: { HELPERS: '', SCALE: 1.5 } });
    const before = cachedPipelines(device);
    expect(computePipeline(device, { shader: 'test_kernels_main', params: { HELPERS: '', SCALE: 1.5 } })).toBe(a);
    // the same final text generated elsewhere is the same pipeline
    expect(computePipeline(device, { code: fillTemplate('test_kernels_main', { HELPERS: '', SCALE: 1.5 }), label: 'generated' })).toBe(a);
    expect(cachedPipelines(device)).toBe(before);
    const b = computePipeline(device, { shader: 'test_kernels_main', params: { HELPERS: '', SCALE: 2.5 } });
    expect(b).not.toBe(a);
    expect(cachedPipelines(device)).toBe(before + 1);
  });

  it('names the included library file and line of a compile error', async () => {
    const device = gpu.device;
    const caught = new Promise<ShaderCompileError>((resolve) => {
      const off = onShaderCompileError((e) => {
        off();
        resolve(e);
      });
    });
    // the invalid pipeline's validation error is expected: keep it off the console
    device.pushErrorScope('validation');
    computePipeline(device, { shader: 'test_kernels_broken' });
    const validation = await device.popErrorScope();
    expect(validation).not.toBeNull();
    const e = await caught;
    expect(e).toBeInstanceOf(ShaderCompileError);
    expect(e.message).toMatch(/tests\/shaders\/lib\/test_kernels_broken_lib\.wgsl:3:\d+: .*undefinedName/);
    expect(e.message).not.toMatch(/test_kernels_broken\.wgsl/);
  });
});
