import { DeviceLimitError, WebGPUUnavailableError } from '../errors';

/** What the UI and the CLI show about the GPU in use. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for CPU implementations (SwiftShader): timings are CPU timings then. */
  isSoftware: boolean;
  features: string[];
  limits: Record<string, number>;
}

export interface PinnDevice {
  device: GPUDevice;
  adapter: AdapterSummary;
  hasTimestamps: boolean;
}

const LIMITS_WE_RAISE = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupsPerDimension',
] as const;

export function summarizeAdapter(adapter: GPUAdapter): AdapterSummary {
  const info = adapter.info;
  const limits: Record<string, number> = {};
  for (const name of LIMITS_WE_RAISE) limits[name] = Number(adapter.limits[name]);
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.toLowerCase();
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isSoftware: text.includes('swiftshader') || text.includes('llvmpipe') || text.includes('lavapipe'),
    features: [...adapter.features].map(String).sort(),
    limits,
  };
}

export function adapterLabel(a: AdapterSummary): string {
  const parts = [a.vendor, a.architecture, a.device, a.description].filter((s) => s && s.length > 0);
  const unique = [...new Set(parts)];
  return (unique.join(' / ') || 'unknown adapter') + (a.isSoftware ? ' (software, CPU)' : '');
}

/**
 * Ask `gpu` for an adapter and a device with the adapter's largest buffer and
 * workgroup limits (the defaults are far below what real GPUs offer).
 */
export async function requestPinnDevice(
  gpu: GPU | undefined,
  options: { powerPreference?: GPUPowerPreference } = {},
): Promise<PinnDevice> {
  if (!gpu) {
    throw new WebGPUUnavailableError(
      'this environment has no navigator.gpu. Use a recent Chrome or Edge (WebGPU is on by default since version 113), ' +
        'or enable it at chrome://flags/#enable-unsafe-webgpu; Firefox needs dom.webgpu.enabled.',
    );
  }
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter) {
    throw new WebGPUUnavailableError(
      'no GPU adapter was found. The GPU may be blocklisted (chrome://gpu tells), or, on a machine without a GPU, ' +
        'start Chromium with --enable-unsafe-webgpu --use-webgpu-adapter=swiftshader.',
    );
  }
  const requiredLimits: Record<string, number> = {};
  for (const name of LIMITS_WE_RAISE) requiredLimits[name] = Number(adapter.limits[name]);
  const hasTimestamps = adapter.features.has('timestamp-query');
  const requiredFeatures: GPUFeatureName[] = hasTimestamps ? ['timestamp-query'] : [];
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  const summary = summarizeAdapter(adapter);
  adapters.set(device, summary);
  return { device, adapter: summary, hasTimestamps };
}

const adapters = new WeakMap<GPUDevice, AdapterSummary>();

/**
 * The one vocabulary of kernel variants, for the jets and the AD engine alike:
 * - 'tiled' (GPUs): workgroup tiles staged in shared memory;
 * - 'direct': each thread reads its own operands as scalars, no barriers;
 * - 'vec4' (CPU adapters such as SwiftShader, where a barrier costs far more than a cached
 *   load): direct, with the shapes that allow it blocked 4 x 4 per thread and read as vec4.
 * A family a kernel lacks falls back to 'direct' (the AD engine's element-wise ops have no tiles).
 */
export type KernelFamily = 'tiled' | 'direct' | 'vec4';

/** The variant a device gets by default, chosen here once: 'vec4' on a CPU adapter, 'tiled' on a GPU. */
export function preferredKernels(device: GPUDevice): 'tiled' | 'vec4' {
  return adapters.get(device)?.isSoftware ? 'vec4' : 'tiled';
}

/** Throw a DeviceLimitError naming the limit when a storage buffer of `bytes` would not fit. */
export function checkStorageBuffer(device: GPUDevice, bytes: number, what: string): void {
  const binding = device.limits.maxStorageBufferBindingSize;
  const size = device.limits.maxBufferSize;
  if (bytes > size) throw new DeviceLimitError('maxBufferSize', bytes, size, what);
  if (bytes > binding) throw new DeviceLimitError('maxStorageBufferBindingSize', bytes, binding, what);
}

export function createStorageBuffer(device: GPUDevice, bytes: number, what: string, extraUsage = 0): GPUBuffer {
  const size = Math.max(16, Math.ceil(bytes / 4) * 4);
  checkStorageBuffer(device, size, what);
  return device.createBuffer({
    label: what,
    size,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC | extraUsage,
  });
}

/** Copy a GPU buffer back to the CPU (one staging buffer, one map). */
export async function readBuffer(device: GPUDevice, buffer: GPUBuffer, bytes = buffer.size): Promise<Float32Array> {
  const staging = device.createBuffer({ size: bytes, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(buffer, 0, staging, 0, bytes);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange().slice(0));
  staging.unmap();
  staging.destroy();
  return out;
}
