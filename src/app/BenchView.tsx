import { useEffect, useMemo, useState } from 'react';
import { create } from 'zustand';
import { parseOrders, runAdVsNtp, type BenchRow } from '../engine/bench/ad-vs-ntp';
import { Rng } from '../engine/sampling/rng';
import { adapterLabel, type PinnDevice } from '../engine/gpu/gpu';
import type { Activation } from '../engine/model/mlp';
import { downloadText } from './download';
import { ChoiceField, IntField, Notices, TextField } from './fields';
import { Plot } from './Plot';
import { parseSettings, readHash, serializeSettings, writeHash, type SettingsValues } from './settings';
import { BENCH_SETTINGS } from './view-settings';

type BenchValues = SettingsValues<typeof BENCH_SETTINGS>;

export interface JaxJsRow {
  order: number;
  ms: number;
  backend: string;
  loss: number;
}

export interface BenchResult {
  device: string;
  timer: string;
  settings: BenchValues;
  rows: BenchRow[];
  jaxjs?: JaxJsRow[];
  jaxjsNote?: string;
}

/**
 * The benchmark's run, outside the view: a run goes on when the user visits another view, its
 * results are there on return, and a second run cannot start while one is timing (it would
 * share the GPU and skew both).
 */
const useBenchRun = create<{ result: BenchResult | null; progress: string | null; error: string | null; busy: boolean }>(() => ({ result: null, progress: null, error: null, busy: false }));
const setResult = (f: BenchResult | null | ((r: BenchResult | null) => BenchResult | null)) => useBenchRun.setState((s) => ({ result: typeof f === 'function' ? f(s.result) : f }));
const setProgress = (progress: string | null) => useBenchRun.setState({ progress });
const setError = (error: string | null) => useBenchRun.setState({ error });
/** A link's run=1 starts the benchmark once per page load. */
let autorunUsed = false;

