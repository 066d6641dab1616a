// rbaWeights: residual-based attention (Anagnostopoulos, Toscano, Stergiopulos & Karniadakis
// 2024): a multiplier per collocation point, kept across steps (the points must be fixed),
//   lambda_p <- GAMMA lambda_p + ETA |r_p| / max_q |r_q|
// and the point's loss weight lambda_p^2 (times causal training's weight where that runs first).
// r_p^2 = parts[p] n / weight from the plain loss kernel's parts. One workgroup.
// #include loss_params

const N : u32 = {{N}}u;            // the term's points (a paired term's first half: its pairs)
const GAMMA : f32 = {{GAMMA}};
const ETA : f32 = {{ETA}};
const MULTIPLY : u32 = {{MULTIPLY}}u; // 1: pw already holds causal weights

@group(0) @binding(0) var<storage, read> parts : array<f32>;
@group(0) @binding(1) var<storage, read_write> lambda : array<f32>;
@group(0) @binding(2) var<storage, read_write> pw : array<f32>;
@group(0) @binding(3) var<uniform> params : Params;

var<workgroup> largest : array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid : vec3u) {
  var m = 0.0;
  for (var p = lid.x; p < N; p += 64u) { m = max(m, sqrt(squaredResidual(parts[p], N, params.weight))); }
  largest[lid.x] = m;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w >>= 1u) {
    if (lid.x < w) { largest[lid.x] = max(largest[lid.x], largest[lid.x + w]); }
    workgroupBarrier();
  }
  let top = largest[0];
  for (var p = lid.x; p < N; p += 64u) {
    let r = sqrt(squaredResidual(parts[p], N, params.weight));
    let l = GAMMA * lambda[p] + select(0.0, ETA * r / top, top > 0.0);
    lambda[p] = l;
    pw[p] = select(l * l, pw[p] * l * l, MULTIPLY == 1u);
  }
}
