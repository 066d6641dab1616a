// steinEstimator: derivatives of the Gaussian-smoothed network f(x) = E g(x + e), e ~ N(0, s² I),
// from plain evaluations of g (Stein's identity; He et al.), in three modes over the same draws.
// Per point p, sample m < S: z = e/s standard normal, drawn by Philox from
//   counter = (p, m, stream, TERM << 16 | b), key = seed, words w0..w3 of block b -> z[4b .. 4b+3]:
//   Box-Muller, z[4b], z[4b+1] = sqrt(−2 ln(1 − u(w0))) (cos, sin)(2π u(w1)), likewise from (w2, w3)
// (sample_box.wgsl uses counter word 3 = 0 and sample_ball_time.wgsl 0xBA11 < 1 << 16, so the streams
// never meet; TERM >= 1).
// Evaluation rows per point (E of them):  VR = 1: [x (if C0 = 1), x + e_0 .. x + e_{S-1}, x - e_0 .. x - e_{S-1}]
//                                          VR = 0: [x + e_0 .. x + e_{S-1}]
// (the control variate g(x), row C0 = 1, only enters second derivatives: terms of lower order skip it)
// Slot k is a direction v_k (SLOT_AXES[k] = 0) or a Laplacian over the first SLOT_AXES[k] axes:
//   proj[p][m][k] = (a1, a2):  a1 = z·v,  a2 = (z·v)² − |v|²      (direction)
//                              a1 = 0,    a2 = |z_{<A}|² − A         (Laplacian over A axes)
//   MODE 0 (shift):   shifted rows and proj, one thread per (p, m)
//   MODE 1 (combine), sums over the draws M0 <= m < M1 (all, or one half for a split estimate):
//                     c[p][0] = W0 Σ_m (g+ + g−)        [plain: W0 Σ g+]
//                     c[p][1] = W1 Σ_m (g+ − g−) a1     [plain: W1 Σ g+ a1]
//                     c[p][2] = W2 Σ_m (g+ + g− − 2 g0) a2   [plain: W2 Σ g+ a2]
//     (W folds in 1/(M1 − M0), 1/s^k and 1/k!: c has the layout of Taylor-jet outputs [count][N1] with
//      c_k = (k-th derivative of f)/k!, so the same loss kernels run)
//     With pairs and n = M1 − M0 >= 2 draws, a2 is replaced by the centred n/(n−1) (a2 − mean a2): the same
//     as subtracting from each pair's second difference the mean of the other n − 1 pairs' (a leave-one-out
//     baseline, independent of that pair's weight, whose mean is 0, so the estimate stays unbiased). It
//     removes the noise of (|z|² − A) times the mean curvature: for H = I/d in d = 100 a pair's Laplacian
//     variance falls from about 50 to about 2. CENTRE2 = 1 turns it on (pairs, second order, n >= 2); W2 is
//     the plain weight, the kernel applies the centring and its factor.
//   CENTRE1 = 1 (pairs, a direction slot, n >= 2 draws) does the same for first order: a pair's estimate
//     y = (g+ − g−) a1 / (2s) ≈ (z·v)(z·∇g) carries b (v·∇g)/|v|², b = (z·v)² − |v|² (mean 0); subtracting
//     b times the mean of the other n − 1 pairs' y (independent of b, so still unbiased) leaves only
//     (z·v)(z·w), w the part of ∇g across v. Summed over the pairs it is each y weighted by
//     1 − (Σb − b)/((n − 1)|v|²): still linear in g, so the adjoint uses the same weights. For u_t with
//     |∇_x u| small (heat-ball) a pair's variance falls from about 2 u_t² to about |∇_x u|².
//   HUTCH = 1 (pairs with g(x) only) replaces a Laplacian slot's weight a2 = |z_{<A}|² − A by Hutchinson's
//     a2 = 2 − Σ_{j>=A} (z_j² − 1): then E[a2 z zᵀ] = 2·diag(1 for j < A, 0 else), as for Stein's weight, so for a
//     quadratic g both give Δ_A g; but the pair's second difference g+ + g− − 2 g0 ≈ s² zᵀHz is weighted by
//     O(1) instead of O(√A), and its variance is about 2 |H|_F² instead of A |H|_F². The price: its mean is
//     2 (f − g)/s² − Σ_{j>=A} ∂_jj f = Δ_A g + O(s²), the plain network's Laplacian, not exactly the smoothed
//     network's. With CENTRE2 only its zero-mean part Σ_{j>=A} (z_j² − 1) is centred (a2 = 2 + the centred
//     rest): for heat-ball (t the one axis past A) that removes about (tr H)²/2 per pair, the largest part.
//   MODE 2 (adjoint): ubar = the transpose of MODE 1 applied to cbar (ACCUMULATE: add to ubar,
//      for the second and later slots of a term); it seeds the backward pass of the evaluations.
// #include philox
// #include precise_math

