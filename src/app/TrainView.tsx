import { useEffect, useMemo, useRef, useState } from 'react';
import type { PinnDevice } from '../engine/gpu/gpu';
import { problemById } from '../engine/problems';
import { ALL_TRAIN_METHODS, PinnTrainer, type TrainMethod, type TrainRecord } from '../engine/train/trainer';
import { PHASE_NAMES, type Interrupt, type RunPhase } from '../engine/train/run';
import { downloadText } from './download';
import { namedSchedule } from '../engine/train/schedule';
import { stepText } from './step-text';
import { appliesTo, compareMethodsFromParam, compareMethodsParam, fieldsFor, specDefaults, specToCli, specToParams, trainSetup, type TrainSpec } from '../engine/spec/experiment';
import { CostPanel } from './CostPanel';
import type { Activation } from '../engine/model/mlp';
import { useExperiment } from './experiment-store';
import { MathML } from './MathML';
import { describeUnknowns, periodicAxes, timeAxis, type PdeProblem } from '../engine/problems/types';
import { ChoiceField, CommandLine, IntField, Notices, ScheduleField, SettingField, TextField } from './fields';
import { allMethods } from '../engine/methods/registry';
import type { Field } from '../engine/spec/fields';
import { Plot } from './Plot';
import { hiddenControls, readHash, writeHash } from './settings';
import { forgetRun, freshMemory, rememberRecord, resumeMessage, useRunMemory } from './run-memory';
import { simulateDeviceLoss } from './gpu-session';
import { OpenProblemButton, ProblemFilePanel } from './ProblemFiles';
import { linkProblemHint, useProblemFiles } from './problem-files';

type TrainValues = TrainSpec;

/** Controls a classroom link hides (classroom=1); hide=a,b hides any. */
const ADVANCED: readonly string[] = ['width', 'depth', 'activation', 'lr', 'points', 'resample', 'seed', 'sampling', 'lbfgs', 'lm', 'schedule', 'weights'];

/** What each derivative method computes and costs, in a sentence or two. */
const METHOD_EXPLAINED: Record<TrainMethod, string> = {
  taylor:
    'Taylor jets (n-TangentProp) push the whole series u, u′, …, u⁽ⁿ⁾ through the network in one pass per direction; the cost grows linearly with the order n. The gradient for Adam comes from one hand-written backward pass through the jets.',
  ad: 'Stacked automatic differentiation (what PyTorch or JAX users write): the n-th derivative is the gradient of the (n−1)-th, so each order differentiates the whole graph of the previous ones; the work grows about threefold per order.',
  fd: 'Finite differences evaluate the plain network at shifted points and combine the values with stencil weights: cheap and simple, but with a truncation error and a step size to choose.',
  stde: 'STDE (stochastic Taylor derivative estimator) replaces a Laplacian’s d second-order jets by B random ones per point: B coordinates scaled by d/B (sparse) or B random ±1 directions (dense); an operator’s terms (biharmonic-nd’s ∂ᵢ⁴ and ∂ᵢ²∂ⱼ²) by B drawn per point in proportion to their coefficients. Unbiased, and its cost does not grow with d; the price is noise in the loss.',
  stein: 'Stein’s estimator trains the Gaussian-smoothed network E g(x + e): its derivatives (orders 0 to 2, a Laplacian in one go) are weighted averages of plain evaluations at random shifts x ± e, so only first-order back-propagation is needed; the price is Monte Carlo noise and an O(σ²) smoothing bias.',
};

/** Ready-made demos (a teacher's starting points); each sets a few settings, the rest keep their defaults. */
const PRESETS: { name: string; values: Record<string, string | number> }[] = [
  { name: 'A first PINN: Poisson 1-D', values: { pde: 'poisson-1d', method: 'taylor', lbfgs: 200 } },
  { name: 'Third order, nonlinear: KdV soliton', values: { pde: 'kdv-1d', method: 'taylor' } },
  { name: 'Fourth order: a beam (AD nests four gradients)', values: { pde: 'beam-1d', method: 'ad' } },
  { name: 'Exact boundary: Poisson 2-D with a hard transform', values: { pde: 'poisson-2d', hard: 'on' } },
  { name: 'Ten dimensions: Poisson with Sobol points', values: { pde: 'poisson-nd', dim: 10, sampling: 'sobol' } },
  { name: 'Learn an exponent: self-similar Burgers, k = 0', values: { pde: 'burgers-selfsimilar', k: 0, steps: 1000, lm: 300 } },
  { name: 'Higher smoothness: self-similar Burgers, k = 1', values: { pde: 'burgers-selfsimilar', k: 1, steps: 1000, lm: 300 } },
  { name: 'Order 7 smoothness: self-similar Burgers, k = 2', values: { pde: 'burgers-selfsimilar', k: 2, steps: 1000, lm: 300 } },
  { name: 'Order 9 smoothness: self-similar Burgers, k = 3', values: { pde: 'burgers-selfsimilar', k: 3, steps: 1000, lm: 400 } },
  { name: 'A hard case for plain PINNs: wave 1-D', values: { pde: 'wave-1d' } },
  { name: 'Forward passes only: Stein’s estimator on Poisson sin(Σx), 10-D', values: { pde: 'poisson-sin', dim: 10, method: 'stein' } },
  { name: 'Random jets: STDE on Poisson 50-D, 8 jets per point', values: { pde: 'poisson-nd', dim: 50, method: 'stde', randBatch: 8 } },
  { name: 'Fourth order in 5-D: biharmonic, 4 of its 15 terms drawn per point (STDE)', values: { pde: 'biharmonic-nd', dim: 5, method: 'stde', randBatch: 4 } },
];

