// hdFirstGradBlock: the first layer's weight gradient gW = sum_p apt[p] (x) x[p], 8 x 8 blocks
// a thread (the step's largest product), included by hd_backward_vec4.wgsl (MODE 4, D a multiple
// of 4) and hd_first_grad_ragged.wgsl (any D). A block's half past OUT or IN reads the last 4
// and writes nothing; inputs past IN in the last quad are not written.
// The including kernel defines IN (inputs), IN4 (quads of them, the last maybe partial), OUT4,
// W_OFF, aptQuad(p, m4) (neurons 4 m4 .. 4 m4 + 3 of apt[p]), inQuad(p, j4) (inputs 4 j4 ..
// 4 j4 + 3 of x[p], zero past IN) and the binding dst.

// MODE 4: thread t owns neurons 8 mb .. 8 mb + 7 and inputs 8 jb .. 8 jb + 7 of gW
fn firstLayerGrad(t : u32, n : u32) {
  let JB = (IN4 + 1u) / 2u;
  let ma = (t / JB) * 2u;
  let ja = (t % JB) * 2u;
  if (ma >= OUT4) { return; }
  let mb = min(ma + 1u, OUT4 - 1u);
  let jb = min(ja + 1u, IN4 - 1u);
  // g<neuron><half>: neuron 0..3 of block a (A) or b (B), inputs of half a (0) or b (1)
  var gA0 = mat4x4f(); var gA1 = mat4x4f(); var gB0 = mat4x4f(); var gB1 = mat4x4f();
  for (var i = 0u; i < n; i++) {
    let a = aptQuad(i, ma);
    let b = aptQuad(i, mb);
    let h0 = inQuad(i, ja);
    let h1 = inQuad(i, jb);
    gA0 += mat4x4f(a.x * h0, a.y * h0, a.z * h0, a.w * h0);
    gA1 += mat4x4f(a.x * h1, a.y * h1, a.z * h1, a.w * h1);
    gB0 += mat4x4f(b.x * h0, b.y * h0, b.z * h0, b.w * h0);
    gB1 += mat4x4f(b.x * h1, b.y * h1, b.z * h1, b.w * h1);
  }
  storeBlock(ma, ja, gA0);
  if (jb > ja) { storeBlock(ma, jb, gA1); }
  if (mb > ma) {
    storeBlock(mb, ja, gB0);
    if (jb > ja) { storeBlock(mb, jb, gB1); }
  }
}

// gW[4 m4 + q][4 j .. 4 j + 3] = g[q] (inputs past IN are not written)
fn storeBlock(m4 : u32, j : u32, block : mat4x4f) {
  var g = block; // a var: indexed by loop counters (WGSL implementations differ on indexing a value)
  for (var q = 0u; q < 4u; q++) {
    let base = W_OFF + (m4 * 4u + q) * IN + j * 4u;
    for (var c = 0u; c < min(4u, IN - j * 4u); c++) { dst[base + c] = g[q][c]; }
  }
}
