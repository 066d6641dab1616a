// hdLoss: the residual of Δu + f(u) = g at each point (one thread), with u = φ N,
// φ = 1 - |x|^2, from the network's 2-jets along the point's B sampled axes e_i:
//   along e_i, φ(x + t e_i) = φ - 2 x_i t - t^2, so u's coefficients are
//   u0 = φ n0,  u1 = φ n1 - 2 x_i n0,  u2 = φ n2 - 2 x_i n1 - n0,  ∂²u/∂x_i² = 2 u2
//   Δu ≈ (D / B) Σ_b 2 u2(b)      (sparse STDE: unbiased; exact when B = D)
//   r = Δu + f(u0) - g,  parts[p] = weight r^2 / count
// and the adjoint of each row's network jet (seed of the backward pass).
// #include hd_common

const D : u32 = {{D}}u;
const B : u32 = {{B}}u;
const SCALE : f32 = {{SCALE}}; // D / B

struct Params { count : u32, weight : f32, pad0 : u32, pad1 : u32 }

@group(0) @binding(0) var<storage, read> x : array<f32>;
@group(0) @binding(1) var<storage, read> xx : array<f32>;
@group(0) @binding(2) var<storage, read> idx : array<u32>;
@group(0) @binding(3) var<storage, read> g : array<f32>;
@group(0) @binding(4) var<storage, read> net : array<f32>;     // [row][3]
@group(0) @binding(5) var<storage, read_write> netAdj : array<f32>;
@group(0) @binding(6) var<storage, read_write> parts : array<f32>;
@group(0) @binding(7) var<storage, read_write> resid : array<f32>;
@group(0) @binding(8) var<uniform> params : Params;

fn nonlinearity(u : f32) -> f32 {
  return {{F}};
}

fn nonlinearityGrad(u : f32) -> f32 {
  return {{DF}};
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let p = flatIndex(gid, nwg);
  if (p >= params.count) { return; }
  let phi = 1.0 - xx[p];
  var lap = 0.0;
  for (var b = 0u; b < B; b++) {
    let r = p * B + b;
    let xi = x[p * D + idx[r]];
    lap += 2.0 * (phi * net[r * 3u + 2u] - 2.0 * xi * net[r * 3u + 1u] - net[r * 3u]);
  }
  lap *= SCALE;
  let u = phi * net[p * B * 3u];
  let res = lap + nonlinearity(u) - g[p];
  resid[p] = res;
  parts[p] = params.weight * res * res / f32(params.count);
  let s = 2.0 * params.weight * res / f32(params.count);
  for (var b = 0u; b < B; b++) {
    let r = p * B + b;
    let xi = x[p * D + idx[r]];
    let u2 = s * SCALE * 2.0;                // d loss / d u2 of this row
    var u0 = 0.0;
    if (b == 0u) { u0 = s * nonlinearityGrad(u); }
    netAdj[r * 3u] = phi * u0 - u2;
    netAdj[r * 3u + 1u] = -2.0 * xi * u2;
    netAdj[r * 3u + 2u] = phi * u2;
  }
}
