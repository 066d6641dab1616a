import type { MultiIndex, OperatorTerm } from '../jets/jet-slots';
import { wgslFloat } from '../gpu/kernels';
import { Rng } from '../sampling/rng';
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
  /**
   * The Laplacian Σ_i ∂²u/∂x_i² instead (order 2, direction ignored): exact from one jet
   * per axis (taylor, ad, fd), estimated from a few random jets (stde) or from Gaussian
   * shifts (stein).
   */
  laplacian?: boolean;
  /**
   * A Laplacian over the first `axes` coordinates only (default: all), e.g. the space part
   * of (x, t) with time as the last coordinate.
   */
  axes?: number;
  /**
   * A linear operator Σ_t c_t ∂^{α_t}u instead (mixed partials of any order, made with
   * operatorSpec): each term read from one slot jet (src/engine/operators/jet-slots.ts), every
   * term (taylor) or B drawn in proportion to |c_t| every step (stde). The loss reads L u itself:
   * order 0, direction unused.
   */
  operator?: OperatorTerm[];
  /** Which network output it differentiates (systems; default 0). */
  output?: number;
  /** In a paired term (LossTerm.pairs): read at the point's partner instead of at the point. */
  partner?: boolean;
}

/** A derivative that is the operator Σ_t c_t ∂^{α_t}u (see DerivativeSpec.operator). */
export function operatorSpec(name: string, dim: number, operator: OperatorTerm[]): DerivativeSpec {
  if (operator.some((t) => t.alpha.length !== dim)) throw new RangeError(`${name}: every multi-index must have ${dim} entries`);
  return { name, direction: new Array<number>(dim).fill(0), order: 0, operator };
}

/** The coordinates a Laplacian spec sums over (the first `axes`, default all). */
export function laplacianAxes(spec: DerivativeSpec, dim: number): number {
  const a = spec.axes ?? dim;
  if (!Number.isInteger(a) || a < 1 || a > dim) throw new RangeError(`the Laplacian ${spec.name} sums over ${a} axes; it must be 1..${dim}`);
  return a;
}

/** The directional second/k-th derivatives a spec sums: itself, or each of its axes for a Laplacian. */
export function expandDerivative(spec: DerivativeSpec, dim: number): number[][] {
  if (!spec.laplacian) return [spec.direction];
  return Array.from({ length: laplacianAxes(spec, dim) }, (_, i) => Array.from({ length: dim }, (_, m) => (m === i ? 1 : 0)));
}

export interface LossTerm {
  name: string;
  /** 'interior': resampled uniformly in the domain every step; otherwise fixed points [n][d]. */
  points: 'interior' | number[][];
  /**
   * Fixed-point terms only: a fresh set of as many points from a seed, drawn every step (or
   * every `resampleEvery` steps) like the interior points. A boundary in many dimensions needs
   * it: a few hundred fixed points on the faces of [0, 1]^10 or on the sphere in 100-D leave
   * room for a network that meets the condition there and misses it in between. `points`
   * stays the set of checks and of runs that keep one set.
   */
  redraw?: (seed: number) => number[][];
  derivatives: DerivativeSpec[];
  /**
   * WGSL statements ending in `return` of an f32: the residual, given `x : array<f32, D>`
   * and `d : array<f32, ND>` (the derivatives in the order listed).
   */
  residualWgsl: string;
  /** WGSL statements returning `array<f32, ND>`: the partial derivatives of the residual with respect to d. */
  residualGradWgsl: string;
  /**
   * Only for problems with trainable unknowns (see PdeProblem.unknowns): WGSL statements
   * returning `array<f32, NQ>`, the partial derivatives of the residual with respect to
   * the unknowns' values `q[i]` (which residualWgsl may use too).
   */
  residualUnknownGradWgsl?: string;
  /**
   * The residual's value in double-single arithmetic (shaders/double_single.wgsl), a body over
   * `x`, `dd : array<vec2f, ND>` (the derivatives as hi + lo), `q` and `qd : array<vec2f, NQ>`
   * (the unknowns as double-singles), returning f32: used when
   * the trainer computes the jets in double-single (precision 'double-single'); terms without
   * it take the f32 residual of the rounded derivatives.
   */
  residualDsWgsl?: string;
  /** The same residual in f64 (tests check the exact solution with it); q: the unknowns' values; p: the point's index (a data term reads its observation). */
  residual(x: number[], d: number[], q?: number[], p?: number): number;
  /**
   * Fixed points in pairs (a periodic condition): the first half are the points, the second half
   * their partners in the same order (point p's partner is p + n/2). Derivatives marked `partner`
   * are read at the partner; the residual, the loss's mean and Levenberg–Marquardt's rows count
   * the n/2 pairs.
   */
  pairs?: boolean;
  /** A periodic condition's input (its pairs are the two ends of that input): an exact periodic embedding makes the term hold by itself. */
  periodicAxis?: number;
  /**
   * A data term: the observed value at each of its fixed points (the residual's `obs[point]` in
   * WGSL reads them from a buffer the loss kernel binds).
   */
  observations?: Float64Array;
  weight: number;
  /**
   * Levenberg–Marquardt raises this term's weight in stages to its own: × this factor (a small
   * power of 100), then a hundred times more each stage up to × 1. The other terms are fitted
   * first, then this one is brought in (a homotopy). For a term whose residual is huge at the
   * start and cannot be met together with the others from there (self-similar Burgers'
   * high-order smoothness term); the first factor should bring the term near the others' size.
   */
  continuation?: number;
}

