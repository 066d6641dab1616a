// hdLayerVec4: hdLayer (see hd_layer.wgsl) for IN and OUT multiples of 4, blocked for CPU
// and GPU alike: a thread computes 4 neurons m0..m0+3 of one row, reading the weights and
// the input jets as vec4 along j, so each load feeds 4 to 12 multiply-adds.
// #include hd_common

const IN4 : u32 = {{IN}}u / 4u;
const OUT : u32 = {{OUT}}u;
const ACT : u32 = {{ACT}}u;
const W_OFF4 : u32 = {{W_OFF}}u / 4u;
const B_OFF : u32 = {{B_OFF}}u;

@group(0) @binding(0) var<storage, read> params : array<vec4f>;
@group(0) @binding(1) var<storage, read> inp : array<vec4f>;   // [row][3][IN/4]
@group(0) @binding(2) var<storage, read_write> pre : array<f32>;
@group(0) @binding(3) var<storage, read_write> outp : array<f32>;
@group(0) @binding(4) var<uniform> count : vec4u;

fn param(i : u32) -> f32 { return params[i / 4u][i % 4u]; }

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let t = flatIndex(gid, nwg);
  let r = t / (OUT / 4u);
  let m0 = (t % (OUT / 4u)) * 4u;
  if (r >= count.x) { return; }
  var a0 = vec4f(0.0);
  var a1 = vec4f(0.0);
  var a2 = vec4f(0.0);
  for (var j = 0u; j < IN4; j++) {
    let h0 = inp[(r * 3u) * IN4 + j];
    let h1 = inp[(r * 3u + 1u) * IN4 + j];
    let h2 = inp[(r * 3u + 2u) * IN4 + j];
    let w0 = params[W_OFF4 + m0 * IN4 + j];
    let w1 = params[W_OFF4 + (m0 + 1u) * IN4 + j];
    let w2 = params[W_OFF4 + (m0 + 2u) * IN4 + j];
    let w3 = params[W_OFF4 + (m0 + 3u) * IN4 + j];
    a0 += vec4f(dot(w0, h0), dot(w1, h0), dot(w2, h0), dot(w3, h0));
    a1 += vec4f(dot(w0, h1), dot(w1, h1), dot(w2, h1), dot(w3, h1));
    a2 += vec4f(dot(w0, h2), dot(w1, h2), dot(w2, h2), dot(w3, h2));
  }
  for (var q = 0u; q < 4u; q++) {
    let m = m0 + q;
    let a = vec3f(a0[q] + param(B_OFF + m), a1[q], a2[q]);
    var y = a;
    if (ACT == 1u) { y = tanhJet2(a); }
    for (var k = 0u; k < 3u; k++) {
      if (ACT == 1u) { pre[(r * 3u + k) * OUT + m] = a[k]; }
      outp[(r * 3u + k) * OUT + m] = y[k];
    }
  }
}
