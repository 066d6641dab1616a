// taylorJetLayerVec4: taylorJetLayer (see taylor_jet_layer.wgsl) for OUT a multiple of 4, blocked
// for CPU adapters: a thread computes neurons m0..m0+3 of PB points for every order, with no
// workgroup memory or barrier; the four series run side by side in vec4 lanes, activation included.
//   a[p][k][m] = sum_j W[m][j] * h[p][k][j]   (+ b[m] on k = 0),  out[p][k][m] = act-series(a)[k]
// FIRST = 0 (IN a multiple of 4): W's rows and the input jets are read as vec4 along j, so each
//   load feeds 4 to 16 multiply-adds.
// FIRST = 1: the input jet is (x, v, 0, ...), read as scalars (IN = d).
// Buffers:
//   params : flat MLP parameters as vec4 (W_OFF and B_OFF multiples of 4); W [OUT][IN], b [OUT]
//   inp    : FIRST = 0: input jets [batch][N1][IN] as vec4; FIRST = 1: points [batch][IN]
//   dir    : FIRST = 1: directions [batch][IN] (dirStride = IN) or one shared [IN] (dirStride = 0)
//   outp   : jets [batch][N1][OUT] as vec4;  pre : SAVE_PRE = 1: pre-activation jets, same layout

// #include jet_activation
// the activations unrolled for this N1, and every loop marked #unroll (see jet-unroll.ts)
{{JET_UNROLLED}}

const N1 : u32 = {{N1}}u;
const IN : u32 = {{IN}}u;
const IN4 : u32 = {{IN4}}u;       // IN / 4 (FIRST = 0); quotients come from the host: webgpu-utils' reflection evaluates / in floats
const OUT4 : u32 = {{OUT4}}u;      // OUT / 4
const PB : u32 = {{PB}}u;          // points per thread (1 when FIRST): each W load feeds PB points
const ACT : u32 = {{ACT}}u;        // 1 tanh, 2 sin
const FIRST : u32 = {{FIRST}}u;
const SAVE_PRE : u32 = {{SAVE_PRE}}u;
const W_OFF : u32 = {{W_OFF}}u;
const B_OFF : u32 = {{B_OFF}}u;

// the same uniform as taylor_jet_layer.wgsl
struct Dims {
  batch : u32,
  dirStride : u32,
  pad0 : u32,
  pad1 : u32,
}

@group(0) @binding(0) var<storage, read> params : array<vec4f>;
@group(0) @binding(1) var<storage, read> inp : array<vec4f>;
@group(0) @binding(2) var<storage, read> pts : array<f32>;
@group(0) @binding(3) var<storage, read> dir : array<f32>;
@group(0) @binding(4) var<storage, read_write> outp : array<vec4f>;
@group(0) @binding(5) var<storage, read_write> pre : array<vec4f>;
@group(0) @binding(6) var<uniform> dims : Dims;

fn param(i : u32) -> f32 { return params[i / 4u][i % 4u]; }

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let t = gid.x + gid.y * nwg.x * 64u;
  let p0 = (t / OUT4) * PB;
  let m4 = t % OUT4;
  if (p0 >= dims.batch) { return; }

  var a : array<array<vec4f, N1>, PB>;
  if (FIRST == 1u) {
    for (var j = 0u; j < IN; j++) {
      let m0 = m4 * 4u;
      let w = vec4f(param(W_OFF + m0 * IN + j), param(W_OFF + (m0 + 1u) * IN + j), param(W_OFF + (m0 + 2u) * IN + j), param(W_OFF + (m0 + 3u) * IN + j));
      a[0][0] += w * pts[p0 * IN + j];
      if (N1 > 1u) { a[0][min(1u, N1 - 1u)] += w * dir[p0 * dims.dirStride + j]; }
    }
  } else {
    let wBase = W_OFF / 4u + m4 * 4u * IN4;
    // points past the batch read the last one's jets; their results are not stored
    var hBase : array<u32, PB>;
    // #unroll
    for (var b = 0u; b < PB; b++) { hBase[b] = min(p0 + b, dims.batch - 1u) * N1 * IN4; }
    for (var j = 0u; j < IN4; j++) {
      let w0 = params[wBase + j];
      let w1 = params[wBase + IN4 + j];
      let w2 = params[wBase + 2u * IN4 + j];
      let w3 = params[wBase + 3u * IN4 + j];
      // #unroll
      for (var b = 0u; b < PB; b++) {
        // #unroll
        for (var k = 0u; k < N1; k++) {
          let h = inp[hBase[b] + k * IN4 + j];
          a[b][k] += vec4f(dot(w0, h), dot(w1, h), dot(w2, h), dot(w3, h));
        }
      }
    }
  }
  let bias = params[B_OFF / 4u + m4];
  // #unroll
  for (var b = 0u; b < PB; b++) {
    let p = p0 + b;
    if (p < dims.batch) {
      var ab = a[b];
      ab[0] += bias;
      var y : array<vec4f, N1>;
      var aux : array<vec4f, N1>;
      if (ACT == 1u) { jetTanhUnrolled(&ab, &y, &aux); } else { jetSinUnrolled(&ab, &y, &aux); }
      // #unroll
      for (var k = 0u; k < N1; k++) {
        let o = (p * N1 + k) * OUT4 + m4;
        outp[o] = y[k];
        if (SAVE_PRE == 1u) { pre[o] = ab[k]; }
      }
    }
  }
}
