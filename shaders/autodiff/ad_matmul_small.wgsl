// adMatmulSmall: C[M][N] = op(A) op(B) with one thread per output element and no
// workgroup memory: for the skinny products of PINNs (K = a layer width, tens to a
// few hundred) this beats tiling, which pays a barrier per K slice (very costly on
// CPU implementations such as SwiftShader). Layouts as in ad_matmul.wgsl.

const TA : u32 = {{TA}}u;
const TB : u32 = {{TB}}u;

struct Dims { m : u32, n : u32, k : u32, aOff : u32, bOff : u32, pad0 : u32, pad1 : u32, pad2 : u32 }

@group(0) @binding(0) var<storage, read> a : array<f32>;
@group(0) @binding(1) var<storage, read> b : array<f32>;
@group(0) @binding(2) var<storage, read_write> c : array<f32>;
@group(0) @binding(3) var<uniform> dims : Dims;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let idx = gid.x + gid.y * nwg.x * 64u;
  if (idx >= dims.m * dims.n) { return; }
  let i = idx / dims.n;
  let j = idx % dims.n;
  var aIdx = dims.aOff + i * dims.k;
  var aStep = 1u;
  if (TA == 1u) { aIdx = dims.aOff + i; aStep = dims.m; }
  var bIdx = dims.bOff + j;
  var bStep = dims.n;
  if (TB == 1u) { bIdx = dims.bOff + j * dims.k; bStep = 1u; }
  var acc = 0.0;
  for (var kk = 0u; kk < dims.k; kk++) {
    acc += a[aIdx] * b[bIdx];
    aIdx += aStep;
    bIdx += bStep;
  }
  c[idx] = acc;
}
