// philox: the Philox4x32-10 counter-based generator (Salmon et al., "Parallel random numbers:
// as easy as 1, 2, 3", SC'11). Every (key, counter) gives four independent 32-bit words, so
// a thread draws its numbers from its own counter: reproducible whatever the dispatch shape.
// WGSL has no 64-bit integers: the 32x32 -> 64 products are built from 16-bit halves.

fn mulhilo(a : u32, b : u32) -> vec2u {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let p00 = a0 * b0;
  let p01 = a0 * b1;
  let p10 = a1 * b0;
  let p11 = a1 * b1;
  let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  let hi = p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u);
  return vec2u(a * b, hi);
}

fn philox4x32(counter : vec4u, key : vec2u) -> vec4u {
  var c = counter;
  var k = key;
  for (var round = 0u; round < 10u; round++) {
    let p0 = mulhilo(0xD2511F53u, c.x);
    let p1 = mulhilo(0xCD9E8D57u, c.z);
    c = vec4u(p1.y ^ c.y ^ k.x, p1.x, p0.y ^ c.w ^ k.y, p0.x);
    k = k + vec2u(0x9E3779B9u, 0xBB67AE85u);
  }
  return c;
}

// Uniform in [0, 1) from the top 24 bits (exactly representable in f32).
fn uniform01(word : u32) -> f32 {
  return f32(word >> 8u) * (1.0 / 16777216.0);
}
