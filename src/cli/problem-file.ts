/** Problem files on the command line: read one (its data files next to it), compile it, register it for the spec. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError, shownValue } from '../engine/errors';
import { compileHighDim, isHighDimFile, type HighDimCompiled } from '../engine/equations/highdim-file';
import { compileProblemText, type CompiledProblem } from '../engine/equations/problem-file';
import { registerHighDimProblem, registerProblem } from '../engine/problems';
import { checkProblemDefaults } from '../engine/spec/experiment';

/** `--param a=0.7,nu=0.01` as numbers by name. */
export function parseParams(raw: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (!raw) return out;
  for (const item of raw.split(',')) {
    const m = /^\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*(\S+)\s*$/.exec(item);
    const v = m ? Number(m[2]) : NaN;
    if (!m || !Number.isFinite(v)) throw new InputError(`--param takes name=number pairs separated by commas, got '${shownValue(item)}'`);
    out[m[1]] = v;
  }
  return out;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read the problem file '${shownValue(path, 120)}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** The document when it is a high-dimensional problem file (it has a model u = G + F N), else null. */
function highDimDocument(text: string): unknown {
  try {
    const json: unknown = JSON.parse(text);
    return isHighDimFile(json) ? json : null;
  } catch {
    return null; // the general compiler reports the JSON error
  }
}

/** Read and compile a problem file (throws InputError/EquationError with the file, field and position). */
export function loadProblemFile(path: string, params: Record<string, number> = {}): { kind: 'pde'; compiled: CompiledProblem } | { kind: 'highdim'; compiled: HighDimCompiled } {
  const text = readText(path);
  const hd = highDimDocument(text);
  if (hd !== null) {
    try {
      return { kind: 'highdim', compiled: compileHighDim(hd, { file: path, parameters: params }) };
    } catch (e) {
      // a dimension outside the file's range is the user's input too
      if (e instanceof RangeError) throw new InputError(`${path}: ${e.message}`);
      throw e;
    }
  }
  return { kind: 'pde', compiled: compileProblemText(text, { file: path, parameters: params, readFile: (name) => readFileSync(join(dirname(path), name), 'utf8') }) };
}

/** Load a problem file and make its id a problem the spec knows (returns the id). */
export function openProblemFile(path: string, params: Record<string, number> = {}): string {
  const loaded = loadProblemFile(path, params);
  try {
    if (loaded.kind === 'highdim') registerHighDimProblem(loaded.compiled.problem, { replaceShipped: true });
    else {
      loaded.compiled.problem.file = path;
      checkProblemDefaults(loaded.compiled.problem);
      registerProblem(loaded.compiled.problem, { replaceShipped: true });
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${path}: ${(e as Error).message}`);
  }
  return loaded.compiled.problem.id;
}
