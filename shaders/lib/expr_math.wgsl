// exprMath: what generated expressions call (src/engine/equations/wgsl.ts): sin and cos to a
// few ulp (the built-ins promise only 2^-11 absolute error) and integer powers.
// #include precise_math

fn psin(x : f32) -> f32 { return sincosPrecise(x).x; }
fn pcos(x : f32) -> f32 { return sincosPrecise(x).y; }

// b^n for an integer n by repeated squaring (exact signs for negative b, unlike pow)
fn powi(b : f32, n : i32) -> f32 {
  var r = 1.0;
  var p = b;
  var m = abs(n);
  while (m > 0) {
    if ((m & 1) == 1) { r *= p; }
    p *= p;
    m >>= 1u;
  }
  return select(r, 1.0 / r, n < 0);
}
