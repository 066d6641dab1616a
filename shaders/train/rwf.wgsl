// Random weight factorization (Wang, Wang, Perdikaris et al.; jaxpi's "weight_fact"): every
// weight row is W[r][:] = exp(s_r) V[r][:], and Adam trains (V, s, biases) instead of (W, biases).
// The network's flat parameters keep W (every kernel reads them unchanged); this shader moves
// between the two. factors: [P] the V entries where W has weights and the biases where it has
// biases (the network's own layout), then [S] the s of every row of every layer.
//   MODE 0 (gradient): fgrad[i] = exp(s_row(i)) g[i] on weights, g[i] on biases;
//                      fgrad[P + r] = sum_j g[r][j] W[r][j]          (dW/ds_r = W[r][:])
//   MODE 1 (apply):    W[i] = exp(s_row(i)) V[i], biases copied      (after Adam's step)
//   MODE 2 (sync):     V[i] = W[i] exp(-s_row(i)), biases copied     (after W was set from outside)

const MODE : u32 = {{MODE}}u;
const P : u32 = {{P}}u;
const S : u32 = {{S}}u;
const L : u32 = {{L}}u;
var<private> W_OFF : array<u32, L> = array<u32, L>({{W_OFF}});
var<private> B_OFF : array<u32, L> = array<u32, L>({{B_OFF}});
var<private> IN : array<u32, L> = array<u32, L>({{IN}});
var<private> ROW0 : array<u32, L> = array<u32, L>({{ROW0}});

@group(0) @binding(0) var<storage, read_write> params : array<f32>;
@group(0) @binding(1) var<storage, read_write> factors : array<f32>;
@group(0) @binding(2) var<storage, read> grad : array<f32>;
@group(0) @binding(3) var<storage, read_write> fgrad : array<f32>;

// the row of weight entry i, or S when i is a bias
fn rowOf(i : u32) -> u32 {
  for (var l = 0u; l < L; l++) {
    if (i >= W_OFF[l] && i < B_OFF[l]) { return ROW0[l] + (i - W_OFF[l]) / IN[l]; }
  }
  return S;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (MODE == 0u && i >= P && i < P + S) {
    // the row r's s: find its layer
    let r = i - P;
    var l = 0u;
    for (var k = 1u; k < L; k++) { if (r >= ROW0[k]) { l = k; } }
    let start = W_OFF[l] + (r - ROW0[l]) * IN[l];
    var sum = 0.0;
    for (var j = 0u; j < IN[l]; j++) { sum += grad[start + j] * params[start + j]; }
    fgrad[i] = sum;
    return;
  }
  if (i >= P) { return; }
  let row = rowOf(i);
  if (row == S) {
    // a bias: itself
    if (MODE == 0u) { fgrad[i] = grad[i]; }
    else if (MODE == 1u) { params[i] = factors[i]; }
    else { factors[i] = params[i]; }
    return;
  }
  let scale = exp(factors[P + row]);
  if (MODE == 0u) { fgrad[i] = scale * grad[i]; }
  else if (MODE == 1u) { params[i] = scale * factors[i]; }
  else { factors[i] = params[i] / scale; }
}
