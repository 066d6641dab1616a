/**
 * WGSL sources live in shaders/<layer>/*.wgsl (include-only libraries in shaders/lib/), each
 * registered under its file name without the extension (names are unique across folders). The browser build registers them through
 * Vite (src/platform/shaders-vite.ts), Node reads them from disk
 * (src/node/shaders-fs.ts); the engine only asks this registry.
 */
const sources = new Map<string, string>();
const paths = new Map<string, string>();

export function registerShader(name: string, source: string, path = `shaders/${name}.wgsl`): void {
  const known = paths.get(name);
  if (known !== undefined && known !== path) throw new Error(`two shaders are named '${name}': ${known} and ${path}`);
  sources.set(name, source);
  paths.set(name, path);
}

/** The file a registered shader came from (for compile-error messages). */
export function shaderPath(name: string): string {
  return paths.get(name) ?? `shaders/${name}.wgsl`;
}

export function shaderSource(name: string): string {
  const src = sources.get(name);
  if (src === undefined) {
    throw new Error(`shader '${name}' is not registered (known: ${[...sources.keys()].join(', ') || 'none'})`);
  }
  return src;
}

/** A shader's text with each `// #include other` line replaced by that shader's text. */
export function expandIncludes(name: string, seen: string[] = []): string {
  if (seen.includes(name)) throw new Error(`shader include cycle: ${[...seen, name].join(' -> ')}`);
  return shaderSource(name).replace(/^\/\/ #include (\w+)\s*$/gm, (_, inc: string) => expandIncludes(inc, [...seen, name]));
}

/** Replace every `{{NAME}}` in a template; a missing or unused parameter is an error. */
export function fillTemplate(name: string, params: Record<string, number | string>): string {
  const used = new Set<string>();
  const out = expandIncludes(name).replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    if (!(key in params)) throw new Error(`shader '${name}' needs template parameter ${key}`);
    used.add(key);
    return String(params[key]);
  });
  for (const key of Object.keys(params)) {
    if (!used.has(key)) throw new Error(`shader '${name}' has no template parameter ${key}`);
  }
  return out;
}
