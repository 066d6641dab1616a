// hdFirstRagged: hdFirst (see hd_first.wgsl) for any D and OUT a multiple of 4, blocked 4
// points x 4 neurons a thread (hd_first_block.wgsl) like hd_first_vec4.wgsl, but reading W and
// the points as scalars (rows of D floats need not be 16-byte aligned), the last D % 4 inputs
// in a tail quad padded with zeros.
// #include hd_common

const D : u32 = {{D}}u;
const B : u32 = {{B}}u;
const OUT : u32 = {{OUT}}u;
const W_OFF : u32 = {{W_OFF}}u;
const B_OFF : u32 = {{B_OFF}}u;

@group(0) @binding(0) var<storage, read> params : array<f32>;
@group(0) @binding(1) var<storage, read> x : array<f32>;
@group(0) @binding(2) var<storage, read> idx : array<u32>;
@group(0) @binding(3) var<storage, read_write> pre : array<f32>;
@group(0) @binding(4) var<storage, read_write> outp : array<f32>;
@group(0) @binding(5) var<uniform> count : vec4u;

fn param(i : u32) -> f32 { return params[i]; }
fn weight(m : u32, i : u32) -> f32 { return params[W_OFF + m * D + i]; }
fn xQuad(p : u32, j4 : u32) -> vec4f {
  let o = p * D + j4 * 4u;
  return vec4f(x[o], x[o + 1u], x[o + 2u], x[o + 3u]);
}
fn wQuad(m : u32, j4 : u32) -> vec4f {
  let o = W_OFF + m * D + j4 * 4u;
  return vec4f(params[o], params[o + 1u], params[o + 2u], params[o + 3u]);
}
fn xTail(p : u32) -> vec4f {
  var v = vec4f(0.0);
  for (var c = 0u; c < D % 4u; c++) { v[c] = x[p * D + (D / 4u) * 4u + c]; }
  return v;
}
fn wTail(m : u32) -> vec4f {
  var v = vec4f(0.0);
  for (var c = 0u; c < D % 4u; c++) { v[c] = params[W_OFF + m * D + (D / 4u) * 4u + c]; }
  return v;
}

// #include hd_first_block
