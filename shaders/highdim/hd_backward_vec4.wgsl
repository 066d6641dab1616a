// hdBackwardVec4: the matrix modes of hdBackward (see hd_backward.wgsl) for dimensions that
// are multiples of 4, blocked: each thread owns a 4 x 4 block (or 4 inputs of one row) and
// reads its operands as vec4.
//   MODE 1, thread (r, j0):   hbar[r][k][j0..j0+3] = sum_m W[m][j0..j0+3] abar[r][k][m]
//   MODE 2, thread (m0, j0):  gW[m0..m0+3][j0..j0+3] = sum_r sum_k abar[r][k][m0..] (x) h[r][k][j0..]
//                             (threads past the last block: gb[m0..m0+3] = sum_r abar[r][0][m0..])
//   MODE 4, thread (m0, j0):  gW[m0..m0+7][j0..j0+7] = sum_p apt[p][m0..] (x) x[p][j0..]   (first layer:
//                             8 x 8 blocks, as it is the step's largest product; a block's half past
//                             OUT or IN reads the last 4 and writes nothing)
// #include hd_common

const MODE : u32 = {{MODE}}u;
const IN4 : u32 = {{IN}}u / 4u;
const OUT4 : u32 = {{OUT}}u / 4u;
const KS : u32 = {{KS}}u;         // jet coefficients per row: 3 (modes 1, 2), 1 (mode 4: values)
const W_OFF : u32 = {{W_OFF}}u;
const B_OFF : u32 = {{B_OFF}}u;

@group(0) @binding(0) var<storage, read> params : array<vec4f>;
@group(0) @binding(1) var<storage, read> srcA : array<vec4f>;   // abar [r][KS][OUT] (apt [p][OUT] in mode 4)
@group(0) @binding(2) var<storage, read> srcB : array<vec4f>;   // h [r][KS][IN] (x [p][IN] in mode 4)
@group(0) @binding(3) var<storage, read_write> dst : array<f32>;
@group(0) @binding(4) var<uniform> count : vec4u;               // rows (modes 1, 2) or points (mode 4)

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let t = flatIndex(gid, nwg);
  let n = count.x;
  if (MODE == 1u) {
    let r = t / IN4;
    let j = t % IN4;
    if (r >= n) { return; }
    var h0 = vec4f(0.0);
    var h1 = vec4f(0.0);
    var h2 = vec4f(0.0);
    for (var m4 = 0u; m4 < OUT4; m4++) {
      let a0 = srcA[(r * 3u) * OUT4 + m4];
      let a1 = srcA[(r * 3u + 1u) * OUT4 + m4];
      let a2 = srcA[(r * 3u + 2u) * OUT4 + m4];
      let w0 = params[W_OFF / 4u + (m4 * 4u) * IN4 + j];
      let w1 = params[W_OFF / 4u + (m4 * 4u + 1u) * IN4 + j];
      let w2 = params[W_OFF / 4u + (m4 * 4u + 2u) * IN4 + j];
      let w3 = params[W_OFF / 4u + (m4 * 4u + 3u) * IN4 + j];
      h0 += w0 * a0.x + w1 * a0.y + w2 * a0.z + w3 * a0.w;
      h1 += w0 * a1.x + w1 * a1.y + w2 * a1.z + w3 * a1.w;
      h2 += w0 * a2.x + w1 * a2.y + w2 * a2.z + w3 * a2.w;
    }
    let o = r * 3u * IN4 * 4u + j * 4u;
    for (var c = 0u; c < 4u; c++) {
      dst[o + c] = h0[c];
      dst[o + IN4 * 4u + c] = h1[c];
      dst[o + 2u * IN4 * 4u + c] = h2[c];
    }
    return;
  }
  if (MODE == 4u) {
    firstLayerGrad(t, count.x);
    return;
  }
  let m4 = t / (IN4 + 1u);
  let j = t % (IN4 + 1u);
  if (m4 >= OUT4) { return; }
  let rows = select(n * KS, n, MODE == 4u);
  if (j == IN4) {
    if (MODE == 4u) { return; } // the first layer's bias comes with its column pass
    var s = vec4f(0.0);
    for (var r = 0u; r < n; r++) { s += srcA[(r * 3u) * OUT4 + m4]; }
    for (var q = 0u; q < 4u; q++) { dst[B_OFF + m4 * 4u + q] = s[q]; }
    return;
  }
  var g0 = vec4f(0.0);
  var g1 = vec4f(0.0);
  var g2 = vec4f(0.0);
  var g3 = vec4f(0.0);
  for (var i = 0u; i < rows; i++) {
    let a = srcA[i * OUT4 + m4];
    let h = srcB[i * IN4 + j];
    g0 += a.x * h;
    g1 += a.y * h;
    g2 += a.z * h;
    g3 += a.w * h;
  }
  let base = W_OFF + m4 * 4u * IN4 * 4u + j * 4u;
  for (var c = 0u; c < 4u; c++) {
    dst[base + c] = g0[c];
    dst[base + IN4 * 4u + c] = g1[c];
    dst[base + 2u * IN4 * 4u + c] = g2[c];
    dst[base + 3u * IN4 * 4u + c] = g3[c];
  }
}

fn aptQuad(p : u32, m4 : u32) -> vec4f { return srcA[p * OUT4 + m4]; }
fn inQuad(p : u32, j4 : u32) -> vec4f { return srcB[p * IN4 + j4]; }
const IN : u32 = IN4 * 4u;

// MODE 4 (firstLayerGrad)
// #include hd_first_grad_block
