/**
 * GPU plumbing in one place: every compute pipeline of the engine comes from `computePipeline`
 * (one cache per device, keyed by the shader's final text, its entry point and its layout), a
 * compile error takes one path (`reportCompileErrors`: the message names the shader file and line),
 * dispatches beyond the per-dimension workgroup limit are split by `gridSize`, and a one-kernel
 * pass over a list of buffers is `kernelPass`.
 */
import { InputError, PinnError } from '../errors';
import { fillTemplate, shaderPath, templateLineOf } from './shaders';

export type PassFn = (pass: GPUComputePassEncoder) => void;
export type KernelParams = Record<string, number | string>;

/**
 * The one way a number becomes WGSL text (every constant of every generated kernel): an f32
 * literal for any value whose f32 rounding is finite, refused (InputError, naming `what`) for
 * NaN, ±Infinity and values beyond f32's range. Values below f32's smallest become 0.0.
 */
export function wgslFloat(v: number, what = 'a constant'): string {
  if (!Number.isFinite(v)) throw new InputError(`${what} is ${v}: a GPU constant must be a finite number`);
  const f = Math.fround(v);
  if (!Number.isFinite(f)) throw new InputError(`${what} is ${v}, beyond f32's range (±3.4028235e38): the GPU cannot hold it`);
  if (f === 0) return '0.0';
  // the shortest round-trip text of the f64: 1e+21 and 2.5e-7 are WGSL floats as they are (a
  // decimal point after an exponent, 5e+29.0, is not); only integers without one need ".0"
  const s = String(v);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/**
 * Workgroups (x, y) for `workgroups` in all: past the device's per-dimension limit, rows of
 * workgroups (kernels index gid.x + gid.y · nwg.x · 64).
 */
export function gridSize(device: GPUDevice, workgroups: number): [number, number] {
  const maxX = device.limits.maxComputeWorkgroupsPerDimension;
  return workgroups > maxX ? [maxX, Math.ceil(workgroups / maxX)] : [workgroups, 1];
}

/** A shader that did not compile: a bug in a kernel or in generated code, named by file and line. */
export class ShaderCompileError extends PinnError {
  constructor(message: string) {
    super(message);
    this.name = 'ShaderCompileError';
  }
}

const compileErrorListeners = new Set<(e: ShaderCompileError) => void>();

/** Be told of every compile error (the app shows them; without a listener they are thrown on the microtask queue and logged). */
export function onShaderCompileError(listener: (e: ShaderCompileError) => void): () => void {
  compileErrorListeners.add(listener);
  return () => compileErrorListeners.delete(listener);
}

/**
 * The one compile-error path: compilation messages of `module` (from shader `file`), raised as
 * ShaderCompileError; `lineOf` names the source of a line of the module's text (for a
 * registered shader, the file and line of it or of a library it includes: templateLineOf).
 */
export function reportCompileErrors(module: GPUShaderModule, file: string, lineOf: (line: number) => string = (l) => `${file}:${l}`, device?: GPUDevice): void {
  // Dawn in Node and Chromium both implement getCompilationInfo; a fake device may not
  if (typeof module.getCompilationInfo !== 'function') return;
  const checked = module.getCompilationInfo().then((info) => {
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length === 0) return null;
    const e = new ShaderCompileError(`WGSL does not compile: ${errors.map((m) => `${lineOf(m.lineNum)}:${m.linePos}: ${m.message}`).join('; ')}`);
    if (compileErrorListeners.size === 0) throw e;
    compileErrorListeners.forEach((l) => l(e));
    return e;
  });
  if (device) {
    let list = pendingChecks.get(device);
    if (!list) pendingChecks.set(device, (list = []));
    list.push(checked);
  }
}

/** Each device's compile checks not yet awaited by shadersCompiled. */
const pendingChecks = new WeakMap<GPUDevice, Promise<ShaderCompileError | null>[]>();

