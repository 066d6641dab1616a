/**
 * Divergence in every training view (issue "Hardening"): a learning rate of 0.99 makes Adam
 * diverge; each view shows the shared run loop's notice (the step whose parameters came back,
 * the lowered learning rate), keeps its history, and its network stays finite.
 */
import { describe, expect, it } from 'vitest';
import { collectErrors } from './browser';
import { useBrowser } from './use-browser';

const env = useBrowser();

const NOTICE = /restored the parameters of step \d+ and halved the learning rate|kept the parameters of step \d+ and stopped/;

describe('a diverging run in each view', () => {
  it('Train: lr 0.99 (a sin network, which diverges where tanh saturates) gives the notice, the history stays, every logged loss and error is finite', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page);
    await page.goto(`${env.server.url}#train?pde=poisson-1d&activation=sin&width=32&depth=3&steps=300&points=64&lr=0.99`);
    await page.waitForSelector('[data-testid=play]:not([disabled])', { timeout: 120_000 });
    await page.click('[data-testid=play]');
    await page.waitForSelector('[data-testid=train-message]', { timeout: 120_000 });
    expect(await page.textContent('[data-testid=train-message]')).toMatch(NOTICE);
    type T = { history: { step: number; loss: number; l2re: number }[]; running: boolean };
    const state = () => page.evaluate(() => (window as unknown as { __pinnTrain: T }).__pinnTrain);
    // training goes on at the lower rate to its last step, and keeps what it logged
    await expect.poll(async () => (await state()).running, { timeout: 120_000 }).toBe(false);
    const { history } = await state();
    expect(history.at(-1)!.step).toBe(300);
    for (const r of history) {
      expect(Number.isFinite(r.loss)).toBe(true);
      expect(Number.isFinite(r.l2re)).toBe(true);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('High dimension: lr 0.99 gives the same notice, and the status keeps a finite error', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page);
    await page.goto(`${env.server.url}#highdim?pde=poisson-twobody&dim=20&randBatch=4&width=16&depth=2&points=16&steps=300&lr=0.99`);
    await page.waitForSelector('[data-testid=hd-play]:not([disabled])', { timeout: 120_000 });
    await page.click('[data-testid=hd-play]');
    await page.waitForSelector('[data-testid=hd-message]', { timeout: 180_000 });
    expect(await page.textContent('[data-testid=hd-message]')).toMatch(NOTICE);
    expect(await page.textContent('[data-testid=hd-status]')).toMatch(/L2 relative error \d\.\d+e[-+]\d+/);
    expect(errors).toEqual([]);
    await page.close();
  });
});
