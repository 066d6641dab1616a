// taylorJetWeightGradVec4: taylorJetWeightGrad (see taylor_jet_weight_grad.wgsl) blocked for CPU
// adapters, no workgroup memory: a thread owns a few weights and runs over all rows r = (p, k).
//   Wbar[m][j] = sum_p sum_k abar[p][k][m] * h[p][k][j]
//   bbar[m]    = sum_p abar[p][0][m]                 (the bias: threads with j = J4, or J when FIRST)
// FIRST = 0 (J a multiple of 4, M a multiple of 4 or 1): a block of MB x 4JC weights, one vec4
//   load of abar and JC of h per row for MB x 4JC multiply-adds.
// FIRST = 1 (M a multiple of 4): weights m0..m0+3 of one input j; the input jet is (x, v, 0, ...).
// Buffers: abar [batch][N1][M] as vec4; h: input jets [batch][N1][J] as vec4 (FIRST = 0);
//          pts [batch][J] and dir (dirStride J, or 0 when shared) (FIRST = 1);
//          grad: flat gradient (W at W_OFF, b at B_OFF), written, or added to with ACCUMULATE.
// A small workgroup spreads the few threads over a CPU's cores.

const N1 : u32 = {{N1}}u;
const M : u32 = {{M}}u;
const MB : u32 = {{MB}}u;        // weight rows per thread: 4, or 1 when M = 1
const J : u32 = {{J}}u;
const J4 : u32 = {{J4}}u;        // J / 4 (FIRST = 0)
const JC : u32 = {{JC}}u;        // vec4s of columns per thread (FIRST = 0): 2 where J4 is even, else 1
const FIRST : u32 = {{FIRST}}u;
const W_OFF : u32 = {{W_OFF}}u;
const B_OFF : u32 = {{B_OFF}}u;
const ACCUMULATE : u32 = {{ACCUMULATE}}u;

struct Dims { batch : u32, dirStride : u32, pad0 : u32, pad1 : u32 }

@group(0) @binding(0) var<storage, read> abar : array<vec4f>;
@group(0) @binding(1) var<storage, read> h : array<vec4f>;
@group(0) @binding(2) var<storage, read> pts : array<f32>;
@group(0) @binding(3) var<storage, read> dir : array<f32>;
@group(0) @binding(4) var<storage, read_write> grad : array<f32>;
@group(0) @binding(5) var<uniform> dims : Dims;

fn store(i : u32, v : f32) {
  if (ACCUMULATE == 1u) { grad[i] += v; } else { grad[i] = v; }
}

// abar[p][k][m] for a scalar output (M = 1): component r % 4 of vec4 r / 4
fn abarScalar(r : u32) -> f32 { return abar[r / 4u][r % 4u]; }

@compute @workgroup_size(8)
fn main(@builtin(global_invocation_id) gid : vec3u) {
  let cols = select(J4 / JC, J, FIRST == 1u);   // column blocks; one more for the bias
  let mb = gid.x / (cols + 1u);
  let j = gid.x % (cols + 1u);
  if (mb >= M / MB) { return; }
  let batch = dims.batch;
  if (j == cols) {
    var s = vec4f(0.0);
    for (var p = 0u; p < batch; p++) {
      if (MB == 4u) { s += abar[p * N1 * (M / 4u) + mb]; } else { s.x += abarScalar(p * N1); }
    }
    // #unroll
    for (var q = 0u; q < MB; q++) { store(B_OFF + mb * MB + q, s[q]); }
    return;
  }
  if (FIRST == 1u) {
    var g = vec4f(0.0);
    for (var p = 0u; p < batch; p++) {
      g += abar[p * N1 * (M / 4u) + mb] * pts[p * J + j];
      if (N1 > 1u) { g += abar[(p * N1 + 1u) * (M / 4u) + mb] * dir[p * dims.dirStride + j]; }
    }
    // #unroll
    for (var q = 0u; q < 4u; q++) { store(W_OFF + (mb * 4u + q) * J + j, g[q]); }
    return;
  }
  // rows m0..m0+MB-1 of W against JC vec4s of columns: g[c][q] holds row q's 4 columns of vec4 c
  var g : array<array<vec4f, MB>, JC>;
  for (var p = 0u; p < batch; p++) {
    // #unroll
    for (var k = 0u; k < N1; k++) {
      let r = p * N1 + k;
      var a = vec4f(0.0);
      if (MB == 4u) { a = abar[r * (M / 4u) + mb]; } else { a.x = abarScalar(r); }
      // #unroll
      for (var c = 0u; c < JC; c++) {
        let x = h[r * J4 + j * JC + c];
        // #unroll
        for (var q = 0u; q < MB; q++) { g[c][q] += a[q] * x; }
      }
    }
  }
  // #unroll
  for (var c = 0u; c < JC; c++) {
    // #unroll
    for (var q = 0u; q < MB; q++) {
      let base = W_OFF + (mb * MB + q) * J + (j * JC + c) * 4u;
      // #unroll
      for (var e = 0u; e < 4u; e++) { store(base + e, g[c][q][e]); }
    }
  }
}
