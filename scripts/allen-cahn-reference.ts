/**
 * The reference solution of problems/allen-cahn-1d.json: u_t = 1e-4 u_xx − 5u³ + 5u on
 * x ∈ [−1, 1) (periodic), t ∈ [0, 1], u(x, 0) = x² cos(πx), solved by ETDRK4 on 1024 Fourier
 * points with dt = 1e-4 (src/engine/reference/etdrk4.ts), written into the file's `reference`
 * at 64 x points (every 16th grid point) and 51 times (every 0.02):
 * `npx tsx scripts/allen-cahn-reference.ts` (about 10 s).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { solveEtdrk4, type Etdrk4Options } from '../src/engine/reference/etdrk4';

export const ALLEN_CAHN_1D: Omit<Etdrk4Options, 'n' | 'dt' | 'times'> = {
  x0: -1,
  length: 2,
  nu: 1e-4,
  f: (u) => 5 * u - 5 * u ** 3,
  u0: (x) => x * x * Math.cos(Math.PI * x),
};

export function writeAllenCahnReference(path: string): void {
  const times = Array.from({ length: 51 }, (_, i) => i / 50);
  const s = solveEtdrk4({ ...ALLEN_CAHN_1D, n: 1024, dt: 1e-4, times });
  const rows: string[] = [];
  s.t.forEach((t, i) => s.x.forEach((x, j) => j % 16 === 0 && rows.push(`      [${x}, ${t}, ${+s.u[i][j].toPrecision(10)}]`)));
  // the file as it is, its reference rows replaced (one row per line)
  const text = readFileSync(path, 'utf8');
  const start = text.indexOf('"reference"');
  if (start < 0) throw new Error(`${path} has no "reference" field`);
  writeFileSync(path, `${text.slice(0, start)}"reference": {\n    "columns": ["x", "t", "u"],\n    "rows": [\n${rows.join(',\n')}\n    ]\n  }\n}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) writeAllenCahnReference(new URL('../problems/allen-cahn-1d.json', import.meta.url).pathname);
