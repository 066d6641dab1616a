// hdSource: per point p (one thread), the problem's right-hand side g(z_p) and one auxiliary
// number it keeps for the model's offset G (e.g. Σ x_i), both from the problem's WGSL
// (src/engine/problems: sourceAt may loop over the D space coordinates z[p * DIN + j],
// read |x|² as zz[p] and the problem's coefficients coef[i]).
// #include hd_common

const D : u32 = {{D}}u;
const DIN : u32 = {{DIN}}u;   // D, or D + 1 with time as the last coordinate

@group(0) @binding(0) var<storage, read> z : array<f32>;
@group(0) @binding(1) var<storage, read> zz : array<f32>;
@group(0) @binding(2) var<storage, read> coef : array<f32>;
@group(0) @binding(3) var<storage, read_write> g : array<f32>;
@group(0) @binding(4) var<storage, read_write> aux : array<f32>;
@group(0) @binding(5) var<uniform> count : vec4u;

{{HELPERS}}

fn sourceAt(p : u32) -> vec2f {
  {{SOURCE}}
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let p = flatIndex(gid, nwg);
  if (p >= count.x) { return; }
  // every binding stays in the layout, whichever of them a problem's source reads
  _ = z[0];
  _ = zz[0];
  _ = coef[0];
  let v = sourceAt(p);
  g[p] = v.x;
  aux[p] = v.y;
}
