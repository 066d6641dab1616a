/** Problem files on the command line: read one (its data files next to it), compile it, register it for the spec. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError, shownValue } from '../engine/errors';
import { compileProblemText, type CompiledProblem } from '../engine/equations/problem-file';
import { registerProblem } from '../engine/problems';
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

/** Read and compile a problem file (throws InputError/EquationError with the file, field and position). */
export function loadProblemFile(path: string, params: Record<string, number> = {}): CompiledProblem {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read the problem file '${shownValue(path, 120)}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return compileProblemText(text, { file: path, parameters: params, readFile: (name) => readFileSync(join(dirname(path), name), 'utf8') });
}

/** Load a problem file and make its id a problem the spec knows (returns the id). */
export function openProblemFile(path: string, params: Record<string, number> = {}): CompiledProblem {
  const compiled = loadProblemFile(path, params);
  compiled.problem.file = path;
  checkProblemDefaults(compiled.problem);
  try {
    registerProblem(compiled.problem, { replaceShipped: true });
  } catch (e) {
    throw new InputError(`${path}: ${(e as Error).message}`);
  }
  return compiled;
}
