/**
 * WGSL sources live in shaders/<layer>/*.wgsl (include-only libraries in shaders/lib/), each
 * registered under its file name without the extension (names are unique across folders). The browser build registers them through
 * Vite (src/platform/shaders-vite.ts), Node reads them from disk
 * (src/node/webgpu-node.ts); the engine only asks this registry.
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

/** Where a line of a shader's expanded text comes from: a file and a 1-based line in it. */
export interface SourceLine {
  path: string;
  line: number;
}

const INCLUDE = /^\/\/ #include (\w+)\s*$/;
const BLANK = /^\s*$/;

/**
 * The lines of a shader with its includes expanded, each with the file and line it came from.
 * An `// #include other` line, with the blank lines after it, becomes the lines of `other`
 * (expanded in turn).
 */
export function expandedLines(name: string, seen: string[] = []): { lines: string[]; from: SourceLine[] } {
  if (seen.includes(name)) throw new Error(`shader include cycle: ${[...seen, name].join(' -> ')}`);
  const path = shaderPath(name);
  const src = shaderSource(name).split('\n');
  const lines: string[] = [];
  const from: SourceLine[] = [];
  for (let i = 0; i < src.length; i++) {
    const inc = INCLUDE.exec(src[i]);
    if (!inc) {
      lines.push(src[i]);
      from.push({ path, line: i + 1 });
      continue;
    }
    const sub = expandedLines(inc[1], [...seen, name]);
    lines.push(...sub.lines);
    from.push(...sub.from);
    while (i + 1 < src.length && BLANK.test(src[i + 1])) i++;
  }
  return { lines, from };
}

/** A shader's text with each `// #include other` line (and the blank lines after it) replaced by that shader's text. */
export function expandIncludes(name: string, seen: string[] = []): string {
  return expandedLines(name, seen).lines.join('\n');
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

/**
 * Where line `line` (1-based) of `fillTemplate(name, params)` came from, as "file:line": the
 * shader's own file or the library it `// #include`s. A parameter value with newlines adds
 * lines; a line from inside one reads "file:line {{NAME}}:k", the k-th line of NAME's value
 * substituted at file:line (its column, like every column, is of the filled line).
 */
export function templateLineOf(name: string, params: Record<string, number | string>): (line: number) => string {
  let filled: string[] | undefined;
  return (line) => {
    if (!filled) {
      filled = [];
      const { lines, from } = expandedLines(name);
      lines.forEach((text, i) => {
        const at = `${from[i].path}:${from[i].line}`;
        filled!.push(at);
        // each newline of a substituted value starts a line of that value
        for (const m of text.matchAll(/\{\{(\w+)\}\}/g)) {
          const breaks = String(params[m[1]] ?? '').split('\n').length - 1;
          for (let k = 2; k <= breaks + 1; k++) filled!.push(`${at} {{${m[1]}}}:${k}`);
        }
      });
    }
    if (line < 1) return shaderPath(name);
    return filled[line - 1] ?? `${shaderPath(name)} (line ${line} of the filled text)`;
  };
}
