/**
 * Reference solutions of periodic 1-D semilinear equations u_t = ν u_xx + f(u) in f64: Fourier
 * spectral in space, exponential time differencing with the fourth-order Runge–Kutta scheme
 * (ETDRK4, Cox & Matthews 2002) in time, its coefficients evaluated by contour integrals in the
 * complex plane (Kassam & Trefethen 2005, "Fourth-order time-stepping for stiff PDEs"), so the
 * stiff diffusion is integrated exactly and the scheme stays accurate where ν k² dt is tiny.
 * The transforms come from fft.js (a maintained radix-4 FFT); the scheme is the few lines below.
 * It makes the reference of allen-cahn-1d (scripts/make-problem-data.ts) and is checked for
 * fourth-order convergence and against exact solutions in tests/node/etdrk4.test.ts.
 */
import FFT from 'fft.js';
import { InputError } from '../errors';

export interface Etdrk4Options {
  /** Grid points (a power of two, at least 8); x_j = x0 + j L / n. */
  n: number;
  /** The period's start and length. */
  x0: number;
  length: number;
  /** Diffusion ν of u_t = ν u_xx + f(u). */
  nu: number;
  /** The pointwise nonlinearity f(u). */
  f: (u: number) => number;
  /** u at t = 0, at a point. */
  u0: (x: number) => number;
  /** Time step; the output times must be whole multiples of it (to 1e-9). */
  dt: number;
  /** Output times, increasing, from 0. */
  times: readonly number[];
  /** Points of the contour integrals (default 32). */
  contour?: number;
}

export interface Etdrk4Solution {
  x: number[];
  t: number[];
  /** u[i][j]: at t[i] and x[j]. */
  u: number[][];
  steps: number;
}

export function solveEtdrk4(o: Etdrk4Options): Etdrk4Solution {
  const { n, x0, length, nu, dt } = o;
  if (!Number.isInteger(Math.log2(n)) || n < 8 || n > 1 << 16) throw new InputError(`ETDRK4: n must be a power of two from 8 to 65536, got ${n}`);
  if (!(dt > 0) || !(length > 0) || !(nu >= 0)) throw new InputError('ETDRK4: dt and the length must be positive and ν non-negative');
  const fft = new FFT(n);
  const x = Array.from({ length: n }, (_, j) => x0 + (j * length) / n);
  // wavenumbers 2π m / L, m = 0..n/2-1, -n/2..-1 (the Nyquist mode's derivative set to its real value's: it decays)
  const k = Array.from({ length: n }, (_, m) => ((2 * Math.PI) / length) * (m < n / 2 ? m : m - n));
  const L = k.map((km) => -nu * km * km);
  // ETDRK4's scalar coefficients per mode, by the mean over M points of a circle of radius 1 around dt L
  const M = o.contour ?? 32;
  const E = L.map((l) => Math.exp(dt * l));
  const E2 = L.map((l) => Math.exp((dt * l) / 2));
  const Q: number[] = [];
  const f1: number[] = [];
  const f2: number[] = [];
  const f3: number[] = [];
  for (const l of L) {
    let q = 0;
    let a = 0;
    let b = 0;
    let c = 0;
    for (let m = 1; m <= M; m++) {
      const angle = (Math.PI * (m - 0.5)) / M;
      // z = dt l + e^{iθ}: real parts of the complex expressions, done with a tiny complex helper
      const z = cx(dt * l + Math.cos(angle), Math.sin(angle));
      const ez = cexp(z);
      const ez2 = cexp(cscale(z, 0.5));
      const z3 = cmul(cmul(z, z), z);
      q += cdiv(csub(ez2, cx(1, 0)), z).re;
      // (-4 - z + e^z (4 - 3z + z²)) / z³
      a += cdiv(cadd(cx(-4 - z.re, -z.im), cmul(ez, cadd(cx(4 - 3 * z.re, -3 * z.im), cmul(z, z)))), z3).re;
      // (2 + z + e^z (z - 2)) / z³
      b += cdiv(cadd(cx(2 + z.re, z.im), cmul(ez, cx(z.re - 2, z.im))), z3).re;
      // (-4 - 3z - z² + e^z (4 - z)) / z³
      c += cdiv(cadd(csub(cx(-4 - 3 * z.re, -3 * z.im), cmul(z, z)), cmul(ez, cx(4 - z.re, -z.im))), z3).re;
    }
    Q.push((dt * q) / M);
    f1.push((dt * a) / M);
    f2.push((dt * b) / M);
    f3.push((dt * c) / M);
  }
  // spectra as interleaved complex arrays
  const spectrum = (u: ArrayLike<number>) => {
    const out = fft.createComplexArray() as number[];
    fft.realTransform(out, u);
    fft.completeSpectrum(out);
    return out;
  };
  const physical = (s: number[]) => {
    const out = fft.createComplexArray() as number[];
    fft.inverseTransform(out, s);
    return Array.from({ length: n }, (_, j) => out[2 * j]);
  };
  const nonlinear = (s: number[]) => spectrum(physical(s).map(o.f));
  let v = spectrum(x.map(o.u0));
  const t: number[] = [];
  const u: number[][] = [];
  let step = 0;
  for (const time of o.times) {
    const target = Math.round(time / dt);
    if (Math.abs(target * dt - time) > 1e-9 * Math.max(1, time) || target < step) throw new InputError(`ETDRK4: output time ${time} is not a later whole multiple of dt = ${dt}`);
    for (; step < target; step++) {
      const Nv = nonlinear(v);
      const a = combine(n, (i) => E2[i], v, (i) => Q[i], Nv);
      const Na = nonlinear(a);
      const b = combine(n, (i) => E2[i], v, (i) => Q[i], Na);
      const Nb = nonlinear(b);
      const c = combine(n, (i) => E2[i], a, (i) => Q[i], Nb.map((nb, j) => 2 * nb - Nv[j]));
      const Nc = nonlinear(c);
      const next = new Array<number>(2 * n);
      for (let i = 0; i < n; i++) {
        for (const p of [0, 1]) {
          const j = 2 * i + p;
          next[j] = E[i] * v[j] + Nv[j] * f1[i] + 2 * (Na[j] + Nb[j]) * f2[i] + Nc[j] * f3[i];
        }
      }
      v = next;
    }
    t.push(time);
    u.push(physical(v));
  }
  return { x, t, u, steps: step };
}

/** A s + B r per mode (A, B real per mode; s, r interleaved complex). */
function combine(n: number, A: (i: number) => number, s: number[], B: (i: number) => number, r: number[]): number[] {
  const out = new Array<number>(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = A(i) * s[2 * i] + B(i) * r[2 * i];
    out[2 * i + 1] = A(i) * s[2 * i + 1] + B(i) * r[2 * i + 1];
  }
  return out;
}

interface Complex {
  re: number;
  im: number;
}
const cx = (re: number, im: number): Complex => ({ re, im });
const cadd = (a: Complex, b: Complex) => cx(a.re + b.re, a.im + b.im);
const csub = (a: Complex, b: Complex) => cx(a.re - b.re, a.im - b.im);
const cmul = (a: Complex, b: Complex) => cx(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re);
const cscale = (a: Complex, s: number) => cx(a.re * s, a.im * s);
const cdiv = (a: Complex, b: Complex) => {
  const d = b.re * b.re + b.im * b.im;
  return cx((a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d);
};
const cexp = (a: Complex) => cscale(cx(Math.cos(a.im), Math.sin(a.im)), Math.exp(a.re));