/**
 * A scalar trained with the network (an inverse problem's coefficient, the exponent of a
 * self-similar profile). The optimizer sees a raw parameter s; the residuals see the value
 * q = s, or with bounds q = lo + (hi - lo)(1 + tanh s)/2.
 */
export interface Unknown {
  name: string;
  /** Initial raw parameter s. */
  init: number;
  bounds?: [number, number];
  /** The true value, when known (reported as the error of the learned one). */
  exact?: number;
}

/** Parameters that select a variant of a problem (its dimension, a profile index). */
export interface ProblemParams {
  dim?: number;
  k?: number;
}

export interface ProblemDefaults {
  width: number;
  depth: number;
  steps: number;
  lr: number;
  interiorPoints: number;
  /** Train with the problem's hard boundary transform by default. */
  hardBoundary?: boolean;
  /** Taylor jets in double-single by default (a loss whose terms cancel beyond f32's reach). */
  precision?: 'f32' | 'double-single';
  /** Any other setting of the spec by name (a problem file's `defaults`), checked when the spec reads it. */
  settings?: Record<string, number | string | boolean>;
}

export interface PdeProblem {
  id: string;
  title: string;
  /** The equation in plain text with Unicode, for lists and tooltips. */
  equation: string;
  /** The same in TeX (a small subset: see src/app/tex.ts), typeset in the app. */
  tex?: string;
  description: string;
  dim: number;
  /**
   * The bounding box of the domain. kind 'ball-time' (default 'box'): interior points are
   * uniform in the ball inscribed in the box of the first dim − 1 coordinates (centre
   * (lo + hi)/2, radius (hi − lo)/2 of axis 0; those axes must span equal widths) times
   * the last coordinate (time) uniform in [lo, hi]; drawn on the GPU (shaders/sample_ball_time.wgsl).
   */
  domain: { lo: number[]; hi: number[]; kind?: 'box' | 'ball-time' };
  terms: LossTerm[];
  exact(x: number[]): number;
  /** The problem file it was compiled from, relative to the repository (shipped files) or as opened. */
  file?: string;
  /** Published L2 relative errors for this problem, each with its source (drawn as reference lines beside the run's error). */
  published?: { l2re: number; source: string }[];
  /** The inputs by name, one per coordinate (problem files); an input named t is time (causal training's axis). */
  inputs?: string[];
  /** The network's outputs by name (problem files; default one output, u). */
  outputs?: string[];
  /** Each output's exact solution (systems), where known. */
  exactOutputs?: ((x: number[]) => number)[];
  /** Output o's exact partial ∂^α in f64 (problem files with an exact solution). */
  exactPartialOf?(output: number, x: number[], alpha: MultiIndex): number;
  /** Points where the L2 relative error is measured (fixed, so runs compare). */
  testPoints(): number[][];
  defaults: ProblemDefaults;
  /** Where the exact solution is smooth enough for finite-difference checks (default: everywhere). */
  smoothAt?(x: number[]): boolean;
  /**
   * A hard boundary transform: u = g + φ N, with φ a product of factors that vanish on
   * faces ('both': 4(x−lo)(hi−x)/(hi−lo)², 'lo': (x−lo)/(hi−lo), 'hi': (hi−x)/(hi−lo)) and
   * g the boundary/initial values (0 if absent), so the `replaces` terms hold exactly.
   */
  hard?: HardTransform;
  /**
   * The solution is odd (1-D, about 0): the model is u(x) = N(x) − N(−x), odd by
   * construction (what the self-similar Burgers experiments use).
   */
  oddModel?: boolean;
  /** Scalars trained with the network; residuals see their values as `q`. */
  unknowns?: Unknown[];
  /**
   * Exact derivatives of the solution along `direction`, orders 0..order, in f64 (for
   * checks where finite differences are too inaccurate, e.g. high orders).
   */
  exactDerivatives?(x: number[], direction: number[], order: number): number[];
  /** The exact solution's partial ∂^α u in f64 (problems with operator terms: their residual checks). */
  exactPartial?(x: number[], alpha: MultiIndex): number;
  /** Parametric problems: the accepted ranges, and the factory for another variant. */
  paramRanges?: { dim?: [number, number]; k?: [number, number] };
  params?: ProblemParams;
  variant?(params: ProblemParams): PdeProblem;
}

