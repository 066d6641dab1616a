// hdFirstDense: the first layer for dense STDE, one thread per point p and hidden neuron m:
//   a0 = b[m] + sum_j W[m][j] x[p][j],   a1[b] = sum_j W[m][j] v_b[j] = (W v_b)[m],   a2 = 0
// for each of the point's B Rademacher directions v_b (packed signs, hd_dense_directions.wgsl).
// This is dense STDE's honest cost: O(D) per direction and neuron (sparse STDE reads one column
// of W instead). The threads of neuron 0 also write x . v_b per row (the model's factor
// 1 - |x|^2 has the jet (1 - |x|^2, -2 x.v, -|v|^2) along v; see hd_loss_dense.wgsl).
// Writes the pre-activation jets (for the backward pass) and tanh of them, [row][3][OUT].
// #include hd_common

const D : u32 = {{D}}u;
const B : u32 = {{B}}u;
const NW : u32 = {{NW}}u;
const OUT : u32 = {{OUT}}u;
const W_OFF : u32 = {{W_OFF}}u;
const B_OFF : u32 = {{B_OFF}}u;

@group(0) @binding(0) var<storage, read> params : array<f32>;
@group(0) @binding(1) var<storage, read> x : array<f32>;
@group(0) @binding(2) var<storage, read> signs : array<u32>;
@group(0) @binding(3) var<storage, read_write> pre : array<f32>;
@group(0) @binding(4) var<storage, read_write> outp : array<f32>;
@group(0) @binding(5) var<storage, read_write> xv : array<f32>;
@group(0) @binding(6) var<uniform> count : vec4u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let t = flatIndex(gid, nwg);
  let p = t / OUT;
  let m = t % OUT;
  if (p >= count.x) { return; }
  var a0 = params[B_OFF + m];
  var a1 : array<f32, B>;
  var dots : array<f32, B>;
  var wc : array<f32, 32>;
  var xc : array<f32, 32>;
  let w = W_OFF + m * D;
  let o = p * D;
  for (var k = 0u; k < NW; k++) {
    let j0 = k * 32u;
    let n = min(32u, D - j0);
    for (var q = 0u; q < n; q++) {
      wc[q] = params[w + j0 + q];
      xc[q] = x[o + j0 + q];
      a0 += wc[q] * xc[q];
    }
    for (var b = 0u; b < B; b++) {
      let word = signs[(p * B + b) * NW + k];
      var s = 0.0;
      for (var q = 0u; q < n; q++) { s += select(-wc[q], wc[q], ((word >> q) & 1u) == 1u); }
      a1[b] += s;
      if (m == 0u) {
        var sx = 0.0;
        for (var q = 0u; q < n; q++) { sx += select(-xc[q], xc[q], ((word >> q) & 1u) == 1u); }
        dots[b] += sx;
      }
    }
  }
  for (var b = 0u; b < B; b++) {
    let r = p * B + b;
    let a = vec3f(a0, a1[b], 0.0);
    let y = tanhJet2(a);
    for (var k = 0u; k < 3u; k++) {
      pre[(r * 3u + k) * OUT + m] = a[k];
      outp[(r * 3u + k) * OUT + m] = y[k];
    }
    if (m == 0u) { xv[r] = dots[b]; }
  }
}
