// taylorJetWeightGradVec4: taylorJetWeightGrad (see taylor_jet_weight_grad.wgsl) for a hidden or
// output layer with J a multiple of 4 and M a multiple of 4 or 1, blocked for CPU adapters: a
// thread owns a block of MB x 4 weights (m0.., j0..j0+3) and runs over all rows r = (p, k),
// one vec4 load of abar and one of h per row for 4 x 4 multiply-adds.
//   Wbar[m][j] = sum_p sum_k abar[p][k][m] * h[p][k][j]
//   bbar[m]    = sum_p abar[p][0][m]                 (threads with j0 = J: the bias of m0..)
// Buffers: abar [batch][N1][M] and h [batch][N1][J] as vec4; grad: flat gradient (W at W_OFF,
// b at B_OFF), written, or added to with ACCUMULATE.
// No workgroup memory: on a CPU a small workgroup spreads the few threads over the cores.

const N1 : u32 = {{N1}}u;
const M : u32 = {{M}}u;
const MB : u32 = {{MB}}u;        // weight rows per thread: 4, or 1 when M = 1
const J : u32 = {{J}}u;
const J4 : u32 = J / 4u;
const W_OFF : u32 = {{W_OFF}}u;
const B_OFF : u32 = {{B_OFF}}u;
const ACCUMULATE : u32 = {{ACCUMULATE}}u;

struct Dims { batch : u32, dirStride : u32, pad0 : u32, pad1 : u32 }

@group(0) @binding(0) var<storage, read> abar : array<vec4f>;
@group(0) @binding(1) var<storage, read> h : array<vec4f>;
@group(0) @binding(2) var<storage, read_write> grad : array<f32>;
@group(0) @binding(3) var<uniform> dims : Dims;

fn store(i : u32, v : f32) {
  if (ACCUMULATE == 1u) { grad[i] += v; } else { grad[i] = v; }
}

@compute @workgroup_size(8)
fn main(@builtin(global_invocation_id) gid : vec3u) {
  let mb = gid.x / (J4 + 1u);
  let j = gid.x % (J4 + 1u);
  if (mb >= M / MB) { return; }
  let rows = dims.batch * N1;
  if (j == J4) {
    // the bias: a weight on the constant input whose jet is (1, 0, 0, ...)
    var s = vec4f(0.0);
    for (var p = 0u; p < dims.batch; p++) {
      if (MB == 4u) { s += abar[p * N1 * (M / 4u) + mb]; } else { s.x += abar[(p * N1) / 4u][(p * N1) % 4u]; }
    }
    for (var q = 0u; q < MB; q++) { store(B_OFF + mb * MB + q, s[q]); }
    return;
  }
  var g0 = vec4f(0.0);
  var g1 = vec4f(0.0);
  var g2 = vec4f(0.0);
  var g3 = vec4f(0.0);
  if (MB == 4u) {
    for (var r = 0u; r < rows; r++) {
      let a = abar[r * (M / 4u) + mb];
      let x = h[r * J4 + j];
      g0 += a.x * x;
      g1 += a.y * x;
      g2 += a.z * x;
      g3 += a.w * x;
    }
  } else {
    for (var r = 0u; r < rows; r++) { g0 += abar[r / 4u][r % 4u] * h[r * J4 + j]; }
  }
  let base = W_OFF + mb * MB * J + j * 4u;
  for (var c = 0u; c < 4u; c++) {
    store(base + c, g0[c]);
    if (MB == 4u) {
      store(base + J + c, g1[c]);
      store(base + 2u * J + c, g2[c]);
      store(base + 3u * J + c, g3[c]);
    }
  }
}
