import { useEffect, useMemo, useRef, useState } from 'react';
import type { PinnDevice } from '../engine/gpu/gpu';
import { FRESH_TEST_SEED, freshSampleSize, HighDimTrainer } from '../engine/highdim/trainer';
import { Mlp } from '../engine/model/mlp';
import { fieldsFor, highDimSetup, specToCli, specToParams, type HighDimSpec } from '../engine/spec/experiment';
import { ballSlice, type BallSlice } from '../engine/problems/ball-slice';
import { useExperiment } from './experiment-store';
import type { HighDimProblem } from '../engine/problems/highdim-types';
import type { TrainRecord } from '../engine/train/trainer';
import { downloadText } from './download';
import { ChoiceField, CommandLine, IntField, Notices, ScheduleField, TextField } from './fields';
import { Plot } from './Plot';
import { hiddenControls, readHash, writeHash } from './settings';
import { forgetHighDimRun, freshMemory, historyUpTo, rememberRecord, rememberSnapshot, resumeMessage, snapshotDue, useHighDimMemory } from './run-memory';
import { MathML } from './MathML';
import { useProblemFiles } from './problem-files';

type Values = HighDimSpec;

const ADVANCED = ['width', 'depth', 'lr', 'schedule', 'firstLr', 'points', 'ball', 'unbiased', 'product', 'seed'];
const LOG_EVERY = 10;

/**
 * High dimension in a browser tab: sparse STDE (random coordinate jets, the first-layer
 * column trick) on the STDE paper's problems, with d up to what this GPU's buffers hold.
 */
