// sampleBox: collocation points uniform in a box [lo, hi]^d, points [count][D] row-major.
// Point p, coordinate j draws word (j % 4) of philox4x32(counter = (p, j / 4, stream, 0), key = seed).
// #include philox

const D : u32 = {{D}}u;

struct Params { count : u32, stream : u32, seedLo : u32, seedHi : u32 }

@group(0) @binding(0) var<storage, read> bounds : array<f32>;   // lo[D] then hi[D]
@group(0) @binding(1) var<storage, read_write> points : array<f32>;
@group(0) @binding(2) var<uniform> params : Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let p = gid.x + gid.y * nwg.x * 64u;
  if (p >= params.count) { return; }
  for (var j0 = 0u; j0 < D; j0 += 4u) {
    let r = philox4x32(vec4u(p, j0 / 4u, params.stream, 0u), vec2u(params.seedLo, params.seedHi));
    for (var q = 0u; q < 4u && j0 + q < D; q++) {
      let j = j0 + q;
      points[p * D + j] = bounds[j] + (bounds[D + j] - bounds[j]) * uniform01(r[q]);
    }
  }
}
