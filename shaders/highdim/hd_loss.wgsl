// hdLoss: the residual at each point (one thread) from the network's 2-jets along the point's
// B sampled space axes (rows p*R1 + b) and, for time-dependent problems, along time (row
// p*R1 + B). The model is u = G + F N; along an axis, with the normalized jets F = (F0, F1,
// F2), G and N = (n0, n1, n2):
//   u0 = G0 + F0 n0,  u1 = G1 + F0 n1 + F1 n0,  u2 = G2 + F0 n2 + F1 n1 + F2 n0
// so ∂u = u1 and ∂²u = 2 u2 along it. Sparse STDE estimates the sum over space axes:
//   r = temporal(u, u_t, u_tt) + (D / B) Σ_b spatial(x_i, u1, 2 u2) − g,  parts[p] = weight r² / count
// and writes the adjoint of each row's network jet (the seed of the backward pass):
//   n̄0 = F0 ū0 + F1 ū1 + F2 ū2,  n̄1 = F0 ū1 + F1 ū2,  n̄2 = F0 ū2.
// SPLIT = 1 (the unbiased loss): two estimates from the two halves of the sampled axes, each
// scaled by 2D/B, and parts[p] = weight r_A r_B / count. E[r̂²] = r² + Var r̂ rewards a network
// whose diagonal second derivatives vary less across axes; r_A r_B's mean is r² up to the
// halves' covariance (disjoint draws without replacement: −d σ² against the squared
// estimate's d² σ² / B, σ² the variance of the per-axis terms).
// resid[p] holds the mean of the two, (r_A + r_B) / 2.
// PRODUCT = 1 (the product-rule estimator; u = (1 − |x|²) N and a plain Laplacian, no time):
//   Δu = −2D N − 4 x·∇N + (1 − |x|²) ΔN,
// the first two exact (x·∇N is c1 of row B, the jet along x), only ΔN sampled:
//   r = temporal(u) − 2D n0 − 4 c1(x) + SCALE (1 − |x|²) Σ_b 2 n2(b) − g.
// The problem's functions (factorJet, offsetJet, spatial, temporal and their gradients) are
// its WGSL, see src/engine/problems/highdim-types.ts.
// #include hd_common

const D : u32 = {{D}}u;
const DIN : u32 = {{DIN}}u;
const B : u32 = {{B}}u;
const R1 : u32 = {{R1}}u;        // rows per point: B, plus one along time
const TIME : u32 = {{TIME}}u;
const SCALE : f32 = {{SCALE}};   // D / B, or 2D / B for each half when SPLIT
const SPLIT : u32 = {{SPLIT}}u;
const PRODUCT : u32 = {{PRODUCT}}u;

struct Params { count : u32, weight : f32, pad0 : u32, pad1 : u32 }

@group(0) @binding(0) var<storage, read> z : array<f32>;
@group(0) @binding(1) var<storage, read> zz : array<f32>;
@group(0) @binding(2) var<storage, read> idx : array<u32>;
@group(0) @binding(3) var<storage, read> g : array<f32>;
@group(0) @binding(4) var<storage, read> aux : array<f32>;
@group(0) @binding(5) var<storage, read> net : array<f32>;     // [row][3]
@group(0) @binding(6) var<storage, read_write> netAdj : array<f32>;
@group(0) @binding(7) var<storage, read_write> parts : array<f32>;
@group(0) @binding(8) var<storage, read_write> resid : array<f32>;
@group(0) @binding(9) var<uniform> params : Params;

{{HELPERS}}

fn factorJet(p : u32, a : u32, aux : f32) -> vec3f {
  {{FACTOR}}
}

fn offsetJet(p : u32, a : u32, aux : f32) -> vec3f {
  {{OFFSET}}
}

fn spatial(xi : f32, ui : f32, uii : f32) -> f32 {
  {{SPATIAL}}
}

fn spatialGrad(xi : f32, ui : f32, uii : f32) -> vec2f {
  {{SPATIAL_GRAD}}
}

fn temporal(p : u32, u : f32, ut : f32, utt : f32) -> f32 {
  {{TEMPORAL}}
}

fn temporalGrad(p : u32, u : f32, ut : f32, utt : f32) -> vec3f {
  {{TEMPORAL_GRAD}}
}

// u's jet along axis a from row r's network jet
fn modelJet(p : u32, r : u32, a : u32) -> vec3f {
  let f = factorJet(p, a, aux[p]);
  let o = offsetJet(p, a, aux[p]);
  let n = vec3f(net[r * 3u], net[r * 3u + 1u], net[r * 3u + 2u]);
  return vec3f(o.x + f.x * n.x, o.y + f.x * n.y + f.y * n.x, o.z + f.x * n.z + f.y * n.y + f.z * n.x);
}

