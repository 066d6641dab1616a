/**
 * A PDE problem is one file: its domain, its loss terms (residual of the equation at
 * interior points, boundary or initial conditions at their points), and the exact
 * solution. Residuals are written once in WGSL as functions of named derivative
 * values, so every derivative method feeds the same residual; their f64 twin in
 * TypeScript checks the exact solution.
 */

/** d^k/dt^k u(x + t v) at the point: `order` k along `direction` v. */
export interface DerivativeSpec {
  name: string;
  direction: number[];
  order: number;
}

export interface LossTerm {
  name: string;
  /** 'interior': resampled uniformly in the domain every step; otherwise fixed points [n][d]. */
  points: 'interior' | number[][];
  derivatives: DerivativeSpec[];
  /**
   * WGSL statements ending in `return` of an f32: the residual, given `x : array<f32, D>`
   * and `d : array<f32, ND>` (the derivatives in the order listed).
   */
  residualWgsl: string;
  /** WGSL statements returning `array<f32, ND>`: the partial derivatives of the residual with respect to d. */
  residualGradWgsl: string;
  /** The same residual in f64 (tests check the exact solution with it). */
  residual(x: number[], d: number[]): number;
  weight: number;
}

export interface ProblemDefaults {
  width: number;
  depth: number;
  steps: number;
  lr: number;
  interiorPoints: number;
}

export interface PdeProblem {
  id: string;
  title: string;
  /** The equation in plain text with Unicode, for lists and tooltips. */
  equation: string;
  description: string;
  dim: number;
  domain: { lo: number[]; hi: number[] };
  terms: LossTerm[];
  exact(x: number[]): number;
  /** Points where the L2 relative error is measured (fixed, so runs compare). */
  testPoints(): number[][];
  defaults: ProblemDefaults;
  /** Where the exact solution is smooth enough for finite-difference checks (default: everywhere). */
  smoothAt?(x: number[]): boolean;
}

/** A regular grid of n points per axis over a box. */
export function gridPoints(lo: number[], hi: number[], n: number): number[][] {
  const axes = lo.map((l, j) => Array.from({ length: n }, (_, i) => l + ((hi[j] - l) * i) / (n - 1)));
  return axes.reduce<number[][]>((acc, axis) => acc.flatMap((p) => axis.map((v) => [...p, v])), [[]]);
}

/** n points along a segment: f maps s in [0, 1] to a point. */
export function linePoints(n: number, f: (s: number) => number[]): number[][] {
  return Array.from({ length: n }, (_, i) => f(i / (n - 1)));
}

/**
 * A boundary or initial condition u = g on fixed points: residual u - g, with g given
 * in WGSL (an f32 expression of `x`) and in f64. g = 0 by default.
 */
export function valueTerm(name: string, points: number[][], weight: number, g?: { wgsl: string; f64: (x: number[]) => number }): LossTerm {
  const axis = points[0].map((_, j) => (j === 0 ? 1 : 0));
  return {
    name,
    points,
    derivatives: [{ name: 'u', direction: axis, order: 0 }],
    residualWgsl: g ? `return d[0] - (${g.wgsl});` : 'return d[0];',
    residualGradWgsl: 'return array<f32, 1>(1.0);',
    residual: (x, d) => d[0] - (g ? g.f64(x) : 0),
    weight,
  };
}
