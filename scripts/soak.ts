/**
 * npm run soak [-- --minutes 60 --pde heat-1d]: trains in the built app in headless Chromium
 * (WebGPU on SwiftShader) for the given time and, every minute, samples the page's JS heap
 * (after a garbage collection), the number of live GPU buffers (createBuffer minus destroy,
 * counted by a hook the script installs) and the steps per second. It fails (exit 1) if the heap
 * or the live buffers grow by more than 10% from the sample at minute 5 to the last one.
 * Prints one line per sample and, at the end, a JSON summary (docs/BENCHMARKS.md reports one).
 */
import { execFileSync } from 'node:child_process';
import { launchChromium, serveDist } from '../tests/e2e/browser';

const args = process.argv.slice(2);
const value = (name: string, def: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : def);
const minutes = Number(value('--minutes', '60'));
const pde = value('--pde', 'heat-1d');
if (!(minutes >= 6)) throw new Error('--minutes must be at least 6 (the baseline is the sample at minute 5)');

execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
const server = await serveDist('/pinn/');
const browser = await launchChromium();
const page = await browser.newPage();
// count live GPU buffers: every createBuffer, less every destroy (and the ones the page drops are still counted: a leak)
await page.addInitScript(() => {
  const w = window as unknown as { __liveBuffers: number };
  w.__liveBuffers = 0;
  const proto = (globalThis as unknown as { GPUDevice?: { prototype: { createBuffer: (...a: unknown[]) => unknown } } }).GPUDevice?.prototype;
  const bproto = (globalThis as unknown as { GPUBuffer?: { prototype: { destroy: () => void } } }).GPUBuffer?.prototype;
  if (!proto || !bproto) return;
  const create = proto.createBuffer;
  proto.createBuffer = function (this: unknown, ...a: unknown[]) {
    w.__liveBuffers++;
    const b = create.apply(this, a) as { __counted?: boolean };
    b.__counted = true;
    return b;
  };
  const destroy = bproto.destroy;
  bproto.destroy = function (this: { __counted?: boolean; __destroyed?: boolean }) {
    if (this.__counted && !this.__destroyed) w.__liveBuffers--;
    this.__destroyed = true;
    return destroy.call(this);
  };
});
const cdp = await page.context().newCDPSession(page);
await page.goto(`${server.url}#train?pde=${pde}&width=16&depth=2&points=256&steps=10000000`);
await page.waitForSelector('[data-testid=train-status]', { timeout: 120_000 });
// the view starts training on its own; press Play only if it has not after a minute
const running = () => page.evaluate(() => (window as unknown as { __pinnTrain: { running: boolean } }).__pinnTrain.running);
for (let i = 0; i < 60 && !(await running()); i++) await new Promise((r) => setTimeout(r, 1000));
if (!(await running())) await page.click('[data-testid=play]');

type Sample = { minute: number; heapMB: number; buffers: number; step: number; stepsPerSecond: number };
const samples: Sample[] = [];
let last = { t: Date.now(), step: 0 };
for (let m = 1; m <= minutes; m++) {
  await new Promise((r) => setTimeout(r, 60_000));
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  const s = await page.evaluate(() => {
    const w = window as unknown as { __liveBuffers: number; __pinnTrain: { history: { step: number }[]; running: boolean } };
    return { buffers: w.__liveBuffers, step: w.__pinnTrain.history.at(-1)?.step ?? 0, running: w.__pinnTrain.running };
  });
  const now = Date.now();
  const sample = { minute: m, heapMB: heap.usedSize / 2 ** 20, buffers: s.buffers, step: s.step, stepsPerSecond: ((s.step - last.step) * 1000) / (now - last.t) };
  last = { t: now, step: s.step };
  samples.push(sample);
  console.log(`minute ${m}: heap ${sample.heapMB.toFixed(1)} MiB, live GPU buffers ${sample.buffers}, step ${sample.step}, ${sample.stepsPerSecond.toFixed(1)} steps/s${s.running ? '' : ' (not running)'}`);
}
const base = samples[4];
const end = samples[samples.length - 1];
const heapGrowth = end.heapMB / base.heapMB - 1;
const bufferGrowth = end.buffers / Math.max(1, base.buffers) - 1;
const ok = heapGrowth <= 0.1 && bufferGrowth <= 0.1;
console.log(JSON.stringify({ pde, minutes, device: 'SwiftShader in headless Chromium', heapGrowth, bufferGrowth, ok, samples }));
await browser.close();
await server.close();
process.exit(ok ? 0 : 1);