const STEPS_PER_FRAME = 5;
const METHOD_NAMES: Record<TrainMethod, string> = { taylor: 'Taylor jets (nTP)', ad: 'stacked AD', fd: 'finite differences', stde: 'STDE (random jets)', stein: 'Stein (Gaussian shifts)' };
const COMPARE_STEPS = 500;
const COMPARE_LAYOUT = { title: { text: 'Same seed, each derivative method: error against wall time' }, xaxis: { title: { text: 'seconds' } }, yaxis: { type: 'log', title: { text: 'L2 relative error' } }, legend: { orientation: 'h', y: -0.28 } };
const LOG_EVERY = 50;

/** Train a PINN live: play/pause/step/reset, loss and error curves, prediction against the exact solution. */
export function TrainView({ gpu }: { gpu: PinnDevice }) {
  const linkNotices = useExperiment((s) => s.notices.train);
  // classroom flags stay in the link as it changes
  const flags = useMemo(() => {
    const p = readHash().params;
    return { classroom: p.get('classroom'), hide: p.get('hide'), hidden: hiddenControls(p, ADVANCED), compare: compareMethodsFromParam(p.get('compare')) };
  }, []);
  const shown = (key: string) => !flags.hidden.has(key);
  const [compareSet, setCompareSet] = useState<TrainMethod[]>(flags.compare.methods);
  const values = useExperiment((s) => s.train);
  // a link naming a problem opened from a file (unknown after a reload) says how to get it back
  const fileHint = linkProblemHint();
  const notices = useMemo(() => [...linkNotices, ...(flags.compare.notice ? [flags.compare.notice] : []), ...(fileHint ? [fileHint] : [])], [linkNotices, flags, fileHint]);
  // an opened problem file: reopening it (same id) rebuilds the trainer; without an exact solution no error is measured
  const revision = useProblemFiles((s) => s.revisions[values.pde] ?? 0);
  const opened = useProblemFiles((s) => s.opened[values.pde]);
  const [generation, setGeneration] = useState(0);
  const [history, setHistory] = useState<TrainRecord[]>([]);
  const [prediction, setPrediction] = useState<Float32Array | null>(null);
  const [residual, setResidual] = useState<{ x: number[]; y: number[] } | null>(null);
  const [profile, setProfile] = useState<{ phase: string; ms: number }[] | null>(null);
  const [slice, setSlice] = useState<{ s: number[]; u: Float32Array; exact: number[] } | null>(null);
  const [running, setRunning] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const trainerRef = useRef<PinnTrainer | null>(null);
  const lbfgsDone = useRef(false);
  const [phase, setPhase] = useState<string | null>(null);
  const runningRef = useRef(false);
  const clock = useRef({ start: 0, elapsed: 0 });
  const fields = fieldsFor('train', values.pde);
  const ranges = problemById(values.pde)?.paramRanges ?? {};
  // the trainer depends on every setting but the L-BFGS phase (which runs after Adam)
  const trainerKey = specToParams('train', { ...values, lbfgs: 0, lm: 0 }).toString();
  const setup = useMemo(() => {
    try {
      return { ...trainSetup(values), error: null };
    } catch (e) {
      return { problem: problemById(values.pde)!, config: null, lbfgs: 0, error: e instanceof Error ? e.message : String(e) };
    }
  }, [trainerKey, revision]);
  const problem = setup.problem;
  useEffect(() => {
    const p = specToParams('train', values);
    if (flags.classroom) p.set('classroom', flags.classroom);
    if (flags.hide) p.set('hide', flags.hide);
    const ticks = compareMethodsParam(compareSet);
    if (ticks !== null) p.set('compare', ticks);
    writeHash('train', p);
  }, [values, flags, compareSet]);

  // a new trainer whenever a setting changes (the run restarts from the seed)
  useEffect(() => {
    runningRef.current = false;
    setRunning(false);
    setHistory([]);
    setMessage(null);
    setPhase(null);
    setProfile(null);
    setResidual(null);
    lbfgsDone.current = false;
    clock.current = { start: 0, elapsed: 0 };
    let trainer: PinnTrainer | null = null;
    try {
      if (!setup.config) throw new Error(setup.error ?? 'invalid settings');
      trainer = new PinnTrainer(gpu.device, problem, { ...setup.config, logEvery: LOG_EVERY });
      trainerRef.current = trainer;
      // same settings as the remembered run (a new device after a loss, or back from another
      // view): continue it where it was logged last; Reset forgets it
      const mem = useRunMemory.getState();
      if (mem.key === trainerKey && mem.params) {
        trainer.restore(mem.step, mem.params, mem.unknownRaw);
        // the L-BFGS/LM phases already ran when the history goes past Adam's last step
        lbfgsDone.current = (mem.history.at(-1)?.step ?? 0) > mem.step;
        setHistory(mem.history);
        clock.current = { start: 0, elapsed: mem.elapsed };
        setMessage(resumeMessage(mem, gpu.device));
      } else useRunMemory.setState(freshMemory(trainerKey, gpu.device));
      void trainer.predictTest().then(setPrediction);
      setSlice(null);
      if (problem.dim > 2) void sliceOf(trainer).then(setSlice);
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e));
    }
    return () => {
      runningRef.current = false;
      trainer?.destroy();
      if (trainerRef.current === trainer) trainerRef.current = null;
    };
  }, [gpu, setup, generation]);

  /** Draw a record (the prediction, slice and residual with it) and keep it in the run's memory. */
  const show = async (t: PinnTrainer, record: TrainRecord) => {
    const u = await t.predictTest();
    const slice = t.problem.dim > 2 ? await sliceOf(t) : null;
    const residual = t.problem.dim === 1 ? await residualOf(t) : null;
    // a setting changed (or Reset) while this was read: that run is gone, keep its record out
    if (trainerRef.current !== t) return;
    setPrediction(u);
    if (slice) setSlice(slice);
    if (residual) setResidual(residual);
    setHistory((h) => [...h, record]);
    await remember(t, record);
  };
  /** Keep the run's parameters and history outside the view (run-memory): a lost device or a visit to another view continues from here. */
  const remember = async (t: PinnTrainer, record: TrainRecord) => {
    const snap = await t.snapshot();
    if (trainerRef.current === t) rememberRecord(useRunMemory, trainerKey, snap, record, gpu.device);
  };

  /**
   * Train with the one run loop (PinnTrainer.run): Adam to `steps`, STEPS_PER_FRAME steps a
   * frame, then the quasi-Newton phases asked for. The view draws each record, shows the phases'
   * progress, and shows each divergence's notice (the run loop has put back the last good
   * parameters and halved the learning rate, or, at the last, stopped with them).
   */
  const train = async (t: PinnTrainer, steps: number, phases: { lbfgs: number; lm: number }, interrupt: () => Interrupt) => {
    const c = clock.current;
    const summary: { iterations: number; text: string }[] = [];
    let now: RunPhase = 'adam';
    let start = t.step; // the first step a quasi-Newton phase's iterations count on from
    let diverged = false;
    try {
      await t.run(undefined, Infinity, {
        steps,
        ...phases,
        pace: {
          every: STEPS_PER_FRAME,
          wait: async () => {
            await gpu.device.queue.onSubmittedWorkDone();
            await new Promise((r) => requestAnimationFrame(() => r(null)));
          },
        },
        interrupt,
        onEvent: async (e) => {
          if (trainerRef.current !== t) return false;
          if (e.type === 'record') await show(t, { ...e.record, seconds: c.elapsed + e.record.seconds });
          else if (e.type === 'divergence') {
            diverged = true;
            setMessage(e.notice.message);
          } else if (e.type === 'phase' && e.phase !== 'adam') {
            now = e.phase;
            lbfgsDone.current = true;
            start = t.step + summary.reduce((a, s) => a + s.iterations, 0);
            if (!diverged) setMessage(null);
          } else if (e.type === 'iteration' && e.iteration % 10 === 0) {
            setPhase(`${PHASE_NAMES[e.phase]} iteration ${e.iteration} of ${e.iterations}: loss ${e.loss.toExponential(3)}`);
            if (e.unknowns.length) {
              // λ's trajectory goes on through the phase (the L2 error is measured at its end)
              const seconds = c.elapsed + (performance.now() - c.start) / 1000;
              setHistory((h) => [...h, { step: start + e.iteration, seconds, loss: e.loss, l2re: NaN, unknowns: e.unknowns }]);
            }
          } else if (e.type === 'phase-end') {
            summary.push({ iterations: e.report.iterations, text: `${PHASE_NAMES[e.phase]}: ${e.report.iterations} iterations, ${e.report.reason}` });
            setPhase(summary.map((s) => s.text).join(' · '));
          }
        },
      });
    } catch (e) {
      // e.g. a device lost mid-burst: the run's state up to its last record is kept (run-memory)
      if (trainerRef.current !== t) return;
      const names = now === 'adam' ? 'Training' : [phases.lbfgs > 0 ? PHASE_NAMES.lbfgs : '', phases.lm > 0 ? PHASE_NAMES.lm : ''].filter(Boolean).join(' / ');
      setMessage(`${names} stopped: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const play = async () => {
    const t = trainerRef.current;
    if (!t || runningRef.current || comparingRef.current) return;
    runningRef.current = true;
    setRunning(true);
    // this run's clock: a settings change or Reset gives the next run a new one mid-await
    const c = clock.current;
    c.start = performance.now();
    if (t.step < values.steps) setPhase(null);
    // the quasi-Newton phases after Adam, once: L-BFGS, then Levenberg–Marquardt (Taylor jets or stacked AD)
    const phases = lbfgsDone.current ? { lbfgs: 0, lm: 0 } : { lbfgs: values.lbfgs, lm: appliesTo(fields.lm, values.method) ? values.lm : 0 };
    await train(t, values.steps, phases, () => (trainerRef.current !== t ? 'abandon' : runningRef.current ? null : 'stop'));
    c.elapsed += (performance.now() - c.start) / 1000;
    // a replaced trainer's loop leaves the new run's flags alone
    if (trainerRef.current !== t) return;
    runningRef.current = false;
    setRunning(false);
  };
  const pause = () => {
    runningRef.current = false;
  };
  const stepOnce = async () => {
    const t = trainerRef.current;
    if (!t || runningRef.current || comparingRef.current || t.step >= values.steps) return;
    clock.current.start = performance.now();
    await train(t, t.step + 1, { lbfgs: 0, lm: 0 }, () => (trainerRef.current !== t ? 'abandon' : null));
    clock.current.elapsed += (performance.now() - clock.current.start) / 1000;
  };
  const reset = () => {
    forgetRun();
    setGeneration((g) => g + 1);
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.code !== 'Space' || (e.target instanceof HTMLElement && ['INPUT', 'SELECT', 'TEXTAREA', 'BUTTON'].includes(e.target.tagName))) return;
      e.preventDefault();
      if (runningRef.current) pause();
      else void play();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const [comparison, setComparison] = useState<{ method: TrainMethod; history: TrainRecord[]; error?: string; stop?: string }[] | null>(null);
  const [comparing, setComparing] = useState<string | null>(null);
  /** Set while Compare runs: Play, Step and the space bar wait (a second run would skew its timings). */
  const comparingRef = useRef(false);
  /** Both methods from the same seed and points, one after the other, for the same number of steps. */
  const compare = async () => {
    if (comparingRef.current) return;
    pause();
    comparingRef.current = true;
    try {
      await compareMethods();
    } catch (e) {
      setMessage(`Compare stopped: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      comparingRef.current = false;
      setComparing(null);
    }
  };
  const compareMethods = async () => {
    const steps = Math.min(values.steps, COMPARE_STEPS);
    const runs: { method: TrainMethod; history: TrainRecord[]; error?: string; stop?: string }[] = [];
    for (const method of ALL_TRAIN_METHODS.filter((m) => compareSet.includes(m))) {
      setComparing(`${method}: warming up (shader compilation is not timed)…`);
      const make = (n: number) =>
        new PinnTrainer(gpu.device, problem, {
          ...trainSetup({ ...values, method }).config,
          steps: n,
          logEvery: Math.max(1, Math.round(n / 10)),
          schedule: namedSchedule('exponential'),
        });
      let t: PinnTrainer;
      try {
        t = make(steps);
      } catch (e) {
        // a method this problem cannot use (e.g. STDE without a Laplacian): say why in the table
        runs.push({ method, history: [], error: e instanceof Error ? e.message : String(e) });
        setComparison([...runs]);
        continue;
      }
      try {
        await t.warmUp();
        setComparing(`${method}: training ${steps} steps…`);
        const r = await t.run();
        // a diverged method keeps its good steps, and the table says why it stopped or what it recovered from
        const recovered = r.notices.length > 0 ? `the loss diverged ${r.notices.length} time${r.notices.length > 1 ? 's' : ''}; the last good parameters were restored at a lower learning rate` : undefined;
        runs.push({ method, history: r.history, stop: r.stopReason === 'done' ? recovered : r.stopReason });
        setComparison([...runs]);
      } finally {
        t.destroy();
      }
      await new Promise((r) => requestAnimationFrame(() => r(null)));
    }
  };

  (window as unknown as { __pinnTrain?: unknown }).__pinnTrain = { history, running, message, comparison, comparing, loseDevice: simulateDeviceLoss };
  const update = useExperiment((s) => s.update);
  const set = (patch: Partial<TrainValues>) => update('train', patch);
  const last = history[history.length - 1];
  const curves = useMemo(() => lossCurves(history, problem.published ?? []), [history, problem]);
  const solution = useMemo(
    () => (trainerRef.current && prediction ? (trainerRef.current.problem.dim > 2 ? (slice ? slicePlot(slice) : null) : solutionPlot(trainerRef.current, prediction)) : null),
    [prediction, slice],
  );

  return (
    <section className="panel" data-testid="train">
      <h2>Train a PINN</h2>
      <p className="explain">
        <b data-testid="problem-title">{problem.title}</b>: {problem.tex ? <MathML className="equation" testId="equation" tex={problem.tex} /> : problem.equation}. {problem.description} Each step samples fresh collocation points, computes every derivative
        the residual needs with one Taylor-jet pass per direction, and updates the network with Adam, all on your GPU. Space bar: play/pause.
      </p>
      <Notices notices={notices} />
      <div className="controls">
        <label title="Ready-made demos: each sets the problem and a few settings (the link then reproduces it).">
          Preset
          <select
            value=""
            data-testid="preset"
            onChange={(e) => {
              const p = PRESETS[Number(e.currentTarget.value)];
              if (p) set({ ...specDefaults('train', String(p.values.pde)), seed: values.seed, ...(p.values as Partial<TrainValues>) });
            }}
          >
            <option value="">choose a demo…</option>
            {PRESETS.map((p, i) => (
              <option key={p.name} value={i}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <ChoiceField spec={fields.pde} value={values.pde} onChange={(pde) => set({ pde })} />
        <OpenProblemButton />
      </div>
      <ProblemFilePanel />
      <div className="controls">
        {ranges.dim && <IntField spec={fields.dim} value={values.dim} onChange={(dim) => set({ dim })} />}
        {ranges.k && <IntField spec={fields.k} value={values.k} onChange={(k) => set({ k })} />}
        {shown('method') && <ChoiceField spec={fields.method} value={values.method} onChange={(method) => set({ method })} />}
        {allMethods().flatMap((m) => Object.keys(m.fields)).flatMap((key) => {
          // the derivative methods' own settings (src/engine/methods/) that apply to the chosen one, where they matter
          const f = (fields as Record<string, Field>)[key];
          if (!f || !appliesTo(f, values.method) || !shown(key) || (f.when && !f.when({ method: values.method, problem }))) return [];
          return [<SettingField key={key} spec={f} value={(values as Record<string, string | number>)[key]} onChange={(v) => set({ [key]: v } as Partial<TrainSpec>)} />];
        })}
        {shown('width') && <IntField spec={fields.width} value={values.width} onChange={(width) => set({ width })} />}
        {shown('depth') && <IntField spec={fields.depth} value={values.depth} onChange={(depth) => set({ depth })} />}
        {shown('activation') && <ChoiceField spec={fields.activation} value={values.activation} onChange={(activation) => set({ activation })} />}
        {shown('lr') && <TextField spec={fields.lr} value={values.lr} onChange={(lr) => set({ lr })} />}
        {shown('schedule') && <ScheduleField spec={fields.schedule} value={values.schedule} onChange={(schedule) => set({ schedule })} />}
        {shown('steps') && <IntField spec={fields.steps} value={values.steps} onChange={(steps) => set({ steps })} />}
        {shown('points') && <IntField spec={fields.points} value={values.points} onChange={(points) => set({ points })} />}
        {shown('resample') && <IntField spec={fields.resample} value={values.resample} onChange={(resample) => set({ resample })} />}
        {shown('sampling') && <ChoiceField spec={fields.sampling} value={values.sampling} onChange={(sampling) => set({ sampling })} />}
        {(problem.hard || periodicAxes(problem).length > 0) && <ChoiceField spec={fields.hard} value={values.hard} onChange={(hard) => set({ hard })} />}
        {shown('tricks') && <ChoiceField spec={fields.tricks} value={values.tricks} onChange={(tricks) => set({ tricks })} />}
        {shown('rwf') && <ChoiceField spec={fields.rwf} value={values.rwf} onChange={(rwf) => set({ rwf })} />}
        {shown('fourier') && <IntField spec={fields.fourier} value={values.fourier} onChange={(fourier) => set({ fourier })} />}
        {shown('fourierScale') && values.fourier > 0 && <TextField spec={fields.fourierScale} value={values.fourierScale} onChange={(fourierScale) => set({ fourierScale })} />}
        {shown('rad') && <IntField spec={fields.rad} value={values.rad} onChange={(rad) => set({ rad })} />}
        {shown('rba') && <ChoiceField spec={fields.rba} value={values.rba} onChange={(rba) => set({ rba })} />}
        {shown('balance') && <IntField spec={fields.balance} value={values.balance} onChange={(balance) => set({ balance })} />}
        {shown('causal') && timeAxis(problem) >= 0 && <IntField spec={fields.causal} value={values.causal} onChange={(causal) => set({ causal })} />}
        {shown('causalEps') && timeAxis(problem) >= 0 && values.causal > 0 && <TextField spec={fields.causalEps} value={values.causalEps} onChange={(causalEps) => set({ causalEps })} />}
        {shown('weights') && <TextField spec={fields.weights} value={values.weights} onChange={(weights) => set({ weights })} placeholder={problem.terms.map((t) => `${t.name}=${t.weight}`).join(',')} />}
        {shown('lbfgs') && <IntField spec={fields.lbfgs} value={values.lbfgs} onChange={(lbfgs) => set({ lbfgs })} />}
        {appliesTo(fields.lm, values.method) && shown('lm') && <IntField spec={fields.lm} value={values.lm} onChange={(lm) => set({ lm })} />}
        {shown('seed') && <IntField spec={fields.seed} value={values.seed} onChange={(seed) => set({ seed })} />}
      </div>
      <p className="explain" data-testid="method-explained">
        <b>{METHOD_NAMES[values.method as TrainMethod]}:</b> {METHOD_EXPLAINED[values.method as TrainMethod]}
      </p>
      <CommandLine command={opened ? cliWithFile(specToCli('train', values), values.pde, opened.file) : specToCli('train', values)} />
      <div className="controls">
        {running ? (
          <button onClick={pause} data-testid="pause">Pause</button>
        ) : (
          <button onClick={() => void play()} data-testid="play" disabled={!trainerRef.current || comparing !== null || ((last?.step ?? 0) >= values.steps && ((values.lbfgs === 0 && values.lm === 0) || lbfgsDone.current))}>
            Play
          </button>
        )}
        <button onClick={() => void stepOnce()} disabled={running || comparing !== null || (last?.step ?? 0) >= values.steps} title="One Adam step">Step</button>
        <button onClick={reset} title="Back to the initial network (same seed)">Reset</button>
        <span className="compare-set" title="The derivative methods Compare runs, one after another, from the same seed, initialization and points">
          <button onClick={() => void compare()} disabled={running || comparing !== null || compareSet.length === 0} data-testid="compare" title={`Train with each ticked method from the same seed (${COMPARE_STEPS} steps at most each) and overlay their error against wall time`}>
            Compare methods
          </button>
          {ALL_TRAIN_METHODS.map((m) => (
            <label key={m} className="inline">
              <input type="checkbox" data-testid={`compare-${m}`} checked={compareSet.includes(m)} onChange={(e) => {
                  const on = e.currentTarget.checked;
                  setCompareSet((c) => (on ? [...c, m] : c.filter((x) => x !== m)));
                }} />
              {m}
            </label>
          ))}
        </span>
        <button disabled={!history.length} onClick={() => downloadText(`${values.pde}-history.csv`, historyCsv(history), 'text/csv')}>History CSV</button>
        <button
          onClick={async () => {
            const t = trainerRef.current;
            if (t) downloadText(`${values.pde}-model.json`, JSON.stringify((await t.net.download()).toJSON()));
          }}
        >
          Model JSON
        </button>
        <button
          disabled={!history.length}
          data-testid="download-experiment"
          title="Every setting, the problem, the device and the history in one file (the link reproduces the run)"
          onClick={() =>
            downloadText(
              `${values.pde}-experiment.json`,
              JSON.stringify(
                { settings: values, link: location.href, problem: { id: problem.id, title: problem.title, equation: problem.equation, ...problem.params }, device: gpu.adapter, history },
                null,
                1,
              ),
            )
          }
        >
          Experiment JSON
        </button>
        <button
          disabled={running}
          data-testid="profile"
          title="Time one step of this run by phase (each phase submitted and awaited alone; the run itself is left as it was)"
          onClick={async () => {
            const t = trainerRef.current;
            if (!t || runningRef.current) return;
            runningRef.current = true; // Play and Step wait while a step is being timed
            setRunning(true);
            try {
              setProfile(await t.profileStep());
            } finally {
              runningRef.current = false;
              setRunning(false);
            }
          }}
        >
          Time a step by phase
        </button>
      </div>
      {message && <div className="error" data-testid="train-message">{message}</div>}
      {phase && <p className="meta" data-testid="train-phase">{phase}</p>}
      <p className="meta" data-testid="train-status">
        {last
          ? `${stepText(last.step, values.steps, values.lbfgs, appliesTo(fields.lm, values.method) ? values.lm : 0)} · loss ${last.loss.toExponential(3)} · L2 relative error ${Number.isFinite(last.l2re) ? last.l2re.toExponential(3) : opened && !opened.measured ? 'not measured (no exact solution)' : '(at the phase’s end)'}${unknownsText(problem, last)} · ${(last.step / Math.max(last.seconds, 1e-9)).toFixed(1)} steps/s`
          : 'Press Play (or the space bar) to train.'}
      </p>
      {comparing && <p className="meta">{comparing}</p>}
      <CostPanel device={gpu.device} problem={problem} width={values.width} depth={values.depth} activation={values.activation as Activation} points={values.points} busy={running || comparing !== null} />
      {profile && (
        <table className="results" data-testid="profile-table">
          <thead>
            <tr>
              <th>phase ({METHOD_NAMES[values.method as TrainMethod]})</th>
              <th>ms</th>
            </tr>
          </thead>
          <tbody>
            {profile.map((p) => (
              <tr key={p.phase}>
                <td>{p.phase}</td>
                <td>{p.ms.toFixed(2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {comparison && (
        <div className="plots" data-testid="comparison">
          <table className="results">
            <thead>
              <tr>
                <th>method</th>
                <th>steps</th>
                <th>ms per step</th>
                <th>final L2 rel. error</th>
              </tr>
            </thead>
            <tbody>
              {comparison.map((c) => {
                const end = c.history[c.history.length - 1];
                return (
                  <tr key={c.method}>
                    <td>{METHOD_NAMES[c.method]}</td>
                    {c.error !== undefined && (
                      <td colSpan={3} className="why">
                        not run: {c.error}
                      </td>
                    )}
                    {c.error === undefined && <td>{end?.step ?? 0}</td>}
                    {c.error === undefined && <td>{end ? ((1000 * end.seconds) / end.step).toFixed(2) : '–'}</td>}
                    {c.error === undefined && (
                      <td>
                        {end ? end.l2re.toExponential(3) : '–'}
                        {c.stop && <span className="why"> ({c.stop})</span>}
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
          <Plot data={comparison.filter((c) => c.error === undefined).map((c) => ({ x: c.history.map((r) => r.seconds), y: c.history.map((r) => r.l2re), name: METHOD_NAMES[c.method], mode: 'lines+markers', type: 'scatter' }))} layout={COMPARE_LAYOUT} testId="compare-plot" />
        </div>
      )}
      <div className="plots">
        {history.length > 0 ? (
          <>
            <Plot data={curves.byStep} layout={LOSS_LAYOUT} testId="train-loss" />
            <Plot data={curves.byTime} layout={TIME_LAYOUT} />
          </>
        ) : (
          <p className="meta plot-placeholder" data-testid="train-empty">
            The loss and error curves of this run appear here once it trains (Play, Step or the space bar).{comparison ? ' The comparison above trained its own networks; this run starts from step 0.' : ''}
          </p>
        )}
        {solution && <Plot data={solution.data} layout={solution.layout} testId="train-solution" />}
        {residual && (
          <Plot
            data={[{ x: residual.x, y: residual.y, name: 'weight · r²', mode: 'markers', marker: { size: 4 }, type: 'scatter' }]}
            layout={RESIDUAL_LAYOUT}
            testId="train-residual"
          />
        )}
        {problem.unknowns?.length ? <Plot data={unknownCurves(problem, history)} layout={UNKNOWN_LAYOUT} testId="train-unknowns" /> : null}
        {history.some((r) => r.causal?.length) ? <Plot data={causalCurves(problem, history)} layout={CAUSAL_LAYOUT} testId="train-causal" /> : null}
      </div>
    </section>
  );
}


const LOSS_LAYOUT = { title: { text: 'Loss and error against step' }, xaxis: { title: { text: 'step' } }, yaxis: { type: 'log' }, legend: { orientation: 'h', y: -0.28 } };
const TIME_LAYOUT = { title: { text: 'L2 relative error against time' }, xaxis: { title: { text: 'seconds' } }, yaxis: { type: 'log' }, legend: { orientation: 'h', y: -0.28 } };

function lossCurves(h: TrainRecord[], published: readonly { l2re: number; source: string }[]) {
  const steps = h.map((r) => r.step);
  const span = steps.length ? [steps[0], steps[steps.length - 1]] : [];
  return {
    byStep: [
      { x: steps, y: h.map((r) => r.loss), name: 'loss', mode: 'lines+markers', type: 'scatter' },
      { x: steps, y: h.map((r) => r.l2re), name: 'L2 relative error', mode: 'lines+markers', type: 'scatter' },
      // what others report for this problem, with the source named: the run's error is read against them
      ...published.map((p) => ({ x: span, y: span.map(() => p.l2re), name: `${p.source}: ${p.l2re.toExponential(2)}`, mode: 'lines', line: { dash: 'dot', width: 1.5 }, type: 'scatter' })),
    ],
    byTime: [{ x: h.map((r) => r.seconds), y: h.map((r) => r.l2re), name: 'Taylor jets', mode: 'lines+markers', type: 'scatter' }],
  };
}

/** 1-D: prediction and exact solution as lines; 2-D: heat maps of prediction, exact and |error| side by side. */
function solutionPlot(t: PinnTrainer, u: Float32Array) {
  const { points, exact } = t.testSet;
  if (t.problem.dim === 1) {
    const xs = points.map((p) => p[0]);
    return {
      data: [
        { x: xs, y: Array.from(exact), name: 'exact', mode: 'lines', line: { dash: 'dash', color: '#444' }, type: 'scatter' },
        { x: xs, y: Array.from(u), name: 'network', mode: 'lines', type: 'scatter' },
      ],
      layout: { title: { text: 'Solution' }, xaxis: { title: { text: 'x' } }, legend: { orientation: 'h', y: -0.28 } },
    };
  }
  const n = Math.round(Math.sqrt(points.length));
  const axis0 = Array.from({ length: n }, (_, i) => points[i * n][0]);
  const axis1 = Array.from({ length: n }, (_, j) => points[j][1]);
  const grid = (f: (i: number) => number) => axis1.map((_, j) => axis0.map((_, i) => f(i * n + j)));
  const heat = (z: number[][], name: string, xaxis: string, colorscale = 'RdBu') => ({ z, x: axis0, y: axis1, type: 'heatmap', name, xaxis, yaxis: xaxis.replace('x', 'y'), colorscale, showscale: false });
  return {
    data: [heat(grid((k) => u[k]), 'network', 'x'), heat(grid((k) => exact[k]), 'exact', 'x2'), heat(grid((k) => Math.abs(u[k] - exact[k])), '|error|', 'x3', 'Viridis')],
    layout: {
      title: { text: 'network · exact · |error|' },
      grid: { rows: 1, columns: 3, pattern: 'independent' },
      height: 300,
    },
  };
}

const RESIDUAL_LAYOUT = { title: { text: 'Where the residual is large (this step’s points)' }, xaxis: { title: { text: 'x' } }, yaxis: { type: 'log', title: { text: 'weight · r²' } } };

/** The residual term's loss at each collocation point of the current step (1-D problems), by x. */
async function residualOf(t: PinnTrainer) {
  const terms = await t.evaluateTerms();
  const term = terms.find((x) => x.name === 'residual') ?? terms[0];
  const n = term.parts.length;
  const pairs = Array.from(term.parts, (v, i) => [term.points[i], v * n] as const).sort((a, b) => a[0] - b[0]);
  return { x: pairs.map((p) => p[0]), y: pairs.map((p) => p[1]) };
}

/** A 1-D slice of a d-dimensional problem: x_1 across the domain, every other coordinate at the centre. */
async function sliceOf(t: PinnTrainer) {
  const { lo, hi } = t.problem.domain;
  const s = Array.from({ length: 201 }, (_, i) => lo[0] + ((hi[0] - lo[0]) * i) / 200);
  const pts = s.map((v) => lo.map((l, j) => (j === 0 ? v : (l + hi[j]) / 2)));
  return { s, u: await t.predictAt(pts), exact: pts.map((x) => t.problem.exact(x)) };
}

function slicePlot(sl: { s: number[]; u: Float32Array; exact: number[] }) {
  return {
    data: [
      { x: sl.s, y: sl.exact, name: 'exact', mode: 'lines', line: { dash: 'dash', color: '#444' }, type: 'scatter' },
      { x: sl.s, y: Array.from(sl.u), name: 'network', mode: 'lines', type: 'scatter' },
    ],
    layout: { title: { text: 'Slice through the centre of the domain (x₁ varies)' }, xaxis: { title: { text: 'x₁' } }, legend: { orientation: 'h', y: -0.28 } },
  };
}

/** The command for a problem opened from a file: `--problem FILE` in place of `--pde ID` (its data files are read next to it). */
function cliWithFile(command: string, id: string, file: string): string {
  const quoted = /^[\w./+-]+$/.test(file) ? file : `'${file.replace(/'/g, `'\\''`)}'`;
  return command.replace(`--pde ${id}`, `--problem ${quoted}`);
}

function historyCsv(h: TrainRecord[]): string {
  const names = h[0]?.unknowns ? h[0].unknowns.map((_, i) => `,unknown${i}`).join('') : '';
  return [`step,seconds,loss,l2re${names}`, ...h.map((r) => [r.step, r.seconds, r.loss, r.l2re, ...(r.unknowns ?? [])].join(','))].join('\n') + '\n';
}

/** The learned unknowns (e.g. λ) with their error where the exact value is known. */
function unknownsText(problem: PdeProblem, r: TrainRecord): string {
  return r.unknowns ? describeUnknowns(problem, r.unknowns, 7).map((s) => ` · ${s}`).join('') : '';
}

const UNKNOWN_LAYOUT = { title: { text: 'Learned unknowns against step (dashed: exact)' }, xaxis: { title: { text: 'step' } }, legend: { orientation: 'h', y: -0.28 } };

const CAUSAL_LAYOUT = { title: { text: 'Causal weights by time (the front moves right as earlier times are solved)' }, xaxis: { title: { text: 't' } }, yaxis: { title: { text: 'weight' }, range: [0, 1.05] }, legend: { orientation: 'h', y: -0.28 } };

/** Each causal term's chunk weights at up to five logged steps (older ones fainter), at the chunks' mid-times. */
function causalCurves(problem: PdeProblem, h: TrainRecord[]) {
  const withWeights = h.filter((r) => r.causal?.length);
  const shown = withWeights.filter((_, i) => (withWeights.length - 1 - i) % Math.max(1, Math.ceil(withWeights.length / 5)) === 0).slice(-5);
  const axis = timeAxis(problem);
  const [t0, t1] = axis >= 0 ? [problem.domain.lo[axis], problem.domain.hi[axis]] : [0, 1];
  return shown.flatMap((r, k) =>
    r.causal!.map((c) => ({
      x: c.weights.map((_, i) => t0 + ((i + 0.5) * (t1 - t0)) / c.weights.length),
      y: c.weights,
      name: `step ${r.step} (ε ${+c.eps.toPrecision(2)})`,
      mode: 'lines+markers',
      opacity: 0.35 + (0.65 * (k + 1)) / shown.length,
      type: 'scatter',
    })),
  );
}

function unknownCurves(problem: PdeProblem, h: TrainRecord[]) {
  const steps = h.map((r) => r.step);
  return (problem.unknowns ?? []).flatMap((u, i) => [
    { x: steps, y: h.map((r) => r.unknowns?.[i] ?? null), name: u.name, mode: 'lines+markers', type: 'scatter' },
    ...(u.exact !== undefined && steps.length ? [{ x: [steps[0], steps[steps.length - 1]], y: [u.exact, u.exact], name: `${u.name} exact`, mode: 'lines', line: { dash: 'dash', color: '#444' }, type: 'scatter' }] : []),
  ]);
}