const MODE : u32 = {{MODE}}u;
const D : u32 = {{D}}u;
const S : u32 = {{S}}u;
const E : u32 = {{E}}u;
const VR : u32 = {{VR}}u;
const C0 : u32 = {{C0}}u;
const K : u32 = {{K}}u;
const TERM : u32 = {{TERM}}u;
const SIGMA : f32 = {{SIGMA}};
const SLOT : u32 = {{SLOT}}u;
const N1 : u32 = {{N1}}u;
const M0 : u32 = {{M0}}u;
const M1 : u32 = {{M1}}u;
const ACCUMULATE : u32 = {{ACCUMULATE}}u;
const W0 : f32 = {{W0}};
const W1 : f32 = {{W1}};
const W2 : f32 = {{W2}};
const CENTRE2 : u32 = {{CENTRE2}}u;
const HUTCH : u32 = {{HUTCH}}u;
const CENTRE1 : u32 = {{CENTRE1}}u;
// a network of NOUT outputs (a system): evaluations and coefficients hold NOUT values per row; a
// combine or adjoint dispatch handles output OUT (rows of the others are left as they are)
const NOUT : u32 = {{NOUT}}u;
const OUT : u32 = {{OUT}}u;
var<private> SLOT_DIRS : array<f32, K * D> = array<f32, K * D>({{SLOT_DIRS}});
var<private> SLOT_AXES : array<u32, K> = array<u32, K>({{SLOT_AXES}});

struct Params { count : u32, stream : u32, seedLo : u32, seedHi : u32 }

@group(0) @binding(0) var<storage, read> src : array<f32>;
@group(0) @binding(1) var<storage, read_write> dst : array<f32>;
@group(0) @binding(2) var<storage, read_write> proj : array<f32>;
@group(0) @binding(3) var<uniform> params : Params;

fn shift(i : u32) {
  let p = i / S;
  let m = i % S;
  if (C0 == 1u && m == 0u) {
    for (var j = 0u; j < D; j++) { dst[p * E * D + j] = src[p * D + j]; }
  }
  let plus = p * E + C0 + m;
  let minus = p * E + C0 + S + m;
  var dots : array<f32, K>;
  var sq : array<f32, K>;
  var sqAll = 0.0;
  for (var b = 0u; b * 4u < D; b++) {
    let r = philox4x32(vec4u(p, m, params.stream, (TERM << 16u) | b), vec2u(params.seedLo, params.seedHi));
    // Box-Muller, two normals per pair of words; 1 - u in (0, 1] keeps the log finite
    let r0 = sqrt(-2.0 * log(1.0 - uniform01(r.x)));
    let r1 = sqrt(-2.0 * log(1.0 - uniform01(r.z)));
    // sincosPrecise: the built-in sin/cos may be off by 2^-11, and the CPU twin must agree
    let sc0 = sincosPrecise(6.283185307179586 * uniform01(r.y));
    let sc1 = sincosPrecise(6.283185307179586 * uniform01(r.w));
    var z4 = array<f32, 4>(r0 * sc0.y, r0 * sc0.x, r1 * sc1.y, r1 * sc1.x);
    for (var q = 0u; q < 4u && b * 4u + q < D; q++) {
      let j = b * 4u + q;
      let z = z4[q];
      let x = src[p * D + j];
      dst[plus * D + j] = x + SIGMA * z;
      if (VR == 1u) { dst[minus * D + j] = x - SIGMA * z; }
      sqAll += z * z;
      for (var k = 0u; k < K; k++) {
        dots[k] += z * SLOT_DIRS[k * D + j];
        if (j < SLOT_AXES[k]) { sq[k] += z * z; }
      }
    }
  }
  for (var k = 0u; k < K; k++) {
    let o = ((p * S + m) * K + k) * 2u;
    if (SLOT_AXES[k] == 0u) {
      var vv = 0.0;
      for (var j = 0u; j < D; j++) { vv += SLOT_DIRS[k * D + j] * SLOT_DIRS[k * D + j]; }
      proj[o] = dots[k];
      proj[o + 1u] = dots[k] * dots[k] - vv;
    } else if (HUTCH == 1u) {
      proj[o] = 0.0;
      proj[o + 1u] = 2.0 - ((sqAll - sq[k]) - f32(D - SLOT_AXES[k]));
    } else {
      proj[o] = 0.0;
      proj[o + 1u] = sq[k] - f32(SLOT_AXES[k]);
    }
  }
}

