// hdFirstVec4: hdFirst (see hd_first.wgsl) for D and OUT multiples of 4: a thread computes
// the values a0 of 4 neurons for one point with vec4 loads of W's rows and of x, then the
// 2-jets along the point's sampled axes (tangent: column idx of W, as in hd_first.wgsl; W x for
// an ALONG_X row).
// #include hd_common

const D4 : u32 = {{D}}u / 4u;
const B : u32 = {{B}}u;
const OUT : u32 = {{OUT}}u;
const B_OFF : u32 = {{B_OFF}}u;   // W at offset 0: the first layer starts the parameter vector

@group(0) @binding(0) var<storage, read> params : array<vec4f>;
@group(0) @binding(1) var<storage, read> x : array<vec4f>;
@group(0) @binding(2) var<storage, read> idx : array<u32>;
@group(0) @binding(3) var<storage, read_write> pre : array<f32>;
@group(0) @binding(4) var<storage, read_write> outp : array<f32>;
@group(0) @binding(5) var<uniform> count : vec4u;

fn param(i : u32) -> f32 { return params[i / 4u][i % 4u]; }

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let t = flatIndex(gid, nwg);
  let p = t / (OUT / 4u);
  let m0 = (t % (OUT / 4u)) * 4u;
  if (p >= count.x) { return; }
  var a = vec4f(0.0);
  for (var j = 0u; j < D4; j++) {
    let xv = x[p * D4 + j];
    a.x += dot(params[(m0) * D4 + j], xv);
    a.y += dot(params[(m0 + 1u) * D4 + j], xv);
    a.z += dot(params[(m0 + 2u) * D4 + j], xv);
    a.w += dot(params[(m0 + 3u) * D4 + j], xv);
  }
  for (var q = 0u; q < 4u; q++) {
    let m = m0 + q;
    let a0 = a[q] + param(B_OFF + m);
    for (var b = 0u; b < B; b++) {
      let r = p * B + b;
      var tangent = a[q];
      if (idx[r] != ALONG_X) { tangent = param(m * D4 * 4u + idx[r]); }
      let av = vec3f(a0, tangent, 0.0);
      let y = tanhJet2(av);
      for (var k = 0u; k < 3u; k++) {
        pre[(r * 3u + k) * OUT + m] = av[k];
        outp[(r * 3u + k) * OUT + m] = y[k];
      }
    }
  }
}
