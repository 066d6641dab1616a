// radSelect: residual-based adaptive distribution (RAD; Wu, Zhu, Tan, Kartha & Lu 2023). From a
// pool of M uniform candidates and their residuals, draw the term's N training points from
//   p(x) ∝ |r(x)|^K / mean(|r|^K) + C
// by inverse transform: the candidates' cumulative density, then N Philox uniforms each found by
// binary search. |r| up to a constant factor from the pool's loss parts (w r² / M): the ratio to
// the mean does not see it. One workgroup of 256 threads.
// #include philox

const M : u32 = {{M}}u;
const N : u32 = {{N}}u;
const D : u32 = {{D}}u;
const K : f32 = {{K}};
const C : f32 = {{C}};
const CHUNK : u32 = (M + 255u) / 256u;

struct Draw { seedLo : u32, seedHi : u32, stream : u32, pad : u32 }

@group(0) @binding(0) var<storage, read> pool : array<f32>;
@group(0) @binding(1) var<storage, read> parts : array<f32>;
@group(0) @binding(2) var<storage, read_write> points : array<f32>;
@group(0) @binding(3) var<storage, read_write> cdf : array<f32>;
@group(0) @binding(4) var<uniform> draw : Draw;

var<workgroup> sums : array<f32, 256>;
var<workgroup> total : f32;

fn cumulative(i : u32, mean : f32) -> f32 {
  // P_i = sum_{j <= i} (|r_j|^K / mean + C); with every residual zero, uniform
  if (mean > 0.0) { return cdf[i] / mean + C * f32(i + 1u); }
  return f32(i + 1u);
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid : vec3u) {
  let t = lid.x;
  let start = t * CHUNK;
  let end = min(start + CHUNK, M);
  var s = 0.0;
  for (var i = start; i < end; i++) {
    s += pow(sqrt(max(parts[i], 0.0)), K);
    cdf[i] = s;
  }
  sums[t] = s;
  workgroupBarrier();
  if (t == 0u) {
    var run = 0.0;
    for (var k = 0u; k < 256u; k++) {
      let v = sums[k];
      sums[k] = run;
      run += v;
    }
    total = run;
  }
  workgroupBarrier();
  for (var i = start; i < end; i++) { cdf[i] += sums[t]; }
  storageBarrier();
  workgroupBarrier();
  let mean = total / f32(M);
  let top = cumulative(M - 1u, mean);
  for (var j = t; j < N; j += 256u) {
    let u = uniform01(philox4x32(vec4u(j, draw.stream, 0x52414400u, 0u), vec2u(draw.seedLo, draw.seedHi)).x) * top;
    var lo = 0u;
    var hi = M - 1u;
    while (lo < hi) {
      let mid = (lo + hi) / 2u;
      if (cumulative(mid, mean) > u) { hi = mid; } else { lo = mid + 1u; }
    }
    for (var c = 0u; c < D; c++) { points[j * D + c] = pool[lo * D + c]; }
  }
}
