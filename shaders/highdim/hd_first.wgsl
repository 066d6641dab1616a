// hdFirst: the first layer for every point p and hidden neuron m (one thread each):
//   a0 = b[m] + sum_j W[m][j] x[p][j]               (the only O(D) work of the forward pass)
// then, for each of the point's B sampled coordinates i, the 2-jet along e_i: its tangent
// is column i of W, a1 = W[m][i], a2 = 0, so the jet part costs the same whatever D is.
// A row whose index is ALONG_X (the product-rule estimator) is the jet along x itself: its
// tangent is W x, summed before the bias is added.
// Writes the pre-activation jets (for the backward pass) and tanh of them, [row][3][OUT].
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

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let t = flatIndex(gid, nwg);
  let p = t / OUT;
  let m = t % OUT;
  if (p >= count.x) { return; }
  var wx = 0.0;
  let w = W_OFF + m * D;
  let o = p * D;
  for (var j = 0u; j < D; j++) { wx += params[w + j] * x[o + j]; }
  let a0 = wx + params[B_OFF + m];
  for (var b = 0u; b < B; b++) {
    let r = p * B + b;
    var tangent = wx;
    if (idx[r] != ALONG_X) { tangent = params[w + idx[r]]; }
    let a = vec3f(a0, tangent, 0.0);
    let y = tanhJet2(a);
    for (var k = 0u; k < 3u; k++) {
      pre[(r * 3u + k) * OUT + m] = a[k];
      outp[(r * 3u + k) * OUT + m] = y[k];
    }
  }
}
