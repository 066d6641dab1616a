// taylorJetJacobian: one layer's block of the residuals' Jacobian, row by row (no sum over points).
//   jac[ROW0 + p][W_OFF + m J + j] += sum_b sum_k abar[b COUNT + p][k][m] * h[b COUNT + p][k][j]
//   jac[ROW0 + p][B_OFF + m]       += sum_b abar[b COUNT + p][0][m]
// The same products as taylor_jet_weight_grad, kept per residual: with the loss kernel in
// Jacobian mode the seeds are sqrt(w / n) dr/dd, so row p is the gradient of sqrt(w / n) r_p.
// A point's jet rows b COUNT + p (b < BLOCKS: e.g. x and the mirrored −x of an odd model)
// add into one row. Threads own (p, m, j), j = J meaning the bias.
// Buffers (f32):
//   abar : [BLOCKS COUNT][N1][M] adjoint of this layer's pre-activation jets
//   inp  : FIRST = 1: points [rows][J] and dir (directions, DIR_STRIDE J, or 0 when shared);
//          otherwise the input jets [rows][N1][J]
//   jac  : [rows][STRIDE], cleared before the first layer adds to it

const N1 : u32 = {{N1}}u;
const KIN : u32 = {{KIN}}u;      // orders of the input that can be non-zero (2 for the first layer)
const M : u32 = {{M}}u;
const J : u32 = {{J}}u;
const COUNT : u32 = {{COUNT}}u;
const BLOCKS : u32 = {{BLOCKS}}u;
const FIRST : u32 = {{FIRST}}u;
const DIR_STRIDE : u32 = {{DIR_STRIDE}}u;
const W_OFF : u32 = {{W_OFF}}u;
const B_OFF : u32 = {{B_OFF}}u;
const ROW0 : u32 = {{ROW0}}u;
const STRIDE : u32 = {{STRIDE}}u;

@group(0) @binding(0) var<storage, read> abar : array<f32>;
@group(0) @binding(1) var<storage, read> inp : array<f32>;
@group(0) @binding(2) var<storage, read> dir : array<f32>;
@group(0) @binding(3) var<storage, read_write> jac : array<f32>;

fn inputJet(row : u32, k : u32, j : u32) -> f32 {
  if (j == J) { return select(0.0, 1.0, k == 0u); }
  if (FIRST == 1u) {
    if (k == 0u) { return inp[row * J + j]; }
    return dir[row * DIR_STRIDE + j];
  }
  return inp[(row * N1 + k) * J + j];
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let t = gid.x + gid.y * nwg.x * 64u;
  let perPoint = M * (J + 1u);
  if (t >= COUNT * perPoint) { return; }
  let p = t / perPoint;
  let m = (t % perPoint) / (J + 1u);
  let j = t % (J + 1u);
  var acc = 0.0;
  for (var b = 0u; b < BLOCKS; b++) {
    let row = b * COUNT + p;
    for (var k = 0u; k < KIN; k++) {
      acc += abar[(row * N1 + k) * M + m] * inputJet(row, k, j);
    }
  }
  let idx = (ROW0 + p) * STRIDE + select(W_OFF + m * J + j, B_OFF + m, j == J);
  jac[idx] += acc;
}
