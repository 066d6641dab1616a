// taylorJetLayer: one dense layer of an MLP pushed through normalized Taylor jets.
//
// For every point p and every order k = 0..N1-1 (all orders in one pass):
//   a[p][k][m] = sum_j W[m][j] * h[p][k][j]   (+ b[m] on k = 0 only)
//   out[p][k][m] = k-th normalized Taylor coefficient of act(a[p][.][m])  (identity for m >= ACT_SPLIT)
// (the recurrences for tanh and sin are in jet_activation.wgsl)
//
// Buffers (f32):
//   params : flat MLP parameters; W at W_OFF as [OUT][IN] row-major, b at B_OFF as [OUT]
//   inp    : FIRST = 1: points x as [batch][IN]; otherwise jets h as [batch][N1][IN]
//   dir    : FIRST = 1: directions v as [batch][IN] (dirStride = IN) or one shared [IN] (dirStride = 0)
//   outp   : jets as [batch][N1][OUT]
//   pre    : SAVE_PRE = 1: the pre-activation jets a as [batch][N1][OUT] (needed by the backward pass)
//
// Tiling: a workgroup owns TM output neurons x TP points. Each tile of TK input neurons of W
// and of the input jets is staged in workgroup memory; a W entry is reused for every order and
// every point of the tile, an input-jet entry for every neuron. A thread keeps the whole series
// of its (point, neuron) in registers, so the activation recurrence needs no memory traffic.

// #include jet_activation

const N1 : u32 = {{N1}}u;        // number of orders, n + 1
const KIN : u32 = {{KIN}}u;      // input orders that can be non-zero (2 for the first layer: x and v)
const IN : u32 = {{IN}}u;
const OUT : u32 = {{OUT}}u;
const TM : u32 = {{TM}}u;
const TP : u32 = {{TP}}u;
const TK : u32 = {{TK}}u;
const ACT : u32 = {{ACT}}u;      // 0 identity, 1 tanh, 2 sin
const ACT_SPLIT : u32 = {{ACT_SPLIT}}u; // neurons m >= ACT_SPLIT are the identity (an input embedding's passed-through inputs)
const FIRST : u32 = {{FIRST}}u;
const SAVE_PRE : u32 = {{SAVE_PRE}}u;
const DIRECT : u32 = {{DIRECT}}u; // 1: no staging, each thread reads W and its inputs itself (CPU adapters, where barriers are costly)
const W_OFF : u32 = {{W_OFF}}u;
const B_OFF : u32 = {{B_OFF}}u;

struct Dims {
  batch : u32,
  dirStride : u32,
  pad0 : u32,
  pad1 : u32,
}

@group(0) @binding(0) var<storage, read> params : array<f32>;
@group(0) @binding(1) var<storage, read> inp : array<f32>;
@group(0) @binding(2) var<storage, read> dir : array<f32>;
@group(0) @binding(3) var<storage, read_write> outp : array<f32>;
@group(0) @binding(4) var<storage, read_write> pre : array<f32>;
@group(0) @binding(5) var<uniform> dims : Dims;

var<workgroup> hTile : array<f32, TP * KIN * TK>;
var<workgroup> wTile : array<f32, TM * TK>;

fn loadInput(p : u32, k : u32, j : u32) -> f32 {
  if (FIRST == 1u) {
    if (k == 0u) { return inp[p * IN + j]; }
    return dir[p * dims.dirStride + j];
  }
  return inp[(p * N1 + k) * IN + j];
}

@compute @workgroup_size(TM, TP, 1)
fn main(@builtin(local_invocation_id) lid : vec3u, @builtin(workgroup_id) wid : vec3u) {
  let m = wid.x * TM + lid.x;
  let p = wid.y * TP + lid.y;
  let tid = lid.y * TM + lid.x;
  let batch = dims.batch;

  var a : array<f32, N1>;
  if (DIRECT == 1u && m < OUT && p < batch) {
    for (var j = 0u; j < IN; j++) {
      let w = params[W_OFF + m * IN + j];
      for (var k = 0u; k < KIN; k++) { a[k] += w * loadInput(p, k, j); }
    }
  }
  for (var j0 = 0u; DIRECT == 0u && j0 < IN; j0 += TK) {
    for (var i = tid; i < TM * TK; i += TM * TP) {
      let mm = wid.x * TM + i / TK;
      let jj = j0 + i % TK;
      var w = 0.0;
      if (mm < OUT && jj < IN) { w = params[W_OFF + mm * IN + jj]; }
      wTile[i] = w;
    }
    for (var i = tid; i < TP * KIN * TK; i += TM * TP) {
      let pp = wid.y * TP + i / (KIN * TK);
      let k = (i / TK) % KIN;
      let jj = j0 + i % TK;
      var h = 0.0;
      if (pp < batch && jj < IN) { h = loadInput(pp, k, jj); }
      hTile[i] = h;
    }
    workgroupBarrier();
    for (var jj = 0u; jj < TK; jj++) {
      let w = wTile[lid.x * TK + jj];
      for (var k = 0u; k < KIN; k++) {
        a[k] += w * hTile[(lid.y * KIN + k) * TK + jj];
      }
    }
    workgroupBarrier();
  }
  if (m >= OUT || p >= batch) { return; }
  a[0] += params[B_OFF + m];

  var y : array<f32, N1>;
  var aux : array<f32, N1>;
  if (ACT == 0u || m >= ACT_SPLIT) {
    y = a;
  } else if (ACT == 1u) {
    jetTanh(&a, &y, &aux);
  } else {
    jetSin(&a, &y, &aux);
  }
  for (var k = 0u; k < N1; k++) {
    outp[(p * N1 + k) * OUT + m] = y[k];
    if (SAVE_PRE == 1u) { pre[(p * N1 + k) * OUT + m] = a[k]; }
  }
}
