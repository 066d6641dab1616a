// taylorJetWeightGrad: parameter gradient of one layer from its jets.
//   Wbar[m][j] = sum_p sum_k abar[p][k][m] * h[p][k][j]
//   bbar[m]    = sum_p abar[p][0][m]          (the bias is a weight on a constant input 1, whose jet is (1, 0, 0, ...))
// Threads own (m, j) with j = J meaning the bias; rows r = (p, k) are staged TR at a time.
// Buffers (f32):
//   abar : [batch][N1][M] adjoint of this layer's pre-activation jets
//   inp  : FIRST = 1: points [batch][J] and dir (directions, dirStride J or 0 when shared);
//          otherwise the input jets [batch][N1][J]
//   grad : flat gradient, same layout as the parameters (W at W_OFF, b at B_OFF); written, or added to with ACCUMULATE

const N1 : u32 = {{N1}}u;
const KIN : u32 = {{KIN}}u;      // orders of the input that can be non-zero (2 for the first layer)
const M : u32 = {{M}}u;
const J : u32 = {{J}}u;
const TR : u32 = 16u;
const FIRST : u32 = {{FIRST}}u;
const W_OFF : u32 = {{W_OFF}}u;
const B_OFF : u32 = {{B_OFF}}u;
const DIRECT : u32 = {{DIRECT}}u; // 1: no staging (CPU adapters, where barriers are costly)
const ACCUMULATE : u32 = {{ACCUMULATE}}u; // 1: add to grad (several jets feed one loss)

struct Dims { batch : u32, dirStride : u32, pad0 : u32, pad1 : u32 }

@group(0) @binding(0) var<storage, read> abar : array<f32>;
@group(0) @binding(1) var<storage, read> inp : array<f32>;
@group(0) @binding(2) var<storage, read> dir : array<f32>;
@group(0) @binding(3) var<storage, read_write> grad : array<f32>;
@group(0) @binding(4) var<uniform> dims : Dims;

var<workgroup> gTile : array<f32, TR * 8>;
var<workgroup> hTile : array<f32, TR * 8>;

fn inputJet(p : u32, k : u32, j : u32) -> f32 {
  if (j == J) { return select(0.0, 1.0, k == 0u); }
  if (FIRST == 1u) {
    if (k == 0u) { return inp[p * J + j]; }
    return dir[p * dims.dirStride + j];
  }
  return inp[(p * N1 + k) * J + j];
}

@compute @workgroup_size(8, 8, 1)
fn main(@builtin(local_invocation_id) lid : vec3u, @builtin(workgroup_id) wid : vec3u) {
  let j = wid.x * 8u + lid.x;
  let m = wid.y * 8u + lid.y;
  let tid = lid.y * 8u + lid.x;
  let rows = dims.batch * KIN;
  var acc = 0.0;
  if (DIRECT == 1u && m < M && j <= J) {
    for (var r = 0u; r < rows; r++) {
      let p = r / KIN;
      let k = r % KIN;
      acc += abar[(p * N1 + k) * M + m] * inputJet(p, k, j);
    }
  }
  for (var r0 = 0u; DIRECT == 0u && r0 < rows; r0 += TR) {
    for (var i = tid; i < TR * 8u; i += 64u) {
      let r = r0 + i / 8u;
      let p = r / KIN;
      let k = r % KIN;
      let mm = wid.y * 8u + i % 8u;
      let jj = wid.x * 8u + i % 8u;
      var g = 0.0;
      var h = 0.0;
      if (r < rows) {
        if (mm < M) { g = abar[(p * N1 + k) * M + mm]; }
        if (jj <= J) { h = inputJet(p, k, jj); }
      }
      gTile[i] = g;
      hTile[i] = h;
    }
    workgroupBarrier();
    for (var rr = 0u; rr < TR; rr++) { acc += gTile[rr * 8u + lid.y] * hTile[rr * 8u + lid.x]; }
    workgroupBarrier();
  }
  if (m >= M || j > J) { return; }
  let idx = select(W_OFF + m * J + j, B_OFF + m, j == J);
  if (ACCUMULATE == 1u) { grad[idx] += acc; } else { grad[idx] = acc; }
}
