// tileRows: dst[i] = ±src[i mod N] for i < N * COPIES: a block of points repeated, so one
// jet batch can carry every direction of a loss term (direction-major rows); copies from
// NEGATE_FROM on are mirrored (−x, for a model odd by construction).

const N : u32 = {{N}}u;
const COPIES : u32 = {{COPIES}}u;
const NEGATE_FROM : u32 = {{NEGATE_FROM}}u;

@group(0) @binding(0) var<storage, read> src : array<f32>;
@group(0) @binding(1) var<storage, read_write> dst : array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= N * COPIES) { return; }
  dst[i] = select(src[i % N], -src[i % N], i / N >= NEGATE_FROM);
}
