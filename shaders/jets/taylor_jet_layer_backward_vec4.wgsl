// taylorJetLayerBackwardVec4: taylorJetLayerBackward (see taylor_jet_layer_backward.wgsl) for J a
// multiple of 4 and K a multiple of 4 or 1, blocked for CPU adapters: a thread owns inputs
// j0..j0+3 of PB points for every order, reads W's rows, the adjoint jets and the saved
// pre-activations as vec4, and runs the four activation adjoints side by side in vec4 lanes.
//   hbar[p][k][j] = sum_m W[m][j] * abar[p][k][m],  abarBelow[p][.][j] = act-adjoint(preBelow, hbar)
// Buffers: params (W at W_OFF, a multiple of 4, [K][J]), abar [batch][N1][K],
//          preBelow and outp [batch][N1][J], all as vec4.

// #include jet_activation
// the activations unrolled for this N1, and every loop marked #unroll (see jet-unroll.ts)
{{JET_UNROLLED}}

const N1 : u32 = {{N1}}u;
const K : u32 = {{K}}u;          // this layer's outputs (summed over)
const J4 : u32 = {{J}}u / 4u;    // this layer's inputs
const ACT : u32 = {{ACT}}u;      // activation of the layer below: 1 tanh, 2 sin
const W_OFF4 : u32 = {{W_OFF}}u / 4u;
const PB : u32 = {{PB}}u;        // points per thread: each W load feeds PB points

struct Dims { batch : u32, pad0 : u32, pad1 : u32, pad2 : u32 }

@group(0) @binding(0) var<storage, read> params : array<vec4f>;
@group(0) @binding(1) var<storage, read> abar : array<vec4f>;
@group(0) @binding(2) var<storage, read> preBelow : array<vec4f>;
@group(0) @binding(3) var<storage, read_write> outp : array<vec4f>;
@group(0) @binding(4) var<uniform> dims : Dims;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let t = gid.x + gid.y * nwg.x * 64u;
  let p0 = (t / J4) * PB;
  let j = t % J4;
  if (p0 >= dims.batch) { return; }

  // points past the batch read the last one's adjoints; their results are not stored
  var pp : array<u32, PB>;
  // #unroll
  for (var b = 0u; b < PB; b++) { pp[b] = min(p0 + b, dims.batch - 1u); }
  var hbar : array<array<vec4f, N1>, PB>;
  if (K == 1u) {
    let w = params[W_OFF4 + j];
    // #unroll
    for (var b = 0u; b < PB; b++) {
      // #unroll
      for (var k = 0u; k < N1; k++) {
        let i = pp[b] * N1 + k;
        hbar[b][k] = w * abar[i / 4u][i % 4u];
      }
    }
  } else {
    for (var m4 = 0u; m4 < K / 4u; m4++) {
      let wBase = W_OFF4 + m4 * 4u * J4 + j;
      let w0 = params[wBase];
      let w1 = params[wBase + J4];
      let w2 = params[wBase + 2u * J4];
      let w3 = params[wBase + 3u * J4];
      // #unroll
      for (var b = 0u; b < PB; b++) {
        // #unroll
        for (var k = 0u; k < N1; k++) {
          let g = abar[(pp[b] * N1 + k) * (K / 4u) + m4];
          hbar[b][k] += w0 * g.x + w1 * g.y + w2 * g.z + w3 * g.w;
        }
      }
    }
  }

  // #unroll
  for (var b = 0u; b < PB; b++) {
    let p = p0 + b;
    if (p < dims.batch) {
      var a : array<vec4f, N1>;
      // #unroll
      for (var k = 0u; k < N1; k++) { a[k] = preBelow[(p * N1 + k) * J4 + j]; }
      var hb = hbar[b];
      var out = array<vec4f, N1>(); // explicitly zeroed: the adjoint adds into it
      if (ACT == 1u) { jetTanhAdjointUnrolled(&a, &hb, &out); } else { jetSinAdjointUnrolled(&a, &hb, &out); }
      // #unroll
      for (var k = 0u; k < N1; k++) { outp[(p * N1 + k) * J4 + j] = out[k]; }
    }
  }
}
