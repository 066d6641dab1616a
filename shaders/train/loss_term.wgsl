// lossTerm: one term of a PINN loss and its adjoint, per point p:
//   d_i = k_i! * c[jet(i)][p][k_i]          (the named derivatives, from Taylor jets or their stand-ins)
//   q_u = value of trained unknown u         (raw s_u, bounded by tanh where declared)
//   r   = residual(x_p, d, q)                (the problem's WGSL, see src/engine/problems)
//   parts[p] = weight * r^2 / batch          (summed on the CPU when the loss is read)
//   cbar[jet(i)][p][k_i] += 2 weight r (dr/dd_i) k_i! / batch   (seed of the jets' backward pass)
//   qparts[p][u] = 2 weight r (dr/dq_u) (dq_u/ds_u) / batch     (summed by unknown_grad)
// In Jacobian mode (params.mode = 1, Levenberg–Marquardt) the residual vector and its
// Jacobian's seeds instead: parts[p] = sqrt(weight / batch) r, and the factor 2 weight r / batch
// above becomes sqrt(weight / batch) (taylor_jet_jacobian keeps the backward pass per point).
// A paired term (a periodic condition, PAIRS = 2): the second half of the points are the first
// half's partners; thread p < batch/2 reads d at p or at its partner pB = p + batch/2, writes
// both points' adjoints and the pair's part; the second half's parts are 0; every mean is over pairs.
// With point weights (causal training), weight = params.weight * pw[p] per point.
// Buffers: points [batch][D]; parts [batch]; the jets and their adjoints (one buffer per
// direction, or all directions packed in one, see src/engine/train/loss-term.ts); unknowns;
// with double-single jets, their low parts (then r comes from hi + lo: residualDs, or the f32
// residual of the rounded sums; the adjoint's dr/dd stays f32).
// #include expr_math
// #include double_single
// #include loss_params

const D : u32 = {{D}}u;
const ND : u32 = {{ND}}u;
const NQ : u32 = {{NQ}}u;
const PI : f32 = 3.14159265358979;


@group(0) @binding(0) var<storage, read> points : array<f32>;
@group(0) @binding(1) var<storage, read_write> parts : array<f32>;
@group(0) @binding(2) var<uniform> params : Params;
{{BINDINGS}}

// the point being computed (a data term's residual reads its observation as obs[point])
var<private> point : u32;

fn dsPowi(b : vec2f, n : i32) -> vec2f {
  var r = vec2f(1.0, 0.0);
  var p = b;
  var m = n;
  while (m > 0) {
    if ((m & 1) == 1) { r = dsMul(r, p); }
    p = dsMul(p, p);
    m >>= 1u;
  }
  return r;
}

{{HELPERS}}
{{DS_RESIDUAL}}

fn residual(x : array<f32, D>, d : array<f32, ND>, q : array<f32, NQ>) -> f32 {
  {{RESIDUAL}}
}

fn residualGrad(x : array<f32, D>, d : array<f32, ND>, q : array<f32, NQ>) -> array<f32, ND> {
  {{RESIDUAL_GRAD}}
}

fn residualUnknownGrad(x : array<f32, D>, d : array<f32, ND>, q : array<f32, NQ>) -> array<f32, NQ> {
  {{RESIDUAL_Q_GRAD}}
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let p = gid.x + gid.y * nwg.x * 64u;
  if (p >= params.batch) { return; }
  let npts = params.batch / {{PAIRS}}u;
  if (p >= npts) {
    parts[p] = 0.0;
{{PAIR_IDLE}}
    return;
  }
  let pB = p + npts;
  dsOne = params.one;
  point = p;
  let weight = params.weight{{POINT_WEIGHT}};
  var x : array<f32, D>;
  for (var j = 0u; j < D; j++) { x[j] = points[p * D + j]; }
  var q : array<f32, NQ>;
  var dq : array<f32, NQ>;
{{Q_VALUES}}
  var d : array<f32, ND>;
{{LOAD}}
  let r = {{RESIDUAL_VALUE}};
  let jacobian = params.mode == 1u;
  let sw = sqrt(weight / f32(npts));
  parts[p] = select(weight * r * r / f32(npts), sw * r, jacobian);
  let g = residualGrad(x, d, q);
  let s = select(2.0 * weight * r / f32(npts), sw, jacobian);
{{STORE}}
}
