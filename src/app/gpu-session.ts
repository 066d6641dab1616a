/** The page's one WebGPU device, and what the UI shows about it. */
import { create } from 'zustand';
import { requestPinnDevice, type AdapterSummary, type PinnDevice } from '../engine/gpu';

export type GpuStatus =
  | { state: 'pending' }
  | { state: 'ready'; gpu: PinnDevice }
  | { state: 'error'; message: string; kind: 'unavailable' | 'lost' | 'other' };

export const useGpu = create<{ status: GpuStatus; adapter: AdapterSummary | null }>(() => ({
  status: { state: 'pending' },
  adapter: null,
}));

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
  pending = requestPinnDevice(typeof navigator !== 'undefined' ? navigator.gpu : undefined)
    .then((gpu) => {
      useGpu.setState({ status: { state: 'ready', gpu }, adapter: gpu.adapter });
      void gpu.device.lost.then((info) => {
        pending = null;
        if (info.reason === 'destroyed' && !simulatedLoss) return;
        simulatedLoss = false;
        useGpu.setState({
          status: { state: 'error', kind: 'lost', message: `The GPU device was lost (${info.message || info.reason}). Press "Reconnect" to get a new one.` },
        });
      });
      gpu.device.addEventListener('uncapturederror', (e) => console.warn('WebGPU error:', (e as GPUUncapturedErrorEvent).error.message));
      return gpu;
    })
    .catch((e: unknown) => {
      pending = null;
      const message = e instanceof Error ? e.message : String(e);
      useGpu.setState({ status: { state: 'error', kind: message.startsWith('WebGPU is not available') ? 'unavailable' : 'other', message } });
      throw e;
    });
  return pending;
}
