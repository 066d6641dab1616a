/** useBrowser: a test file's Chromium and static server (apart from browser.ts, which scripts/soak.ts imports outside vitest). */
import { afterAll, beforeAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, serveDist } from './browser';

/**
 * A test file's Chromium and static server: started before its tests, closed after them. Read
 * `browser` and `server` inside the tests (they are set once beforeAll has run).
 */
export function useBrowser(): { readonly browser: Browser; readonly server: { url: string; close: () => Promise<void> } } {
  const held: { browser?: Browser; server?: { url: string; close: () => Promise<void> } } = {};
  beforeAll(async () => {
    held.server = await serveDist('/pinn/');
    held.browser = await launchChromium();
  });
  afterAll(async () => {
    await held.browser?.close();
    await held.server?.close();
  });
  return {
    get browser() {
      return held.browser!;
    },
    get server() {
      return held.server!;
    },
  };
}
