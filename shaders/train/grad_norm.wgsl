// gradNorm: out[INDEX] = || grad ||_2 over the first COUNT entries (one workgroup; compensated
// per-thread sums, then a tree), for the loss weights' gradient-norm balancing.

const COUNT : u32 = {{COUNT}}u;
const INDEX : u32 = {{INDEX}}u;

@group(0) @binding(0) var<storage, read> grad : array<f32>;
@group(0) @binding(1) var<storage, read_write> out : array<f32>;

var<workgroup> partial : array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid : vec3u) {
  var sum = 0.0;
  var c = 0.0;
  for (var i = lid.x; i < COUNT; i += 256u) {
    let y = grad[i] * grad[i] - c;
    let t = sum + y;
    c = (t - sum) - y;
    sum = t;
  }
  partial[lid.x] = sum;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (lid.x < w) { partial[lid.x] += partial[lid.x + w]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { out[INDEX] = sqrt(partial[0]); }
}
