// hdSource: the right-hand side g(x) = Δu* + f(u*) of a ball problem at each point (one
// thread per point, O(D)), from the body's local terms (see src/engine/problems/ball-bodies.ts):
// u* = φ s, φ = 1 - |x|^2, Δu* = -2 D s - 4 x·∇s + φ Δs.
// #include hd_common

const D : u32 = {{D}}u;
const BODY : u32 = {{BODY}}u; // 2: two-body, 3: three-body

@group(0) @binding(0) var<storage, read> x : array<f32>;
@group(0) @binding(1) var<storage, read> xx : array<f32>;
@group(0) @binding(2) var<storage, read> coef : array<f32>;
@group(0) @binding(3) var<storage, read_write> g : array<f32>;
@group(0) @binding(4) var<uniform> count : vec4u;

fn nonlinearity(u : f32) -> f32 {
  return {{F}};
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let p = flatIndex(gid, nwg);
  if (p >= count.x) { return; }
  var s = 0.0;
  var xg = 0.0;
  var lap = 0.0;
  let o = p * D;
  if (BODY == 2u) {
    for (var i = 0u; i + 1u < D; i++) {
      let xi = x[o + i];
      let xj = x[o + i + 1u];
      let a = xi + pcos(xj) + xj * pcos(xi);
      let ai = 1.0 - xj * psin(xi);
      let aj = pcos(xi) - psin(xj);
      let ca = pcos(a);
      let sa = psin(a);
      let c = coef[i];
      s += c * sa;
      xg += c * ca * (xi * ai + xj * aj);
      lap += c * (ca * (-xj * pcos(xi) - pcos(xj)) - sa * (ai * ai + aj * aj));
    }
  } else {
    for (var i = 0u; i + 2u < D; i++) {
      let xi = x[o + i];
      let xj = x[o + i + 1u];
      let xk = x[o + i + 2u];
      let b = xi * xj * xk;
      let e = coef[i] * exp(b);
      s += e;
      xg += e * 3.0 * b;
      lap += e * ((xj * xk) * (xj * xk) + (xi * xk) * (xi * xk) + (xi * xj) * (xi * xj));
    }
  }
  let phi = 1.0 - xx[p];
  let u = phi * s;
  g[p] = -2.0 * f32(D) * s - 4.0 * xg + phi * lap + nonlinearity(u);
}
