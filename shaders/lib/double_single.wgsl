// doubleSingle: unevaluated sums hi + lo of two f32 (about 48 bits), for residuals whose
// terms cancel (a self-similar Burgers R''' near X = 0: terms near 24 summing to about 1e-2,
// where a plain f32 sum adds twice the error of rounding its inputs). twoSum is Knuth's, twoProd Dekker's with
// Veltkamp's split by 4097 = 2^12 + 1 (no fma: WGSL does not promise a fused one). They need
// f32 rounded to nearest with no reassociation or contraction (checked per adapter in
// tests/node/double-single.test.ts).
//
// dsOne: 1.0, set by every kernel that includes this file from a buffer at run time, before
// any double-single arithmetic. Each primitive multiplies its rounded result by it, so a
// compiler cannot see through s = a + b: SwiftShader's otherwise folds twoSum(1.0, b)'s error
// term to zero when an operand is a literal (measured: 1 - e lost its low part, and a
// double-single tanh came out only f32-accurate). Multiplying by 1.0 is exact.
var<private> dsOne : f32 = 1.0;

// a + b = s + e exactly
fn twoSum(a : f32, b : f32) -> vec2f {
  let s = (a + b) * dsOne;
  let bv = s - a;
  return vec2f(s, (a - (s - bv)) + (b - bv));
}

// a + b = s + e exactly, when |a| >= |b|
fn quickTwoSum(a : f32, b : f32) -> vec2f {
  let s = (a + b) * dsOne;
  return vec2f(s, b - (s - a));
}

// a = hi + lo, each with at most 12 significant bits
fn veltkampSplit(a : f32) -> vec2f {
  let c = (4097.0 * a) * dsOne;
  let hi = c - (c - a);
  return vec2f(hi, a - hi);
}

// a b = p + e exactly
fn twoProd(a : f32, b : f32) -> vec2f {
  let p = (a * b) * dsOne;
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

fn dsNeg(a : vec2f) -> vec2f {
  return -a;
}

// a b for two double-singles (the lo * lo product is below the result's precision)
fn dsMul(a : vec2f, b : vec2f) -> vec2f {
  let p = twoProd(a.x, b.x);
  return quickTwoSum(p.x, p.y + (a.x * b.y + a.y * b.x));
}

// a / b: a first quotient, then two corrections from the exact remainders
fn dsDiv(a : vec2f, b : vec2f) -> vec2f {
  let q1 = a.x / b.x;
  let r1 = dsAdd(a, -dsMulF(b, q1));
  let q2 = r1.x / b.x;
  let r2 = dsAdd(r1, -dsMulF(b, q2));
  let q3 = r2.x / b.x;
  return dsAdd(quickTwoSum(q1, q2), vec2f(q3, 0.0));
}

fn dsDivF(a : vec2f, b : f32) -> vec2f {
  return dsDiv(a, vec2f(b, 0.0));
}

// 1/n! for n = 1..7 as double-singles (hi, lo)
const DS_INV_FACTORIAL = array<vec2f, 7>(
  vec2f(1.0, 0.0),
  vec2f(0.5, 0.0),
  vec2f(0.1666666716337204, -4.967053879312289e-9),
  vec2f(0.0416666679084301, -1.2417634698280722e-9),
  vec2f(0.008333333767950535, -4.34617203337595e-10),
  vec2f(0.0013888889225199819, -3.3631094437103215e-11),
  vec2f(0.00019841270113829523, -2.725596874933456e-12),
);

// exp(y) for y <= 0: y = k ln 2 + r with ln 2 as a double-single (|r| <= ln 2 / 2), then
// expm1(r / 256) by its Taylor series to r^7 (|r / 256| < 1.4e-3: the next term is below
// 1e-24), in Horner form, doubled eight times by expm1(2s) = e (2 + e), which keeps the
// relative precision, and scaled by 2^k (ldexp: exact).
fn dsExpNonPositive(y : vec2f) -> vec2f {
  if (y.x < -80.0) { return vec2f(0.0, 0.0); }
  let k = round(y.x * 1.4426950408889634);
  var r = dsAdd(y, -twoProd(k, 0.693145751953125));        // ln 2's first 16 bits: k * it is exact
  r = dsAdd(r, -twoProd(k, 1.428606765330187e-6));         // the next 24 bits
  r = dsAdd(r, -twoProd(k, 5.497923148104107e-14));         // and the rest (to about 2^-69)
  let s = r * (1.0 / 256.0);
  var e = DS_INV_FACTORIAL[6];
  for (var n = 5; n >= 0; n--) {
    e = dsAdd(DS_INV_FACTORIAL[n], dsMul(e, s));
  }
  e = dsMul(e, s);
  for (var i = 0; i < 8; i++) {
    e = dsMul(e, dsAdd(e, vec2f(2.0, 0.0)));
  }
  return ldexp(dsAdd(e, vec2f(1.0, 0.0)), vec2i(i32(k)));
}

// tanh(a) = sign(a) (1 − e) / (1 + e) with e = exp(−2|a|)
fn dsTanh(a : vec2f) -> vec2f {
  let neg = a.x < 0.0;
  let m = select(a, -a, neg);
  let e = dsExpNonPositive(-2.0 * m);
  let t = dsDiv(dsAdd(vec2f(1.0, 0.0), -e), dsAdd(vec2f(1.0, 0.0), e));
  return select(t, -t, neg);
}