export interface HardTransform {
  factors: { axis: number; side: 'lo' | 'hi' | 'both' }[];
  replaces: string[];
  g?: {
    f64: (x: number[]) => number;
    /** Body of `fn hardG(x : array<f32, D>, v : array<f32, D>, k : u32) -> f32`: the k-th Taylor coefficient of g(x + s v) in s. */
    jetWgsl: string;
  };
}

/** The hard-transform factor φ(x) of a problem (1 without one). */
export function hardFactor(problem: PdeProblem, x: number[]): number {
  if (!problem.hard) return 1;
  const { lo, hi } = problem.domain;
  return problem.hard.factors.reduce((acc, { axis: a, side }) => {
    const w = hi[a] - lo[a];
    const f = side === 'both' ? (4 * (x[a] - lo[a]) * (hi[a] - x[a])) / w ** 2 : side === 'lo' ? (x[a] - lo[a]) / w : (hi[a] - x[a]) / w;
    return acc * f;
  }, 1);
}

/** The model under a hard transform, from the network's value: g + φ N. */
export function hardModel(problem: PdeProblem, x: number[], n: number): number {
  return (problem.hard?.g?.f64(x) ?? 0) + hardFactor(problem, x) * n;
}

/** g = A sin(π x_axis) for a hard transform, with its Taylor coefficients along v in WGSL. */
export function sineBoundaryValues(amplitude: number, axis: number): NonNullable<HardTransform['g']> {
  return {
    f64: (x) => amplitude * Math.sin(Math.PI * x[axis]),
    jetWgsl: `var c = ${wgslFloat(amplitude, 'the boundary amplitude')};
  for (var i = 1u; i <= k; i++) { c *= PI * v[${axis}] / f32(i); }
  return c * psin(PI * x[${axis}] + f32(k) * 0.5 * PI);`,
  };
}

/** Each learned unknown as text, e.g. "lambda 0.4990619 (error 9.38e-4)" where the exact value is known. */
export function describeUnknowns(problem: PdeProblem, values: readonly number[], digits: number): string[] {
  return (problem.unknowns ?? []).map((u, i) => `${u.name} ${values[i].toPrecision(digits)}${u.exact !== undefined ? ` (error ${Math.abs(values[i] - u.exact).toExponential(2)})` : ''}`);
}

/** How many residuals a term with fixed points has: one per point, or one per pair. */
export function residualCount(term: LossTerm, points: readonly unknown[]): number {
  return term.pairs ? points.length / 2 : points.length;
}

/** Value of an unknown from its raw parameter. */
export function unknownValue(u: Unknown, s: number): number {
  return u.bounds ? u.bounds[0] + ((u.bounds[1] - u.bounds[0]) * (1 + Math.tanh(s))) / 2 : s;
}

/** Raw parameter of an unknown with value q (inverse of unknownValue). */
export function unknownRaw(u: Unknown, q: number): number {
  return u.bounds ? Math.atanh((2 * (q - u.bounds[0])) / (u.bounds[1] - u.bounds[0]) - 1) : q;
}

/** A regular grid of n points per axis over a box. */
export function gridPoints(lo: number[], hi: number[], n: number): number[][] {
  const axes = lo.map((l, j) => Array.from({ length: n }, (_, i) => l + ((hi[j] - l) * i) / (n - 1)));
  return axes.reduce<number[][]>((acc, axis) => acc.flatMap((p) => axis.map((v) => [...p, v])), [[]]);
}

/** Fixed, seeded points on the 2d faces of the unit cube [0, 1]^d, about 512 in all. */
export function cubeFacePoints(d: number, seed: number): number[][] {
  const rng = new Rng(seed);
  const perFace = Math.max(2, Math.round(512 / (2 * d)));
  const pts: number[][] = [];
  for (let j = 0; j < d; j++) {
    for (const side of [0, 1]) {
      for (let i = 0; i < perFace; i++) pts.push(Array.from({ length: d }, (_, m) => (m === j ? side : rng.uniform())));
    }
  }
  return pts;
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

/** The inputs a problem's periodic conditions name, with their periods (the domain's length along each). */
export function periodicAxes(problem: PdeProblem): { axis: number; period: number }[] {
  const axes = [...new Set(problem.terms.flatMap((t) => (t.periodicAxis === undefined ? [] : [t.periodicAxis])))].sort((a, b) => a - b);
  return axes.map((axis) => ({ axis, period: problem.domain.hi[axis] - problem.domain.lo[axis] }));
}

/** The time coordinate: the input named t (problem files), or -1. */
export function timeAxis(problem: Pick<PdeProblem, 'inputs'>): number {
  return problem.inputs?.indexOf('t') ?? -1;
}
