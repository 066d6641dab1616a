// adRowGrad: per-row (per-sample) parameter gradients for the stacked-AD engine's Jacobian mode.
// OUTER = 1: J[p*stride + jOff + i*C + j] += scale * u[uOff + p*R + i] * v[vOff + p*C + j]
//            (a matmul's weight: the outer product of the sample's two operand rows);
// OUTER = 0: J[p*stride + jOff + j] += scale * v[vOff + p*C + j] (a bias broadcast over the rows; R = 1).
// One thread per (p, i, j); each writes its own entry, and dispatches run in order, so
// several uses of one parameter add up.

const OUTER : u32 = {{OUTER}}u;

struct Params { rows : u32, R : u32, C : u32, uOff : u32, vOff : u32, jOff : u32, stride : u32, scale : f32 }

@group(0) @binding(0) var<storage, read> u : array<f32>;
@group(0) @binding(1) var<storage, read> v : array<f32>;
@group(0) @binding(2) var<storage, read_write> J : array<f32>;
@group(0) @binding(3) var<uniform> params : Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let t = gid.x + gid.y * nwg.x * 64u;
  let R = params.R;
  let C = params.C;
  if (t >= params.rows * R * C) { return; }
  let j = t % C;
  let i = (t / C) % R;
  let p = t / (C * R);
  var value = params.scale * v[params.vOff + p * C + j];
  if (OUTER == 1u) { value *= u[params.uOff + p * R + i]; }
  let d = p * params.stride + params.jOff + i * C + j;
  J[d] += value;
}
