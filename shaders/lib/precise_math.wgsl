// preciseMath: sin and cos accurate to a few ulp in f32.
// WGSL only promises 2^-11 absolute error for the built-in sin/cos (SwiftShader comes
// close to that), far too coarse for derivative checks at 1e-4. Cephes-style: reduce by
// pi/4 in three exact pieces, then minimax polynomials on [-pi/4, pi/4].

fn sincosPrecise(x : f32) -> vec2f {
  let ax = abs(x);
  var j = u32(ax * 1.2732395447351628);   // 4 / pi
  j = j + (j & 1u);                        // even octant
  let y = f32(j);
  let r = ((ax - y * 0.78515625) - y * 2.4187564849853515625e-4) - y * 3.77489497744594108e-8;
  let z = r * r;
  let s = ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
  let c = ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
  let q = j & 7u;
  var sc = vec2f(s, c);
  if (q == 2u) { sc = vec2f(c, -s); }
  else if (q == 4u) { sc = vec2f(-s, -c); }
  else if (q == 6u) { sc = vec2f(-c, s); }
  if (x < 0.0) { sc.x = -sc.x; }
  return sc;
}
