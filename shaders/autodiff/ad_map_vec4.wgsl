// adMapVec4: ad_map.wgsl for CPU adapters, four neighbours in a row per thread as vec4:
//   out[i][j..j+3] = EXPR(x, y)   x = a[aOff + i*aRs + j..j+3] (aCs = 1) or a[aOff + i*aRs] splat (aCs = 0)
// Needs cols a multiple of 4 and, for an operand read along its row (cs = 1), its offset too
// (the host falls back to ad_map otherwise). Same parameter block as ad_map.wgsl.
// #include precise_math

struct Dims {
  rows : u32, cols : u32, aOff : u32, bOff : u32,
  aRs : u32, aCs : u32, bRs : u32, bCs : u32,
  alpha : f32, pad0 : u32, pad1 : u32, pad2 : u32,
}

@group(0) @binding(0) var<storage, read> a : array<vec4f>;
@group(0) @binding(1) var<storage, read> b : array<vec4f>;
@group(0) @binding(2) var<storage, read_write> outp : array<vec4f>;
@group(0) @binding(3) var<uniform> dims : Dims;

fn preciseSin(x : vec4f) -> vec4f {
  return vec4f(sincosPrecise(x.x).x, sincosPrecise(x.y).x, sincosPrecise(x.z).x, sincosPrecise(x.w).x);
}
fn preciseCos(x : vec4f) -> vec4f {
  return vec4f(sincosPrecise(x.x).y, sincosPrecise(x.y).y, sincosPrecise(x.z).y, sincosPrecise(x.w).y);
}

fn tanhClamped(x : vec4f) -> vec4f { return tanh(clamp(x, vec4f(-15.0), vec4f(15.0))); }

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let idx = gid.x + gid.y * nwg.x * 64u;
  let cols4 = dims.cols / 4u;
  if (idx >= dims.rows * cols4) { return; }
  let i = idx / cols4;
  let j = (idx % cols4) * 4u;
  let ea = dims.aOff + i * dims.aRs;
  var x = vec4f(a[ea / 4u][ea % 4u]);
  if (dims.aCs == 1u) { x = a[(ea + j) / 4u]; }
  let eb = dims.bOff + i * dims.bRs;
  var y = vec4f(b[eb / 4u][eb % 4u]);
  if (dims.bCs == 1u) { y = b[(eb + j) / 4u]; }
  let alpha = dims.alpha;
  outp[idx] = {{EXPR}};
}
