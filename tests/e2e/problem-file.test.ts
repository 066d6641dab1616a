/** "Open a problem file" in the Train view: the file picker, the error panel, training an opened problem, a reload, drag and drop. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { collectErrors } from './browser';
import { useBrowser } from './use-browser';

const env = useBrowser();

/** A small 1-D Poisson problem whose observations are in a data file next to it. */
const PROBLEM = JSON.stringify(
  {
    id: 'file-poisson',
    title: 'Poisson from a file',
    description: 'u’’ = −π² sin(πx) on [0, 1] with three observations.',
    inputs: ['x'],
    outputs: ['u'],
    domain: { x: [0, 1] },
    equations: ['u_xx = -pi^2 * sin(pi * x)'],
    conditions: [
      { name: 'left', on: 'x = 0', equation: 'u = 0' },
      { name: 'right', on: 'x = 1', equation: 'u = 0' },
    ],
    data: { file: 'obs.csv' },
    exact: { u: 'sin(pi * x)' },
    defaults: { width: 8, depth: 2, steps: 60, points: 32, lr: 0.005 },
  },
  null,
  1,
);
const DATA = 'x,u\n0.25,0.7071067811865476\n0.5,1\n0.75,0.7071067811865476\n';
/** The same problem with a function the language does not have. */
const BAD = PROBLEM.replace('-pi^2 * sin(pi * x)', '-pi^2 * sinn(pi * x)');

