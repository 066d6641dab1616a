// taylorJetMlpDs: the normalized Taylor jets c_0..c_n of t -> u(x + t v) for a whole MLP with
// a scalar output, in double-single arithmetic (about 44 bits; shaders/double_single.wgsl).
// The f32 jet kernels round every product and every step of the tanh recurrence, and where a
// loss's terms cancel (the self-similar Burgers smoothness term: terms near 24 summing to
// 1e-2) that rounding, not the network, sets the floor of the loss. The weights, points and
// directions are f32 and the weights hi + lo pairs (paramsLo: zero after an f32 update, set by
// the quasi-Newton phases, whose last steps are below an f32 ulp); sums, products and the
// activation round to double-single.
// One thread per row (point, direction); each keeps the current layer's jets, [neuron][order],
// in function memory.
//
// Buffers: params, paramsLo (the flat MLP parameters, hi and lo: W as [OUT][IN] row-major at its offset, then b);
//   points [batch][D]; dirs [batch][D] (dirStride = D) or one [D] (dirStride = 0);
//   outHi, outLo: the jets as hi + lo, [batch][N1].
// #include double_single

const N1 : u32 = {{N1}}u;
const D : u32 = {{D}}u;
const WMAX : u32 = {{WMAX}}u;

struct Dims { batch : u32, dirStride : u32, one : f32, pad1 : u32 }

@group(0) @binding(0) var<storage, read> params : array<f32>;
@group(0) @binding(1) var<storage, read> points : array<f32>;
@group(0) @binding(2) var<storage, read> dirs : array<f32>;
@group(0) @binding(3) var<storage, read_write> outHi : array<f32>;
@group(0) @binding(4) var<storage, read_write> outLo : array<f32>;
@group(0) @binding(5) var<uniform> dims : Dims;
@group(0) @binding(6) var<storage, read> paramsLo : array<f32>;

fn param(i : u32) -> vec2f { return vec2f(params[i], paramsLo[i]); }

alias Jets = array<vec2f, N1 * WMAX>;

// tanh on one series: y_0 = tanh(a_0), z = 1 - y^2,
// y_k = (1/k) sum_{j=1..k} j a_j z_{k-j},  z_k = -sum_{i=0..k} y_i y_{k-i}  (k >= 1)
fn tanhSeries(a : array<vec2f, N1>) -> array<vec2f, N1> {
  var y = array<vec2f, N1>();
  var z = array<vec2f, N1>();
  y[0] = dsTanh(a[0]);
  z[0] = dsAdd(vec2f(1.0, 0.0), -dsMul(y[0], y[0]));
  for (var k = 1u; k < N1; k++) {
    var s = vec2f(0.0, 0.0);
    for (var j = 1u; j <= k; j++) { s = dsAdd(s, dsMul(dsMulF(a[j], f32(j)), z[k - j])); }
    y[k] = dsDivF(s, f32(k));
    var t = vec2f(0.0, 0.0);
    for (var i = 0u; i <= k; i++) { t = dsAdd(t, dsMul(y[i], y[k - i])); }
    z[k] = -t;
  }
  return y;
}

// dst[m][k] = act(sum_j W[m][j] src[j][.] + b[m])_k
fn layer(src : ptr<function, Jets>, dst : ptr<function, Jets>, IN : u32, OUT : u32, W_OFF : u32, B_OFF : u32, act : bool) {
  for (var m = 0u; m < OUT; m++) {
    var a = array<vec2f, N1>();
    for (var k = 0u; k < N1; k++) {
      var acc = vec2f(0.0, 0.0);
      for (var j = 0u; j < IN; j++) { acc = dsAdd(acc, dsMul((*src)[j * N1 + k], param(W_OFF + m * IN + j))); }
      a[k] = acc;
    }
    a[0] = dsAdd(a[0], param(B_OFF + m));
    if (act) { a = tanhSeries(a); }
    for (var k = 0u; k < N1; k++) { (*dst)[m * N1 + k] = a[k]; }
  }
}

@compute @workgroup_size(16)   // small groups: a few dozen rows still spread over the cores of a CPU adapter
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let p = gid.x + gid.y * nwg.x * 16u;
  if (p >= dims.batch) { return; }
  dsOne = dims.one;
  var h = Jets();
  var g = Jets();
  for (var j = 0u; j < D; j++) {
    h[j * N1] = vec2f(points[p * D + j], 0.0);
    if (N1 > 1u) { h[j * N1 + 1u] = vec2f(dirs[p * dims.dirStride + j], 0.0); }
  }
{{LAYERS}}
  for (var k = 0u; k < N1; k++) {
    outHi[p * N1 + k] = {{RESULT}}[k].x;
    outLo[p * N1 + k] = {{RESULT}}[k].y;
  }
}
