/** Browser build: every WGSL file under shaders/ bundled as text by Vite and registered for the engine. */
import { registerShader } from '../engine/gpu/shaders';

const modules = import.meta.glob('/shaders/**/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

export function registerBundledShaders(): void {
  for (const [path, source] of Object.entries(modules)) {
    const name = path.slice(path.lastIndexOf('/') + 1).replace(/\.wgsl$/, '');
    registerShader(name, source, path.slice(1));
  }
}
