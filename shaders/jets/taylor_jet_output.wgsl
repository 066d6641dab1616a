// taylorJetOutput: the scalar output layer of an MLP on Taylor jets, for every order at once:
//   out[p][k] = sum_j w[j] * h[p][k][j]   (+ b on k = 0)
// One workgroup per point: its 64 threads split the sum over j (each keeps partial sums of
// all orders in registers), then a tree in workgroup memory adds the partials. With one
// thread per point, the layer would be a long serial loop per point and leave most of a
// GPU idle at small batches.
//
// Buffers (f32):
//   params : flat MLP parameters; w at W_OFF as [IN], b at B_OFF
//   inp    : jets of the last hidden layer, [batch][N1][IN]
//   outp   : output jets [batch][N1]

const N1 : u32 = {{N1}}u;
const IN : u32 = {{IN}}u;
const W_OFF : u32 = {{W_OFF}}u;
const B_OFF : u32 = {{B_OFF}}u;

struct Dims { batch : u32, pad0 : u32, pad1 : u32, pad2 : u32 }

@group(0) @binding(0) var<storage, read> params : array<f32>;
@group(0) @binding(1) var<storage, read> inp : array<f32>;
@group(0) @binding(2) var<storage, read_write> outp : array<f32>;
@group(0) @binding(3) var<uniform> dims : Dims;

var<workgroup> partial : array<f32, 64 * N1>;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid : vec3u, @builtin(workgroup_id) wid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let p = wid.x + wid.y * nwg.x;
  let t = lid.x;
  var acc : array<f32, N1>;
  if (p < dims.batch) {
    for (var j = t; j < IN; j += 64u) {
      let w = params[W_OFF + j];
      for (var k = 0u; k < N1; k++) { acc[k] += w * inp[(p * N1 + k) * IN + j]; }
    }
  }
  for (var k = 0u; k < N1; k++) { partial[k * 64u + t] = acc[k]; }
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (t < s) {
      for (var k = 0u; k < N1; k++) { partial[k * 64u + t] += partial[k * 64u + t + s]; }
    }
    workgroupBarrier();
  }
  if (p < dims.batch && t < N1) {
    outp[p * N1 + t] = partial[t * 64u] + select(0.0, params[B_OFF], t == 0u);
  }
}
