import { readFileSync, writeFileSync } from 'node:fs';
import { InputError, shownValue } from '../engine/errors';

export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read ${what} file '${shownValue(path, 120)}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${what} file '${shownValue(path, 120)}' is not valid JSON: ${(e as Error).message}`);
  }
}

/** Write a file the user named: any failure (no such folder, a folder, no permission, a name too long) is one line naming it. */
export function writeUserFile(path: string, text: string, what: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const reasons: Record<string, string> = { ENOENT: 'its folder does not exist', EISDIR: 'it is a folder', EACCES: 'permission denied', EPERM: 'not permitted', ENAMETOOLONG: 'the name is too long', EROFS: 'read-only file system', ENOSPC: 'no space left' };
    const name = path.length > 80 ? `${path.slice(0, 80)}…` : path;
    throw new InputError(`cannot write the ${what} file ${JSON.stringify(name)}: ${reasons[err.code ?? ''] ?? err.code ?? String(e)}`);
  }
}

/** An array of points, each an array of d finite numbers, flattened to [B][d]. */
export function parsePoints(json: unknown, d: number, what = 'points'): Float32Array {
  if (!Array.isArray(json) || json.length === 0) throw new InputError(`${what} must be a non-empty array of points`);
  const out = new Float32Array(json.length * d);
  json.forEach((p: unknown, i: number) => {
    if (!Array.isArray(p)) throw new InputError(`${what}[${i}] must be an array of ${d} numbers`);
    if (p.length !== d) throw new InputError(`${what}[${i}] has ${p.length} coordinates but the model's input dimension is ${d}`);
    p.forEach((v: unknown, j: number) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(`${what}[${i}][${j}] must be a finite number`);
      out[i * d + j] = v;
    });
  });
  return out;
}

/** A direction: one array of d numbers (shared by every point) or one per point. */
export function parseDirection(json: unknown, d: number, batch: number): { values: Float32Array; shared: boolean } {
  if (Array.isArray(json) && json.length > 0 && Array.isArray(json[0])) {
    if (json.length !== batch) throw new InputError(`direction file has ${json.length} directions but there are ${batch} points`);
    return { values: parsePoints(json, d, 'direction'), shared: false };
  }
  if (!Array.isArray(json)) throw new InputError(`direction must be an array of ${d} numbers, or one such array per point`);
  return { values: parsePoints([json], d, 'direction'), shared: true };
}
