// hdCommon: shared by the high-dimensional STDE kernels (src/engine/highdim). Jets here are
// 2-jets (c0, c1, c2) of t -> N(x + t e_i) along one coordinate axis e_i, stored as
// [row][3][width], row r = p * B + b (point p, sampled coordinate b).
// #include expr_math

// tanh on a 2-jet: y0 = tanh a0, y1 = s a1, y2 = s a2 - y0 s a1^2 with s = 1 - y0^2
fn tanhJet2(a : vec3f) -> vec3f {
  let y0 = tanh(clamp(a.x, -15.0, 15.0));
  let s = 1.0 - y0 * y0;
  return vec3f(y0, s * a.y, s * a.z - y0 * s * a.y * a.y);
}

// its adjoint: given the pre-activation a and the output adjoint ybar, the adjoint of a
fn tanhJet2Adjoint(a : vec3f, yb : vec3f) -> vec3f {
  let y0 = tanh(clamp(a.x, -15.0, 15.0));
  let s = 1.0 - y0 * y0;
  let a0 = s * yb.x - 2.0 * y0 * s * (a.y * yb.y + a.z * yb.z) + s * (3.0 * y0 * y0 - 1.0) * a.y * a.y * yb.z;
  let a1 = s * yb.y - 2.0 * y0 * s * a.y * yb.z;
  return vec3f(a0, a1, s * yb.z);
}

// a row's coordinate index meaning "along x itself" (the product-rule estimator's extra row):
// its first-layer tangent is W x, the first layer's value without the bias
const ALONG_X : u32 = 0xffffffffu;

// a flat thread index over a 2-D grid of 64-thread workgroups (past the per-dimension limit)
fn flatIndex(gid : vec3u, nwg : vec3u) -> u32 {
  return gid.x + gid.y * nwg.x * 64u;
}
