/** The page's one WebGPU device, and what the UI shows about it. */
import { create } from 'zustand';
import { requestPinnDevice, type AdapterSummary, type PinnDevice } from '../engine/gpu/gpu';

export type GpuStatus =
  | { state: 'pending' }
  | { state: 'ready'; gpu: PinnDevice }
  | { state: 'error'; message: string; kind: 'unavailable' | 'lost' | 'other' };

export const useGpu = create<{ status: GpuStatus; adapter: AdapterSummary | null; warning: string | null }>(() => ({
  status: { state: 'pending' },
  adapter: null,
  /** A GPU error no view caught (out of memory): shown above the views until dismissed. */
  warning: null,
}));

/** Whether a device was lost in this page: a failed reconnect then still offers Reconnect. */
let lostBefore = false;

let pending: Promise<PinnDevice> | null = null;
let simulatedLoss = false;

/** Lose the device on purpose (tests and the troubleshooting hook): the same path as a real loss. */
export function simulateDeviceLoss(): void {
  const s = useGpu.getState().status;
  if (s.state !== 'ready') return;
  simulatedLoss = true;
  s.gpu.device.destroy();
}

/** Request the device once; a lost device is reported and a later call asks for a new one. */
export function acquireGpu(): Promise<PinnDevice> {
  if (pending) return pending;
  if (lostBefore) useGpu.setState({ status: { state: 'pending' } }); // "Looking for a GPU…" while reconnecting
  pending = requestPinnDevice(typeof navigator !== 'undefined' ? navigator.gpu : undefined)
    .then((gpu) => {
      useGpu.setState({ status: { state: 'ready', gpu }, adapter: gpu.adapter, warning: null });
      void gpu.device.lost.then((info) => {
        pending = null;
        if (info.reason === 'destroyed' && !simulatedLoss) return;
        simulatedLoss = false;
        lostBefore = true;
        useGpu.setState({
          status: { state: 'error', kind: 'lost', message: `The GPU device was lost (${info.message || info.reason}). Press "Reconnect" to get a new one.` },
        });
      });
      gpu.device.addEventListener('uncapturederror', (e) => {
        const error = (e as GPUUncapturedErrorEvent).error;
        console.warn('WebGPU error:', error.message);
        // out of memory leaves buffers unusable: what is computed after it is not valid, so say so
        if (typeof GPUOutOfMemoryError !== 'undefined' && error instanceof GPUOutOfMemoryError) {
          useGpu.setState({ warning: `The GPU ran out of memory (${error.message || 'no detail'}). Results from here on are not valid: lower the dimension, the points or the width, then start again.` });
        }
      });
      return gpu;
    })
    .catch((e: unknown) => {
      pending = null;
      const message = e instanceof Error ? e.message : String(e);
      // after a loss a failed reconnect keeps the Reconnect button (the GPU may come back)
      if (lostBefore) useGpu.setState({ status: { state: 'error', kind: 'lost', message: `Reconnecting failed: ${message} Press "Reconnect" to try again, or reload the page.` } });
      else useGpu.setState({ status: { state: 'error', kind: message.startsWith('WebGPU is not available') ? 'unavailable' : 'other', message } });
      throw e;
    });
  return pending;
}