export function HighDimView({ gpu }: { gpu: PinnDevice }) {
  const notices = useExperiment((s) => s.notices.highdim);
  const flags = useMemo(() => readHash().params, []);
  const hidden = useMemo(() => hiddenControls(flags, ADVANCED), [flags]);
  const values = useExperiment((s) => s.highdim);
  const update = useExperiment((s) => s.update);
  const fields = fieldsFor('highdim', values.pde);
  const [slice, setSlice] = useState<BallSlice | null>(null);
  const [history, setHistory] = useState<TrainRecord[]>([]);
  const [running, setRunning] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [info, setInfo] = useState<string>('');
  /** The error on a larger fresh sample, measured on request at one step (or being measured). */
  const [fresh, setFresh] = useState<{ step: number; points: number; l2re: number; standardError: number } | 'measuring' | null>(null);
  const trainerRef = useRef<HighDimTrainer | null>(null);
  const [generation, setGeneration] = useState(0);
  const runningRef = useRef(false);
  const clock = useRef({ start: 0, elapsed: 0 });
  const set = (v: Partial<Values>) => update('highdim', v);
  const shown = (k: string) => !hidden.has(k);

  // a problem file opened again under the same id is a new problem: its revision is part of the key
  const revision = useProblemFiles((s) => s.revisions[values.pde] ?? 0);
  const key = `${specToParams('highdim', values).toString()}#${revision}`;
  const setup = useMemo(() => {
    try {
      return { ...highDimSetup(values), error: null };
    } catch (e) {
      return { problem: null, config: null, error: (e as Error).message };
    }
  }, [key]);
  const problem: HighDimProblem | null = setup.problem;
  const openedFile = useProblemFiles((s) => (problem ? s.opened[problem.id] : undefined));
  const problemError = setup.error;

  useEffect(() => {
    const p = specToParams('highdim', values);
    for (const f of ['classroom', 'hide']) if (flags.get(f)) p.set(f, flags.get(f)!);
    writeHash('highdim', p);
  }, [values, flags]);

  // a new trainer whenever a setting changes
  useEffect(() => {
    runningRef.current = false;
    setRunning(false);
    setHistory([]);
    setMessage(null);
    setSlice(null);
    setFresh(null);
    clock.current = { start: 0, elapsed: 0 };
    // invalid settings: no trainer (Play and Step stay off) until they are mended
    trainerRef.current = null;
    if (!problem) return;
    let trainer: HighDimTrainer | null = null;
    try {
      trainer = new HighDimTrainer(gpu.device, problem, {
        ...setup.config!,
        logEvery: LOG_EVERY,
        testPoints: Math.max(50, Math.min(500, Math.floor(5e6 / problem.dim))),
      });
      trainerRef.current = trainer;
      setInfo(`${(trainer.memoryBytes() / 2 ** 20).toFixed(1)} MiB of GPU memory; ${values.randBatch} of ${problem.dim} coordinates per point`);
      // the remembered run of these settings (a new device after a loss, or back from another
      // view) continues where it was logged last; Reset forgets it
      const mem = useHighDimMemory.getState();
      if (mem.key === key && mem.params) {
        trainer.restore(mem.step, mem.params);
        const kept = historyUpTo(mem);
        useHighDimMemory.setState({ history: kept });
        setHistory(kept);
        clock.current = { start: 0, elapsed: mem.elapsed };
        setMessage(resumeMessage(mem, gpu.device));
      } else {
        useHighDimMemory.setState(freshMemory(key, gpu.device));
        void trainer.l2RelativeError().then((e) => {
          if (trainerRef.current !== trainer) return;
          const first = { step: 0, seconds: 0, loss: NaN, l2re: e };
          setHistory([first]);
          useHighDimMemory.setState({ history: [first] });
        });
      }
      void drawSlice(trainer);
    } catch (e) {
      setMessage((e as Error).message);
      trainerRef.current = null;
    }
    return () => {
      runningRef.current = false;
      if (trainerRef.current === trainer) trainerRef.current = null;
      trainer?.destroy();
    };
  }, [setup, gpu.device, generation]);

  /** The model and the exact solution along the ball's diagonal (f64 on the CPU from the downloaded parameters). */
  async function drawSlice(t: HighDimTrainer, params?: Float32Array) {
    const { sizes, activation } = t.net.mlp;
    const mlp = params ? new Mlp(sizes, activation, params) : await t.net.download();
    if (trainerRef.current === t) setSlice(ballSlice(mlp, t.problem));
  }

  /**
   * Train with the one run loop (HighDimTrainer.run) to the configured steps, or `maxSteps`
   * more (Step). A divergence's notice shows as the message: the run loop has put back the last
   * good parameters and halved the learning rate (or, at the last, stopped with them).
   */
  async function loop(maxSteps = Infinity) {
    const t = trainerRef.current;
    if (!t || runningRef.current) return;
    runningRef.current = true;
    setRunning(true);
    const c = clock.current; // this run's clock (a settings change gives the next run a new one)
    c.start = performance.now();
    let lastSnap = performance.now();
    const paramBytes = t.net.mlp.params.byteLength;
    const steps = Math.min(values.steps, t.step + maxSteps);
    try {
      await t.run(undefined, Infinity, {
        steps,
        // one step per frame keeps the page responsive whatever d is (the GPU runs ahead)
        pace: { every: 1, wait: () => new Promise((r) => requestAnimationFrame(() => r())) },
        interrupt: () => (trainerRef.current !== t ? 'abandon' : runningRef.current ? null : 'stop'),
        onEvent: async (e) => {
          // a setting changed while this was read: that trainer is gone, and so is this run
          if (trainerRef.current !== t) return false;
          if (e.type === 'divergence') setMessage(e.notice.message);
          if (e.type !== 'record') return;
          const record = { ...e.record, seconds: c.elapsed + e.record.seconds };
          // the parameters for the run's memory: each record while they are small, else every few seconds and at the end
          const snap = snapshotDue(paramBytes, performance.now() - lastSnap) ? await t.snapshot() : null;
          if (snap) lastSnap = performance.now();
          if (trainerRef.current !== t) return false;
          setHistory((h) => [...h, record]);
          rememberRecord(useHighDimMemory, key, snap, record, gpu.device);
          // the slice from the parameters just read back, if they were (no second download)
          if (record.step % (LOG_EVERY * 5) === 0 || record.step === steps) await drawSlice(t, snap?.params);
        },
      });
    } catch (e) {
      if (trainerRef.current === t) setMessage((e as Error).message);
    } finally {
      c.elapsed += (performance.now() - c.start) / 1000;
      // a replaced trainer's loop leaves the new run's flags alone
      if (trainerRef.current === t) {
        runningRef.current = false;
        setRunning(false);
        // where the run stopped, for the memory (a pause between snapshots loses nothing)
        if (useHighDimMemory.getState().step !== t.step) {
          const elapsed = c.elapsed;
          void t
            .snapshot()
            .then((snap) => {
              if (trainerRef.current === t) rememberSnapshot(useHighDimMemory, key, snap, elapsed, gpu.device);
            })
            .catch(() => undefined);
        }
      }
    }
  }

  /** The trained network on freshSampleSize(d) new points drawn like the test set, with a standard error. */
  async function measureFresh() {
    const t = trainerRef.current;
    if (!t || runningRef.current) return;
    const points = freshSampleSize(t.problem.dim);
    setFresh('measuring');
    try {
      const r = await t.l2RelativeErrorFresh(points, FRESH_TEST_SEED);
      if (trainerRef.current === t) setFresh({ step: t.step, points, ...r });
    } catch (e) {
      // a settings change mid-measurement destroyed this trainer: nothing to report
      if (trainerRef.current !== t) return;
      setFresh(null);
      setMessage(`The fresh-point measurement failed: ${(e as Error).message}`);
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
      <Notices notices={notices} />
      <p className="meta">
        Sparse STDE in many dimensions: each step draws points in the unit ball and B of the d coordinates per point on the GPU, pushes one second-order jet along each sampled axis (whose first-layer tangent is just a column of W₁, so its cost does not depend on d) and
        estimates every sum over coordinates, such as the Laplacian, by d/B times the sum over the sample.
      </p>
      <div className="controls">
        <ChoiceField spec={fields.pde} value={values.pde} onChange={(pde) => set({ pde })} />
        <IntField spec={fields.dim} value={values.dim} onChange={(dim) => set({ dim, randBatch: values.stde === 'sparse' ? Math.min(values.randBatch, dim) : values.randBatch })} />
        <ChoiceField spec={fields.stde} value={values.stde} onChange={(stde) => set({ stde })} />
        <IntField spec={fields.randBatch} value={values.randBatch} onChange={(randBatch) => set({ randBatch })} />
        {shown('width') && <IntField spec={fields.width} value={values.width} onChange={(width) => set({ width })} />}
        {shown('depth') && <IntField spec={fields.depth} value={values.depth} onChange={(depth) => set({ depth })} />}
        {shown('lr') && <TextField spec={fields.lr} value={values.lr} onChange={(lr) => set({ lr })} />}
        {shown('schedule') && <ScheduleField spec={fields.schedule} value={values.schedule} onChange={(schedule) => set({ schedule })} />}
        {shown('firstLr') && <TextField spec={fields.firstLr} value={values.firstLr} onChange={(firstLr) => set({ firstLr })} />}
        <IntField spec={fields.steps} value={values.steps} onChange={(steps) => set({ steps })} />
        {shown('points') && <IntField spec={fields.points} value={values.points} onChange={(points) => set({ points })} />}
        {shown('ball') && <ChoiceField spec={fields.ball} value={values.ball} onChange={(ball) => set({ ball })} />}
        {shown('unbiased') && <ChoiceField spec={fields.unbiased} value={values.unbiased} onChange={(unbiased) => set({ unbiased })} />}
        {shown('product') && (values.product === 'on' || (problem?.productRule && values.stde === 'sparse')) && <ChoiceField spec={fields.product} value={values.product} onChange={(product) => set({ product })} />}
        {shown('seed') && <IntField spec={fields.seed} value={values.seed} onChange={(seed) => set({ seed })} />}
      </div>
      {problem && (
        <div className="equation">
          <MathML tex={problem.tex} />
          <p className="meta">{problem.description}</p>
          {openedFile && (
            <p className="meta" data-testid="hd-opened">
              Opened from {openedFile.file}.{' '}
              {openedFile.check.error
                ? `The exact-solution check could not run: ${openedFile.check.error}`
                : !openedFile.check.checks
                  ? 'No exact solution in the file: the L2 error is not measured.'
                  : openedFile.check.ok
                    ? `Exact solution checked: largest residual ${openedFile.check.checks[0].largest.toExponential(1)} (relative).`
                    : `Exact solution checked: it does NOT satisfy the equation (largest residual ${openedFile.check.checks[0].largest.toExponential(1)}, relative); check the equation, the model or the exact expression.`}
            </p>
          )}
        </div>
      )}
      <CommandLine command={specToCli('highdim', values)} />
      <div className="buttons">
        <button data-testid="hd-play" disabled={(!trainerRef.current && !running) || fresh === 'measuring'} onClick={() => (running ? (runningRef.current = false) : void loop())}>
          {running ? 'Pause' : 'Play'}
        </button>
        <button disabled={running || !trainerRef.current || (last?.step ?? 0) >= values.steps || fresh === 'measuring'} onClick={() => void loop(1)}>
          Step
        </button>
        <button
          title="Back to the initial network (same seed)"
          data-testid="hd-reset"
          onClick={() => {
            forgetHighDimRun();
            setGeneration((g) => g + 1);
          }}
        >
          Reset
        </button>
        <button
          data-testid="hd-fresh"
          disabled={running || !trainerRef.current || fresh === 'measuring'}
          title="The L2 relative error on a larger sample of fresh points drawn like the test set (20,000 where d allows), with its standard error: the logged error uses a small fixed set"
          onClick={() => void measureFresh()}
        >
          {fresh === 'measuring' ? 'Measuring…' : 'Error on fresh points'}
        </button>
        <button disabled={!history.length} onClick={() => downloadText(`${values.pde}-${values.dim}d-history.csv`, ['step,seconds,loss,l2re', ...history.map((h) => [h.step, h.seconds, h.loss, h.l2re].join(','))].join('\n') + '\n', 'text/csv')}>
          History CSV
        </button>
        <button
          data-testid="hd-download-experiment"
          onClick={() => downloadText(`${values.pde}-${values.dim}d-experiment.json`, JSON.stringify({ kind: 'highdim', method: 'stde', stde: values.stde, settings: values, command: specToCli('highdim', values), link: location.href, device: gpu.adapter, history, freshTest: fresh !== null && fresh !== 'measuring' ? fresh : null }, null, 1))}
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
        {last ? `step ${last.step} of ${values.steps} · L2 relative error ${last.l2re.toExponential(3)}${Number.isFinite(last.loss) ? ` · loss ${last.loss.toExponential(3)}` : ''}${rate ? ` · ${rate.toPrecision(3)} steps/s` : ''}` : 'Building the kernels…'} · {info}
      </p>
      {fresh !== null && fresh !== 'measuring' && (
        <p className="meta" data-testid="hd-fresh-result">
          At step {fresh.step}, on {fresh.points.toLocaleString('en-US')} fresh test points: L2 relative error {fresh.l2re.toExponential(3)} ± {fresh.standardError.toExponential(1)} (standard error)
          {last && last.step !== fresh.step ? ` · trained on since: measure again` : ''}
        </p>
      )}
      <div className="plots">
        <Plot testId="hd-loss" data={charts.loss} layout={{ title: { text: 'Loss' }, xaxis: { title: { text: 'step' } }, yaxis: { type: 'log' } }} />
        <Plot testId="hd-error" data={charts.error} layout={{ title: { text: 'L2 relative error (fixed test points in the ball)' }, xaxis: { title: { text: 'step' } }, yaxis: { type: 'log' } }} />
        {slice && (
          <Plot
            testId="hd-slice"
            data={[
              { x: slice.s, y: slice.exact, name: 'exact', mode: 'lines', type: 'scatter' },
              { x: slice.s, y: slice.model, name: 'network', mode: 'lines', type: 'scatter', line: { dash: 'dash' } },
            ]}
            layout={{ title: { text: `Slice along the diagonal x = s(1, …, 1)/√d${problem?.horizon !== undefined ? ', t = 0' : ''}` }, xaxis: { title: { text: 's' } }, legend: { orientation: 'h', y: -0.28 } }}
          />
        )}
      </div>
    </section>
  );
}
