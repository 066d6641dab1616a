// unknownGrad: grad[u] += sum_p qparts[p][u] for each trained unknown u (one workgroup each).
// Compensated (Kahan) sums per thread, then a tree in workgroup memory: the unknowns'
// gradients are small sums of many terms of both signs, where f32 loses the most.

const NQ : u32 = {{NQ}}u;
const BATCH : u32 = {{BATCH}}u;

@group(0) @binding(0) var<storage, read> qparts : array<f32>;
@group(0) @binding(1) var<storage, read_write> grad : array<f32>;

var<workgroup> partial : array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid : vec3u, @builtin(workgroup_id) wid : vec3u) {
  let u = wid.x;
  var sum = 0.0;
  var c = 0.0;
  for (var p = lid.x; p < BATCH; p += 64u) {
    let y = qparts[p * NQ + u] - c;
    let t = sum + y;
    c = (t - sum) - y;
    sum = t;
  }
  partial[lid.x] = sum;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w >>= 1u) {
    if (lid.x < w) { partial[lid.x] += partial[lid.x + w]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { grad[u] += partial[0]; }
}
