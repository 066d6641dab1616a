/**
 * Problems for the high-dimensional STDE trainer (src/engine/highdim): space is the unit
 * ball in d dimensions, optionally times t ∈ [0, T] (input coordinate d). The residual is
 *   r = temporal(z, u, u_t, u_tt) + Σ_{i<d} spatial(x_i, ∂u/∂x_i, ∂²u/∂x_i²) − g(z),
 * where the sum over the d space axes is what sparse STDE estimates by (d/B) times its sum
 * over B sampled axes (unbiased; exact when B = d). The model is u = G + F N with F and G
 * chosen so boundary, terminal or initial values hold by construction.
 * Each piece comes twice, f64 (checks and references) and WGSL (the kernels in
 * shaders/hd_source.wgsl and shaders/hd_loss.wgsl; see those for what a body may read), both
 * generated from a problem file's trees by src/engine/equations/highdim-file.ts.
 */
export type Jet2 = [number, number, number];

export interface HighDimDefaults {
  width: number;
  depth: number;
  steps: number;
  lr: number;
  /** Collocation points per step. */
  points: number;
  /** STDE coordinates per point. */
  randBatch: number;
}

export interface HighDimProblem {
  kind: 'highdim';
  id: string;
  title: string;
  equation: string;
  tex: string;
  description: string;
  /** Space dimension d. */
  dim: number;
  /** Time-dependent problems: t ∈ [0, horizon] is input coordinate d. */
  horizon?: number;
  /** The exact solution at z = (x) or (x, t). */
  exact(z: ArrayLike<number>): number;
  /** Normalized 2-jets (value, first derivative, half the second) of F and G along axis a at z (a = d: time). */
  factorJet(z: ArrayLike<number>, a: number): Jet2;
  offsetJet(z: ArrayLike<number>, a: number): Jet2;
  spatial(xi: number, ui: number, uii: number): number;
  /**
   * The model is u = (1 − |x|²) N (G = 0), the spatial sum a plain Laplacian and there is no
   * time: the product-rule estimator applies (HighDimConfig.productRule).
   */
  productRule?: boolean;
  temporal(z: ArrayLike<number>, u: number, ut: number, utt: number): number;
  /** g(z), O(d). */
  source(z: ArrayLike<number>): number;
  /** Numbers the WGSL source may read as coef[i] (e.g. the two-body c_i); at least one. */
  coefficients: Float64Array;
  wgsl: {
    /** Functions and constants the bodies below may call. */
    helpers: string;
    /** Body of fn sourceAt(p : u32) -> vec2f: (g, aux); aux is kept per point for factor/offset. */
    source: string;
    /** Bodies of fn factorJet(p : u32, a : u32, aux : f32) -> vec3f and offsetJet (same signature). */
    factor: string;
    offset: string;
    /** Bodies of fn spatial(xi : f32, ui : f32, uii : f32) -> f32 and spatialGrad(...) -> vec2f (∂/∂ui, ∂/∂uii). */
    spatial: string;
    spatialGrad: string;
    /** Bodies of fn temporal(p : u32, u : f32, ut : f32, utt : f32) -> f32 and temporalGrad(...) -> vec3f. */
    temporal: string;
    temporalGrad: string;
  };
  defaults: HighDimDefaults;
  paramRanges: { dim: [number, number] };
  params: { dim: number };
  variant(params: { dim?: number }): HighDimProblem;
  /** The problem file it was compiled from (shown by pinn list). */
  file?: string;
}

/** Largest d a high-dimensional problem accepts (the device may allow less: the trainer says so). */
export const MAX_HIGHDIM_DIM = 1_000_000;

export function norm2(x: ArrayLike<number>, d = x.length): number {
  let r = 0;
  for (let i = 0; i < d; i++) r += x[i] * x[i];
  return r;
}
