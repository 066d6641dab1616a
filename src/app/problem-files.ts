/**
 * Problem files in the app: the files the user picked or dropped (one problem file, JSON, and
 * the CSV data files it names) are read, compiled by the engine (equations/problem-file.ts),
 * checked against their exact solution (equations/validate.ts) and registered as a problem
 * (problems/index.ts), which the Train view then selects like any shipped one. One zustand
 * store holds what the last attempt gave (shown next to the problem chooser) and which
 * problems were opened. Nothing is lost on an error: the current problem and settings stay.
 */
import { create } from 'zustand';
import { compileHighDim, isHighDimFile, type HighDimCompiled } from '../engine/equations/highdim-file';
import { compileProblemText, type CompiledProblem } from '../engine/equations/problem-file';
import { EXACT_TOLERANCE, validateProblem } from '../engine/equations/validate';
import { problemById, registerHighDimProblem, registerProblem } from '../engine/problems';
import { problemDefaultsPatch, specFromParams, type TrainSpec } from '../engine/spec/experiment';
import { useExperiment } from './experiment-store';
import { forgetRun } from './run-memory';
import { readHash } from './settings';

/** What the exact-solution check found, per term (null checks: the file gives no exact solution). */
export interface CheckSummary {
  ok: boolean;
  checks: { name: string; largest: number; pass: boolean }[] | null;
  skipped: string[];
  /** The check itself failed (an exception): why. */
  error?: string;
}

export interface OpenedProblem {
  id: string;
  title: string;
  /** The problem file's name and the data files given with it. */
  file: string;
  dataFiles: string[];
  terms: number;
  /** The L2 error can be measured (an exact solution or a reference table). */
  measured: boolean;
  check: CheckSummary;
  /** This id was open before and is now replaced. */
  replaced: boolean;
  /** The view that trains it: Train, or High dimension for a file with a model u = G + F N. */
  view: 'train' | 'highdim';
}

export type OpenResult = { kind: 'opened'; opened: OpenedProblem } | { kind: 'error'; title: string; message: string };

export interface ProblemFileStore {
  busy: boolean;
  /** The last attempt's outcome, until dismissed or the next attempt. */
  result: OpenResult | null;
  /** Each opened id's registrations: reopening a file bumps it, so the Train view rebuilds its trainer. */
  revisions: Record<string, number>;
  opened: Record<string, OpenedProblem>;
  dismiss: () => void;
}

export const useProblemFiles = create<ProblemFileStore>((set) => ({
  busy: false,
  result: null,
  revisions: {},
  opened: {},
  dismiss: () => set({ result: null }),
}));

/** Files larger than this are refused before reading (a file at FILE_LIMITS' 100 000 rows is a few MB). */
const MAX_BYTES = 32 * 2 ** 20;

/** The link the page was opened with: an opened file whose id it names gets its settings back. */
const LINK = readHash();
const LINK_PDE = LINK.view === 'train' || LINK.view === '' ? LINK.params.get('pde') : null;
let linkRestored = false;

/**
 * For a link naming a problem the playground does not know (one opened from a file: files stay
 * on the user's computer, so a reload cannot find it), the notice saying how to get it back.
 */
export function linkProblemHint(): string | null {
  if (LINK_PDE === null || linkRestored || problemById(LINK_PDE)) return null;
  const id = LINK_PDE.slice(0, 40);
  return `If '${id}' was opened from a problem file: the file stays on your computer, so open it again (Open a problem file…, or drop it on the page) and the link's settings come back.`;
}

