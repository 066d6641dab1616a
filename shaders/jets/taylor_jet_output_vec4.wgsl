// taylorJetOutputVec4: the scalar output layer (see taylor_jet_output.wgsl) for IN a multiple of
// 4, on CPU adapters: one thread per point reads w and the point's jets as vec4 along j, its
// lanes holding 4 partial sums per order, added at the end (no workgroup reduction).
//   out[p][k] = sum_j w[j] * h[p][k][j]   (+ b on k = 0)
// Buffers: params as vec4 (w at W_OFF, a multiple of 4, b at B_OFF), inp [batch][N1][IN] as
// vec4, outp [batch][N1].

const N1 : u32 = {{N1}}u;
const IN4 : u32 = {{IN4}}u;       // IN / 4
const W_OFF4 : u32 = {{W_OFF4}}u; // W_OFF / 4 (quotients from the host: webgpu-utils' reflection evaluates / in floats)
const B_OFF : u32 = {{B_OFF}}u;

// the same uniform as taylor_jet_layer.wgsl
struct Dims {
  batch : u32,
  dirStride : u32,
  pad0 : u32,
  pad1 : u32,
}

@group(0) @binding(0) var<storage, read> params : array<vec4f>;
@group(0) @binding(1) var<storage, read> inp : array<vec4f>;
@group(0) @binding(2) var<storage, read_write> outp : array<f32>;
@group(0) @binding(3) var<uniform> dims : Dims;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let p = gid.x + gid.y * nwg.x * 64u;
  if (p >= dims.batch) { return; }
  var acc : array<vec4f, N1>;
  for (var j = 0u; j < IN4; j++) {
    let w = params[W_OFF4 + j];
    // #unroll
    for (var k = 0u; k < N1; k++) { acc[k] += w * inp[(p * N1 + k) * IN4 + j]; }
  }
  // #unroll
  for (var k = 0u; k < N1; k++) {
    outp[p * N1 + k] = dot(acc[k], vec4f(1.0)) + select(0.0, params[B_OFF / 4u][B_OFF % 4u], k == 0u);
  }
}