/** AD vs n-TangentProp: one training step per order, settings in the URL so a result can be reproduced. */
export function BenchView({ gpu, autorun }: { gpu: PinnDevice; autorun?: boolean }) {
  const initial = useMemo(() => parseSettings(BENCH_SETTINGS, readHash().params), []);
  const [values, setValues] = useState<BenchValues>(initial.values);
  const { result, progress, error, busy } = useBenchRun();

  useEffect(() => writeHash('benchmark', serializeSettings(BENCH_SETTINGS, values)), [values]);

  const run = async () => {
    if (useBenchRun.getState().busy) return;
    useBenchRun.setState({ busy: true });
    setError(null);
    setResult(null);
    try {
      const orders = parseOrders(values.orders);
      const rows = await runAdVsNtp(
        gpu.device,
        {
          batch: values.batch,
          width: values.width,
          depth: values.depth,
          activation: values.activation as Activation,
          orders,
          reps: values.reps,
          warmup: values.warmup,
          seed: 0,
          adMaxOrder: values.admax,
        },
        (message, row) => {
          setProgress(message);
          if (row) setResult((r) => ({ device: adapterLabel(gpu.adapter), timer: timerOf(row), settings: values, rows: [...(r?.rows ?? []), row] }));
        },
      );
      const base: BenchResult = { device: adapterLabel(gpu.adapter), timer: rows.length ? timerOf(rows[0]) : '', settings: values, rows };
      setResult(base);
      if (values.jaxjs === 'on') {
        const third = await runJaxJsColumn(orders.filter((n) => n <= values.admax), values, setProgress);
        setResult({ ...base, ...third });
      }
      setProgress('done');
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setProgress(null);
    } finally {
      useBenchRun.setState({ busy: false });
    }
  };

  useEffect(() => {
    // run once per page when the link asks for it (not again on a return to this view)
    if (autorun && !autorunUsed) {
      autorunUsed = true;
      void run();
    }
  });

  (window as unknown as { __pinnBench?: unknown }).__pinnBench = { result, busy, error };
  const set = (patch: Partial<BenchValues>) => setValues((v) => ({ ...v, ...patch }));
  const rows = result?.rows ?? [];
  const charts = useMemo(() => buildCharts(result?.rows ?? [], result?.jaxjs ?? []), [result]);

  return (
    <section className="panel" data-testid="bench">
      <h2>Benchmark: stacked AD against n-TangentProp</h2>
      <p className="explain">
        One step takes the derivatives of orders 0…n at B points, the loss Σₖ mean (u⁽ᵏ⁾)², and its gradient with respect to every parameter.
        <b> Stacked AD</b> is this playground's own tape-based reverse mode on the GPU, differentiating n times with the backward pass recorded
        (PyTorch's create_graph=True). <b>n-TangentProp</b> runs one fused jet pass and its hand-written adjoint. The settings are in the page
        address: copy it to share or reproduce a run.
      </p>
      <Notices notices={initial.notices} />
      <div className="controls">
        <IntField spec={BENCH_SETTINGS.batch} value={values.batch} onChange={(batch) => set({ batch })} />
        <IntField spec={BENCH_SETTINGS.width} value={values.width} onChange={(width) => set({ width })} />
        <IntField spec={BENCH_SETTINGS.depth} value={values.depth} onChange={(depth) => set({ depth })} />
        <ChoiceField spec={BENCH_SETTINGS.activation} value={values.activation} onChange={(activation) => set({ activation })} />
        <TextField spec={BENCH_SETTINGS.orders} value={values.orders} onChange={(orders) => set({ orders })} />
        <IntField spec={BENCH_SETTINGS.reps} value={values.reps} onChange={(reps) => set({ reps })} />
        <IntField spec={BENCH_SETTINGS.warmup} value={values.warmup} onChange={(warmup) => set({ warmup })} />
        <IntField spec={BENCH_SETTINGS.admax} value={values.admax} onChange={(admax) => set({ admax })} />
        <ChoiceField spec={BENCH_SETTINGS.jaxjs} value={values.jaxjs} onChange={(jaxjs) => set({ jaxjs })} />
        <button onClick={run} disabled={busy} data-testid="run-bench">
          {busy ? 'Running…' : 'Run benchmark'}
        </button>
        {result && (
          <>
            <button onClick={() => downloadText('pinn-bench.json', JSON.stringify(result, null, 1))}>Download JSON</button>
            <button onClick={() => downloadText('pinn-bench.csv', toCsv(result), 'text/csv')}>Download CSV</button>
          </>
        )}
      </div>
      {progress && <p className="meta" data-testid="bench-progress">{busy ? `Running: ${progress}` : 'Finished.'} {gpu.adapter.isSoftware && 'Software adapter: these are CPU timings, compare ratios only.'}</p>}
      {error && <div className="error" data-testid="bench-error">{error}</div>}
      {rows.length > 0 && (
        <>
          <table className="results" data-testid="bench-table">
            <thead>
              <tr>
                <th>n</th>
                <th>AD ms</th>
                <th>nTP ms</th>
                <th>AD/nTP</th>
                <th>AD graph ops</th>
                <th>nTP kernels</th>
                <th>AD peak MiB</th>
                <th>nTP MiB</th>
                {result?.jaxjs && <th title="wall clock, jit(valueAndGrad) of nested vjp/grad">jax-js ms</th>}
                {result?.jaxjs && <th title="wall clock against wall clock">our AD / jax-js</th>}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.order}>
                  <td>{r.order}</td>
                  <td>{r.ad ? r.ad.ms.toFixed(3) : '–'}</td>
                  <td>{r.ntp.ms.toFixed(3)}</td>
                  <td>{r.ratio === null ? '–' : r.ratio.toFixed(2)}</td>
                  <td>{r.ad?.ops ?? '–'}</td>
                  <td>{r.ntp.ops}</td>
                  <td>{r.ad ? (r.ad.bytes / 2 ** 20).toFixed(1) : '–'}</td>
                  <td>{(r.ntp.bytes / 2 ** 20).toFixed(2)}</td>
                  {result?.jaxjs && <JaxCells row={r} jax={result.jaxjs.find((j) => j.order === r.order)} />}
                </tr>
              ))}
            </tbody>
          </table>
          {result?.jaxjsNote && <div className="error">{result.jaxjsNote}</div>}
          <p className="meta">
            {result?.device}; ms: median per step ({result?.timer}); dotted lines: wall clock from recording to completion, which includes the
            CPU cost of building AD's graph.
          </p>
          <div className="plots">
            <Plot data={charts.time} layout={TIME_LAYOUT} testId="bench-time" />
            <Plot data={charts.ratio} layout={RATIO_LAYOUT} />
            <Plot data={charts.size} layout={SIZE_LAYOUT} />
          </div>
        </>
      )}
    </section>
  );
}

const logLayout = (title: string, ytitle: string) => ({
  title: { text: title },
  xaxis: { title: { text: 'derivative order n' }, dtick: 1 },
  yaxis: { type: 'log', title: { text: ytitle } },
  legend: { orientation: 'h', y: -0.28 },
});
const TIME_LAYOUT = logLayout('Time per training step', 'ms');
const SIZE_LAYOUT = logLayout('Graph size', 'operations');
const RATIO_LAYOUT = { title: { text: 'AD / nTP' }, xaxis: { title: { text: 'derivative order n' }, dtick: 1 }, yaxis: { title: { text: 'ratio' } } };

