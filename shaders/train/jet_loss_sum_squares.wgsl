// jetLossSumSquares: the benchmark's loss on jets and its adjoint, per point p and order k:
//   L = sum_k (k!)^2 mean_p c_k[p]^2     (the k-th derivative is k! c_k)
//   cbar[p][k] = 2 (k!)^2 c_k[p] / batch
// cbar is the seed of the backward pass through the jets.

const N1 : u32 = {{N1}}u;

struct Dims { batch : u32, pad0 : u32, pad1 : u32, pad2 : u32 }

@group(0) @binding(0) var<storage, read> c : array<f32>;
@group(0) @binding(1) var<storage, read_write> cbar : array<f32>;
@group(0) @binding(2) var<uniform> dims : Dims;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u) {
  let i = gid.x;
  if (i >= dims.batch * N1) { return; }
  let k = i % N1;
  var fact = 1.0;
  for (var q = 2u; q <= k; q++) { fact *= f32(q); }
  cbar[i] = 2.0 * fact * fact * c[i] / f32(dims.batch);
}
