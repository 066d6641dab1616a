// adReduce: sums for the stacked-AD engine. One workgroup per output element o:
//   out[o] = sum_{r < len} a[aOff + o*oStride + r*rStride]
// 64 threads stride over r, then a tree in workgroup memory (deterministic order).

struct Dims { count : u32, len : u32, oStride : u32, rStride : u32, aOff : u32, pad0 : u32, pad1 : u32, pad2 : u32 }

@group(0) @binding(0) var<storage, read> a : array<f32>;
@group(0) @binding(1) var<storage, read_write> outp : array<f32>;
@group(0) @binding(2) var<uniform> dims : Dims;

var<workgroup> partial : array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid : vec3u, @builtin(workgroup_id) wid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let o = wid.x + wid.y * nwg.x;
  var s = 0.0;
  if (o < dims.count) {
    let base = dims.aOff + o * dims.oStride;
    for (var r = lid.x; r < dims.len; r += 64u) { s += a[base + r * dims.rStride]; }
  }
  partial[lid.x] = s;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w >>= 1u) {
    if (lid.x < w) { partial[lid.x] += partial[lid.x + w]; }
    workgroupBarrier();
  }
  if (lid.x == 0u && o < dims.count) { outp[o] = partial[0]; }
}
