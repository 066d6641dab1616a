// hdFirstVec4: hdFirst (see hd_first.wgsl) for D and OUT multiples of 4, blocked: a thread
// computes the values a0 of 4 neurons at 4 points (a 4 x 4 block, so each vec4 load of a row
// of W or of a point feeds 4 dot products), then the 2-jets along each point's sampled axes
// (tangent: column idx of W, as in hd_first.wgsl; W x for an ALONG_X row). Points past the
// count read the last point and write nothing.
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
  let p0 = (t / (OUT / 4u)) * 4u;
  let m0 = (t % (OUT / 4u)) * 4u;
  let n = count.x;
  if (p0 >= n) { return; }
  // rows of x for the 4 points (the last point stands in for those past the count)
  let x0 = p0 * D4;
  let x1 = min(p0 + 1u, n - 1u) * D4;
  let x2 = min(p0 + 2u, n - 1u) * D4;
  let x3 = min(p0 + 3u, n - 1u) * D4;
  // a[k][q]: point p0 + k, neuron m0 + q
  var a0 = vec4f(0.0);
  var a1 = vec4f(0.0);
  var a2 = vec4f(0.0);
  var a3 = vec4f(0.0);
  for (var j = 0u; j < D4; j++) {
    // columns: the 4 rows of W, so that xv * w is the vector of their dot products with xv
    let w = mat4x4f(params[m0 * D4 + j], params[(m0 + 1u) * D4 + j], params[(m0 + 2u) * D4 + j], params[(m0 + 3u) * D4 + j]);
    a0 += x[x0 + j] * w;
    a1 += x[x1 + j] * w;
    a2 += x[x2 + j] * w;
    a3 += x[x3 + j] * w;
  }
  // a var: indexed by loop counters below (WGSL implementations differ on indexing a value)
  var a = mat4x4f(a0, a1, a2, a3);
  for (var k = 0u; k < 4u; k++) {
    let p = p0 + k;
    if (p >= n) { break; }
    for (var q = 0u; q < 4u; q++) {
      let m = m0 + q;
      let wx = a[k][q];
      let av0 = wx + param(B_OFF + m);
      for (var b = 0u; b < B; b++) {
        let r = p * B + b;
        var tangent = wx;
        if (idx[r] != ALONG_X) { tangent = param(m * D4 * 4u + idx[r]); }
        let av = vec3f(av0, tangent, 0.0);
        let y = tanhJet2(av);
        for (var c = 0u; c < 3u; c++) {
          pre[(r * 3u + c) * OUT + m] = av[c];
          outp[(r * 3u + c) * OUT + m] = y[c];
        }
      }
    }
  }
}
