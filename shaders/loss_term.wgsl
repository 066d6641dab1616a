// lossTerm: one term of a PINN loss and its adjoint, per point p:
//   d_i = k_i! * c[jet(i)][p][k_i]          (the named derivatives, from Taylor jets)
//   r   = residual(x_p, d)                   (the problem's WGSL, see src/engine/problems)
//   parts[p] = weight * r^2 / batch          (summed on the CPU when the loss is read)
//   cbar[jet(i)][p][k_i] += 2 weight r (dr/dd_i) k_i! / batch   (seed of the jets' backward pass)
// Buffers: points [batch][D]; parts [batch]; per jet j: jets [batch][N1_j] and their adjoints.
// #include precise_math

const D : u32 = {{D}}u;
const ND : u32 = {{ND}}u;
const PI : f32 = 3.14159265358979;

struct Params { batch : u32, weight : f32, pad0 : u32, pad1 : u32 }

@group(0) @binding(0) var<storage, read> points : array<f32>;
@group(0) @binding(1) var<storage, read_write> parts : array<f32>;
@group(0) @binding(2) var<uniform> params : Params;
{{JET_BINDINGS}}

fn psin(x : f32) -> f32 { return sincosPrecise(x).x; }
fn pcos(x : f32) -> f32 { return sincosPrecise(x).y; }

fn residual(x : array<f32, D>, d : array<f32, ND>) -> f32 {
  {{RESIDUAL}}
}

fn residualGrad(x : array<f32, D>, d : array<f32, ND>) -> array<f32, ND> {
  {{RESIDUAL_GRAD}}
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let p = gid.x + gid.y * nwg.x * 64u;
  if (p >= params.batch) { return; }
  var x : array<f32, D>;
  for (var j = 0u; j < D; j++) { x[j] = points[p * D + j]; }
  var d : array<f32, ND>;
{{LOAD}}
  let r = residual(x, d);
  parts[p] = params.weight * r * r / f32(params.batch);
  let g = residualGrad(x, d);
  let s = 2.0 * params.weight * r / f32(params.batch);
{{STORE}}
}
