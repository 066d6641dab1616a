/**
 * npx tsx scripts/make-problem-data.ts — the observation data of the ODE system problems, from the f64
 * integrators of src/engine/reference/ode.ts:
 *   problems/lorenz-data.csv              Lorenz (σ = 10, ρ = 28, β = 8/3) from (−8, 7, 27): t, x, y, z at
 *                                         t = 0, 0.01, ..., 1, to 6 significant digits (the observations)
 *   problems/lotka-volterra-reference.csv Lotka–Volterra (α = 2/3, β = 4/3, γ = δ = 1) from (1, 1): t, x, y at
 *                                         t = 0, 0.1, ..., 10, to 8 significant digits (a reference solution)
 * Each trajectory is Dormand–Prince 5(4) at rtol 1e-12, checked against RK4 with a small step (a second,
 * independent method) to far below the digits written, so a rounding of the files is the only error in them.
 * The output depends on nothing but this file and ode.ts: running it again rewrites the same bytes.
 * Options: --check: write nothing, and exit 1 when a file differs from what the script would write.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { integrate, rk4, type OdeRhs } from '../src/engine/reference/ode';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');

interface Dataset {
  file: string;
  header: string[];
  f: OdeRhs;
  y0: number[];
  /** Output times, each computed as k/n (not by adding a step), so that they print as 0.01, 0.02, ... */
  ts: number[];
  digits: number;
  /** The RK4 step of the cross-check. */
  h: number;
  /** A check of the trajectory besides RK4 (Lotka–Volterra's first integral); returns its worst error. */
  extra?: (ys: number[][]) => { what: string; error: number };
}

/** Rounds to `digits` significant digits and prints the shortest form: 27, not 27.0000; −0 as 0. */
function format(v: number, digits: number): string {
  const r = Number(v.toPrecision(digits));
  return String(r === 0 ? 0 : r);
}

const times = (end: number, n: number) => Array.from({ length: n + 1 }, (_, k) => (k * end) / n);

const [sigma, rho, betaL] = [10, 28, 8 / 3];
const lorenz: Dataset = {
  file: 'problems/lorenz-data.csv',
  header: ['t', 'x', 'y', 'z'],
  f: (_t, [x, y, z]) => [sigma * (y - x), x * (rho - z) - y, x * y - betaL * z],
  y0: [-8, 7, 27],
  ts: times(1, 100),
  digits: 6,
  h: 1e-4,
};

const [alpha, beta, gamma, delta] = [2 / 3, 4 / 3, 1, 1];
const firstIntegral = ([x, y]: number[]) => delta * x - gamma * Math.log(x) + beta * y - alpha * Math.log(y);
const lotkaVolterra: Dataset = {
  file: 'problems/lotka-volterra-reference.csv',
  header: ['t', 'x', 'y'],
  f: (_t, [x, y]) => [alpha * x - beta * x * y, delta * x * y - gamma * y],
  y0: [1, 1],
  ts: times(10, 100),
  digits: 8,
  h: 1e-3,
  extra: (ys) => ({
    what: 'drift of V = δx − γ ln x + βy − α ln y',
    error: Math.max(...ys.map((y) => Math.abs(firstIntegral(y) - firstIntegral(ys[0])))),
  }),
};

let stale = 0;
for (const d of [lorenz, lotkaVolterra]) {
  const t0 = d.ts[0];
  const t1 = d.ts[d.ts.length - 1];
  const sol = integrate(d.f, d.y0, t0, t1, { rtol: 1e-12, atol: 1e-12, ts: d.ts, maxSteps: 1_000_000 });
  const twin = rk4(d.f, d.y0, t0, t1, { h: d.h, ts: d.ts });
  // The two methods must agree to well past the last digit written, relative to each column's scale.
  const scale = d.y0.map((_, j) => Math.max(...sol.y.map((y) => Math.abs(y[j]))));
  let disagreement = 0;
  sol.y.forEach((y, i) => y.forEach((v, j) => (disagreement = Math.max(disagreement, Math.abs(v - twin.y[i][j]) / scale[j]))));
  const limit = 10 ** -(d.digits + 2);
  if (!(disagreement <= limit)) {
    throw new Error(`${d.file}: DP45 and RK4 differ by ${disagreement.toExponential(2)} of the scale, more than ${limit}: the data would not be right to ${d.digits} digits`);
  }
  const extra = d.extra?.(sol.y);
  if (extra && !(extra.error <= limit)) throw new Error(`${d.file}: ${extra.what} is ${extra.error.toExponential(2)}, more than ${limit}`);

  const rows = sol.y.map((y, i) => [String(d.ts[i]), ...y.map((v) => format(v, d.digits))].join(','));
  const text = [d.header.join(','), ...rows].join('\n') + '\n';
  const path = join(root, d.file);
  const same = existsSync(path) && readFileSync(path, 'utf8') === text;
  if (!same && !check) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  if (!same && check) stale++;
  const ranges = d.header.slice(1).map((name, j) => {
    const col = sol.y.map((y) => y[j]);
    return `${name} in [${format(Math.min(...col), 4)}, ${format(Math.max(...col), 4)}]`;
  });
  console.log(
    `${relative(root, path)}: ${rows.length} rows, ${same ? 'unchanged' : check ? 'DIFFERS' : 'written'}; ${ranges.join(', ')}; ` +
      `DP45 ${sol.steps} steps (${sol.rejected} rejected), RK4 ${twin.steps} steps, relative disagreement ${disagreement.toExponential(2)}` +
      (extra ? `, ${extra.what} ${extra.error.toExponential(2)}` : ''),
  );
}
if (stale > 0) {
  console.log(`${stale} file(s) differ: run npx tsx scripts/make-problem-data.ts`);
  process.exit(1);
}
