/** Node access to WebGPU through Dawn (the `webgpu` package), and the WGSL sources from disk. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create, globals } from 'webgpu';
import { requestPinnDevice, type PinnDevice } from '../engine/gpu/gpu';
import { registerShader } from '../engine/gpu/shaders';

export const SHADER_DIR = process.env.PINN_SHADER_DIR ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shaders');

let shadersLoaded = false;
export function loadShadersFromDisk(dir = SHADER_DIR): void {
  if (shadersLoaded) return;
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (f.endsWith('.wgsl')) registerShader(basename(f, '.wgsl'), readFileSync(join(dir, f), 'utf8'), `shaders/${f.replaceAll('\\', '/')}`);
  }
  shadersLoaded = true;
}

let gpuInstance: GPU | null = null;

/** A WebGPU device in Node: the real GPU where Vulkan finds one, else SwiftShader (see scripts/with-webgpu.sh). */
export async function nodeDevice(): Promise<PinnDevice> {
  loadShadersFromDisk();
  Object.assign(globalThis, globals);
    // Dawn rounds timestamps to ~65 us by default (a browser privacy measure); benchmarks need them exact.
  gpuInstance ??= create(['disable-dawn-features=timestamp_quantization']) as unknown as GPU;
  return requestPinnDevice(gpuInstance);
}

/** Drop the Dawn instance so Node can exit. */
export function releaseNodeGpu(): void {
  gpuInstance = null;
}
