// hdBackwardDense: the first layer's parameter gradient for dense STDE. Along v_b the layer is
//   a0 = W x + b,  a1 = W v_b,  a2 = 0
// so with apt[p][m] = Σ_b ā[p B + b][0][m] (hd_backward.wgsl mode 3) and the tangent adjoints
// ā[r][1][m]:
//   gW[m][j] = Σ_p apt[p][m] x[p][j] + Σ_p Σ_b ā[p B + b][1][m] v_b[j],   gb[m] = Σ_p apt[p][m].
// The tangent path costs O(P B D) per neuron, like the forward W v_b.
// One thread per (m, word k of 32 coordinates); threads k = NW write the bias.
// #include hd_common

const D : u32 = {{D}}u;
const B : u32 = {{B}}u;
const NW : u32 = {{NW}}u;
const OUT : u32 = {{OUT}}u;
const W_OFF : u32 = {{W_OFF}}u;
const B_OFF : u32 = {{B_OFF}}u;

@group(0) @binding(0) var<storage, read> apt : array<f32>;     // [p][OUT]
@group(0) @binding(1) var<storage, read> abar : array<f32>;    // [r][3][OUT]
@group(0) @binding(2) var<storage, read> x : array<f32>;       // [p][D]
@group(0) @binding(3) var<storage, read> signs : array<u32>;   // [r][NW]
@group(0) @binding(4) var<storage, read_write> grad : array<f32>;
@group(0) @binding(5) var<uniform> count : vec4u;              // points

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let t = flatIndex(gid, nwg);
  let m = t / (NW + 1u);
  let k = t % (NW + 1u);
  if (m >= OUT) { return; }
  let n = count.x;
  if (k == NW) {
    var s = 0.0;
    for (var p = 0u; p < n; p++) { s += apt[p * OUT + m]; }
    grad[B_OFF + m] = s;
    return;
  }
  let j0 = k * 32u;
  let len = min(32u, D - j0);
  var acc : array<f32, 32>;
  for (var p = 0u; p < n; p++) {
    let a = apt[p * OUT + m];
    for (var q = 0u; q < len; q++) { acc[q] += a * x[p * D + j0 + q]; }
    for (var b = 0u; b < B; b++) {
      let r = p * B + b;
      let t1 = abar[(r * 3u + 1u) * OUT + m];
      let word = signs[r * NW + k];
      for (var q = 0u; q < len; q++) { acc[q] += select(-t1, t1, ((word >> q) & 1u) == 1u); }
    }
  }
  for (var q = 0u; q < len; q++) { grad[W_OFF + m * D + j0 + q] = acc[q]; }
}
