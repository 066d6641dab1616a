import { useEffect, useMemo, useRef, useState } from 'react';
import type { PinnDevice } from '../engine/gpu';
import { PROBLEMS, problemById } from '../engine/problems';
import { defaultTrainConfig, PinnTrainer, TRAIN_METHODS, type TrainMethod, type TrainRecord } from '../engine/train/trainer';
import { downloadText } from './download';
import { ChoiceField, IntField, Notices } from './fields';
import { Plot } from './Plot';
import { parseSettings, readHash, serializeSettings, writeHash, type SettingsValues } from './settings';

export const TRAIN_SETTINGS = {
  pde: { kind: 'choice', default: 'poisson-1d', choices: PROBLEMS.map((p) => p.id), label: 'Problem', help: 'The PDE to solve; its equation is shown below.' },
  width: { kind: 'int', default: 24, min: 4, max: 256, label: 'Width', help: 'Neurons per hidden layer.' },
  depth: { kind: 'int', default: 3, min: 1, max: 8, label: 'Depth', help: 'Hidden layers (tanh).' },
  lr: { kind: 'text', default: '2e-3', pattern: /^(0?\.\d+|\d(\.\d+)?e-\d)$/, label: 'Learning rate', help: 'Adam learning rate, halved every quarter of the run (e.g. 2e-3 or 0.001).' },
  steps: { kind: 'int', default: 2000, min: 10, max: 200000, label: 'Steps', help: 'Adam steps in the run (the schedule depends on it).' },
  points: { kind: 'int', default: 256, min: 8, max: 65536, label: 'Points', help: 'Collocation points, resampled every step.' },
  lbfgs: { kind: 'int', default: 0, min: 0, max: 10000, label: 'L-BFGS iterations', help: 'A second phase after Adam on fixed collocation points (0: none), as DeepXDE users do.' },
  seed: { kind: 'int', default: 0, min: 0, max: 2 ** 31 - 1, label: 'Seed', help: 'Seeds the initialization and the sampling: the same seed reproduces the run.' },
  method: { kind: 'choice', default: 'taylor', choices: TRAIN_METHODS, label: 'Derivatives', help: 'taylor: one fused Taylor-jet pass per direction and its adjoint (n-TangentProp). ad: nested reverse-mode gradients (stacked back-propagation), the same loss. fd: central finite differences of plain evaluations (truncation error, neighbours needed).' },
} as const;
type TrainValues = SettingsValues<typeof TRAIN_SETTINGS>;

const STEPS_PER_FRAME = 5;
const METHOD_NAMES: Record<TrainMethod, string> = { taylor: 'Taylor jets (nTP)', ad: 'stacked AD', fd: 'finite differences' };
const COMPARE_STEPS = 500;
const COMPARE_LAYOUT = { title: { text: 'Same seed, each derivative method: error against wall time' }, xaxis: { title: { text: 'seconds' } }, yaxis: { type: 'log', title: { text: 'L2 relative error' } }, legend: { orientation: 'h', y: -0.28 } };
const LOG_EVERY = 50;