// The mean of a2 over the draws M0 <= m < M1 (CENTRE2 = 1; else 0), the factor n/(n − 1) of the centred weights,
// and what is added back after centring (2 for a Hutchinson Laplacian slot, whose weights have mean 2; else 0).
fn centre2(p : u32) -> vec3f {
  if (CENTRE2 == 0u) { return vec3f(0.0, 1.0, 0.0); }
  var sum = 0.0;
  for (var m = M0; m < M1; m++) { sum += proj[((p * S + m) * K + SLOT) * 2u + 1u]; }
  let n = f32(M1 - M0);
  return vec3f(sum / n, n / (n - 1.0), select(0.0, 2.0, HUTCH == 1u && SLOT_AXES[SLOT] > 0u));
}

// CENTRE1 = 1: (Σb over the draws M0 <= m < M1, 1/((n − 1)|v|²)): a1 is scaled by 1 − (Σb − b)/((n − 1)|v|²); else (0, 0).
fn centre1(p : u32) -> vec2f {
  if (CENTRE1 == 0u) { return vec2f(0.0, 0.0); }
  var sum = 0.0;
  for (var m = M0; m < M1; m++) { sum += proj[((p * S + m) * K + SLOT) * 2u + 1u]; }
  var vv = 0.0;
  for (var j = 0u; j < D; j++) { vv += SLOT_DIRS[SLOT * D + j] * SLOT_DIRS[SLOT * D + j]; }
  return vec2f(sum, 1.0 / (f32(M1 - M0 - 1u) * vv));
}

fn combine(p : u32) {
  var c = array<f32, 3>(0.0, 0.0, 0.0);
  let cen = centre2(p);
  let cen1 = centre1(p);
  for (var m = M0; m < M1; m++) {
    let o = ((p * S + m) * K + SLOT) * 2u;
    let a1 = proj[o] * (1.0 - (cen1.x - proj[o + 1u]) * cen1.y);
    let a2 = (proj[o + 1u] - cen.x) * cen.y + cen.z;
    if (VR == 1u) {
      let gp = src[(p * E + C0 + m) * NOUT + OUT];
      let gm = src[(p * E + C0 + S + m) * NOUT + OUT];
      c[0] += gp + gm;
      c[1] += (gp - gm) * a1;
      if (C0 == 1u) { c[2] += ((gp + gm) - 2.0 * src[(p * E) * NOUT + OUT]) * a2; }
    } else {
      let g = src[(p * E + m) * NOUT + OUT];
      c[0] += g;
      c[1] += g * a1;
      c[2] += g * a2;
    }
  }
  var w = array<f32, 3>(W0, W1, W2);
  for (var k = 0u; k < N1; k++) { dst[(p * N1 + k) * NOUT + OUT] = w[k] * c[k]; }
}

fn adjoint(p : u32) {
  var cb = array<f32, 3>(0.0, 0.0, 0.0);
  var w = array<f32, 3>(W0, W1, W2);
  for (var k = 0u; k < N1; k++) { cb[k] = w[k] * src[(p * N1 + k) * NOUT + OUT]; }
  var center = 0.0;
  let cen = centre2(p);
  let cen1 = centre1(p);
  // every row is visited: the first slot's pass (ACCUMULATE = 0) also zeroes rows outside its draws
  for (var m = 0u; m < S; m++) {
    let o = ((p * S + m) * K + SLOT) * 2u;
    var a1 = 0.0;
    var a2 = 0.0;
    var a0 = 0.0;
    if (m >= M0 && m < M1) {
      a0 = 1.0;
      a1 = proj[o] * (1.0 - (cen1.x - proj[o + 1u]) * cen1.y);
      a2 = (proj[o + 1u] - cen.x) * cen.y + cen.z;
    }
    if (VR == 1u) {
      let rp = (p * E + C0 + m) * NOUT + OUT;
      let rm = (p * E + C0 + S + m) * NOUT + OUT;
      let up = cb[0] * a0 + cb[1] * a1 + cb[2] * a2;
      let um = cb[0] * a0 - cb[1] * a1 + cb[2] * a2;
      center -= 2.0 * cb[2] * a2;
      if (ACCUMULATE == 1u) { dst[rp] += up; dst[rm] += um; } else { dst[rp] = up; dst[rm] = um; }
    } else {
      let r = (p * E + m) * NOUT + OUT;
      let u = cb[0] * a0 + cb[1] * a1 + cb[2] * a2;
      if (ACCUMULATE == 1u) { dst[r] += u; } else { dst[r] = u; }
    }
  }
  if (C0 == 1u) {
    if (ACCUMULATE == 1u) { dst[(p * E) * NOUT + OUT] += center; } else { dst[(p * E) * NOUT + OUT] = center; }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (MODE == 0u) {
    if (i < params.count * S) { shift(i); }
  } else if (i < params.count) {
    if (MODE == 1u) { combine(i); } else { adjoint(i); }
  }
}
