// hdLayer: a dense layer on 2-jets, one thread per (row r, neuron m):
//   a_k = sum_j W[m][j] h[r][k][j] (+ b[m] for k = 0), out = tanh jet of a (ACT = 1) or a (ACT = 0)
// Buffers [row][3][width]; the pre-activations are kept for the backward pass (ACT = 1).
// #include hd_common

const IN : u32 = {{IN}}u;
const OUT : u32 = {{OUT}}u;
const ACT : u32 = {{ACT}}u;
const W_OFF : u32 = {{W_OFF}}u;
const B_OFF : u32 = {{B_OFF}}u;

@group(0) @binding(0) var<storage, read> params : array<f32>;
@group(0) @binding(1) var<storage, read> inp : array<f32>;
@group(0) @binding(2) var<storage, read_write> pre : array<f32>;
@group(0) @binding(3) var<storage, read_write> outp : array<f32>;
@group(0) @binding(4) var<uniform> count : vec4u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let t = flatIndex(gid, nwg);
  let r = t / OUT;
  let m = t % OUT;
  if (r >= count.x) { return; }
  var a = vec3f(params[B_OFF + m], 0.0, 0.0);
  let w = W_OFF + m * IN;
  for (var j = 0u; j < IN; j++) {
    let wj = params[w + j];
    a += wj * vec3f(inp[(r * 3u) * IN + j], inp[(r * 3u + 1u) * IN + j], inp[(r * 3u + 2u) * IN + j]);
  }
  var y = a;
  if (ACT == 1u) { y = tanhJet2(a); }
  for (var k = 0u; k < 3u; k++) {
    if (ACT == 1u) { pre[(r * 3u + k) * OUT + m] = a[k]; }
    outp[(r * 3u + k) * OUT + m] = y[k];
  }
}
