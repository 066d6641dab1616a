import { useEffect, useState } from 'react';
import { adapterLabel } from '../engine/gpu/gpu';
import { acquireGpu, useGpu } from './gpu-session';
import { JetExplorer } from './JetExplorer';
import { SelfTest } from './SelfTest';
import { BenchView } from './BenchView';
import { TrainView } from './TrainView';
import { HighDimView } from './HighDimView';
import { linkView, readHash, type ViewId } from './settings';
import { ProblemFileDrop } from './ProblemFiles';
import { useProblemFiles } from './problem-files';

const VIEWS: readonly { id: ViewId; label: string; help: string }[] = [
  { id: 'train', label: 'Train', help: 'Solve a PDE with a PINN on your GPU' },
  { id: 'highdim', label: 'High dimension', help: 'PDEs in thousands of dimensions with STDE (random coordinate jets)' },
  { id: 'derivatives', label: 'Derivatives', help: 'A random network and its derivatives from one Taylor jet' },
  { id: 'benchmark', label: 'AD vs nTP', help: 'Time per training step against derivative order' },
  { id: 'check', label: 'Check this GPU', help: 'Compare the kernels with a float64 reference' },
];

export function App() {
  const { status, adapter, warning } = useGpu();
  const [view, setView] = useState<ViewId>(() => linkView().view);
  const autorun = readHash().params.get('run') === '1';

  useEffect(() => {
    acquireGpu().catch(() => undefined);
  }, []);

  // a high-dimensional problem file (a model u = G + F N) opens in the High dimension view
  const opened = useProblemFiles((s) => s.result);
  useEffect(() => {
    if (opened?.kind === 'opened' && opened.opened.view === 'highdim') setView('highdim');
  }, [opened]);

  return (
    <div className="app">
      {/* problem files dropped anywhere open in the Train view (its problem chooser shows the outcome), a high-dimensional one in the High dimension view */}
      <ProblemFileDrop onDrop={() => setView('train')} />
      <header>
        <h1>PINN Playground</h1>
        <p className="tagline">Physics-informed neural networks on your GPU: Taylor jets (n-TangentProp), stacked AD, finite differences, Stein’s estimator and STDE, side by side.</p>
        <div className="adapter" data-testid="adapter">
          {status.state === 'pending' && 'Looking for a GPU…'}
          {status.state === 'ready' && adapter && (
            <>
              GPU: <b>{adapterLabel(adapter)}</b>
              {adapter.isSoftware && <span className="warn"> — software (CPU) adapter: timings are CPU timings</span>}
              <details className="limits">
                <summary>limits</summary>
                <ul>
                  {Object.entries(adapter.limits).map(([k, v]) => (
                    <li key={k}>
                      {k}: {v.toLocaleString()}
                    </li>
                  ))}
                  <li>timestamp-query: {adapter.features.includes('timestamp-query') ? 'yes' : 'no'}</li>
                </ul>
              </details>
            </>
          )}
        </div>
      </header>
      {status.state === 'error' && (
        <div className="error big" data-testid="gpu-error">
          <p>{status.message}</p>
          {status.kind === 'unavailable' && (
            <ul>
              <li>Chrome or Edge 113 or newer on Windows, macOS or ChromeOS have WebGPU on by default.</li>
              <li>On Linux start Chrome with <code>--enable-unsafe-webgpu --enable-features=Vulkan</code>, or enable chrome://flags/#enable-unsafe-webgpu.</li>
              <li>Firefox: set dom.webgpu.enabled in about:config (Nightly); Safari: enable WebGPU in the Feature Flags.</li>
              <li>chrome://gpu shows whether WebGPU is blocked on this machine.</li>
            </ul>
          )}
          {status.kind === 'lost' && <button onClick={() => acquireGpu().catch(() => undefined)}>Reconnect</button>}
        </div>
      )}
      {warning && (
        <div className="error" data-testid="gpu-warning">
          {warning} <button onClick={() => useGpu.setState({ warning: null })}>Dismiss</button>
        </div>
      )}
      <nav>
        {VIEWS.map((v) => (
          <button key={v.id} className={v.id === view ? 'active' : ''} title={v.help} onClick={() => setView(v.id)} data-testid={`tab-${v.id}`}>
            {v.label}
          </button>
        ))}
      </nav>
      {status.state === 'ready' && (
        <main>
          {view === 'train' && <TrainView gpu={status.gpu} />}
          {view === 'highdim' && <HighDimView gpu={status.gpu} />}
          {view === 'derivatives' && <JetExplorer gpu={status.gpu} />}
          {view === 'benchmark' && <BenchView gpu={status.gpu} autorun={autorun} />}
          {view === 'check' && <SelfTest gpu={status.gpu} />}
        </main>
      )}
      <footer>
        Methods from: n-TangentProp (Chickering), AD vs finite differences (Chen et al.), Stein's estimator (He et al.), STDE (Shi et al.). All
        computation runs in this tab through WebGPU compute shaders.
      </footer>
    </div>
  );
}
