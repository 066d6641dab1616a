import { useEffect, useMemo, useRef, useState } from 'react';
import type { PinnDevice } from '../engine/gpu';
import { PinnError } from '../engine/errors';
import { defaultHighDimConfig, HighDimTrainer } from '../engine/highdim/trainer';
import { HIGHDIM_PROBLEMS, highDimProblemWith } from '../engine/problems';
import type { HighDimProblem } from '../engine/problems/highdim-types';
import type { TrainRecord } from '../engine/train/trainer';
import { namedSchedule } from '../engine/train/schedule';
import { downloadText } from './download';
import { ChoiceField, IntField, Notices } from './fields';
import { Plot } from './Plot';
import { hiddenControls, parseSettings, readHash, serializeSettings, writeHash, type SettingsValues } from './settings';
import { texToMathML } from './tex';

/** Every setting of a high-dimensional run; the URL hash carries them all (#highdim?...). */
export const HIGHDIM_SETTINGS = {
  pde: { kind: 'choice', default: 'sine-gordon-twobody', choices: HIGHDIM_PROBLEMS.map((p) => p.id), label: 'Problem', help: 'A PDE on the unit ball in d dimensions (the STDE paper’s test problems).' },
  dim: { kind: 'int', default: 1000, min: 1, max: 1_000_000, label: 'Dimension d', help: 'Space dimension. The jets cost the same whatever d is; the first layer’s W₁x and its gradient are O(d). Too large for this GPU’s buffers: the message names the largest d that fits.' },
  randBatch: { kind: 'int', default: 16, min: 1, max: 1024, label: 'Coordinates B', help: 'Sparse STDE: coordinates sampled per point each step; sums over all d coordinates are estimated by d/B times the sum over the sample (at most d).' },
  width: { kind: 'int', default: 128, min: 4, max: 512, label: 'Width', help: 'Neurons per hidden layer.' },
  depth: { kind: 'int', default: 3, min: 1, max: 8, label: 'Depth', help: 'Hidden layers (tanh).' },
  lr: { kind: 'text', default: '1e-3', pattern: /^(0?\.\d+|\d(\.\d+)?e-\d)$/, label: 'Learning rate', help: 'Adam learning rate, decayed linearly to a tenth over the run.' },
  steps: { kind: 'int', default: 2000, min: 10, max: 200000, label: 'Steps', help: 'Adam steps in the run.' },
  points: { kind: 'int', default: 100, min: 1, max: 4096, label: 'Points', help: 'Collocation points per step, drawn uniformly in the ball’s volume on the GPU.' },
  seed: { kind: 'int', default: 0, min: 0, max: 2 ** 31 - 1, label: 'Seed', help: 'Seeds the initialization and the sampling: the same seed reproduces the run.' },
} as const;
type Values = SettingsValues<typeof HIGHDIM_SETTINGS>;

const ADVANCED = ['width', 'depth', 'lr', 'points', 'seed'];
const LOG_EVERY = 10;

/**
 * High dimension in a browser tab: sparse STDE (random coordinate jets, the first-layer
 * column trick) on the STDE paper's problems, with d up to what this GPU's buffers hold.
 */