fn storeAdjoint(p : u32, r : u32, a : u32, ub : vec3f) {
  let f = factorJet(p, a, aux[p]);
  netAdj[r * 3u] = f.x * ub.x + f.y * ub.y + f.z * ub.z;
  netAdj[r * 3u + 1u] = f.x * ub.y + f.y * ub.z;
  netAdj[r * 3u + 2u] = f.x * ub.z;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let p = flatIndex(gid, nwg);
  if (p >= params.count) { return; }
  // every binding stays in the layout, whichever of them a problem's functions read
  _ = zz[0];
  _ = aux[0];
  if (PRODUCT == 1u) {
    productRule(p);
    return;
  }
  var sp = 0.0;
  var spB = 0.0;
  for (var b = 0u; b < B; b++) {
    let r = p * R1 + b;
    let a = idx[r];
    let u = modelJet(p, r, a);
    let term = spatial(z[p * DIN + a], u.y, 2.0 * u.z);
    if (SPLIT == 1u && b >= B / 2u) { spB += term; } else { sp += term; }
  }
  let u = modelJet(p, p * R1, idx[p * R1]).x;
  var ut = vec3f(0.0);
  if (TIME == 1u) { ut = modelJet(p, p * R1 + B, D); }
  let rest = temporal(p, u, ut.y, 2.0 * ut.z) - g[p];
  let res = rest + SCALE * sp;
  // SPLIT: the other half's estimate; otherwise the same one (r_A r_B = r²)
  var resB = res;
  if (SPLIT == 1u) { resB = rest + SCALE * spB; }
  resid[p] = 0.5 * (res + resB);
  parts[p] = params.weight * res * resB / f32(params.count);
  // d(r_A r_B) = r_B dr_A + r_A dr_B: a row of half A is seeded with r_B, of half B with r_A,
  // and the temporal terms (in both) with r_A + r_B (2r without SPLIT)
  let sA = params.weight * resB / f32(params.count);
  let sB = params.weight * res / f32(params.count);
  let tg = temporalGrad(p, u, ut.y, 2.0 * ut.z);
  for (var b = 0u; b < B; b++) {
    let r = p * R1 + b;
    let a = idx[r];
    let uj = modelJet(p, r, a);
    let sg = spatialGrad(z[p * DIN + a], uj.y, 2.0 * uj.z);
    var s = sA;
    if (SPLIT == 1u && b >= B / 2u) { s = sB; }
    else if (SPLIT == 0u) { s = sA + sB; }
    var ub = vec3f(0.0, s * SCALE * sg.x, s * SCALE * sg.y * 2.0);
    if (b == 0u) { ub.x = (sA + sB) * tg.x; }
    storeAdjoint(p, r, a, ub);
  }
  if (TIME == 1u) { storeAdjoint(p, p * R1 + B, D, vec3f(0.0, (sA + sB) * tg.y, (sA + sB) * tg.z * 2.0)); }
}

// PRODUCT = 1: the residual and the adjoints of the product-rule estimator (see the top)
fn productRule(p : u32) {
  let f0 = 1.0 - zz[p];
  let r0 = p * R1;
  let n0 = net[r0 * 3u];
  let xr = r0 + B;               // the jet along x
  var sp = 0.0;
  var spB = 0.0;
  for (var b = 0u; b < B; b++) {
    let term = 2.0 * net[(r0 + b) * 3u + 2u];
    if (SPLIT == 1u && b >= B / 2u) { spB += term; } else { sp += term; }
  }
  let u = f0 * n0;
  let rest = temporal(p, u, 0.0, 0.0) - 2.0 * f32(D) * n0 - 4.0 * net[xr * 3u + 1u] - g[p];
  let res = rest + SCALE * f0 * sp;
  var resB = res;
  if (SPLIT == 1u) { resB = rest + SCALE * f0 * spB; }
  resid[p] = 0.5 * (res + resB);
  parts[p] = params.weight * res * resB / f32(params.count);
  let sA = params.weight * resB / f32(params.count);
  let sB = params.weight * res / f32(params.count);
  let tg = temporalGrad(p, u, 0.0, 0.0);
  for (var b = 0u; b < B; b++) {
    let r = r0 + b;
    var s = sA;
    if (SPLIT == 1u && b >= B / 2u) { s = sB; }
    else if (SPLIT == 0u) { s = sA + sB; }
    var ub = vec3f(0.0, 0.0, 2.0 * s * SCALE * f0);
    if (b == 0u) { ub.x = (sA + sB) * (tg.x * f0 - 2.0 * f32(D)); }
    netAdj[r * 3u] = ub.x;
    netAdj[r * 3u + 1u] = ub.y;
    netAdj[r * 3u + 2u] = ub.z;
  }
  netAdj[xr * 3u] = 0.0;
  netAdj[xr * 3u + 1u] = -4.0 * (sA + sB);
  netAdj[xr * 3u + 2u] = 0.0;
}
