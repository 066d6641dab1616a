/**
 * 20 adversarial links through the built app (issue "Hardening"): markup and script in values
 * and keys, numbers past every range, unknown views and settings, hex and non-finite values,
 * a link naming a problem no one has. Each page must: raise no page error, run no injected
 * markup, say what it changed in one notice (no raw control characters, no long echo), and open
 * a working view.
 */
import { describe, expect, it } from 'vitest';
import { useBrowser } from './use-browser';

const env = useBrowser();

const PWN = '<img src=x onerror="window.__pwned=1">';
const enc = encodeURIComponent;
const LINKS = [
  `#train?pde=${enc(PWN)}`,
  `#train?pde=poisson-1d&width=${enc(PWN)}`,
  `#train?pde=poisson-1d&${enc(PWN)}=1`,
  `#${enc(PWN)}?pde=poisson-1d`,
  '#train?pde=poisson-1d&width=1e9&depth=-3&points=0x10&steps=NaN',
  '#train?pde=poisson-1d&lr=Infinity&seed=99999999999999999999',
  '#train?pde=__proto__&method=constructor',
  '#train?pde=poisson-1d&method=stde&randBatch=1e308',
  '#train?pde=poisson-1d&weights=%22%3Bfn%20main()%7B%7D',
  `#train?pde=poisson-1d&hide=${enc(PWN)}&classroom=1`,
  '#highdim?pde=sine-gordon-twobody&dim=1e9&randBatch=0&width=8&points=2',
  '#highdim?pde=hjb-lin&dim=0x10&product=on&stde=dense',
  `#highdim?pde=${enc('x'.repeat(5000))}`,
  '#highdim?pde=sine-gordon-twobody&dim=1000000&width=1024&points=65536',
  '#derivatives?width=%00%0A&order=-1&activation=%3Cscript%3E',
  '#benchmark?orders=0-1000000000&batch=-1&admax=99',
  '#benchmark?orders=0-99&jaxjs=%22on%22',
  '#check?run=1&evil=%3Cb%3Ebold%3C%2Fb%3E',
  '#TRAIN?pde=poisson-1d&width=8&width=9&width=10',
  `#train?${'a=1&'.repeat(500)}pde=poisson-1d`,
];

describe('20 adversarial links in the built app', () => {
  it('each opens a working view, with a notice and no injected markup, page error or raw echo', async () => {
    expect(LINKS).toHaveLength(20);
    const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    for (const link of LINKS) {
      await page.goto('about:blank');
      await page.goto(`${env.server.url}${link}`);
      // the view is up: its tab bar and one of the views' own elements
      await page.waitForSelector('[data-testid^=tab-]', { timeout: 60_000 });
      await page.waitForSelector('[data-testid=train-status], [data-testid=hd-status], [data-testid=hd-message], [data-testid=jet-meta], [data-testid=bench-status], [data-testid=open-problem], [data-testid=check-run], button', { timeout: 60_000 });
      await page.waitForTimeout(500);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned ?? null), link).toBeNull();
      expect(await page.locator('img[src=x]').count(), link).toBe(0);
      expect(await page.locator('b:text("bold")').count(), link).toBe(0);
      const notices = await page.locator('[data-testid=url-notice]').allTextContents();
      for (const n of notices) {
        expect(n.includes(String.fromCharCode(0)), link).toBe(false);
        expect(n, link).not.toContain('x'.repeat(41));
      }
    }
    expect(errors).toEqual([]);
    await page.close();
  });
});
