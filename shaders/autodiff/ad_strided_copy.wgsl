// adStridedCopy: dst[dOff + i*dStride] (+)= scale * src[sOff + i*sStride] for i < count.
// Moves values between autodiff tensors and other layouts: a derivative into a column of
// a jet-shaped buffer, a column of jet adjoints out as a tensor, a parameter gradient into
// the flat gradient (ACC = 1 adds, for several loss terms).

const ACC : u32 = {{ACC}}u;

struct Params { count : u32, sOff : u32, sStride : u32, dOff : u32, dStride : u32, scale : f32, pad0 : u32, pad1 : u32 }

@group(0) @binding(0) var<storage, read> src : array<f32>;
@group(0) @binding(1) var<storage, read_write> dst : array<f32>;
@group(0) @binding(2) var<uniform> params : Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= params.count) { return; }
  let d = params.dOff + i * params.dStride;
  var v = params.scale * src[params.sOff + i * params.sStride];
  if (ACC == 1u) { v += dst[d]; }
  dst[d] = v;
}
