import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { acquireGpu, useGpu } from './app/gpu-session';
import { runJetSelfTest } from './engine/selftest';
import { registerBundledShaders } from './platform/shaders-vite';
import './app/style.css';

registerBundledShaders();

// Hooks for the end-to-end tests (and curious users in the console).
const ready = acquireGpu().then(
  () => undefined,
  () => undefined,
);
Object.assign(window, {
  __pinn: {
    ready,
    /** The adapter in use, null until the device is ready (or when there is none). */
    get adapter() {
      return useGpu.getState().adapter;
    },
    selfTest: async () => runJetSelfTest((await acquireGpu()).device),
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