const json = (name: string, text: string) => ({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
const csv = (name: string, text: string) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
const INPUT = '[data-testid=problem-file-input]';
const PROBLEM_SELECT = 'label:has-text("Problem") select';

type T = { history: { step: number; loss: number; l2re: number }[]; running: boolean };
const train = (page: Page) => page.evaluate(() => (window as unknown as { __pinnTrain: T }).__pinnTrain);

describe('opening a problem file in the Train view', () => {
  it('refuses a file with a missing data file or an unknown function (nothing changes), opens a valid one, trains it, and reopens it after a reload', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page);
    await page.goto(`${env.server.url}#train?pde=poisson-1d&width=8&depth=2&steps=40&points=32`);
    await page.waitForSelector('[data-testid=train-status]', { timeout: 60_000 });
    expect(await page.getByRole('button', { name: 'Open a problem file…' }).getAttribute('data-testid')).toBe('open-problem');

    // the problem file without the data file it names: which file to add
    await page.setInputFiles(INPUT, [json('file-poisson.json', PROBLEM)]);
    await page.waitForSelector('[data-testid=problem-file-error]', { timeout: 30_000 });
    expect(await page.textContent('[data-testid=problem-file-error] .title')).toBe('Add obs.csv: file-poisson.json reads it. Choose or drop it together with file-poisson.json.');
    expect(await page.textContent('[data-testid=problem-file-error] pre')).toContain('file-poisson.json: data.file: cannot read obs.csv');
    expect(await page.inputValue(PROBLEM_SELECT)).toBe('poisson-1d');

    // an unknown function: the compiler's message, its caret under the name, in a monospace block
    await page.setInputFiles(INPUT, [json('bad.json', BAD), csv('obs.csv', DATA)]);
    await page.waitForFunction(() => document.querySelector('[data-testid=problem-file-error] pre')?.textContent?.includes('sinn'), undefined, { timeout: 30_000 });
    const message = (await page.textContent('[data-testid=problem-file-error] pre')) ?? '';
    expect(message).toContain('bad.json: equations[0]: unknown function "sinn" (did you mean "sin"?)');
    expect(message).toContain('\n  u_xx = -pi^2 * sinn(pi * x)\n                 ^^^^');
    expect(await page.$eval('[data-testid=problem-file-error] pre', (el) => getComputedStyle(el).whiteSpace)).toBe('pre');
    expect(await page.getAttribute('[data-testid=problem-file-error]', 'role')).toBe('alert');
    expect(await page.inputValue(PROBLEM_SELECT)).toBe('poisson-1d');
    expect(new URL(page.url()).hash).toMatch(/pde=poisson-1d&.*width=8/);

    // both files: registered, selected with its own defaults, its exact solution checked
    await page.setInputFiles(INPUT, [json('file-poisson.json', PROBLEM), csv('obs.csv', DATA)]);
    await expect.poll(() => page.inputValue(PROBLEM_SELECT), { timeout: 30_000 }).toBe('file-poisson');
    expect(await page.$$eval(`${PROBLEM_SELECT} option`, (os) => os.map((o) => o.textContent))).toContain('file-poisson');
    expect(await page.textContent('[data-testid=problem-title]')).toBe('Poisson from a file');
    expect(await page.$('[data-testid=problem-file-error]')).toBeNull();
    const status = (await page.textContent('[data-testid=problem-file-status]')) ?? '';
    expect(status).toContain('Opened Poisson from a file (file-poisson, from file-poisson.json with obs.csv; 4 loss terms)');
    expect(status).toMatch(/satisfies every term\. Largest residual per term: residual [\d.]+e-1\d · left 0 · right [\d.e+-]+\./);
    expect(await page.getAttribute('[data-testid=problem-file-status]', 'aria-live')).toBe('polite');
    await page.waitForFunction(() => /pde=file-poisson&.*width=8&depth=2.*steps=60/.test(location.hash));
    // the command line reads the file (its data file next to it)
    expect(await page.textContent('[data-testid=cli-command]')).toBe('pinn train --problem file-poisson.json');

    // trained like any problem
    await page.click('[data-testid=play]', { timeout: 60_000 });
    await page.waitForFunction(() => ((window as unknown as { __pinnTrain?: T }).__pinnTrain?.history.length ?? 0) >= 1, undefined, { timeout: 240_000 });
    await page.waitForFunction(() => !(window as unknown as { __pinnTrain: T }).__pinnTrain.running, undefined, { timeout: 240_000 });
    const trained = await train(page);
    expect(trained.history.at(-1)!.step).toBe(60);
    for (const r of trained.history) {
      expect(Number.isFinite(r.loss)).toBe(true);
      expect(Number.isFinite(r.l2re)).toBe(true);
    }

    // an invalid file now: the opened problem stays selected with its run
    await page.setInputFiles(INPUT, [json('bad.json', BAD), csv('obs.csv', DATA)]);
    await page.waitForSelector('[data-testid=problem-file-error]', { timeout: 30_000 });
    expect(await page.textContent('[data-testid=problem-file-error] pre')).toContain('^^^^');
    expect(await page.inputValue(PROBLEM_SELECT)).toBe('file-poisson');
    expect((await train(page)).history).toHaveLength(trained.history.length);

    // a reload cannot find the file: the link's problem falls back, with a notice saying how to get it back
    await page.reload();
    const notice = await page.waitForSelector('[data-testid=url-notice]', { timeout: 60_000 });
    expect(await notice.textContent()).toContain("If 'file-poisson' was opened from a problem file");
    expect(await page.inputValue(PROBLEM_SELECT)).toBe('poisson-1d');
    await page.setInputFiles(INPUT, [json('file-poisson.json', PROBLEM), csv('obs.csv', DATA)]);
    await expect.poll(() => page.inputValue(PROBLEM_SELECT), { timeout: 30_000 }).toBe('file-poisson');
    await page.waitForSelector('[data-testid=url-notice]', { state: 'detached', timeout: 10_000 });
    expect(new URL(page.url()).hash).toMatch(/pde=file-poisson&.*steps=60/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('opens files dropped anywhere on the page: an overlay while dragging, then the Train view with the problem selected', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page);
    await page.goto(`${env.server.url}#derivatives`);
    await page.waitForSelector('[data-testid=jet-meta]', { timeout: 60_000 });
    const drag = (type: string) =>
      page.evaluate(
        ([type, problem, data]) => {
          const dt = new DataTransfer();
          dt.items.add(new File([problem], 'file-poisson.json', { type: 'application/json' }));
          dt.items.add(new File([data], 'obs.csv', { type: 'text/csv' }));
          document.querySelector('footer')!.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
        },
        [type, PROBLEM, DATA],
      );
    await drag('dragenter');
    await drag('dragover');
    await page.waitForSelector('[data-testid=drop-overlay]');
    expect(await page.textContent('[data-testid=drop-announce]')).toContain('Drop a problem file (.json)');
    await drag('dragleave');
    await page.waitForSelector('[data-testid=drop-overlay]', { state: 'detached' });
    await drag('dragenter');
    await drag('drop');
    await page.waitForSelector('[data-testid=drop-overlay]', { state: 'detached' });
    await expect.poll(() => page.inputValue(PROBLEM_SELECT), { timeout: 60_000 }).toBe('file-poisson');
    expect(await page.textContent('[data-testid=problem-title]')).toBe('Poisson from a file');
    expect(await page.textContent('[data-testid=problem-file-status]')).toContain('Opened Poisson from a file');
    expect(page.url()).toMatch(/#train\?pde=file-poisson/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a high-dimensional file (a model u = G + F N) opens in the High dimension view, checked, and trains there', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page);
    await page.goto(`${env.server.url}#train?pde=poisson-1d&width=8&depth=2&steps=40&points=32`);
    await page.waitForSelector('[data-testid=train-status]', { timeout: 60_000 });
    const doc = JSON.parse(readFileSync('problems/hjb-lin.json', 'utf8'));
    doc.id = 'my-hjb';
    doc.parameters.d.value = 20;
    doc.defaults = { width: 8, depth: 2, steps: 5, lr: 0.001, points: 8, randBatch: 4 };
    await page.setInputFiles(INPUT, [json('my-hjb.json', JSON.stringify(doc))]);
    await page.waitForSelector('[data-testid=hd-opened]', { timeout: 60_000 });
    expect(page.url()).toMatch(/#highdim\?pde=my-hjb/);
    expect(await page.textContent('[data-testid=hd-opened]')).toMatch(/Opened from my-hjb\.json\. Exact solution checked: largest residual \d\.\de[-+]\d+ \(relative\)/);
    await page.click('[data-testid=hd-play]');
    await expect.poll(async () => (await page.textContent('[data-testid=hd-status]')) ?? '', { timeout: 120_000 }).toMatch(/step 5 of 5/);
    expect(errors).toEqual([]);
    await page.close();
  });
});
