/**
 * npm run bench:browser — the benchmark view of the built app in headless Chromium
 * (WebGPU on SwiftShader unless CHROMIUM_GPU=1 lets Chromium use a real GPU), with the
 * jax-js column: our AD, nTP and jax-js timed in the same browser.
 * Options: the view's URL settings, e.g. --settings "batch=256&width=24&depth=3&orders=0-4&reps=5&admax=4".
 */
import { collectErrors, launchChromium, serveDist } from '../tests/e2e/browser';

const i = process.argv.indexOf('--settings');
const settings = i > 0 ? process.argv[i + 1] : 'batch=256&width=24&depth=3&activation=tanh&orders=0-4&reps=5&warmup=2&admax=4';
const server = await serveDist('/pinn/');
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  const errors = collectErrors(page);
  page.on('console', (m) => m.type() === 'log' && process.stderr.write(`[page] ${m.text()}\n`));
  await page.goto(`${server.url}#benchmark?${settings}&jaxjs=on&run=1`);
  const progress = setInterval(async () => {
    const text = await page.textContent('[data-testid=bench-progress]').catch(() => null);
    if (text) process.stderr.write(`\r${text.slice(0, 60).padEnd(60)}`);
  }, 2000);
  await page.waitForFunction(
    () => {
      const b = (window as unknown as { __pinnBench?: { result: unknown; busy: boolean } }).__pinnBench;
      return b && !b.busy && b.result;
    },
    undefined,
    { timeout: 3_600_000 },
  );
  clearInterval(progress);
  process.stderr.write('\n');
  const result = await page.evaluate(() => (window as unknown as { __pinnBench: { result: unknown } }).__pinnBench.result);
  const r = result as {
    device: string;
    timer: string;
    rows: { order: number; ad: { ms: number; wallMs: number } | null; ntp: { ms: number; wallMs: number }; ratio: number | null }[];
    jaxjs?: { order: number; ms: number; backend: string }[];
    jaxjsNote?: string;
  };
  console.log(`device: ${r.device} (Chromium), ms: ${r.timer}; wall: recording to completion; settings: ${settings}`);
  console.log('| n | AD ms | nTP ms | AD/nTP | AD wall ms | nTP wall ms | jax-js wall ms | our AD wall / jax-js |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of r.rows) {
    const j = r.jaxjs?.find((x) => x.order === row.order);
    const f = (v: number | undefined | null) => (v === undefined || v === null ? '-' : v.toFixed(v < 10 ? 3 : 1));
    console.log(
      `| ${row.order} | ${f(row.ad?.ms)} | ${f(row.ntp.ms)} | ${row.ratio === null ? '-' : row.ratio.toFixed(2)} | ${f(row.ad?.wallMs)} | ${f(row.ntp.wallMs)} | ${f(j?.ms)} | ${j && row.ad ? (row.ad.wallMs / j.ms).toFixed(2) : '-'} |`,
    );
  }
  if (r.jaxjsNote) console.log(r.jaxjsNote);
  if (errors.length) console.log(`page errors: ${errors.join('; ')}`);
} finally {
  await browser.close();
  await server.close();
}
