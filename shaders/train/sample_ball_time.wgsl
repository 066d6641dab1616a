// sampleBallTime: collocation points (x, t), x uniform in the ball |x − CENTER| <= RADIUS of
// dimension D − 1 (by volume: direction z/|z| with z standard normal, radius RADIUS u^(1/(D−1))),
// t uniform in [T_LO, T_HI] as the last coordinate; points [count][D] row-major.
// Point p draws philox4x32(counter = (p, b, stream, 0xBA11), key = seed): blocks b < B give
// z[4b .. 4b+3] by Box-Muller, block B gives u (word 0) and t (word 1), B = ceil((D − 1)/4).
// #include philox
// #include precise_math

const D : u32 = {{D}}u;
const RADIUS : f32 = {{RADIUS}};
const T_LO : f32 = {{T_LO}};
const T_HI : f32 = {{T_HI}};
var<private> CENTER : array<f32, D> = array<f32, D>({{CENTER}});

struct Params { count : u32, stream : u32, seedLo : u32, seedHi : u32 }

@group(0) @binding(0) var<storage, read_write> points : array<f32>;
@group(0) @binding(1) var<uniform> params : Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let p = gid.x + gid.y * nwg.x * 64u;
  if (p >= params.count) { return; }
  let n = D - 1u;
  let key = vec2u(params.seedLo, params.seedHi);
  var norm2 = 0.0;
  for (var b = 0u; b * 4u < n; b++) {
    let r = philox4x32(vec4u(p, b, params.stream, 0xBA11u), key);
    let r0 = sqrt(-2.0 * log(1.0 - uniform01(r.x)));
    let r1 = sqrt(-2.0 * log(1.0 - uniform01(r.z)));
    // sincosPrecise: the built-in sin/cos may be off by 2^-11, and the CPU twin must agree
    let sc0 = sincosPrecise(6.283185307179586 * uniform01(r.y));
    let sc1 = sincosPrecise(6.283185307179586 * uniform01(r.w));
    var z4 = array<f32, 4>(r0 * sc0.y, r0 * sc0.x, r1 * sc1.y, r1 * sc1.x);
    for (var q = 0u; q < 4u && b * 4u + q < n; q++) {
      points[p * D + b * 4u + q] = z4[q];
      norm2 += z4[q] * z4[q];
    }
  }
  let last = philox4x32(vec4u(p, (n + 3u) / 4u, params.stream, 0xBA11u), key);
  let scale = RADIUS * pow(uniform01(last.x), 1.0 / f32(n)) / max(sqrt(norm2), 1e-30);
  for (var j = 0u; j < n; j++) { points[p * D + j] = CENTER[j] + scale * points[p * D + j]; }
  points[p * D + n] = T_LO + (T_HI - T_LO) * uniform01(last.y);
}
