// doubleSingle: unevaluated sums hi + lo of two f32 (about 48 bits), for residuals whose
// terms cancel (a self-similar Burgers R''' near X = 0: terms near 24 summing to about 1e-2,
// where a plain f32 sum adds twice the error of rounding its inputs). twoSum is Knuth's, twoProd Dekker's with
// Veltkamp's split by 4097 = 2^12 + 1 (no fma: WGSL does not promise a fused one). They need
// f32 rounded to nearest with no reassociation or contraction (checked per adapter in
// tests/node/double-single.test.ts).

// a + b = s + e exactly
fn twoSum(a : f32, b : f32) -> vec2f {
  let s = a + b;
  let bv = s - a;
  return vec2f(s, (a - (s - bv)) + (b - bv));
}

// a + b = s + e exactly, when |a| >= |b|
fn quickTwoSum(a : f32, b : f32) -> vec2f {
  let s = a + b;
  return vec2f(s, b - (s - a));
}

// a = hi + lo, each with at most 12 significant bits
fn veltkampSplit(a : f32) -> vec2f {
  let c = 4097.0 * a;
  let hi = c - (c - a);
  return vec2f(hi, a - hi);
}

// a b = p + e exactly
fn twoProd(a : f32, b : f32) -> vec2f {
  let p = a * b;
  let x = veltkampSplit(a);
  let y = veltkampSplit(b);
  return vec2f(p, ((x.x * y.x - p) + x.x * y.y + x.y * y.x) + x.y * y.y);
}

fn dsAdd(a : vec2f, b : vec2f) -> vec2f {
  let s = twoSum(a.x, b.x);
  let t = twoSum(a.y, b.y);
  let u = quickTwoSum(s.x, s.y + t.x);
  return quickTwoSum(u.x, u.y + t.y);
}

fn dsMulF(a : vec2f, b : f32) -> vec2f {
  let p = twoProd(a.x, b);
  return quickTwoSum(p.x, p.y + a.y * b);
}

fn dsFromF(a : f32) -> vec2f {
  return vec2f(a, 0.0);
}

fn dsToF(a : vec2f) -> f32 {
  return a.x + a.y;
}
