// adamStep: one Adam update of a flat parameter vector, in place (Kingma & Ba, PyTorch's defaults).
//   m = b1 m + (1 - b1) g          v = b2 v + (1 - b2) g^2
//   p -= lr * (m / bc1) / (sqrt(v / bc2) + eps),   bc1 = 1 - b1^t, bc2 = 1 - b2^t (computed in f64 on the CPU)
// The first `leading` parameters (a group such as a first layer's weights) use lr * scale.
// Buffers (f32, all of `count` entries): params (read-write), grads, m, v (read-write).

struct Hyper { lr : f32, beta1 : f32, beta2 : f32, eps : f32, bc1 : f32, bc2 : f32, count : u32, leading : u32, scale : f32, pad0 : u32, pad1 : u32, pad2 : u32 }

@group(0) @binding(0) var<storage, read_write> params : array<f32>;
@group(0) @binding(1) var<storage, read> grads : array<f32>;
@group(0) @binding(2) var<storage, read_write> m : array<f32>;
@group(0) @binding(3) var<storage, read_write> v : array<f32>;
@group(0) @binding(4) var<uniform> hyper : Hyper;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= hyper.count) { return; }
  let g = grads[i];
  let mi = hyper.beta1 * m[i] + (1.0 - hyper.beta1) * g;
  let vi = hyper.beta2 * v[i] + (1.0 - hyper.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  let lr = select(hyper.lr, hyper.lr * hyper.scale, i < hyper.leading);
  params[i] = params[i] - lr * (mi / hyper.bc1) / (sqrt(vi / hyper.bc2) + hyper.eps);
}
