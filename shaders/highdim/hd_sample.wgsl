// hdSample: for each point p (one thread), a point uniform in the volume of the unit ball
// in D dimensions (a Gaussian direction z/|z| times radius U^(1/D); RADIAL = 1: radius U, the
// STDE release's sampling, which crowds the centre), |x|^2, and B distinct
// coordinates drawn uniformly without replacement (Floyd's algorithm: exact, O(B^2)).
// Time-dependent problems (TIME = 1): t uniform in [0, HORIZON] is coordinate D of the
// point (rows of DIN = D + 1), and the point's last jet row is along time (index D).
// PRODUCT = 1 (the product-rule estimator): row B of each point is the jet along x itself
// (index ALONG_X). Philox streams: counter (p, word block, stream, purpose), key = seed.
// #include philox
// #include hd_common

const D : u32 = {{D}}u;
const B : u32 = {{B}}u;
const DIN : u32 = {{DIN}}u;
const R1 : u32 = {{R1}}u;      // jet rows per point: B (+ 1 along time)
const TIME : u32 = {{TIME}}u;
const HORIZON : f32 = {{HORIZON}};
const POINTS : u32 = {{POINTS}}u; // 0: keep the points (tests), draw only the coordinates
const RADIAL : u32 = {{RADIAL}}u; // 1: radius uniform in [0, 1] instead of in the volume
const PRODUCT : u32 = {{PRODUCT}}u;
const TWO_PI : f32 = 6.283185307179586;

struct Params { count : u32, stream : u32, seedLo : u32, seedHi : u32 }

@group(0) @binding(0) var<storage, read_write> x : array<f32>;
@group(0) @binding(1) var<storage, read_write> xx : array<f32>;
@group(0) @binding(2) var<storage, read_write> idx : array<u32>;
@group(0) @binding(3) var<uniform> params : Params;

// uniform in (0, 1]: never 0, so log and pow are finite
fn uniformOpen(word : u32) -> f32 {
  return (f32(word >> 8u) + 1.0) * (1.0 / 16777216.0);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let p = flatIndex(gid, nwg);
  if (p >= params.count) { return; }
  let key = vec2u(params.seedLo, params.seedHi);
  var norm2 = 0.0;
  for (var j0 = 0u; POINTS == 1u && j0 < D; j0 += 4u) {
    let r = philox4x32(vec4u(p, j0 / 4u, params.stream, 1u), key);
    // two Box-Muller pairs from four words
    for (var h = 0u; h < 2u; h++) {
      let rad = sqrt(-2.0 * log(uniformOpen(r[2u * h])));
      let ang = TWO_PI * uniform01(r[2u * h + 1u]);
      let z = vec2f(rad * cos(ang), rad * sin(ang));
      for (var q = 0u; q < 2u; q++) {
        let j = j0 + 2u * h + q;
        if (j < D) {
          x[p * DIN + j] = z[q];
          norm2 += z[q] * z[q];
        }
      }
    }
  }
  if (POINTS == 1u) {
    let w = philox4x32(vec4u(p, 0u, params.stream, 2u), key);
    let u = uniformOpen(w.x);
    let radius = select(pow(u, 1.0 / f32(D)), u, RADIAL == 1u);
    let scale = radius / sqrt(norm2);
    var sum2 = 0.0;
    for (var j = 0u; j < D; j++) {
      let v = x[p * DIN + j] * scale;
      x[p * DIN + j] = v;
      sum2 += v * v;
    }
    xx[p] = sum2;
    if (TIME == 1u) { x[p * DIN + D] = HORIZON * uniform01(w.y); }
  }
  // Floyd: for j = D - B .. D - 1, t uniform in [0, j]; take t unless taken, else j
  var picked : array<u32, B>;
  for (var b = 0u; b < B; b++) {
    let j = D - B + b;
    let word = philox4x32(vec4u(p, b, params.stream, 3u), key).x;
    var t = u32(floor(uniform01(word) * f32(j + 1u)));
    t = min(t, j);
    for (var c = 0u; c < b; c++) {
      if (picked[c] == t) { t = j; }
    }
    picked[b] = t;
    idx[p * R1 + b] = t;
  }
  if (TIME == 1u) { idx[p * R1 + B] = D; }
  if (PRODUCT == 1u) { idx[p * R1 + B] = ALONG_X; }
}
