// adReduceSmall: short sums for the stacked-AD engine, one thread per output element:
//   out[o] = sum_{r < len} a[aOff + o*oStride + r*rStride]
// A plain loop: for sums of up to a few hundred terms it avoids ad_reduce's barriers
// (costly on CPU implementations) and fills the GPU with outputs instead of threads per sum.

struct Dims { count : u32, len : u32, oStride : u32, rStride : u32, aOff : u32, pad0 : u32, pad1 : u32, pad2 : u32 }

@group(0) @binding(0) var<storage, read> a : array<f32>;
@group(0) @binding(1) var<storage, read_write> outp : array<f32>;
@group(0) @binding(2) var<uniform> dims : Dims;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let o = gid.x + gid.y * nwg.x * 64u;
  if (o >= dims.count) { return; }
  let base = dims.aOff + o * dims.oStride;
  var acc = 0.0;
  for (var r = 0u; r < dims.len; r++) { acc += a[base + r * dims.rStride]; }
  outp[o] = acc;
}
