import { useState } from 'react';
import { runAdVsNtp, type BenchRow } from '../engine/bench/ad-vs-ntp';
import type { Activation } from '../engine/model/mlp';
import type { PdeProblem } from '../engine/problems/types';
import { Plot } from './Plot';

/** Orders beyond the problem's own, so the trend shows; AD stops here (its cost grows about threefold per order). */
const EXTRA_ORDERS = 2;
const AD_MAX_ORDER = 7;

/** The highest derivative order any loss term of the problem asks for. */
export function problemOrder(problem: PdeProblem): number {
  return Math.max(...problem.terms.flatMap((t) => t.derivatives.map((d) => d.order)));
}

/**
 * What derivatives cost at this run's network: one training step (derivatives 0..n along
 * one direction, loss, backward) by stacked AD and by n-TangentProp, from the benchmark
 * engine (the same as the "AD vs nTP" view and `pinn bench`), for n up to a little past
 * the order the problem needs; with graph sizes and memory.
 */
export function CostPanel({ device, problem, width, depth, activation, points, busy }: { device: GPUDevice; problem: PdeProblem; width: number; depth: number; activation: Activation; points: number; busy: boolean }) {
  const [rows, setRows] = useState<BenchRow[] | null>(null);
  const [progress, setProgress] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const need = problemOrder(problem);
  const top = Math.min(10, need + EXTRA_ORDERS);
  const batch = Math.min(points, 1024);
  const run = async () => {
    setError(null);
    setRows([]);
    try {
      const out = await runAdVsNtp(
        device,
        { batch, width, depth, activation, orders: Array.from({ length: top + 1 }, (_, i) => i), reps: 5, warmup: 1, seed: 0, adMaxOrder: AD_MAX_ORDER },
        (message, row) => {
          setProgress(message);
          if (row) setRows((r) => [...(r ?? []), row]);
        },
      );
      setRows(out);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setProgress(null);
    }
  };
  const timed = (rows ?? []).filter((r) => r.ratio !== null);
  return (
    <div className="cost" data-testid="cost-panel">
      <p className="meta">
        <button disabled={busy || progress !== null} onClick={() => void run()} data-testid="cost-run" title="Time one training step at this network's width and depth, derivative order 0 to a little past this problem's, by stacked AD and by Taylor jets (medians of 5, after a warm-up)">
          AD vs nTP at this network
        </button>{' '}
        {progress ?? `One step with derivatives 0..n for n = 0..${top} (this problem needs order ${need}), ${batch} points, ${depth}x${width} ${activation}.`}
      </p>
      {error && <div className="error">{error}</div>}
      {rows && rows.length > 0 && (
        <div className="plots">
          <table className="results" data-testid="cost-table">
            <thead>
              <tr>
                <th>order n</th>
                <th>AD ms</th>
                <th>nTP ms</th>
                <th>AD / nTP</th>
                <th>AD graph ops</th>
                <th>nTP kernels</th>
                <th>AD MiB</th>
                <th>nTP MiB</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.order} className={r.order === need ? 'highlight' : undefined}>
                  <td>{r.order === need ? `${r.order} (this problem)` : r.order}</td>
                  <td>{r.ad ? r.ad.ms.toFixed(2) : 'skipped'}</td>
                  <td>{r.ntp.ms.toFixed(2)}</td>
                  <td>{r.ratio === null ? '–' : r.ratio.toFixed(1)}</td>
                  <td>{r.ad?.ops ?? '–'}</td>
                  <td>{r.ntp.ops}</td>
                  <td>{r.ad ? (r.ad.bytes / 2 ** 20).toFixed(2) : '–'}</td>
                  <td>{(r.ntp.bytes / 2 ** 20).toFixed(2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Plot
            testId="cost-plot"
            data={[
              { x: timed.map((r) => r.order), y: timed.map((r) => r.ratio), name: 'AD / nTP', mode: 'lines+markers', type: 'scatter' },
              { x: [need, need], y: [1, Math.max(2, ...timed.map((r) => r.ratio ?? 1))], name: 'this problem', mode: 'lines', type: 'scatter', line: { dash: 'dot' } },
            ]}
            layout={{ title: { text: 'Stacked AD over n-TangentProp, one step' }, xaxis: { title: { text: 'derivative order n' }, dtick: 1 }, yaxis: { type: 'log', title: { text: 'time ratio' } }, legend: { orientation: 'h', y: -0.28 } }}
          />
        </div>
      )}
    </div>
  );
}
