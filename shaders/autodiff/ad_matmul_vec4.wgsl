// adMatmulVec4: C[M][N] = op(A) op(B) as ad_matmul.wgsl, blocked for CPU adapters: a thread
// computes a 4x4 block of C with no workgroup memory or barrier, reading A and B as vec4, so
// each 8 loads feed 64 multiply-adds (ad_matmul_small: 2 loads per multiply-add).
// Needs M, N, K, aOff and bOff multiples of 4 (the host falls back to the other kernels).
// Per slice k0..k0+3 the thread holds rows of op(A) (aR[r][s] = op(A)[i0+r][k0+s]) and the
// matrix bm with columns bm[s][c] = op(B)[k0+s][j0+c]; then row r of C gains bm * aR[r].
// A transposed operand is read along its contiguous axis and transposed in registers.

const TA : u32 = {{TA}}u;
const TB : u32 = {{TB}}u;

struct Dims { m : u32, n : u32, k : u32, aOff : u32, bOff : u32, pad0 : u32, pad1 : u32, pad2 : u32 }

@group(0) @binding(0) var<storage, read> a : array<vec4f>;
@group(0) @binding(1) var<storage, read> b : array<vec4f>;
@group(0) @binding(2) var<storage, read_write> c : array<vec4f>;
@group(0) @binding(3) var<uniform> dims : Dims;

@compute @workgroup_size({{WG}})
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let n4 = dims.n / 4u;
  let t = gid.x + gid.y * nwg.x * {{WG}}u;
  if (t >= (dims.m / 4u) * n4) { return; }
  let i0 = (t / n4) * 4u;
  let j0 = (t % n4) * 4u;
  let k4 = dims.k / 4u;
  let m4 = dims.m / 4u;
  let a4 = dims.aOff / 4u;
  let b4 = dims.bOff / 4u;
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var s4 = 0u; s4 < k4; s4++) {
    var am : mat4x4f; // column r = row r of op(A) over this slice
    if (TA == 1u) {
      // A is [K][M]: rows k0+s are contiguous in i
      let base = a4 + s4 * 4u * m4 + i0 / 4u;
      am = transpose(mat4x4f(a[base], a[base + m4], a[base + 2u * m4], a[base + 3u * m4]));
    } else {
      let base = a4 + i0 * k4 + s4;
      am = mat4x4f(a[base], a[base + k4], a[base + 2u * k4], a[base + 3u * k4]);
    }
    var bm : mat4x4f; // column s = row k0+s of op(B) over j0..j0+3
    if (TB == 1u) {
      // B is [N][K]: rows j are contiguous in k
      let base = b4 + j0 * k4 + s4;
      bm = transpose(mat4x4f(b[base], b[base + k4], b[base + 2u * k4], b[base + 3u * k4]));
    } else {
      let base = b4 + s4 * 4u * n4 + j0 / 4u;
      bm = mat4x4f(b[base], b[base + n4], b[base + 2u * n4], b[base + 3u * n4]);
    }
    acc0 += bm * am[0];
    acc1 += bm * am[1];
    acc2 += bm * am[2];
    acc3 += bm * am[3];
  }
  let out = i0 * n4 + j0 / 4u;
  c[out] = acc0;
  c[out + n4] = acc1;
  c[out + 2u * n4] = acc2;
  c[out + 3u * n4] = acc3;
}
