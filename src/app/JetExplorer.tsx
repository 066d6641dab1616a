import { useEffect, useMemo, useState } from 'react';
import { GpuMlp } from '../engine/model/gpu-mlp';
import { Mlp, type Activation } from '../engine/model/mlp';
import { TaylorDerivatives } from '../engine/methods/taylor';
import type { PinnDevice } from '../engine/gpu/gpu';
import { downloadText } from './download';
import { Plot } from './Plot';
import { parseSettings, readHash, serializeSettings, writeHash, type SettingsValues } from './settings';
import { EXPLORER_SETTINGS } from './view-settings';
import { IntField, ChoiceField, Notices } from './fields';

type ExplorerValues = SettingsValues<typeof EXPLORER_SETTINGS>;

const DERIVATIVE_NAMES = ['u', "u'", "u''", 'u⁽³⁾', 'u⁽⁴⁾', 'u⁽⁵⁾', 'u⁽⁶⁾'];
const N_POINTS = 201;
const X_MIN = -2;
const X_MAX = 2;

/** u(x) and its first derivatives along x for a random 1-D network, from one fused Taylor-jet pass. */
export function JetExplorer({ gpu }: { gpu: PinnDevice }) {
  const initial = useMemo(() => parseSettings(EXPLORER_SETTINGS, readHash().params), []);
  const [values, setValues] = useState<ExplorerValues>(initial.values);
  const [series, setSeries] = useState<{ xs: number[]; ys: number[][]; ms: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const mlp = useMemo(
    () => Mlp.init({ inputDim: 1, width: values.width, depth: values.depth, outputDim: 1, activation: values.activation as Activation }, values.seed),
    [values.width, values.depth, values.activation, values.seed],
  );

  useEffect(() => writeHash('derivatives', serializeSettings(EXPLORER_SETTINGS, values)), [values]);

  useEffect(() => {
    let cancelled = false;
    const xs = Array.from({ length: N_POINTS }, (_, i) => X_MIN + ((X_MAX - X_MIN) * i) / (N_POINTS - 1));
    const net = new GpuMlp(gpu.device, mlp);
    // u, u', ..., u^(n) by the Taylor method's `pinn derivs` entry point (one fused jet pass)
    const taylor = new TaylorDerivatives(net);
    const t0 = performance.now();
    taylor
      .derivatives(Float32Array.from(xs), Float32Array.of(1), true, values.order)
      .then((rows) => {
        if (cancelled) return;
        const ys = rows[0].map((_, k) => rows.map((row) => row[k]));
        setSeries({ xs, ys, ms: performance.now() - t0 });
        setError(null);
      })
      .catch((e: unknown) => {
        if (!cancelled) setError(e instanceof Error ? e.message : String(e));
      })
      .finally(() => {
        taylor.destroy();
        net.destroy();
      });
    return () => {
      cancelled = true;
    };
  }, [gpu, mlp, values.order]);

  const data = useMemo(
    () => (series ? series.ys.map((y, k) => ({ x: series.xs, y, type: 'scatter', mode: 'lines', name: DERIVATIVE_NAMES[k] })) : []),
    [series],
  );
  const layout = useMemo(() => ({ title: { text: 'A random network and its derivatives along x' }, xaxis: { title: { text: 'x' } }, legend: { orientation: 'h', y: -0.28 } }), []);
  const set = (patch: Partial<ExplorerValues>) => setValues((v) => ({ ...v, ...patch }));

  return (
    <section className="panel" data-testid="explorer">
      <h2>Derivatives of a network, all orders in one pass</h2>
      <p className="explain">
        A <b>Taylor jet</b> pushes the whole series u(x + t), u′, u″/2, … through the network at once: each layer multiplies every order by
        the same weights, and tanh or sin turn the series into their own series with a short O(n²) recurrence. All derivatives up to order n
        cost about n times one forward pass (n-TangentProp), where nested back-propagation grows like 2ⁿ.
      </p>
      <Notices notices={initial.notices} />
      <div className="controls">
        <IntField spec={EXPLORER_SETTINGS.seed} value={values.seed} onChange={(seed) => set({ seed })} />
        <IntField spec={EXPLORER_SETTINGS.width} value={values.width} onChange={(width) => set({ width })} />
        <IntField spec={EXPLORER_SETTINGS.depth} value={values.depth} onChange={(depth) => set({ depth })} />
        <ChoiceField spec={EXPLORER_SETTINGS.activation} value={values.activation} onChange={(activation) => set({ activation })} />
        <IntField spec={EXPLORER_SETTINGS.order} value={values.order} onChange={(order) => set({ order })} />
        <button onClick={() => set({ seed: (values.seed + 1) % 2 ** 31 })} title="Draw another network (next seed)">
          New network
        </button>
        <button onClick={() => downloadText(`mlp-seed${values.seed}.json`, JSON.stringify(mlp.toJSON()))} data-testid="download-model" title="PyTorch nn.Linear convention; the pinn command line reads it">
          Download model JSON
        </button>
      </div>
      {error && <div className="error">{error}</div>}
      <Plot data={data} layout={layout} testId="jet-plot" />
      {series && (
        <p className="meta" data-testid="jet-meta">
          {N_POINTS} points, orders 0–{values.order}: {series.ms.toFixed(1)} ms including upload, shader set-up and read-back.
        </p>
      )}
    </section>
  );
}
