/**
 * The accuracy toolkit's settings in the Train view (issue "The accuracy toolkit"): a link with
 * hard constraints (the periodic embedding), Fourier features and causal training trains
 * advection on a ring, shows the causal weights' plot with weights in [0, 1] that never rise
 * with time, and raises no page error.
 */
import { describe, expect, it } from 'vitest';
import { collectErrors } from './browser';
import { useBrowser } from './use-browser';

const env = useBrowser();

describe('accuracy settings in the app', () => {
  it('advection-1d with hard=on, fourier=8 and causal=8 trains and plots the causal weights', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page);
    await page.goto(`${env.server.url}#train?pde=advection-1d&hard=on&fourier=8&fourierScale=1&causal=8&causalEps=1&width=16&depth=2&steps=60&points=128&lm=0`);
    await page.waitForSelector('[data-testid=play]:not([disabled])', { timeout: 120_000 });
    // the controls show the settings the link gave
    expect(await page.inputValue('label:has-text("Fourier features") input')).toBe('8');
    expect(await page.inputValue('label:has-text("Causal chunks") input')).toBe('8');
    await page.click('[data-testid=play]');
    type T = { history: { step: number; l2re: number; causal?: { weights: number[] }[] }[]; running: boolean };
    const state = () => page.evaluate(() => (window as unknown as { __pinnTrain: T }).__pinnTrain);
    await expect.poll(async () => (await state()).history.at(-1)?.step ?? 0, { timeout: 180_000 }).toBe(60);
    const { history } = await state();
    const weights = history.at(-1)!.causal![0].weights;
    expect(weights).toHaveLength(8);
    expect(weights[0]).toBe(1);
    for (let c = 1; c < 8; c++) {
      expect(weights[c]).toBeGreaterThanOrEqual(0);
      expect(weights[c]).toBeLessThanOrEqual(weights[c - 1]);
    }
    await page.waitForSelector('[data-testid=train-causal] .main-svg', { timeout: 30_000 });
    await page.screenshot({ path: '/tmp/accuracy-settings.png' });
    expect(errors).toEqual([]);
    await page.close();
  });
});
