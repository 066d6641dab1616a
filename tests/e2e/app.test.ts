import { mkdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { collectErrors, launchChromium, serveDist } from './browser';
import { cliNames, specFromCli, specFromParams, trainSetup } from '../../src/engine/spec/experiment';
import { parseArgs } from '../../src/cli/args';

let browser: Browser;
let server: { url: string; close: () => Promise<void> };
const SHOTS = 'test-results';

/** What src/main.tsx exposes on window for these tests. */
interface PinnWindow {
  __pinn: {
    ready: Promise<void>;
    adapter: { architecture: string; isSoftware: boolean } | null;
    selfTest: () => Promise<{ label: string; errors: number[]; tolerance: number; pass: boolean }[]>;
  };
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await serveDist('/pinn/');
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the playground in headless Chromium (WebGPU on SwiftShader)', () => {
  it('loads with no console errors, shows the adapter and plots the derivatives', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page);
    await page.goto(`${server.url}#derivatives`);
    await page.waitForFunction(() => (window as unknown as PinnWindow).__pinn?.ready !== undefined);
    await page.evaluate(() => (window as unknown as PinnWindow).__pinn.ready);
    const adapter = await page.evaluate(() => (window as unknown as PinnWindow).__pinn.adapter);
    expect(adapter?.architecture).toMatch(/swiftshader/i);
    expect(adapter?.isSoftware).toBe(true);
    await expect.poll(() => page.textContent('[data-testid=adapter]'), { timeout: 30_000 }).toMatch(/swiftshader/i);
    expect(await page.textContent('[data-testid=adapter]')).toContain('software (CPU) adapter: timings are CPU timings');
    await page.waitForSelector('[data-testid=jet-meta]', { timeout: 60_000 });
    const traces = await page.evaluate(() =>
      ((document.querySelector('[data-testid=jet-plot]') as unknown as { data?: { name: string; x: number[]; y: number[] }[] })?.data ?? []).map((t) => ({
        name: t.name,
        x: [...t.x],
        y: [...t.y],
      })),
    );
    expect(traces.map((t) => t.name)).toEqual(['u', "u'", "u''", 'u⁽³⁾']);
    for (const t of traces) {
      expect(t.x).toHaveLength(201);
      expect(t.x[0]).toBeCloseTo(-2, 6);
      expect(t.x[200]).toBeCloseTo(2, 6);
      expect(t.y.every(Number.isFinite)).toBe(true);
    }
    // each plotted derivative is the central difference of the one below it (h = 0.02, so O(h²) agreement)
    for (let k = 1; k < traces.length; k++) {
      const below = traces[k - 1].y;
      const cur = traces[k].y;
      const scale = Math.max(...cur.map(Math.abs));
      for (let i = 1; i < 200; i++) {
        const fd = (below[i + 1] - below[i - 1]) / (traces[0].x[i + 1] - traces[0].x[i - 1]);
        expect(Math.abs(fd - cur[i]), `${traces[k].name} at x=${traces[0].x[i].toFixed(2)}`).toBeLessThan(2e-2 * scale);
      }
    }
    await page.screenshot({ path: `${SHOTS}/app-derivatives.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('runs the jet kernel check in the browser: every order within its f32 tolerance of the f64 reference', async () => {
    const page = await browser.newPage();
    const errors = collectErrors(page);
    await page.goto(server.url);
    await page.waitForFunction(() => (window as unknown as PinnWindow).__pinn?.selfTest !== undefined);
    const results = await page.evaluate(() => (window as unknown as PinnWindow).__pinn.selfTest());
    expect(results.length).toBeGreaterThanOrEqual(9);
    for (const r of results) {
      const order = Number(/ n=(\d+)/.exec(r.label)?.[1]);
      expect(r.errors, `${r.label}: one error per order 0..n`).toHaveLength(order + 1);
      r.errors.forEach((e, k) => {
        expect(Number.isFinite(e), `${r.label} order ${k}`).toBe(true);
        expect(e, `${r.label} order ${k}`).toBeLessThanOrEqual(r.tolerance);
      });
      expect(r.pass, r.label).toBe(true);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('"Check this GPU" panel: progress line and a table with every case passing', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page);
    await page.goto(`${server.url}#check`);
    await page.click('[data-testid=run-selftest]', { timeout: 30_000 });
    await page.waitForSelector('[data-testid=selftest] table.results tbody tr', { timeout: 60_000 });
    await page.waitForSelector('[data-testid=run-selftest]:not([disabled])', { timeout: 120_000 });
    const rows = await page.$$eval('[data-testid=selftest] table.results tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(rows.length).toBeGreaterThanOrEqual(9);
    for (const [label, worst, tolerance, result] of rows) {
      expect(result, label).toBe('pass');
      expect(Number(worst), label).toBeLessThanOrEqual(Number(tolerance));
    }
    const progress = (await page.textContent('[data-testid=selftest]')) ?? '';
    expect(progress).toContain(`${rows.length} of ${rows.length} checked`);
    expect(progress).toContain('All cases pass on this GPU.');
    await page.screenshot({ path: `${SHOTS}/app-selftest.png`, fullPage: true });
    // reached from another view, the address names this one (a reload opens it again)
    await page.click('[data-testid=tab-derivatives]');
    await page.click('[data-testid=tab-check]');
    expect(page.url()).toMatch(/#check\?$/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('downloads the model as JSON in the nn.Linear format', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}#derivatives?seed=5&width=8&depth=2&activation=sin&order=2`);
    await page.waitForSelector('[data-testid=jet-meta]', { timeout: 60_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-model]')]);
    const model = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(model.activation).toBe('sin');
    expect(model.layers).toHaveLength(3);
    expect(model.layers[0].weight).toHaveLength(8);
    expect(model.layers[0].weight[0]).toHaveLength(1);
    expect(model.layers[2].bias).toHaveLength(1);

    // the controls: more derivatives redraw the plot, "New network" moves to the next seed
    const traceCount = () => page.evaluate(() => (document.querySelector('[data-testid=jet-plot]') as unknown as { data?: unknown[] })?.data?.length ?? 0);
    expect(await traceCount()).toBe(3);
    await page.fill('label:has-text("Derivatives") input', '6');
    await page.press('label:has-text("Derivatives") input', 'Enter');
    await expect.poll(traceCount, { timeout: 60_000 }).toBe(7);
    await page.click('text=New network');
    await expect.poll(() => page.evaluate(() => location.hash), { timeout: 10_000 }).toContain('seed=6');
    await page.close();
  });

  it("a link's view name in any letter case opens it; an unknown one opens Train with the link's settings and says so", async () => {
    const page = await browser.newPage();
    const errors = collectErrors(page);
    await page.goto(`${server.url}#Train?pde=heat-1d&width=8`);
    await page.waitForSelector('[data-testid=train-status]', { timeout: 60_000 });
    expect(await page.inputValue('label:has-text("Width") input')).toBe('8');
    expect(await page.$('[data-testid=url-notice]')).toBeNull();
    await page.goto(`${server.url}#foo?pde=heat-1d&width=12`);
    await page.reload();
    const notice = await page.waitForSelector('[data-testid=url-notice]', { timeout: 60_000 });
    expect(await notice.textContent()).toMatch(/The link names a view "foo" that does not exist; it opened Train with the link's settings/);
    expect(await page.inputValue('label:has-text("Width") input')).toBe('12');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a notice for a tampered link and keeps working', async () => {
    const page = await browser.newPage();
    const errors = collectErrors(page);
    await page.goto(`${server.url}#derivatives?width=99999&activation=relu&order=abc&evil=alert(1)`);
    const notice = await page.waitForSelector('[data-testid=url-notice]', { timeout: 30_000 });
    const text = (await notice.textContent()) ?? '';
    expect(text).toMatch(/Width: 99999 is outside \[1, 512\]; using 512/);
    expect(text).toMatch(/Activation: 'relu' is not one of tanh, sin/);
    expect(text).toMatch(/unknown setting 'evil' ignored/);
    await page.waitForSelector('[data-testid=jet-meta]', { timeout: 60_000 });
    // typed values the fields cannot take say why, next to the field
    await page.goto(`${server.url}#train?pde=poisson-1d&width=8&depth=2`);
    await page.reload();
    await page.waitForSelector('[data-testid=train-status]', { timeout: 60_000 });
    await page.fill('label:has-text("Width") input', '5000');
    await page.press('label:has-text("Width") input', 'Enter');
    await page.waitForSelector('label:has-text("Width") [data-testid=field-note]');
    expect(await page.textContent('label:has-text("Width") [data-testid=field-note]')).toMatch(/Width: 5000 is outside \[1, \d+\]; using \d+/);
    const lr = await page.inputValue('label:has-text("Learning rate") input');
    await page.fill('label:has-text("Learning rate") input', '3');
    await page.press('label:has-text("Learning rate") input', 'Enter');
    expect(await page.textContent('label:has-text("Learning rate") [data-testid=field-note]')).toBe(`Learning rate: '3' not taken (it must be a number in (0, 1)); kept ${lr}`);
    expect(await page.inputValue('label:has-text("Learning rate") input')).toBe(lr);
    // a good value clears the note
    await page.fill('label:has-text("Learning rate") input', '0.001');
    await page.press('label:has-text("Learning rate") input', 'Enter');
    await page.waitForFunction(() => !document.querySelector('label input[aria-invalid=true]'));
    // the Compare ticks travel in the link; a name that is no method is left out with a notice
    await page.goto(`${server.url}#train?pde=poisson-1d&width=8&depth=2&compare=stein,bogus`);
    await page.reload();
    const ticks = await page.waitForSelector('[data-testid=url-notice]', { timeout: 60_000 });
    expect(await ticks.textContent()).toMatch(/Compare: 'bogus' is not a method \(one of taylor, ad, fd, stde, stein\); left out/);
    expect(await page.isChecked('[data-testid=compare-stein]')).toBe(true);
    expect(await page.isChecked('[data-testid=compare-taylor]')).toBe(false);
    expect(new URL(page.url()).hash).toMatch(/[?&]compare=stein(&|$)/);
    await page.check('[data-testid=compare-ad]');
    await page.waitForFunction(() => /[?&]compare=ad%2Cstein(&|$)/.test(location.hash));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the built page carries its Content-Security-Policy (no inline script, no eval): training raises no violation, an injected script does not run', async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content.Security.Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(`${server.url}#train?pde=poisson-1d&width=8&depth=2&steps=20&points=32`);
    await page.waitForSelector('[data-testid=train-status]', { timeout: 60_000 });
    const csp = await page.getAttribute('meta[http-equiv=Content-Security-Policy]', 'content');
    const directives = Object.fromEntries(csp!.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    // scripts from the page's own origin only: no inline script, no eval (WebAssembly for jax-js)
    expect(directives['script-src']).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(violations).toEqual([]);
    // an injected inline script does not run, and the browser reports the refusal
    const ran = await page.evaluate(() => {
      const el = document.createElement('script');
      el.textContent = '(window).__injected = 1';
      document.head.append(el);
      return (window as unknown as { __injected?: number }).__injected ?? null;
    });
    expect(ran).toBeNull();
    await expect.poll(() => violations.length, { timeout: 5000 }).toBeGreaterThan(0);
    await page.close();
  });

  it('runs the AD-vs-nTP benchmark from a shared link, with the jax-js column, and draws its plots', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors = collectErrors(page);
    await page.goto(`${server.url}#benchmark?batch=32&width=8&depth=2&activation=tanh&orders=0-3&reps=2&warmup=1&admax=3&jaxjs=on&run=1`);
    await page.waitForFunction(
      () => {
        const b = (window as unknown as { __pinnBench?: { result: { rows: unknown[]; jaxjs?: unknown[] } | null; busy: boolean } }).__pinnBench;
        return b && !b.busy && (b.result?.rows.length ?? 0) === 4;
      },
      undefined,
      { timeout: 240_000 },
    );
    const rows = await page.$$eval('[data-testid=bench-table] tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows).toHaveLength(4);
    for (const r of rows) {
      expect(Number(r[1])).toBeGreaterThan(0); // AD ms
      expect(Number(r[2])).toBeGreaterThan(0); // nTP ms
    }
    // the AD graph grows with the order; nTP's kernel count does not
    expect(Number(rows[3][4])).toBeGreaterThan(4 * Number(rows[0][4]));
    expect(rows[3][5]).toBe(rows[0][5]);
    // the third-party column: jax-js on its WebGPU backend, a finite loss and a time for every order
    const jax = await page.evaluate(
      () => (window as unknown as { __pinnBench: { result: { jaxjs?: { order: number; ms: number; backend: string; loss: number }[]; jaxjsNote?: string } } }).__pinnBench.result,
    );
    expect(jax.jaxjsNote).toBeUndefined();
    expect(jax.jaxjs?.map((j) => j.order)).toEqual([0, 1, 2, 3]);
    for (const j of jax.jaxjs ?? []) {
      expect(j.backend).toBe('webgpu');
      expect(j.ms).toBeGreaterThan(0);
      expect(Number.isFinite(j.loss)).toBe(true);
    }
    expect(Number(rows[2][8])).toBeGreaterThan(0); // jax-js ms in the table
    const traces = await page.evaluate(() => (document.querySelector('[data-testid=bench-time]') as unknown as { data?: unknown[] })?.data?.length ?? 0);
    expect(traces).toBe(5);
    await page.screenshot({ path: `${SHOTS}/app-benchmark.png`, fullPage: true });
    // another view and back: the results are still there, and run=1 does not start a second run
    await page.click('[data-testid=tab-derivatives]');
    await page.click('[data-testid=tab-benchmark]');
    await page.waitForSelector('[data-testid=bench-table]');
    const again = await page.evaluate(() => (window as unknown as { __pinnBench: { busy: boolean; result: { rows: unknown[] } | null } }).__pinnBench);
    expect(again.busy).toBe(false);
    expect(again.result?.rows).toHaveLength(4);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('trains poisson-1d when Play is pressed: the loss and the error fall, the plots update', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors = collectErrors(page);
    await page.goto(`${server.url}#train?pde=poisson-1d&width=16&depth=2&lr=0.005&steps=200&points=64&seed=1&lbfgs=20`);
    await page.click('[data-testid=play]', { timeout: 60_000 });
    await page.waitForFunction(
      () => {
        const t = (window as unknown as { __pinnTrain?: { history: { step: number }[]; running: boolean } }).__pinnTrain;
        return t && !t.running && t.history.length > 4;
      },
      undefined,
      { timeout: 240_000 },
    );
    const h = await page.evaluate(() => (window as unknown as { __pinnTrain: { history: { step: number; loss: number; l2re: number }[] } }).__pinnTrain.history);
    expect(h.slice(0, 4).map((r) => r.step)).toEqual([50, 100, 150, 200]);
    expect(h[3].loss).toBeLessThan(h[0].loss);
    expect(h[3].l2re).toBeLessThan(0.5);
    // then the L-BFGS phase on fixed points: one more record, lower error, and a reason
    expect(h[4].step).toBeGreaterThan(200);
    expect(h[4].l2re).toBeLessThan(h[3].l2re);
    expect(await page.textContent('[data-testid=train-phase]')).toMatch(/L-BFGS: \d+ iterations, /);
    const traces = await page.evaluate(() => (document.querySelector('[data-testid=train-solution]') as unknown as { data?: unknown[] })?.data?.length ?? 0);
    expect(traces).toBe(2); // exact and network
    // where the residual is large: one marker per collocation point
    const residualPoints = await page.evaluate(() => ((document.querySelector('[data-testid=train-residual]') as unknown as { data?: { x: number[] }[] })?.data?.[0]?.x ?? []).length);
    expect(residualPoints).toBe(64);
    await page.screenshot({ path: `${SHOTS}/app-train.png`, fullPage: true });
    // another view and back: the run continues where it was, history included (L-BFGS's record too)
    await page.click('[data-testid=tab-derivatives]');
    await page.click('[data-testid=tab-train]');
    await page.waitForSelector('[data-testid=train-message]:has-text("Continuing this run from step 200")', { timeout: 60_000 });
    const back = await page.evaluate(() => (window as unknown as { __pinnTrain: { history: { step: number; loss: number; l2re: number }[] } }).__pinnTrain.history);
    expect(back).toEqual(h);
    // the settings are in the address: a reload shows the same problem and network
    await page.reload();
    await page.waitForSelector('[data-testid=train-status]');
    expect(await page.inputValue('label:has-text("Problem") select')).toBe('poisson-1d');
    expect(page.url()).toContain('width=16');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('compares Taylor jets, stacked AD and finite differences from the same seed: same losses (FD up to truncation), curves against wall time', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1200 } });
    const errors = collectErrors(page);
    await page.goto(`${server.url}#train?pde=poisson-1d&width=8&depth=2&lr=0.005&steps=40&points=32&seed=2`);
    // a method the problem cannot use is listed with the reason, not run
    await page.check('[data-testid=compare-stde]', { timeout: 60_000 });
    await page.click('[data-testid=compare]', { timeout: 60_000 });
    await page.waitForFunction(
      () => {
        const t = (window as unknown as { __pinnTrain?: { comparison: unknown[] | null; comparing: string | null } }).__pinnTrain;
        return t && t.comparing === null && (t.comparison?.length ?? 0) === 4;
      },
      undefined,
      { timeout: 240_000 },
    );
    const runs = await page.evaluate(
      () => (window as unknown as { __pinnTrain: { comparison: { method: string; history: { step: number; loss: number }[] }[] } }).__pinnTrain.comparison,
    );
    expect(runs.map((r) => r.method)).toEqual(['taylor', 'ad', 'fd', 'stde']);
    expect(await page.textContent('[data-testid=comparison] table')).toMatch(/not run: STDE estimates Laplacians and samples operators term by term; poisson-1d has neither/);
    const [taylor, ad, fd] = runs.map((r) => r.history);
    expect(taylor[taylor.length - 1].step).toBe(40);
    ad.forEach((r, i) => expect(Math.abs(r.loss - taylor[i].loss) / taylor[i].loss).toBeLessThan(1e-3));
    fd.forEach((r, i) => expect(Math.abs(r.loss - taylor[i].loss) / taylor[i].loss).toBeLessThan(1e-2));
    const traces = await page.evaluate(() => (document.querySelector('[data-testid=compare-plot]') as unknown as { data?: unknown[] })?.data?.length ?? 0);
    expect(traces).toBe(3);
    // the run's own charts wait for Play with a line saying so, not as empty axes
    expect(await page.isVisible('[data-testid=train-loss]')).toBe(false);
    expect(await page.textContent('[data-testid=train-empty]')).toMatch(/appear here once it trains.*this run starts from step 0/);
    await page.screenshot({ path: `${SHOTS}/app-compare.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('recovers from a lost GPU device: Reconnect continues the run with its history and parameters', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors = collectErrors(page);
    type T = { history: { step: number; loss: number }[]; running: boolean; message: string | null; loseDevice: () => void };
    await page.goto(`${server.url}#train?pde=poisson-1d&width=8&depth=2&lr=0.005&steps=400&points=32&seed=3`);
    await page.click('[data-testid=play]', { timeout: 60_000 });
    await page.waitForFunction(() => ((window as unknown as { __pinnTrain?: T }).__pinnTrain?.history.length ?? 0) >= 2, undefined, { timeout: 240_000 });
    await page.click('[data-testid=pause]');
    await page.waitForFunction(() => !(window as unknown as { __pinnTrain: T }).__pinnTrain.running, undefined, { timeout: 60_000 });
    const before = await page.evaluate(() => (window as unknown as { __pinnTrain: T }).__pinnTrain.history);
    await page.evaluate(() => (window as unknown as { __pinnTrain: T }).__pinnTrain.loseDevice());
    await page.click('button:has-text("Reconnect")', { timeout: 60_000 });
    await page.waitForSelector('[data-testid=train-message]', { timeout: 60_000 });
    expect(await page.textContent('[data-testid=train-message]')).toMatch(new RegExp(`continues the run from step ${before[before.length - 1].step}`));
    const kept = await page.evaluate(() => (window as unknown as { __pinnTrain: T }).__pinnTrain.history);
    expect(kept).toEqual(before);
    await page.click('[data-testid=play]');
    await page.waitForFunction((n) => ((window as unknown as { __pinnTrain: T }).__pinnTrain.history.length ?? 0) > n, before.length, { timeout: 240_000 });
    const after = await page.evaluate(() => (window as unknown as { __pinnTrain: T }).__pinnTrain.history);
    expect(after[before.length].step).toBe(before[before.length - 1].step + 50);
    // continued from the saved parameters, not from a fresh network: the loss stays near where it was
    expect(after[before.length].loss).toBeLessThan(before[0].loss);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('learns lambda for burgers-selfsimilar, slices poisson-nd, and keeps classroom flags in the link', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1200 } });
    const errors = collectErrors(page);
    type T = { history: { step: number; unknowns?: number[] }[]; running: boolean };
    await page.goto(`${server.url}#train?pde=burgers-selfsimilar&k=0&width=8&depth=2&steps=50&lm=4&classroom=1`);
    // classroom mode hides the advanced controls, and the link keeps the flag
    expect(await page.locator('label:has-text("Width")').count()).toBe(0);
    await page.click('[data-testid=play]', { timeout: 60_000 });
    await page.waitForFunction(() => ((window as unknown as { __pinnTrain?: T }).__pinnTrain?.history.length ?? 0) >= 1, undefined, { timeout: 240_000 });
    expect(page.url()).toContain('classroom=1');
    const h = await page.evaluate(() => (window as unknown as { __pinnTrain: T }).__pinnTrain.history);
    expect(h[0].unknowns![0]).toBeGreaterThan(1 / 3);
    expect(h[0].unknowns![0]).toBeLessThan(1);
    expect(await page.textContent('[data-testid=train-status]')).toMatch(/lambda 0\.\d+ \(error /);
    const names = await page.evaluate(() => ((document.querySelector('[data-testid=train-unknowns]') as unknown as { data?: { name: string }[] })?.data ?? []).map((d) => d.name));
    expect(names).toEqual(['lambda', 'lambda exact']);
    // after Adam, the Levenberg–Marquardt phase (lm=4 in the link) runs and says how it ended
    await page.waitForSelector('[data-testid=train-phase]:has-text("Levenberg–Marquardt: ")', { timeout: 240_000 });
    await page.waitForFunction(() => !(window as unknown as { __pinnTrain: T }).__pinnTrain.running, undefined, { timeout: 60_000 });
    const after = await page.evaluate(() => (window as unknown as { __pinnTrain: T }).__pinnTrain.history);
    expect(after[after.length - 1].step).toBeGreaterThan(50);
    expect(after[after.length - 1].unknowns).toHaveLength(1);
    // past Adam's steps the status counts the phase's iterations, not "step 54 of 50"
    const status = await page.textContent('[data-testid=train-status]');
    expect(status).toContain(`step ${after[after.length - 1].step}: Adam’s 50 steps, then Levenberg–Marquardt iteration ${after[after.length - 1].step - 50} of 4`);
    expect(status).not.toMatch(/step \d+ of 50/);
    // the experiment file: settings, problem parameters and the same history
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-experiment]')]);
    const experiment = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(experiment.settings).toMatchObject({ pde: 'burgers-selfsimilar', k: 0, width: 8 });
    expect(experiment.problem).toMatchObject({ id: 'burgers-selfsimilar', k: 0 });
    expect(experiment.history.length).toBe(after.length);
    expect(experiment.history[0]).toEqual(h[0]);
    // one step timed by phase
    await page.click('[data-testid=profile]');
    await page.waitForSelector('[data-testid=profile-table]', { timeout: 120_000 });
    expect(await page.locator('[data-testid=profile-table] tbody tr').count()).toBe(5);
    await page.screenshot({ path: `${SHOTS}/app-burgers-selfsimilar.png`, fullPage: true });
    // a d-dimensional problem: the dimension control, and a 1-D slice as the solution plot
    await page.goto(`${server.url}#train?pde=poisson-nd&dim=3&width=8&depth=2&steps=20&points=32&sampling=sobol`);
    await page.reload();
    await page.waitForSelector('label:has-text("Dimension")', { timeout: 60_000 });
    await page.waitForFunction(() => ((document.querySelector('[data-testid=train-solution]') as unknown as { data?: unknown[] })?.data?.length ?? 0) === 2, undefined, { timeout: 120_000 });
    const title = await page.evaluate(() => (document.querySelector('[data-testid=train-solution]') as unknown as { layout?: { title?: { text?: string } } })?.layout?.title?.text);
    expect(title).toMatch(/Slice/);
    expect(errors).toEqual([]);
    await page.close();
  });

  // Not a speed test: it catches a training loop that stops giving the main thread back
  // (300 steps in one task would take seconds). The measured longest task is printed;
  // on a quiet 2-core machine it stays under 50 ms, on a loaded CI machine it reached 91 ms.
  it('gives the main thread back while training: no task over 250 ms (prints the longest)', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.addInitScript(() => {
      const w = window as unknown as { __long: number[] };
      w.__long = [];
      new PerformanceObserver((list) => list.getEntries().forEach((e) => w.__long.push(e.duration))).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(`${server.url}#train?pde=heat-1d&steps=300`);
    await page.click('[data-testid=play]', { timeout: 60_000 });
    await page.waitForTimeout(1000); // page load and shader compilation are not training
    await page.evaluate(() => ((window as unknown as { __long: number[] }).__long = []));
    await page.waitForFunction(() => !(window as unknown as { __pinnTrain: { running: boolean } }).__pinnTrain.running, undefined, { timeout: 240_000 });
    const long = await page.evaluate(() => (window as unknown as { __long: number[] }).__long);
    const longest = Math.max(0, ...long);
    console.log(`longest main-thread task while training heat-1d for 300 steps: ${longest.toFixed(0)} ms (${long.length} tasks over 50 ms)`);
    expect(longest).toBeLessThan(250);
    await page.close();
  });

  it('times AD against nTP at the run\'s own network, up to past the problem\'s order, from the Train view', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors = collectErrors(page);
    await page.goto(`${server.url}#train?pde=kdv-1d&width=8&depth=2&points=32&steps=20`);
    await page.click('[data-testid=cost-run]', { timeout: 60_000 });
    await page.waitForSelector('[data-testid=cost-plot] .main-svg', { timeout: 240_000 });
    await page.waitForFunction(() => (document.querySelectorAll('[data-testid=cost-table] tbody tr').length ?? 0) === 6, undefined, { timeout: 240_000 });
    const cells = await page.$$eval('[data-testid=cost-table] tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(cells.map((c) => c[0])).toEqual(['0', '1', '2', '3 (this problem)', '4', '5']);
    // AD's graph grows with the order, the fused jet pass does not
    const adOps = cells.map((c) => Number(c[4]));
    expect(adOps[5]).toBeGreaterThan(3 * adOps[1]);
    expect(new Set(cells.map((c) => c[5])).size).toBe(1);
    for (const c of cells) expect(Number(c[3])).toBeGreaterThan(0);
    await page.screenshot({ path: `${SHOTS}/app-cost.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows 2-D problems as heat maps of prediction, exact solution and error', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors = collectErrors(page);
    await page.goto(`${server.url}#train?pde=heat-1d&width=16&depth=2&lr=0.005&steps=50&points=64&seed=0`);
    await page.click('[data-testid=play]', { timeout: 60_000 });
    await page.waitForFunction(
      () => ((window as unknown as { __pinnTrain?: { history: unknown[]; running: boolean } }).__pinnTrain?.history.length ?? 0) >= 1,
      undefined,
      { timeout: 240_000 },
    );
    const types = await page.evaluate(() => ((document.querySelector('[data-testid=train-solution]') as unknown as { data?: { type: string }[] })?.data ?? []).map((d) => d.type));
    expect(types).toEqual(['heatmap', 'heatmap', 'heatmap']);
    await page.screenshot({ path: `${SHOTS}/app-train-2d.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('trains with Stein’s estimator from a link that sets σ, samples and variance reduction', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors = collectErrors(page);
    await page.goto(`${server.url}#train?pde=poisson-sin&dim=3&method=stein&sigma=0.05&samples=8&vr=on&width=8&depth=2&steps=40&points=16&seed=2`);
    await page.waitForSelector('label:has-text("Stein σ")', { timeout: 60_000 });
    await page.click('[data-testid=play]', { timeout: 60_000 });
    await page.waitForFunction(() => ((window as unknown as { __pinnTrain?: { history: unknown[] } }).__pinnTrain?.history.length ?? 0) >= 1, undefined, { timeout: 240_000 });
    const h = await page.evaluate(() => (window as unknown as { __pinnTrain: { history: { loss: number; l2re: number }[] } }).__pinnTrain.history);
    expect(Number.isFinite(h[0].loss)).toBe(true);
    for (const part of ['method=stein', 'sigma=0.05', 'samples=8', 'vr=on']) expect(page.url()).toContain(part);
    // the page shows the same experiment as a command; the spec's CLI parser reads it back to the link's settings
    const command = (await page.textContent('[data-testid=cli-command]')) ?? '';
    expect(command).toBe('pinn train --pde poisson-sin --dim 3 --method stein --sigma 0.05 --samples 8 --width 8 --depth 2 --steps 40 --points 16 --seed 2');
    const argv = command.split(' ').slice(2);
    const names = cliNames('train');
    const fromCli = specFromCli('train', parseArgs(argv, names)).values;
    const fromLink = specFromParams('train', new URL(page.url()).hash.split('?')[1] ? new URLSearchParams(new URL(page.url()).hash.split('?')[1]) : new URLSearchParams()).values;
    expect(trainSetup(fromCli).config).toEqual(trainSetup(fromLink).config);
    // settings live in one store: another view and back keeps them
    await page.click('[data-testid=tab-highdim]');
    await page.waitForSelector('[data-testid=hd-status]', { timeout: 60_000 });
    await page.click('[data-testid=tab-train]');
    await page.waitForSelector('label:has-text("Stein σ")', { timeout: 60_000 });
    expect(page.url()).toContain('sigma=0.05');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('trains biharmonic-nd from a link: a fourth-order operator with its terms drawn by STDE (B above d kept), and the CLI command matches', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors = collectErrors(page);
    await page.goto(`${server.url}#train?pde=biharmonic-nd&dim=3&method=stde&randBatch=8&width=8&depth=2&steps=20&points=16&seed=1`);
    await page.waitForSelector('label:has-text("Random jets B")', { timeout: 60_000 });
    await page.click('[data-testid=play]', { timeout: 60_000 });
    await page.waitForFunction(() => ((window as unknown as { __pinnTrain?: { history: unknown[] } }).__pinnTrain?.history.length ?? 0) >= 1, undefined, { timeout: 240_000 });
    const h = await page.evaluate(() => (window as unknown as { __pinnTrain: { history: { loss: number; l2re: number }[]; message: string | null } }).__pinnTrain);
    expect(Number.isFinite(h.history[0].loss)).toBe(true);
    expect(Number.isFinite(h.history[0].l2re)).toBe(true);
    // operator terms are drawn with replacement: B = 8 > d = 3 is not clamped (a Laplacian's sparse STDE would be)
    expect(page.url()).toContain('randBatch=8');
    expect(await page.textContent('body')).not.toMatch(/more than the dimension/);
    // STDE on an operator offers the unbiased two-half loss
    expect(await page.isVisible('label:has-text("Unbiased loss")')).toBe(true);
    expect((await page.textContent('[data-testid=cli-command]')) ?? '').toBe('pinn train --pde biharmonic-nd --dim 3 --method stde --rand-batch 8 --width 8 --depth 2 --steps 20 --points 16 --seed 1');
    await page.screenshot({ path: `${SHOTS}/app-train-biharmonic.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('trains a 2000-dimensional problem with sparse STDE in the tab; the link keeps d; tampered values get a notice', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors = collectErrors(page);
    await page.goto(`${server.url}#highdim?pde=sine-gordon-twobody&dim=2000&randBatch=4&width=16&depth=2&points=16&steps=30&seed=1&ball=radius&firstLr=3&product=on`);
    await page.waitForSelector('[data-testid=hd-status]', { timeout: 60_000 });
    await page.waitForFunction(() => /L2 relative error/.test(document.querySelector('[data-testid=hd-status]')?.textContent ?? ''), undefined, { timeout: 120_000 });
    await page.click('[data-testid=hd-play]');
    await page.waitForFunction(() => /step 30 of 30/.test(document.querySelector('[data-testid=hd-status]')?.textContent ?? ''), undefined, { timeout: 240_000 });
    const errs = await page.evaluate(() => (document.querySelector('[data-testid=hd-error]') as unknown as { data?: { y: number[] }[] })?.data?.[0]?.y ?? []);
    expect(errs.length).toBeGreaterThanOrEqual(3);
    expect(errs.at(-1)!).toBeLessThan(errs[0]);
    for (const part of ['dim=2000', 'ball=radius', 'firstLr=3', 'product=on']) expect(page.url()).toContain(part);
    // the product-rule estimator is on (only ΔN sampled), and the command line says so
    expect(await page.inputValue('label:has-text("Product rule") select')).toBe('on');
    expect(await page.textContent('[data-testid=cli-command]')).toContain('--product-rule');
    // a 1-D slice along the diagonal: the network against the exact solution
    await page.waitForFunction(() => ((document.querySelector('[data-testid=hd-slice]') as unknown as { data?: unknown[] })?.data?.length ?? 0) === 2, undefined, { timeout: 60_000 });
    await page.screenshot({ path: `${SHOTS}/app-highdim.png`, fullPage: true });
    // the trained network on 20,000 fresh points: near the small fixed set's error, with a standard error
    await page.click('[data-testid=hd-fresh]');
    await page.waitForSelector('[data-testid=hd-fresh-result]', { timeout: 120_000 });
    const freshText = (await page.textContent('[data-testid=hd-fresh-result]')) ?? '';
    const m = /At step 30, on 20,000 fresh test points: L2 relative error (\S+) ± (\S+) \(standard error\)/.exec(freshText);
    expect(m, freshText).not.toBeNull();
    const [freshErr, se] = [Number(m![1]), Number(m![2])];
    expect(freshErr / errs.at(-1)!).toBeGreaterThan(0.5);
    expect(freshErr / errs.at(-1)!).toBeLessThan(2);
    expect(se).toBeGreaterThan(0);
    expect(se).toBeLessThan(0.2 * freshErr);
    // the log axes label powers of ten, not plotly's SI letters ("15B", "1µ")
    const ticks = await page.evaluate(() => [...document.querySelectorAll('[data-testid=hd-loss] .ytick text, [data-testid=hd-error] .ytick text')].map((t) => t.textContent ?? ''));
    expect(ticks.length).toBeGreaterThan(0);
    expect(ticks.filter((t) => /[A-Za-zµ]$/.test(t))).toEqual([]);
    expect(ticks.some((t) => /^10|×10/.test(t)), ticks.join(' | ')).toBe(true);
    // another view and back: the run continues from its last logged step with its curves; Reset starts over
    // (charts draw in a task of their own: read them once they hold every logged point)
    const curve = () => page.evaluate(() => (document.querySelector('[data-testid=hd-error]') as unknown as { data?: { y: number[] }[] })?.data?.[0]?.y ?? []);
    const before = await curve();
    await page.click('[data-testid=tab-derivatives]');
    await page.click('[data-testid=tab-highdim]');
    await page.waitForSelector('[data-testid=hd-message]:has-text("Continuing this run from step 30")', { timeout: 60_000 });
    expect(await page.textContent('[data-testid=hd-status]')).toMatch(/step 30 of 30/);
    await page.waitForFunction((n) => ((document.querySelector('[data-testid=hd-error]') as unknown as { data?: { y: number[] }[] })?.data?.[0]?.y.length ?? 0) >= n, before.length, { timeout: 60_000 });
    expect(await curve()).toEqual(before);
    await page.click('[data-testid=hd-reset]');
    await page.waitForFunction(() => /step 0 of 30/.test(document.querySelector('[data-testid=hd-status]')?.textContent ?? ''), undefined, { timeout: 120_000 });
    expect(await page.isVisible('[data-testid=hd-message]')).toBe(false);
    // tampered values: clamped or replaced by the default, and said so
    await page.goto(`${server.url}#highdim?pde=poisson-twobody&dim=1e9&randBatch=0&width=8&points=2`);
    await page.reload();
    await page.waitForSelector('[data-testid=url-notice]', { timeout: 60_000 });
    const notice = await page.textContent('[data-testid=url-notice]');
    expect(notice).toMatch(/Dimension d: '1e9' is not a whole number; using 1000/);
    expect(notice).toMatch(/Coordinates B: 0 is outside \[1, 1024\]; using 1/);
    // a change to settings no trainer can take: the reason is shown and Play turns off
    await page.goto(`${server.url}#highdim?pde=hjb-lin&dim=20&randBatch=4&width=8&points=8`);
    await page.reload();
    await page.waitForFunction(() => /L2 relative error/.test(document.querySelector('[data-testid=hd-status]')?.textContent ?? ''), undefined, { timeout: 120_000 });
    expect(await page.isDisabled('[data-testid=hd-play]')).toBe(false);
    // hjb-lin is not u = (1 − |x|²) N: no product-rule field
    expect(await page.locator('label:has-text("Product rule")').count()).toBe(0);
    await page.selectOption('label:has-text("STDE kind") select', 'dense');
    await page.waitForSelector('[data-testid=hd-message]', { timeout: 60_000 });
    expect(await page.textContent('[data-testid=hd-message]')).toMatch(/hjb-lin uses sparse STDE only/);
    expect(await page.isDisabled('[data-testid=hd-play]')).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('explains how to get WebGPU when the browser has none', async () => {
    const page = await browser.newPage();
    const errors = collectErrors(page);
    await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined }));
    await page.goto(server.url);
    const panel = await page.waitForSelector('[data-testid=gpu-error]', { timeout: 30_000 });
    const text = (await panel.textContent()) ?? '';
    expect(text).toMatch(/WebGPU is not available/);
    expect(text).toMatch(/enable-unsafe-webgpu/);
    expect(text).toMatch(/enable-features=Vulkan/);
    expect(text).toMatch(/chrome:\/\/flags\/#enable-unsafe-webgpu/);
    // ready settles (it does not reject) and there is no adapter
    await page.evaluate(() => (window as unknown as PinnWindow).__pinn.ready);
    expect(await page.evaluate(() => (window as unknown as PinnWindow).__pinn.adapter)).toBeNull();
    expect(errors).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/app-no-webgpu.png` });
    await page.close();
  });
});
