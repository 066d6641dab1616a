import file from '../../../problems/burgers-1d.json';
import { compileProblem } from '../equations/problem-file';
import { gridPoints, type PdeProblem } from './types';

const NU = 0.01 / Math.PI;

/**
 * Cole-Hopf solution of u_t + u u_x = nu u_xx, u(x, 0) = -sin(pi x), in f64:
 *   u = -Int sin(pi(x - e)) F(x - e) G(e) de / Int F(x - e) G(e) de,
 *   F(y) = exp(-cos(pi y) / (2 pi nu)),  G(e) = exp(-e^2 / (4 nu t)).
 * With e = sqrt(4 nu t) z both integrals have the weight exp(-z^2); the trapezoidal rule
 * on |z| <= 7 with 4001 nodes is spectrally accurate for these smooth integrands.
 * F spans e^-50..e^50, so the exponents are shifted by their maximum before exp.
 */
export function burgersColeHopf(x: number, t: number): number {
  if (t <= 0) return -Math.sin(Math.PI * x);
  const n = 4001;
  const zmax = 7;
  const s = Math.sqrt(4 * NU * t);
  const exps: number[] = [];
  const sines: number[] = [];
  let top = -Infinity;
  for (let i = 0; i < n; i++) {
    const z = -zmax + (2 * zmax * i) / (n - 1);
    const y = x - s * z;
    const e = -Math.cos(Math.PI * y) / (2 * Math.PI * NU) - z * z;
    exps.push(e);
    sines.push(Math.sin(Math.PI * y));
    if (e > top) top = e;
  }
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const w = Math.exp(exps[i] - top);
    num += sines[i] * w;
    den += w;
  }
  return -num / den;
}

let cachedTest: { points: number[][]; values: Map<string, number> } | null = null;

/** The reference on the test grid, computed once per process. */
function reference(x: number[]): number {
  const key = `${x[0]},${x[1]}`;
  const hit = cachedTest?.values.get(key);
  if (hit !== undefined) return hit;
  return burgersColeHopf(x[0], x[1]);
}

/**
 * Viscous Burgers, u_t + u u_x = (0.01/π) u_xx on [−1, 1] × [0, 1], u0 = −sin(πx), u(±1, t) = 0:
 * compiled from problems/burgers-1d.json, with the Cole–Hopf reference (no expression) here.
 */
export const burgers1d: PdeProblem = {
  ...compileProblem(file, { file: 'problems/burgers-1d.json' }).problem,
  file: 'problems/burgers-1d.json',
  exact: reference,
  testPoints: () => {
    if (!cachedTest) {
      const points = gridPoints([-1, 0], [1, 1], 101);
      cachedTest = { points, values: new Map(points.map((x) => [`${x[0]},${x[1]}`, burgersColeHopf(x[0], x[1])])) };
    }
    return cachedTest.points;
  },
  // the front at x = 0 is about 0.003 wide after t = 1/pi: too steep for difference checks there
  smoothAt: (x) => x[1] < 0.25 || Math.abs(x[0]) > 0.3,
};