/**
 * Wait for the compile checks of every pipeline made on `device` so far and throw the first
 * error: a run calls it before its first step, so a kernel that does not compile stops the run
 * with its message instead of training on an invalid pipeline (whose outputs read as zeros).
 */
export async function shadersCompiled(device: GPUDevice): Promise<void> {
  const list = pendingChecks.get(device);
  if (!list || list.length === 0) return;
  pendingChecks.set(device, []);
  const error = (await Promise.all(list.map((c) => c.catch((e: unknown) => e as ShaderCompileError)))).find((e) => e !== null);
  if (error) throw error;
}

export interface PipelineSource {
  /** A registered shader's name (filled with `params`), or WGSL text generated at run time. */
  shader?: string;
  params?: KernelParams;
  code?: string;
  /** The pipeline's label (default: the shader's name); for a generated `code`, what made it (named in compile errors), e.g. "loss term of poisson-1d's interior". */
  label?: string;
  entryPoint?: string;
  /** Default 'auto'. */
  layout?: GPUPipelineLayout | 'auto';
}

const caches = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();
const layoutIds = new WeakMap<GPUPipelineLayout, number>();
let nextLayoutId = 1;

/** Pipelines created so far on `device` (the cache's size; tests and the profile read it). */
export function cachedPipelines(device: GPUDevice): number {
  return caches.get(device)?.size ?? 0;
}

/** The compute pipeline of a shader: created once per device and (text, entry point, layout). */
export function computePipeline(device: GPUDevice, src: PipelineSource): GPUComputePipeline {
  const code = src.code ?? fillTemplate(src.shader!, src.params ?? {});
  const entryPoint = src.entryPoint ?? 'main';
  const layout = src.layout ?? 'auto';
  let layoutKey = 'auto';
  if (layout !== 'auto') {
    if (!layoutIds.has(layout)) layoutIds.set(layout, nextLayoutId++);
    layoutKey = `L${layoutIds.get(layout)}`;
  }
  let cache = caches.get(device);
  if (!cache) caches.set(device, (cache = new Map()));
  const key = `${entryPoint}|${layoutKey}|${code}`;
  let pipeline = cache.get(key);
  if (!pipeline) {
    const label = src.label ?? src.shader ?? 'generated kernel';
    const module = device.createShaderModule({ label, code });
    if (src.code === undefined) reportCompileErrors(module, shaderPath(src.shader!), templateLineOf(src.shader!, src.params ?? {}), device);
    else reportCompileErrors(module, label, undefined, device);
    pipeline = device.createComputePipeline({ label, layout, compute: { module, entryPoint } });
    cache.set(key, pipeline);
  }
  return pipeline;
}

/** A bind group of `buffers` at bindings 0, 1, ... of group 0 of `pipeline`. */
export function bindBuffers(device: GPUDevice, pipeline: GPUComputePipeline, buffers: readonly (GPUBuffer | GPUBufferBinding)[], label?: string): GPUBindGroup {
  return device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: buffers.map((b, binding) => ({ binding, resource: 'buffer' in b ? b : { buffer: b } })),
  });
}

/** Record one dispatch of `pipeline` with `bindGroup` over `workgroups` workgroups (split into rows past the limit). */
export function dispatch(pass: GPUComputePassEncoder, device: GPUDevice, pipeline: GPUComputePipeline, bindGroup: GPUBindGroup, workgroups: number): void {
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  const [x, y] = gridSize(device, workgroups);
  pass.dispatchWorkgroups(x, y);
}

/** A one-kernel pass of a shader over the given buffers (bindings in order): build once, encode every step. */
export function kernelPass(device: GPUDevice, src: PipelineSource | string, params: KernelParams, buffers: readonly (GPUBuffer | GPUBufferBinding)[], workgroups: number): PassFn {
  const pipeline = computePipeline(device, typeof src === 'string' ? { shader: src, params } : src);
  const bindGroup = bindBuffers(device, pipeline, buffers, typeof src === 'string' ? src : src.label);
  return (pass) => dispatch(pass, device, pipeline, bindGroup, workgroups);
}
