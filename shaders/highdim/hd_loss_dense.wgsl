// hdLossDense: the residual of Δu + f(u) = g at each point (one thread) by dense STDE, for the
// ball problems u = (1 - |x|^2) N. Row r = p * B + b holds N's 2-jet along the Rademacher
// direction v_b; along v the factor F = 1 - |x|^2 has the normalized jet
//   F = (1 - |x|^2, -2 x.v, -|v|^2) = (1 - |x|^2, -2 x.v, -D)
// so u2 = F0 n2 + F1 n1 + F2 n0 and v^T (Hess u) v = 2 u2. Hutchinson: E[v^T H v] = tr H = Δu
// for any H when E[v v^T] = I, so the estimate is the plain mean over the B directions
// (no D / B factor: that belongs to sparse STDE's coordinate sampling):
//   r = f(u) + (1/B) Σ_b 2 u2(v_b) − g,   parts[p] = weight r² / count,
// and the adjoint of each row's network jet, n̄ = (F0 ū0 + F1 ū1 + F2 ū2, F0 ū1 + F1 ū2, F0 ū2).
// f and f' are the problem's temporal / temporalGrad WGSL (generated from its file: src/engine/equations/highdim-file.ts).
// #include hd_common

const D : u32 = {{D}}u;
const B : u32 = {{B}}u;
const INV_B : f32 = 1.0 / f32(B);

struct Params { count : u32, weight : f32, pad0 : u32, pad1 : u32 }

@group(0) @binding(0) var<storage, read> zz : array<f32>;
@group(0) @binding(1) var<storage, read> xv : array<f32>;
@group(0) @binding(2) var<storage, read> g : array<f32>;
@group(0) @binding(3) var<storage, read> net : array<f32>;     // [row][3]
@group(0) @binding(4) var<storage, read_write> netAdj : array<f32>;
@group(0) @binding(5) var<storage, read_write> parts : array<f32>;
@group(0) @binding(6) var<storage, read_write> resid : array<f32>;
@group(0) @binding(7) var<uniform> params : Params;

{{HELPERS}}

fn temporal(p : u32, u : f32, ut : f32, utt : f32) -> f32 {
  {{TEMPORAL}}
}

fn temporalGrad(p : u32, u : f32, ut : f32, utt : f32) -> vec3f {
  {{TEMPORAL_GRAD}}
}

fn factorAlong(p : u32, r : u32) -> vec3f {
  return vec3f(1.0 - zz[p], -2.0 * xv[r], -f32(D));
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let p = flatIndex(gid, nwg);
  if (p >= params.count) { return; }
  var lap = 0.0;
  for (var b = 0u; b < B; b++) {
    let r = p * B + b;
    let f = factorAlong(p, r);
    lap += 2.0 * (f.x * net[r * 3u + 2u] + f.y * net[r * 3u + 1u] + f.z * net[r * 3u]);
  }
  lap *= INV_B;
  let u = (1.0 - zz[p]) * net[p * B * 3u];
  let res = temporal(p, u, 0.0, 0.0) + lap - g[p];
  resid[p] = res;
  parts[p] = params.weight * res * res / f32(params.count);
  let s = 2.0 * params.weight * res / f32(params.count);
  let tg = temporalGrad(p, u, 0.0, 0.0);
  for (var b = 0u; b < B; b++) {
    let r = p * B + b;
    let f = factorAlong(p, r);
    var ub = vec3f(0.0, 0.0, 2.0 * s * INV_B);
    if (b == 0u) { ub.x = s * tg.x; }
    netAdj[r * 3u] = f.x * ub.x + f.y * ub.y + f.z * ub.z;
    netAdj[r * 3u + 1u] = f.x * ub.y + f.y * ub.z;
    netAdj[r * 3u + 2u] = f.x * ub.z;
  }
}
