// fdStencil: central finite differences for training, in three modes on one stencil of M
// shifted points per collocation point (offsets OFF[m], along direction V, step folded in):
//   MODE 0 (shift):   shifted[p*M + m] = x_p + OFF[m] * V
//   MODE 1 (combine): c[p][k] = sum_m WT[k][m] * u[p*M + m]        (WT = Fornberg weights / k!)
//   MODE 2 (adjoint): ubar[p*M + m] = sum_k WT[k][m] * cbar[p][k]   (the transpose: seeds the
//                      backward pass of the plain forward evaluations)
// c has the layout of Taylor-jet outputs [count][N1], so the same loss kernels run. A network of
// NOUT outputs (a system): u and c hold NOUT values per row (u[(p*M + m)*NOUT + o]), and one
// dispatch combines output OUT.

const MODE : u32 = {{MODE}}u;
const D : u32 = {{D}}u;
const M : u32 = {{M}}u;
const N1 : u32 = {{N1}}u;
const NOUT : u32 = {{NOUT}}u;
const OUT : u32 = {{OUT}}u;
var<private> OFF : array<f32, M> = array<f32, M>({{OFFSETS}});
var<private> V : array<f32, D> = array<f32, D>({{DIRECTION}});
var<private> WT : array<f32, N1 * M> = array<f32, N1 * M>({{WEIGHTS}});

struct Params { count : u32, pad0 : u32, pad1 : u32, pad2 : u32 }

@group(0) @binding(0) var<storage, read> src : array<f32>;
@group(0) @binding(1) var<storage, read_write> dst : array<f32>;
@group(0) @binding(2) var<uniform> params : Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let p = gid.x + gid.y * nwg.x * 64u;
  if (p >= params.count) { return; }
  if (MODE == 0u) {
    for (var m = 0u; m < M; m++) {
      for (var j = 0u; j < D; j++) { dst[(p * M + m) * D + j] = src[p * D + j] + OFF[m] * V[j]; }
    }
  } else if (MODE == 1u) {
    for (var k = 0u; k < N1; k++) {
      var s = 0.0;
      for (var m = 0u; m < M; m++) { s += WT[k * M + m] * src[(p * M + m) * NOUT + OUT]; }
      dst[(p * N1 + k) * NOUT + OUT] = s;
    }
  } else {
    for (var m = 0u; m < M; m++) {
      var s = 0.0;
      for (var k = 0u; k < N1; k++) { s += WT[k * M + m] * src[(p * N1 + k) * NOUT + OUT]; }
      dst[(p * M + m) * NOUT + OUT] = s;
    }
  }
}
