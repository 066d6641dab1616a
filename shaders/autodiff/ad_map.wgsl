// adMap: element-wise op of the stacked-AD engine on 2-D tensors, with broadcasting.
//   out[i][j] = EXPR(x, y)   x = a[aOff + i*aRs + j*aCs],  y = b[bOff + i*bRs + j*bCs]
// A stride of 0 broadcasts that dimension. Unary ops ignore y (b is then bound to a).
// `alpha` is a per-call scalar (scale factors, constants). EXPR is a template parameter.
// #include precise_math

struct Dims {
  rows : u32, cols : u32, aOff : u32, bOff : u32,
  aRs : u32, aCs : u32, bRs : u32, bCs : u32,
  alpha : f32, pad0 : u32, pad1 : u32, pad2 : u32,
}

@group(0) @binding(0) var<storage, read> a : array<f32>;
@group(0) @binding(1) var<storage, read> b : array<f32>;
@group(0) @binding(2) var<storage, read_write> outp : array<f32>;
@group(0) @binding(3) var<uniform> dims : Dims;

fn preciseSin(x : f32) -> f32 { return sincosPrecise(x).x; }
fn preciseCos(x : f32) -> f32 { return sincosPrecise(x).y; }
// tanh is flat to f32 beyond |x| = 15; clamping keeps implementations' exp from overflowing
fn tanhClamped(x : f32) -> f32 { return tanh(clamp(x, -15.0, 15.0)); }

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let idx = gid.x + gid.y * nwg.x * 256u;
  if (idx >= dims.rows * dims.cols) { return; }
  let i = idx / dims.cols;
  let j = idx % dims.cols;
  let x = a[dims.aOff + i * dims.aRs + j * dims.aCs];
  let y = b[dims.bOff + i * dims.bRs + j * dims.bCs];
  let alpha = dims.alpha;
  outp[idx] = {{EXPR}};
}