export function HighDimView({ gpu }: { gpu: PinnDevice }) {
  const initial = useMemo(() => parseSettings(HIGHDIM_SETTINGS, readHash().params), []);
  const flags = useMemo(() => readHash().params, []);
  const hidden = useMemo(() => hiddenControls(flags, ADVANCED), [flags]);
  const [values, setValues] = useState<Values>(initial.values);
  const [history, setHistory] = useState<TrainRecord[]>([]);
  const [running, setRunning] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [info, setInfo] = useState<string>('');
  const trainerRef = useRef<HighDimTrainer | null>(null);
  const runningRef = useRef(false);
  const clock = useRef({ start: 0, elapsed: 0 });
  const set = (v: Partial<Values>) => setValues((old) => ({ ...old, ...v }));
  const shown = (k: string) => !hidden.has(k);

  let problem: HighDimProblem | null = null;
  let problemError: string | null = null;
  try {
    problem = highDimProblemWith(values.pde, values.dim) ?? null;
  } catch (e) {
    problemError = (e as Error).message;
  }

  useEffect(() => {
    const p = serializeSettings(HIGHDIM_SETTINGS, values);
    for (const f of ['classroom', 'hide']) if (flags.get(f)) p.set(f, flags.get(f)!);
    writeHash('highdim', p);
  }, [values, flags]);

  // a new trainer whenever a setting changes
  useEffect(() => {
    runningRef.current = false;
    setRunning(false);
    setHistory([]);
    setMessage(null);
    clock.current = { start: 0, elapsed: 0 };
    if (!problem) return;
    let trainer: HighDimTrainer | null = null;
    try {
      const base = defaultHighDimConfig(problem);
      if (values.randBatch > problem.dim) throw new PinnError(`Coordinates B must be at most the dimension (${problem.dim})`);
      trainer = new HighDimTrainer(gpu.device, problem, {
        ...base,
        width: values.width,
        depth: values.depth,
        lr: Number(values.lr),
        steps: values.steps,
        schedule: namedSchedule('linear', values.steps, 0.1),
        points: values.points,
        randBatch: values.randBatch,
        seed: values.seed,
        logEvery: LOG_EVERY,
        testPoints: Math.max(50, Math.min(500, Math.floor(5e6 / problem.dim))),
      });
      trainerRef.current = trainer;
      setInfo(`${(trainer.memoryBytes() / 2 ** 20).toFixed(1)} MiB of GPU memory; ${values.randBatch} of ${problem.dim} coordinates per point`);
      void trainer.l2RelativeError().then((e) => setHistory([{ step: 0, seconds: 0, loss: NaN, l2re: e }]));
    } catch (e) {
      setMessage((e as Error).message);
      trainerRef.current = null;
    }
    return () => {
      runningRef.current = false;
      trainer?.destroy();
    };
  }, [serializeSettings(HIGHDIM_SETTINGS, values).toString(), gpu.device]);

  async function loop(maxSteps = Infinity) {
    const t = trainerRef.current;
    if (!t || runningRef.current) return;
    runningRef.current = true;
    setRunning(true);
    clock.current.start = performance.now();
    let done = 0;
    try {
      while (runningRef.current && t.step < values.steps && done < maxSteps) {
        // one step per frame keeps the page responsive whatever d is (the GPU runs ahead)
        const enc = gpu.device.createCommandEncoder();
        t.encodeStep(enc);
        gpu.device.queue.submit([enc.finish()]);
        done++;
        if (t.step % LOG_EVERY === 0 || t.step === values.steps || done === maxSteps) {
          const loss = await t.readLoss();
          const seconds = clock.current.elapsed + (performance.now() - clock.current.start) / 1000;
          if (!Number.isFinite(loss)) {
            setMessage(`The loss became ${loss} at step ${t.step}: paused. Try a smaller learning rate or fewer coordinates' noise (larger B).`);
            break;
          }
          const l2re = await t.l2RelativeError();
          setHistory((h) => [...h, { step: t.step, seconds, loss, l2re }]);
        }
        await new Promise((r) => requestAnimationFrame(() => r(null)));
      }
    } catch (e) {
      setMessage((e as Error).message);
    } finally {
      clock.current.elapsed += (performance.now() - clock.current.start) / 1000;
      runningRef.current = false;
      setRunning(false);
    }
  }

  const last = history.at(-1);
  const logged = history.filter((h) => Number.isFinite(h.loss));
  const rate = last && last.seconds > 0 ? last.step / last.seconds : null;
  const charts = useMemo(
    () => ({
      loss: [{ x: logged.map((h) => h.step), y: logged.map((h) => h.loss), name: 'loss', mode: 'lines' }],
      error: [{ x: history.map((h) => h.step), y: history.map((h) => h.l2re), name: 'L2 relative error', mode: 'lines+markers' }],
    }),
    [history],
  );

  return (
    <section className="train">
      <Notices notices={initial.notices} />
      <p className="meta">
        Sparse STDE in many dimensions: each step draws points in the unit ball and B of the d coordinates per point on the GPU, pushes one second-order jet along each sampled axis (whose first-layer tangent is just a column of W₁, so its cost does not depend on d) and
        estimates every sum over coordinates, such as the Laplacian, by d/B times the sum over the sample.
      </p>
      <div className="controls">
        <ChoiceField spec={HIGHDIM_SETTINGS.pde} value={values.pde} onChange={(pde) => set({ pde })} />
        <IntField spec={HIGHDIM_SETTINGS.dim} value={values.dim} onChange={(dim) => set({ dim, randBatch: Math.min(values.randBatch, dim) })} />
        <IntField spec={HIGHDIM_SETTINGS.randBatch} value={values.randBatch} onChange={(randBatch) => set({ randBatch })} />
        {shown('width') && <IntField spec={HIGHDIM_SETTINGS.width} value={values.width} onChange={(width) => set({ width })} />}
        {shown('depth') && <IntField spec={HIGHDIM_SETTINGS.depth} value={values.depth} onChange={(depth) => set({ depth })} />}
        {shown('lr') && (
          <label title={HIGHDIM_SETTINGS.lr.help}>
            {HIGHDIM_SETTINGS.lr.label}
            <input defaultValue={values.lr} key={values.lr} onBlur={(e) => (HIGHDIM_SETTINGS.lr.pattern.test(e.currentTarget.value) ? set({ lr: e.currentTarget.value }) : (e.currentTarget.value = values.lr))} />
          </label>
        )}
        <IntField spec={HIGHDIM_SETTINGS.steps} value={values.steps} onChange={(steps) => set({ steps })} />
        {shown('points') && <IntField spec={HIGHDIM_SETTINGS.points} value={values.points} onChange={(points) => set({ points })} />}
        {shown('seed') && <IntField spec={HIGHDIM_SETTINGS.seed} value={values.seed} onChange={(seed) => set({ seed })} />}
      </div>
      {problem && (
        <div className="equation">
          <span dangerouslySetInnerHTML={{ __html: texToMathML(problem.tex) }} />
          <p className="meta">{problem.description}</p>
        </div>
      )}
      <div className="buttons">
        <button data-testid="hd-play" disabled={!trainerRef.current && !running} onClick={() => (running ? (runningRef.current = false) : void loop())}>
          {running ? 'Pause' : 'Play'}
        </button>
        <button disabled={running || !trainerRef.current} onClick={() => void loop(1)}>
          Step
        </button>
        <button disabled={!history.length} onClick={() => downloadText(`${values.pde}-${values.dim}d-history.csv`, ['step,seconds,loss,l2re', ...history.map((h) => [h.step, h.seconds, h.loss, h.l2re].join(','))].join('\n') + '\n', 'text/csv')}>
          History CSV
        </button>
        <button
          data-testid="hd-download-experiment"
          onClick={() => downloadText(`${values.pde}-${values.dim}d-experiment.json`, JSON.stringify({ kind: 'highdim', method: 'stde', stde: 'sparse', settings: values, history }, null, 1))}
        >
          Experiment JSON
        </button>
      </div>
      {(problemError ?? message) && (
        <p className="error" data-testid="hd-message">
          {problemError ?? message}
        </p>
      )}
      <p className="meta" data-testid="hd-status">
        {last ? `step ${last.step} of ${values.steps} · L2 relative error ${last.l2re.toExponential(3)}${Number.isFinite(last.loss) ? ` · loss ${last.loss.toExponential(3)}` : ''}${rate ? ` · ${rate.toFixed(2)} steps/s` : ''}` : 'Building the kernels…'} · {info}
      </p>
      <div className="plots">
        <Plot testId="hd-loss" data={charts.loss} layout={{ title: { text: 'Loss' }, xaxis: { title: { text: 'step' } }, yaxis: { type: 'log' } }} />
        <Plot testId="hd-error" data={charts.error} layout={{ title: { text: 'L2 relative error (fixed test points in the ball)' }, xaxis: { title: { text: 'step' } }, yaxis: { type: 'log' } }} />
      </div>
    </section>
  );
}
