import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

/**
 * The built app's Content-Security-Policy (a meta tag: static hosts such as GitHub Pages set no
 * headers). Relaxations, each for a library: style-src 'unsafe-inline' because Plotly adds its
 * stylesheet as a <style> element at run time; script-src 'wasm-unsafe-eval' because jax-js (the
 * optional column of the AD-vs-nTP view) compiles WebAssembly. No 'unsafe-eval', no inline
 * scripts, nothing from another origin. The dev server (npm start) runs without it: its hot
 * reload injects an inline script.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const csp = {
  name: 'content-security-policy',
  apply: 'build' as const,
  transformIndexHtml: (html: string) => html.replace('<meta charset="UTF-8" />', `<meta charset="UTF-8" />\n    <meta http-equiv="Content-Security-Policy" content="${CSP}" />`),
};

// base './' makes the static build work from any path (GitHub Pages, a sub-folder, file server).
export default defineConfig({
  base: './',
  plugins: [react(), csp],
  build: { target: 'es2022', chunkSizeWarningLimit: 6000 },
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['tests/node/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          testTimeout: 300_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
