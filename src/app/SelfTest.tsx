import { useEffect, useState } from 'react';
import type { PinnDevice } from '../engine/gpu/gpu';
import { runJetSelfTest, type JetCheckResult } from '../engine/selftest';
import { writeHash } from './settings';

/** Runs the jet kernels on this GPU against the f64 reference and shows the errors. */
export function SelfTest({ gpu }: { gpu: PinnDevice }) {
  const [results, setResults] = useState<JetCheckResult[]>([]);
  const [progress, setProgress] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  // the address names this view, so a reload or a shared link opens it
  useEffect(() => writeHash('check', new URLSearchParams()), []);

  const run = async () => {
    setRunning(true);
    setResults([]);
    try {
      await runJetSelfTest(gpu.device, undefined, (done, total, r) => {
        setProgress(`${done} of ${total} checked`);
        setResults((prev) => [...prev, r]);
      });
    } catch (e) {
      setProgress(`check failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setRunning(false);
    }
  };
  const failed = results.filter((r) => !r.pass).length;

  return (
    <section className="panel" data-testid="selftest">
      <h2>Check this GPU</h2>
      <p className="explain">
        Runs the Taylor-jet kernel on random networks (inputs 1–5, widths 8–128, depths 1–5, tanh and sin, orders up to 12) and compares each
        order with an independent float64 reference (Faà di Bruno). The error is the largest difference over the points divided by that order's
        largest magnitude; float32 allows 1e-4 up to order 6 and 1e-3 beyond.
      </p>
      <button onClick={run} disabled={running} data-testid="run-selftest">
        {running ? 'Checking…' : 'Run the check'}
      </button>
      {progress && <span className="meta"> {progress}</span>}
      {results.length > 0 && (
        <table className="results">
          <thead>
            <tr>
              <th>network</th>
              <th>worst error</th>
              <th>tolerance</th>
              <th>result</th>
            </tr>
          </thead>
          <tbody>
            {results.map((r) => (
              <tr key={r.label}>
                <td>{r.label}</td>
                <td>{Math.max(...r.errors).toExponential(2)}</td>
                <td>{r.tolerance}</td>
                <td className={r.pass ? 'ok' : 'bad'}>{r.pass ? 'pass' : 'FAIL'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!running && results.length > 0 && (
        <p className={failed ? 'error' : 'meta'}>{failed ? `${failed} case(s) failed: please report your GPU and browser.` : 'All cases pass on this GPU.'}</p>
      )}
    </section>
  );
}
