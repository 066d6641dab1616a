// hdDenseDirections: dense STDE's Rademacher directions v in {-1, +1}^D, B per point, packed
// one bit per coordinate: signs[(p * B + b) * NW + w] holds coordinates 32w .. 32w + 31 of
// direction b at point p (bit q set: v = +1, clear: v = -1; bits past D are unused).
// One thread per (p, b, block of 128 coordinates): the four words of
//   philox4x32((p, block, stream, 0x10000 + b), seed)
// are words 4 block .. 4 block + 3, so a direction is reproducible from the seed, the step,
// the point, its index and the coordinate (src/engine/highdim/dense.ts has the CPU twin).
// Stored packed (P B D / 8 bytes) rather than regenerated in the first layer and its weight
// gradient, where every thread would redo a Philox call per 128 coordinates.
// #include philox
// #include hd_common

const B : u32 = {{B}}u;
const NW : u32 = {{NW}}u;          // words per direction: ceil(D / 32)
const NBLK : u32 = (NW + 3u) / 4u;  // Philox calls per direction

struct Params { count : u32, stream : u32, seedLo : u32, seedHi : u32 }

@group(0) @binding(0) var<storage, read_write> signs : array<u32>;
@group(0) @binding(1) var<uniform> params : Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let t = flatIndex(gid, nwg);
  let p = t / (B * NBLK);
  let b = (t / NBLK) % B;
  let blk = t % NBLK;
  if (p >= params.count) { return; }
  let words = philox4x32(vec4u(p, blk, params.stream, 0x10000u + b), vec2u(params.seedLo, params.seedHi));
  for (var q = 0u; q < 4u; q++) {
    let w = blk * 4u + q;
    if (w < NW) { signs[(p * B + b) * NW + w] = words[q]; }
  }
}