/** Train a PINN live: play/pause/step/reset, loss and error curves, prediction against the exact solution. */
export function TrainView({ gpu }: { gpu: PinnDevice }) {
  const initial = useMemo(() => parseSettings(TRAIN_SETTINGS, readHash().params), []);
  const [values, setValues] = useState<TrainValues>(initial.values);
  const [history, setHistory] = useState<TrainRecord[]>([]);
  const [prediction, setPrediction] = useState<Float32Array | null>(null);
  const [running, setRunning] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const trainerRef = useRef<PinnTrainer | null>(null);
  const lbfgsDone = useRef(false);
  const [phase, setPhase] = useState<string | null>(null);
  const runningRef = useRef(false);
  const clock = useRef({ start: 0, elapsed: 0 });
  const problem = problemById(values.pde)!;

  useEffect(() => writeHash('train', serializeSettings(TRAIN_SETTINGS, values)), [values]);

  // a new trainer whenever a setting changes (the run restarts from the seed)
  useEffect(() => {
    runningRef.current = false;
    setRunning(false);
    setHistory([]);
    setMessage(null);
    setPhase(null);
    lbfgsDone.current = false;
    clock.current = { start: 0, elapsed: 0 };
    let trainer: PinnTrainer | null = null;
    try {
      trainer = new PinnTrainer(gpu.device, problem, {
        ...defaultTrainConfig(problem),
        method: values.method as TrainMethod,
        width: values.width,
        depth: values.depth,
        lr: Number(values.lr),
        steps: values.steps,
        interiorPoints: values.points,
        seed: values.seed,
        schedule: { kind: 'exponential', rate: 0.5, every: Math.max(1, Math.round(values.steps / 4)) },
      });
      trainerRef.current = trainer;
      void trainer.predictTest().then(setPrediction);
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e));
    }
    return () => {
      runningRef.current = false;
      trainer?.destroy();
      if (trainerRef.current === trainer) trainerRef.current = null;
    };
  }, [gpu, problem, values.width, values.depth, values.lr, values.steps, values.points, values.seed, values.method]);

  const log = async (t: PinnTrainer) => {
    const loss = await t.readLoss();
    const u = await t.predictTest();
    const record = { step: t.step, seconds: clock.current.elapsed + (performance.now() - clock.current.start) / 1000, loss, l2re: await t.l2RelativeError(u) };
    setPrediction(u);
    setHistory((h) => [...h, record]);
    return record;
  };

  const advance = async (t: PinnTrainer, n: number) => {
    for (let i = 0; i < n && t.step < values.steps; i++) {
      const enc = gpu.device.createCommandEncoder();
      t.encodeStep(enc);
      gpu.device.queue.submit([enc.finish()]);
      if (t.step % LOG_EVERY === 0 || t.step === values.steps) {
        const r = await log(t);
        if (!Number.isFinite(r.loss)) {
          runningRef.current = false;
          setMessage(`Training diverged at step ${r.step} (loss ${r.loss}). Lower the learning rate or the width, then press Reset.`);
          return;
        }
      }
    }
    await gpu.device.queue.onSubmittedWorkDone();
  };

  const play = async () => {
    const t = trainerRef.current;
    if (!t || runningRef.current) return;
    runningRef.current = true;
    setRunning(true);
    clock.current.start = performance.now();
    if (t.step < values.steps) setPhase(null);
    while (runningRef.current && trainerRef.current === t && t.step < values.steps) {
      await advance(t, STEPS_PER_FRAME);
      await new Promise((r) => requestAnimationFrame(() => r(null)));
    }
    if (runningRef.current && trainerRef.current === t && t.step >= values.steps && values.lbfgs > 0 && !lbfgsDone.current) {
      lbfgsDone.current = true;
      setMessage(null);
      const r = await t.lbfgs(values.lbfgs, (it, f) => {
        if (it % 10 === 0) setPhase(`L-BFGS iteration ${it} of ${values.lbfgs}: loss ${f.toExponential(3)}`);
        return runningRef.current;
      });
      const u = await t.predictTest();
      const seconds = clock.current.elapsed + (performance.now() - clock.current.start) / 1000;
      setPrediction(u);
      setHistory((h) => [...h, { step: t.step + r.iterations, seconds, loss: r.f, l2re: 0 }]);
      const l2re = await t.l2RelativeError(u);
      setHistory((h) => h.map((x, i) => (i === h.length - 1 ? { ...x, l2re } : x)));
      setPhase(`L-BFGS: ${r.iterations} iterations, ${r.reason}`);
    }
    clock.current.elapsed += (performance.now() - clock.current.start) / 1000;
    runningRef.current = false;
    setRunning(false);
  };
  const pause = () => {
    runningRef.current = false;
  };
  const stepOnce = async () => {
    const t = trainerRef.current;
    if (!t || runningRef.current) return;
    clock.current.start = performance.now();
    await advance(t, 1);
    clock.current.elapsed += (performance.now() - clock.current.start) / 1000;
    await log(t);
  };
  const reset = () => setValues((v) => ({ ...v }));

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

  const [comparison, setComparison] = useState<{ method: TrainMethod; history: TrainRecord[] }[] | null>(null);
  const [comparing, setComparing] = useState<string | null>(null);
  /** Both methods from the same seed and points, one after the other, for the same number of steps. */
  const compare = async () => {
    pause();
    const steps = Math.min(values.steps, COMPARE_STEPS);
    const runs: { method: TrainMethod; history: TrainRecord[] }[] = [];
    for (const method of TRAIN_METHODS) {
      setComparing(`${method}: warming up (shader compilation is not timed)…`);
      const make = (n: number) =>
        new PinnTrainer(gpu.device, problem, {
        ...defaultTrainConfig(problem),
        method,
        width: values.width,
        depth: values.depth,
        lr: Number(values.lr),
        steps: n,
        interiorPoints: values.points,
        seed: values.seed,
        logEvery: Math.max(1, Math.round(n / 10)),
        schedule: { kind: 'exponential', rate: 0.5, every: Math.max(1, Math.round(values.steps / 4)) },
      });
      const t = make(steps);
      try {
        await t.warmUp();
        setComparing(`${method}: training ${steps} steps…`);
        const r = await t.run();
        runs.push({ method, history: r.history });
        setComparison([...runs]);
      } finally {
        t.destroy();
      }
      await new Promise((r) => requestAnimationFrame(() => r(null)));
    }
    setComparing(null);
  };

  (window as unknown as { __pinnTrain?: unknown }).__pinnTrain = { history, running, message, comparison, comparing };
  const set = (patch: Partial<TrainValues>) => setValues((v) => ({ ...v, ...patch }));
  const last = history[history.length - 1];
  const curves = useMemo(() => lossCurves(history), [history]);
  const solution = useMemo(() => (trainerRef.current && prediction ? solutionPlot(trainerRef.current, prediction) : null), [prediction]);

  return (
    <section className="panel" data-testid="train">
      <h2>Train a PINN</h2>
      <p className="explain">
        <b>{problem.title}</b>: {problem.equation}. {problem.description} Each step samples fresh collocation points, computes every derivative
        the residual needs with one Taylor-jet pass per direction, and updates the network with Adam, all on your GPU. Space bar: play/pause.
      </p>
      <Notices notices={initial.notices} />
      <div className="controls">
        <ChoiceField spec={TRAIN_SETTINGS.pde} value={values.pde} onChange={(pde) => set({ pde, ...defaultsFor(pde) })} />
        <IntField spec={TRAIN_SETTINGS.width} value={values.width} onChange={(width) => set({ width })} />
        <IntField spec={TRAIN_SETTINGS.depth} value={values.depth} onChange={(depth) => set({ depth })} />
        <label title={TRAIN_SETTINGS.lr.help}>
          Learning rate
          <input
            type="text"
            defaultValue={values.lr}
            key={values.lr}
            size={7}
            onBlur={(e) => {
              const v = e.currentTarget.value.trim();
              if (TRAIN_SETTINGS.lr.pattern.test(v) && Number(v) > 0 && Number(v) < 1) set({ lr: v });
              else e.currentTarget.value = values.lr;
            }}
          />
        </label>
        <IntField spec={TRAIN_SETTINGS.steps} value={values.steps} onChange={(steps) => set({ steps })} />
        <IntField spec={TRAIN_SETTINGS.points} value={values.points} onChange={(points) => set({ points })} />
        <IntField spec={TRAIN_SETTINGS.lbfgs} value={values.lbfgs} onChange={(lbfgs) => set({ lbfgs })} />
        <IntField spec={TRAIN_SETTINGS.seed} value={values.seed} onChange={(seed) => set({ seed })} />
        <ChoiceField spec={TRAIN_SETTINGS.method} value={values.method} onChange={(method) => set({ method })} />
      </div>
      <div className="controls">
        {running ? (
          <button onClick={pause} data-testid="pause">Pause</button>
        ) : (
          <button onClick={() => void play()} data-testid="play" disabled={!trainerRef.current || ((last?.step ?? 0) >= values.steps && (values.lbfgs === 0 || lbfgsDone.current))}>
            Play
          </button>
        )}
        <button onClick={() => void stepOnce()} disabled={running} title="One Adam step">Step</button>
        <button onClick={reset} title="Back to the initial network (same seed)">Reset</button>
        <button onClick={() => void compare()} disabled={running || comparing !== null} data-testid="compare" title={`Train with Taylor jets, stacked AD and finite differences from the same seed (${COMPARE_STEPS} steps at most each) and overlay their error against wall time`}>
          Compare methods
        </button>
        <button disabled={!history.length} onClick={() => downloadText(`${values.pde}-history.csv`, historyCsv(history), 'text/csv')}>History CSV</button>
        <button
          onClick={async () => {
            const t = trainerRef.current;
            if (t) downloadText(`${values.pde}-model.json`, JSON.stringify((await t.net.download()).toJSON()));
          }}
        >
          Model JSON
        </button>
      </div>
      {message && <div className="error" data-testid="train-message">{message}</div>}
      {phase && <p className="meta" data-testid="train-phase">{phase}</p>}
      <p className="meta" data-testid="train-status">
        {last
          ? `step ${last.step} of ${values.steps} · loss ${last.loss.toExponential(3)} · L2 relative error ${last.l2re.toExponential(3)} · ${(last.step / Math.max(last.seconds, 1e-9)).toFixed(1)} steps/s`
          : 'Press Play (or the space bar) to train.'}
      </p>
      {comparing && <p className="meta">{comparing}</p>}
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
                    <td>{end?.step ?? 0}</td>
                    <td>{end ? ((1000 * end.seconds) / end.step).toFixed(2) : '–'}</td>
                    <td>{end ? end.l2re.toExponential(3) : '–'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <Plot data={comparison.map((c) => ({ x: c.history.map((r) => r.seconds), y: c.history.map((r) => r.l2re), name: METHOD_NAMES[c.method], mode: 'lines+markers', type: 'scatter' }))} layout={COMPARE_LAYOUT} testId="compare-plot" />
        </div>
      )}
      <div className="plots">
        <Plot data={curves.byStep} layout={LOSS_LAYOUT} testId="train-loss" />
        <Plot data={curves.byTime} layout={TIME_LAYOUT} />
        {solution && <Plot data={solution.data} layout={solution.layout} testId="train-solution" />}
      </div>
    </section>
  );
}

function defaultsFor(id: string): Partial<TrainValues> {
  const d = problemById(id)?.defaults;
  return d ? { width: d.width, depth: d.depth, lr: String(d.lr), steps: d.steps, points: d.interiorPoints } : {};
}

const LOSS_LAYOUT = { title: { text: 'Loss and error against step' }, xaxis: { title: { text: 'step' } }, yaxis: { type: 'log' }, legend: { orientation: 'h', y: -0.28 } };
const TIME_LAYOUT = { title: { text: 'L2 relative error against time' }, xaxis: { title: { text: 'seconds' } }, yaxis: { type: 'log' }, legend: { orientation: 'h', y: -0.28 } };

function lossCurves(h: TrainRecord[]) {
  const steps = h.map((r) => r.step);
  return {
    byStep: [
      { x: steps, y: h.map((r) => r.loss), name: 'loss', mode: 'lines+markers', type: 'scatter' },
      { x: steps, y: h.map((r) => r.l2re), name: 'L2 relative error', mode: 'lines+markers', type: 'scatter' },
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

function historyCsv(h: TrainRecord[]): string {
  return ['step,seconds,loss,l2re', ...h.map((r) => [r.step, r.seconds, r.loss, r.l2re].join(','))].join('\n') + '\n';
}
