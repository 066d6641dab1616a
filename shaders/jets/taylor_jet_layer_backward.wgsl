// taylorJetLayerBackward: carries the adjoint of a layer's pre-activation jets down one layer.
//   hbar[p][k][j] = sum_m W[m][j] * abar[p][k][m]             (adjoint of a = W h, every order)
//   abarBelow[p][.][j] = adjoint of act at the layer below, from its saved pre-activation jets
// Buffers (f32):
//   params    : flat MLP parameters; this layer's W at W_OFF as [K][J] row-major
//   abar      : [batch][N1][K]  adjoint of this layer's pre-activation jets
//   preBelow  : [batch][N1][J]  pre-activation jets of the layer below (saved by the forward pass)
//   outp      : [batch][N1][J]  adjoint of the layer below's pre-activation jets
// Same tiling as the forward kernel with W transposed: TM inputs j x TP points per workgroup,
// TK rows of W staged per step; a thread keeps its (point, j) series in registers.

// #include jet_activation

const N1 : u32 = {{N1}}u;
const K : u32 = {{K}}u;          // this layer's outputs (summed over)
const J : u32 = {{J}}u;          // this layer's inputs (one thread each)
const TM : u32 = {{TM}}u;
const TP : u32 = {{TP}}u;
const TK : u32 = {{TK}}u;
const ACT : u32 = {{ACT}}u;      // activation of the layer below: 1 tanh, 2 sin
const W_OFF : u32 = {{W_OFF}}u;
const DIRECT : u32 = {{DIRECT}}u; // 1: no staging (CPU adapters, where barriers are costly)

struct Dims { batch : u32, pad0 : u32, pad1 : u32, pad2 : u32 }

@group(0) @binding(0) var<storage, read> params : array<f32>;
@group(0) @binding(1) var<storage, read> abar : array<f32>;
@group(0) @binding(2) var<storage, read> preBelow : array<f32>;
@group(0) @binding(3) var<storage, read_write> outp : array<f32>;
@group(0) @binding(4) var<uniform> dims : Dims;

var<workgroup> gTile : array<f32, TP * N1 * TK>;
var<workgroup> wTile : array<f32, TM * TK>;

@compute @workgroup_size(TM, TP, 1)
fn main(@builtin(local_invocation_id) lid : vec3u, @builtin(workgroup_id) wid : vec3u) {
  let j = wid.x * TM + lid.x;
  let p = wid.y * TP + lid.y;
  let tid = lid.y * TM + lid.x;
  let batch = dims.batch;

  var hbar : array<f32, N1>;
  if (DIRECT == 1u && j < J && p < batch) {
    for (var mm = 0u; mm < K; mm++) {
      let w = params[W_OFF + mm * J + j];
      for (var k = 0u; k < N1; k++) { hbar[k] += w * abar[(p * N1 + k) * K + mm]; }
    }
  }
  for (var m0 = 0u; DIRECT == 0u && m0 < K; m0 += TK) {
    for (var i = tid; i < TM * TK; i += TM * TP) {
      let jj = wid.x * TM + i / TK;
      let mm = m0 + i % TK;
      var w = 0.0;
      if (jj < J && mm < K) { w = params[W_OFF + mm * J + jj]; }
      wTile[i] = w;
    }
    for (var i = tid; i < TP * N1 * TK; i += TM * TP) {
      let pp = wid.y * TP + i / (N1 * TK);
      let k = (i / TK) % N1;
      let mm = m0 + i % TK;
      var g = 0.0;
      if (pp < batch && mm < K) { g = abar[(pp * N1 + k) * K + mm]; }
      gTile[i] = g;
    }
    workgroupBarrier();
    for (var mm = 0u; mm < TK; mm++) {
      let w = wTile[lid.x * TK + mm];
      for (var k = 0u; k < N1; k++) {
        hbar[k] += w * gTile[(lid.y * N1 + k) * TK + mm];
      }
    }
    workgroupBarrier();
  }
  if (j >= J || p >= batch) { return; }

  var a : array<f32, N1>;
  for (var k = 0u; k < N1; k++) { a[k] = preBelow[(p * N1 + k) * J + j]; }
  var out : array<f32, N1>;
  if (ACT == 1u) { jetTanhAdjoint(&a, &hbar, &out); } else { jetSinAdjoint(&a, &hbar, &out); }
  for (var k = 0u; k < N1; k++) { outp[(p * N1 + k) * J + j] = out[k]; }
}
