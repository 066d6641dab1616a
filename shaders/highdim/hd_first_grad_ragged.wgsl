// hdFirstGradRagged: the first layer's weight gradient (hd_backward.wgsl's MODE 4) for any
// number of inputs IN and OUT a multiple of 4, in 8 x 8 blocks (hd_first_grad_block.wgsl) like
// hd_backward_vec4.wgsl's MODE 4, reading the points as scalars (rows of IN floats need not be
// 16-byte aligned) with the last quad of each row padded with zeros.
//   thread (m0, j0):  gW[m0..m0+7][j0..j0+7] = sum_p apt[p][m0..] (x) x[p][j0..]
// #include hd_common

const IN : u32 = {{IN}}u;
const IN4 : u32 = (IN + 3u) / 4u;
const OUT4 : u32 = {{OUT}}u / 4u;
const W_OFF : u32 = {{W_OFF}}u;

@group(0) @binding(0) var<storage, read> apt : array<vec4f>;    // [p][OUT]
@group(0) @binding(1) var<storage, read> x : array<f32>;        // [p][IN]
@group(0) @binding(2) var<storage, read_write> dst : array<f32>;
@group(0) @binding(3) var<uniform> count : vec4u;               // points

fn aptQuad(p : u32, m4 : u32) -> vec4f { return apt[p * OUT4 + m4]; }
fn inQuad(p : u32, j4 : u32) -> vec4f {
  let o = p * IN + j4 * 4u;
  if (j4 * 4u + 4u <= IN) { return vec4f(x[o], x[o + 1u], x[o + 2u], x[o + 3u]); }
  var v = vec4f(0.0);
  for (var c = 0u; c < min(4u, IN - j4 * 4u); c++) { v[c] = x[o + c]; }
  return v;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  firstLayerGrad(flatIndex(gid, nwg), count.x);
}

// #include hd_first_grad_block