const extension = (name: string) => /\.([^.]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
const listed = (names: string[]) => names.join(', ');

/**
 * Compile the problem among `files` (name and text), its data files read from the others by
 * name. A pure step (no registration): an error result says what to fix or which file to add.
 */
export function compileFiles(files: readonly { name: string; text: string }[]): { compiled: CompiledProblem; file: string; dataFiles: string[] } | { title: string; message: string } {
  const problems = files.filter((f) => extension(f.name) === 'json');
  const data = new Map(files.filter((f) => extension(f.name) === 'csv').map((f) => [f.name, f.text]));
  if (problems.length === 0) {
    return { title: 'No problem file', message: `${listed(files.map((f) => f.name))}: a problem file (.json) is needed; choose or drop it together with its data files (.csv).` };
  }
  if (problems.length > 1) {
    return { title: 'One problem file at a time', message: `${listed(problems.map((f) => f.name))} are all problem files (.json); open one, with the data files (.csv) it names.` };
  }
  const [problem] = problems;
  const missing: string[] = [];
  const readFile = (name: string) => {
    const text = data.get(name);
    if (text !== undefined) return text;
    missing.push(name);
    throw new Error(`it was not given; add ${name} (choose or drop it together with ${problem.name})`);
  };
  try {
    return { compiled: compileProblemText(problem.text, { file: problem.name, readFile }), file: problem.name, dataFiles: [...data.keys()] };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (missing.length) return { title: `Add ${listed(missing)}: ${problem.name} reads ${missing.length > 1 ? 'them' : 'it'}. Choose or drop ${missing.length > 1 ? 'them' : 'it'} together with ${problem.name}.`, message };
    return { title: `${problem.name} could not be opened:`, message };
  }
}

/** The exact-solution check, shortened for the view. */
export function checkSummary(compiled: CompiledProblem): CheckSummary {
  try {
    const v = validateProblem(compiled);
    return { ok: v.ok, checks: v.checks?.map((c) => ({ name: c.name, largest: c.largest, pass: c.largest <= EXACT_TOLERANCE })) ?? null, skipped: v.skipped };
  } catch (e) {
    return { ok: false, checks: null, skipped: [], error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Open the picked or dropped files: read, compile, check, register, and select the problem in
 * the Train view (its own defaults for the network, steps and points; the method, seed and the
 * other settings stay). Resolves with the outcome, which the store also holds.
 */
export async function openProblemFiles(list: readonly File[]): Promise<OpenResult> {
  const store = useProblemFiles;
  const finish = (result: OpenResult) => {
    store.setState({ busy: false, result });
    return result;
  };
  const files = [...list];
  if (files.length === 0) return finish({ kind: 'error', title: 'No files', message: 'Nothing was given: choose or drop a problem file (.json) and its data files (.csv).' });
  const others = files.filter((f) => !['json', 'csv'].includes(extension(f.name)));
  if (others.length) return finish({ kind: 'error', title: 'Not a problem or data file', message: `${listed(others.map((f) => f.name))}: only a problem file (.json) and its data files (.csv) can be opened.` });
  const large = files.filter((f) => f.size > MAX_BYTES);
  if (large.length) return finish({ kind: 'error', title: 'File too large', message: `${listed(large.map((f) => `${f.name} (${(f.size / 2 ** 20).toFixed(0)} MB)`))}: a problem or data file may be at most ${MAX_BYTES / 2 ** 20} MB.` });
  store.setState({ busy: true, result: null });
  let texts: { name: string; text: string }[];
  try {
    texts = await Promise.all(files.map(async (f) => ({ name: f.name, text: await f.text() })));
  } catch (e) {
    return finish({ kind: 'error', title: 'The files could not be read', message: e instanceof Error ? e.message : String(e) });
  }
  const hd = highDimFile(texts);
  if (hd) return finish(openHighDim(hd));
  const out = compileFiles(texts);
  if (!('compiled' in out)) return finish({ kind: 'error', ...out });
  const { problem } = out.compiled;
  try {
    registerProblem(problem);
  } catch (e) {
    return finish({ kind: 'error', title: `${out.file} could not be opened:`, message: `${out.file}: ${e instanceof Error ? e.message : String(e)}` });
  }
  const { revisions, opened } = store.getState();
  const replaced = problem.id in revisions;
  const info: OpenedProblem = {
    id: problem.id,
    title: problem.title,
    file: out.file,
    dataFiles: out.dataFiles,
    terms: problem.terms.length,
    measured: out.compiled.exact !== null || out.compiled.file.reference !== undefined,
    check: checkSummary(out.compiled),
    replaced,
    view: 'train',
  };
  // a reopened file keeps its id: its remembered run belongs to the old problem
  if (replaced) forgetRun();
  store.setState({ revisions: { ...revisions, [problem.id]: (revisions[problem.id] ?? 0) + 1 }, opened: { ...opened, [problem.id]: info } });
  selectProblem(problem.id);
  return finish({ kind: 'opened', opened: info });
}

/** The one problem file among `files` when it is a high-dimensional one (it has a model), else null. */
function highDimFile(files: readonly { name: string; text: string }[]): { name: string; json: unknown } | null {
  const json = files.filter((f) => extension(f.name) === 'json');
  if (json.length !== 1) return null;
  try {
    const doc: unknown = JSON.parse(json[0].text);
    return isHighDimFile(doc) ? { name: json[0].name, json: doc } : null;
  } catch {
    return null;
  }
}

/** Compile, check and register a high-dimensional file, and select it in the High dimension view. */
function openHighDim({ name, json }: { name: string; json: unknown }): OpenResult {
  let compiled: HighDimCompiled;
  try {
    compiled = compileHighDim(json, { file: name });
    registerHighDimProblem(compiled.problem);
  } catch (e) {
    return { kind: 'error', title: `${name} could not be opened:`, message: e instanceof Error ? e.message : String(e) };
  }
  const { problem } = compiled;
  let check: CheckSummary;
  try {
    const r = compiled.checkExact();
    const largest = r ? r.maxResidual / Math.max(1, r.scale) : 0;
    check = { ok: largest <= EXACT_TOLERANCE, checks: r ? [{ name: 'equation', largest, pass: largest <= EXACT_TOLERANCE }] : null, skipped: [] };
  } catch (e) {
    check = { ok: false, checks: null, skipped: [], error: e instanceof Error ? e.message : String(e) };
  }
  const { revisions, opened } = useProblemFiles.getState();
  const replaced = problem.id in revisions;
  const info: OpenedProblem = { id: problem.id, title: problem.title, file: name, dataFiles: [], terms: 1, measured: check.checks !== null, check, replaced, view: 'highdim' };
  if (replaced) forgetRun();
  useProblemFiles.setState({ revisions: { ...revisions, [problem.id]: (revisions[problem.id] ?? 0) + 1 }, opened: { ...opened, [problem.id]: info } });
  useExperiment.getState().update('highdim', { pde: problem.id });
  return { kind: 'opened', opened: info };
}

/** Select an opened problem in the Train view: the link's settings when the page's link named it, else its own defaults. */
function selectProblem(id: string): void {
  if (id === LINK_PDE && !linkRestored) {
    linkRestored = true;
    const link = specFromParams('train', LINK.params);
    useExperiment.setState((s) => ({ train: link.values, notices: { ...s.notices, train: link.notices } }));
    return;
  }
  const patch = { ...problemDefaultsPatch('train', id), pde: id, weights: '' } as Partial<TrainSpec>;
  useExperiment.getState().update('train', patch);
}
