// hdBackward: reverse of hdLayer / hdFirst on 2-jets, in modes (one kernel each):
//   MODE 0, thread (r, m):  abar[r][.][m] = tanh-jet adjoint of (pre, ybar)      (ACT layers)
//   MODE 1, thread (r, j):  hbar[r][k][j] = sum_m W[m][j] abar[r][k][m]          (input adjoint)
//   MODE 2, thread (m, j):  gW[m][j] = sum_r sum_k abar[r][k][m] h[r][k][j]; j = IN: gb[m] = sum_r abar[r][0][m]
//   MODE 3, thread (p, m):  apt[p][m] = sum_b abar[p*B+b][0][m]                  (first layer: per point)
//                           + abar[r][1][m] for an ALONG_X row r (its tangent W x: the same gradient ⊗ x)
//   MODE 4, thread (m, j):  gW[m][j] = sum_p apt[p][m] x[p][j]  (first layer, dense: O(D))
//   MODE 5, thread m:       gb[m] = sum_p apt[p][m] (less the ALONG_X rows' tangent part); then
//                           gW[m][idx[r]] += abar[r][1][m] for every row but ALONG_X ones
//                           (the tangents were columns of W: their adjoints go back to those columns;
//                           one thread per m adds them in a fixed order, so runs reproduce)
// Every gradient entry is written (=) before it is accumulated: no clearing needed.
// #include hd_common

const MODE : u32 = {{MODE}}u;
const IN : u32 = {{IN}}u;
const OUT : u32 = {{OUT}}u;
const B : u32 = {{B}}u;
const W_OFF : u32 = {{W_OFF}}u;
const B_OFF : u32 = {{B_OFF}}u;

@group(0) @binding(0) var<storage, read> params : array<f32>;
@group(0) @binding(1) var<storage, read> srcA : array<f32>;
@group(0) @binding(2) var<storage, read> srcB : array<f32>;
@group(0) @binding(3) var<storage, read> idx : array<u32>;
@group(0) @binding(4) var<storage, read_write> dst : array<f32>;
@group(0) @binding(5) var<uniform> count : vec4u; // rows (modes 0-2), points (3-5)

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let t = flatIndex(gid, nwg);
  let n = count.x;
  if (MODE == 0u) {
    // srcA: pre [r][3][OUT], srcB: ybar [r][3][OUT] -> dst: abar
    let r = t / OUT;
    let m = t % OUT;
    if (r >= n) { return; }
    let a = vec3f(srcA[(r * 3u) * OUT + m], srcA[(r * 3u + 1u) * OUT + m], srcA[(r * 3u + 2u) * OUT + m]);
    let yb = vec3f(srcB[(r * 3u) * OUT + m], srcB[(r * 3u + 1u) * OUT + m], srcB[(r * 3u + 2u) * OUT + m]);
    let ab = tanhJet2Adjoint(a, yb);
    for (var k = 0u; k < 3u; k++) { dst[(r * 3u + k) * OUT + m] = ab[k]; }
  } else if (MODE == 1u) {
    // srcA: abar [r][3][OUT] -> dst: hbar [r][3][IN]
    let r = t / IN;
    let j = t % IN;
    if (r >= n) { return; }
    var h = vec3f(0.0);
    for (var m = 0u; m < OUT; m++) {
      let w = params[W_OFF + m * IN + j];
      h += w * vec3f(srcA[(r * 3u) * OUT + m], srcA[(r * 3u + 1u) * OUT + m], srcA[(r * 3u + 2u) * OUT + m]);
    }
    for (var k = 0u; k < 3u; k++) { dst[(r * 3u + k) * IN + j] = h[k]; }
  } else if (MODE == 2u) {
    // srcA: abar [r][3][OUT], srcB: h [r][3][IN] -> dst: gradient (parameter layout)
    let m = t / (IN + 1u);
    let j = t % (IN + 1u);
    if (m >= OUT) { return; }
    var s = 0.0;
    if (j == IN) {
      for (var r = 0u; r < n; r++) { s += srcA[(r * 3u) * OUT + m]; }
      dst[B_OFF + m] = s;
    } else {
      for (var r = 0u; r < n; r++) {
        for (var k = 0u; k < 3u; k++) { s += srcA[(r * 3u + k) * OUT + m] * srcB[(r * 3u + k) * IN + j]; }
      }
      dst[W_OFF + m * IN + j] = s;
    }
  } else if (MODE == 3u) {
    // srcA: abar of the first layer [r][3][OUT] -> dst: apt [p][OUT]
    let p = t / OUT;
    let m = t % OUT;
    if (p >= n) { return; }
    var s = 0.0;
    for (var b = 0u; b < B; b++) {
      let r = p * B + b;
      s += srcA[(r * 3u) * OUT + m];
      if (idx[r] == ALONG_X) { s += srcA[(r * 3u + 1u) * OUT + m]; }
    }
    dst[p * OUT + m] = s;
  } else if (MODE == 4u) {
    // srcA: apt [p][OUT], srcB: x [p][IN] -> dst: gradient of W (first layer, IN = D)
    let m = t / IN;
    let j = t % IN;
    if (m >= OUT) { return; }
    var s = 0.0;
    for (var p = 0u; p < n; p++) { s += srcA[p * OUT + m] * srcB[p * IN + j]; }
    dst[W_OFF + m * IN + j] = s;
  } else {
    // srcA: apt [p][OUT], srcB: abar of the first layer [r][3][OUT] -> dst: gradient of b, columns of W
    let m = t;
    if (m >= OUT) { return; }
    var s = 0.0;
    for (var p = 0u; p < n; p++) { s += srcA[p * OUT + m]; }
    for (var r = 0u; r < n * B; r++) {
      let g1 = srcB[(r * 3u + 1u) * OUT + m];
      if (idx[r] == ALONG_X) {
        s -= g1; // apt carries W x's tangent adjoint (for W's gradient), which the bias does not get
      } else {
        let at = W_OFF + m * IN + idx[r];
        dst[at] = dst[at] + g1;
      }
    }
    dst[B_OFF + m] = s;
  }
}
