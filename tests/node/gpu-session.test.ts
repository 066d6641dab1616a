/**
 * The app's GPU session (src/app/gpu-session.ts) against a fake navigator.gpu: no WebGPU,
 * an uncaptured out-of-memory error (the banner), a lost device, a failed reconnect that keeps
 * Reconnect on offer, a reconnect that works, and a device destroyed on purpose (ignored).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { acquireGpu, simulateDeviceLoss, useGpu } from '../../src/app/gpu-session';

class FakeOutOfMemory extends Error {}

class FakeDevice extends EventTarget {
  readonly limits = {};
  readonly features = new Set<string>();
  private settle!: (info: { reason: string; message: string }) => void;
  readonly lost = new Promise<{ reason: string; message: string }>((r) => (this.settle = r));
  destroy(): void {
    this.settle({ reason: 'destroyed', message: '' });
  }
  /** What the browser does when the driver resets. */
  lose(message: string): void {
    this.settle({ reason: 'unknown', message });
  }
  uncaptured(error: Error): void {
    this.dispatchEvent(Object.assign(new Event('uncapturederror'), { error }));
  }
}

let device: FakeDevice | null = null;
let adapterFound = true;
const adapter = {
  info: { vendor: 'test', architecture: 'fake', device: '', description: '' },
  limits: new Proxy({}, { get: () => 1 << 20 }),
  features: new Set<string>(),
  requestDevice: async () => (device = new FakeDevice()),
};
const gpu = { requestAdapter: async () => (adapterFound ? adapter : null) };

const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
const savedOom = (globalThis as Record<string, unknown>).GPUOutOfMemoryError;
function setNavigator(value: unknown): void {
  Object.defineProperty(globalThis, 'navigator', { value, configurable: true, writable: true });
}
const tick = () => new Promise((r) => setTimeout(r, 0));
const status = () => useGpu.getState().status;

afterAll(() => {
  if (saved) Object.defineProperty(globalThis, 'navigator', saved);
  else delete (globalThis as Record<string, unknown>).navigator;
  (globalThis as Record<string, unknown>).GPUOutOfMemoryError = savedOom;
});

describe('the app GPU session', () => {
  it('reports no WebGPU, warns on out of memory, offers Reconnect after a loss and keeps offering it when reconnecting fails', async () => {
    (globalThis as Record<string, unknown>).GPUOutOfMemoryError = FakeOutOfMemory;
    // a browser without WebGPU: a clear message, no Reconnect (kind unavailable)
    setNavigator({});
    await expect(acquireGpu()).rejects.toThrow(/no navigator.gpu/);
    expect(status()).toMatchObject({ state: 'error', kind: 'unavailable' });

    setNavigator({ gpu });
    await acquireGpu();
    expect(status().state).toBe('ready');
    const first = device!;

    // a validation error is only logged; out of memory raises the banner
    first.uncaptured(new Error('bad binding'));
    expect(useGpu.getState().warning).toBeNull();
    first.uncaptured(new FakeOutOfMemory('buffer of 9 GiB'));
    expect(useGpu.getState().warning).toMatch(/ran out of memory \(buffer of 9 GiB\).*lower the dimension/);

    // the device is lost: Reconnect is offered
    first.lose('driver reset');
    await tick();
    expect(status()).toMatchObject({ state: 'error', kind: 'lost' });
    expect((status() as { message: string }).message).toMatch(/was lost \(driver reset\).*Reconnect/);

    // reconnecting finds no adapter: still kind lost (Reconnect stays), saying what failed
    adapterFound = false;
    await expect(acquireGpu()).rejects.toThrow(/no GPU adapter/);
    expect(status()).toMatchObject({ state: 'error', kind: 'lost' });
    expect((status() as { message: string }).message).toMatch(/^Reconnecting failed: .*no GPU adapter was found.*Press "Reconnect" to try again/);

    // the GPU is back: ready, the banner cleared, a new device
    adapterFound = true;
    await acquireGpu();
    expect(status().state).toBe('ready');
    expect(useGpu.getState().warning).toBeNull();
    expect(device).not.toBe(first);

    // a device destroyed by the page itself is not a loss; the simulated loss is
    device!.destroy();
    await tick();
    expect(status().state).toBe('ready');
  });

  it('a simulated loss takes the same path as a real one', async () => {
    // the destroyed device of the test above is let go of: this asks for a new one
    const gpuNow = await acquireGpu();
    expect(gpuNow.device).toBe(device);
    simulateDeviceLoss();
    await tick();
    expect(status()).toMatchObject({ state: 'error', kind: 'lost' });
    await acquireGpu();
    expect(status().state).toBe('ready');
  });
});
