// hdFirstBlock: the body of the blocked first-layer kernels, which include it after their
// bindings (hd_first_vec4.wgsl when D is a multiple of 4, hd_first_ragged.wgsl for any D).
// A thread computes the values W x of 4 neurons at 4 points (a 4 x 4 block, so each load of 4
// inputs of a row of W or of a point feeds 4 dot products), then the 2-jets along each point's
// sampled axes (tangent: column idx of W, as in hd_first.wgsl; W x for an ALONG_X row).
// Points past the count read the last point and write nothing.
// The including kernel defines D, B, OUT (a multiple of 4) and B_OFF; xQuad(p, j4) and
// wQuad(m, j4), inputs 4 j4 .. 4 j4 + 3 of point p and of row m of W (j4 < D / 4); xTail(p) and
// wTail(m), the last D % 4 of them, zero past D; param(i) and weight(m, i) = W[m][i]; and the
// bindings idx, pre, outp and count.

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let t = flatIndex(gid, nwg);
  let p0 = (t / (OUT / 4u)) * 4u;
  let m0 = (t % (OUT / 4u)) * 4u;
  let n = count.x;
  if (p0 >= n) { return; }
  // the 4 points (the last point stands in for those past the count)
  let p1 = min(p0 + 1u, n - 1u);
  let p2 = min(p0 + 2u, n - 1u);
  let p3 = min(p0 + 3u, n - 1u);
  // a<k>[q]: point p0 + k, neuron m0 + q
  var a0 = vec4f(0.0);
  var a1 = vec4f(0.0);
  var a2 = vec4f(0.0);
  var a3 = vec4f(0.0);
  for (var j = 0u; j < D / 4u; j++) {
    // columns: the 4 rows of W, so that xv * w is the vector of their dot products with xv
    let w = mat4x4f(wQuad(m0, j), wQuad(m0 + 1u, j), wQuad(m0 + 2u, j), wQuad(m0 + 3u, j));
    a0 += xQuad(p0, j) * w;
    a1 += xQuad(p1, j) * w;
    a2 += xQuad(p2, j) * w;
    a3 += xQuad(p3, j) * w;
  }
  if (D % 4u != 0u) {
    let w = mat4x4f(wTail(m0), wTail(m0 + 1u), wTail(m0 + 2u), wTail(m0 + 3u));
    a0 += xTail(p0) * w;
    a1 += xTail(p1) * w;
    a2 += xTail(p2) * w;
    a3 += xTail(p3) * w;
  }
  // a var: indexed by loop counters below (WGSL implementations differ on indexing a value)
  var a = mat4x4f(a0, a1, a2, a3);
  for (var k = 0u; k < 4u; k++) {
    let p = p0 + k;
    if (p >= n) { break; }
    for (var q = 0u; q < 4u; q++) {
      let m = m0 + q;
      let wx = a[k][q];
      let av0 = wx + param(B_OFF + m);
      for (var b = 0u; b < B; b++) {
        let r = p * B + b;
        var tangent = wx;
        if (idx[r] != ALONG_X) { tangent = weight(m, idx[r]); }
        let av = vec3f(av0, tangent, 0.0);
        let y = tanhJet2(av);
        for (var c = 0u; c < 3u; c++) {
          pre[(r * 3u + c) * OUT + m] = av[c];
          outp[(r * 3u + c) * OUT + m] = y[c];
        }
      }
    }
  }
}