function JaxCells({ row, jax }: { row: BenchRow; jax: JaxJsRow | undefined }) {
  if (!jax) return (<><td>–</td><td>–</td></>);
  return (
    <>
      <td>{jax.ms.toFixed(3)}</td>
      <td>{row.ad ? (row.ad.wallMs / jax.ms).toFixed(2) : '–'}</td>
    </>
  );
}

function buildCharts(rows: BenchRow[], jax: JaxJsRow[]) {
  const orders = rows.map((r) => r.order);
  const adRows = rows.filter((r) => r.ad);
  const adOrders = adRows.map((r) => r.order);
  const firstOps = adRows[0]?.ad?.ops ?? 1;
  const firstOrder = adRows[0]?.order ?? 0;
  return {
    time: [
      { x: adOrders, y: adRows.map((r) => r.ad!.ms), name: 'stacked AD', mode: 'lines+markers', type: 'scatter' },
      { x: orders, y: rows.map((r) => r.ntp.ms), name: 'n-TangentProp', mode: 'lines+markers', type: 'scatter' },
      { x: adOrders, y: adRows.map((r) => r.ad!.wallMs), name: 'stacked AD (wall clock)', mode: 'lines', line: { dash: 'dot' }, type: 'scatter' },
      { x: orders, y: rows.map((r) => r.ntp.wallMs), name: 'n-TangentProp (wall clock)', mode: 'lines', line: { dash: 'dot' }, type: 'scatter' },
      ...(jax.length ? [{ x: jax.map((j) => j.order), y: jax.map((j) => j.ms), name: 'jax-js (wall clock)', mode: 'lines+markers', line: { dash: 'dash' }, type: 'scatter' }] : []),
    ],
    ratio: [{ x: adOrders, y: adRows.map((r) => r.ratio), name: 'AD / nTP', type: 'bar' }],
    size: [
      { x: adOrders, y: adRows.map((r) => r.ad!.ops), name: 'AD graph: recorded ops', mode: 'lines+markers', type: 'scatter' },
      { x: orders, y: rows.map((r) => r.ntp.ops), name: 'nTP: kernels per step', mode: 'lines+markers', type: 'scatter' },
      { x: orders, y: orders.map((n) => firstOps * 2 ** (n - firstOrder)), name: '2ⁿ growth', mode: 'lines', line: { dash: 'dash', color: '#999' }, type: 'scatter' },
    ],
  };
}

/** The third-party column: jax-js on its WebGPU backend (its Wasm backend computes wrong gradients at widths divisible by 4 in 0.1.25). */
async function runJaxJsColumn(orders: number[], v: BenchValues, progress: (m: string) => void): Promise<Pick<BenchResult, 'jaxjs' | 'jaxjsNote'>> {
  const { benchJaxJs } = await import('../engine/bench/jaxjs');
  const rng = new Rng(1); // the same points as runAdVsNtp (seed 0 + 1)
  const points = Float32Array.from({ length: v.batch }, () => rng.range(-1, 1));
  const rows: JaxJsRow[] = [];
  try {
    for (const order of orders) {
      progress(`n = ${order}: jax-js`);
      const r = await benchJaxJs({ batch: v.batch, width: v.width, depth: v.depth, order, reps: v.reps, warmup: Math.max(1, v.warmup), seed: 0, points, device: 'webgpu' });
      rows.push({ order, ms: r.ms, backend: r.backend, loss: r.loss });
    }
    return { jaxjs: rows };
  } catch (e) {
    return { jaxjs: rows, jaxjsNote: `jax-js stopped: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function timerOf(row: BenchRow): string {
  return row.ntp.gpuMs !== null ? 'GPU timestamps' : 'wall clock';
}

function toCsv(r: BenchResult): string {
  const head = 'order,ad_ms,ntp_ms,ratio,ad_wall_ms,ntp_wall_ms,ad_ops,ntp_ops,ad_bytes,ntp_bytes,jaxjs_ms';
  const lines = r.rows.map((x) =>
    [x.order, x.ad?.ms ?? '', x.ntp.ms, x.ratio ?? '', x.ad?.wallMs ?? '', x.ntp.wallMs, x.ad?.ops ?? '', x.ntp.ops, x.ad?.bytes ?? '', x.ntp.bytes, r.jaxjs?.find((j) => j.order === x.order)?.ms ?? ''].join(','),
  );
  return [`# ${r.device}; ${r.timer}`, head, ...lines].join('\n') + '\n';
}
