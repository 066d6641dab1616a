// causalWeights: the causal training weights of a time-dependent residual term (Wang, Sankaran
// & Perdikaris 2022, "Respecting causality is all you need for training PINNs"), per step:
//   chunk c of M covers t in [T0 + c S / M, T0 + (c + 1) S / M)
//   L_c = mean over the step's points in chunk c of r^2       (from the plain loss's parts)
//   w_c = exp(-eps * sum_{c' < c} L_c')                        (w_0 = 1; no gradient flows through w)
//   pw[p] = w_{chunk of point p}                               (the weighted loss kernel's point weights)
// so the weighted loss sum_p weight pw_p r_p^2 / n is about (1/M) sum_c w_c L_c: a later time
// counts only once the earlier ones are solved. The schedule: when every w_c > DONE, eps grows
// by GROW (at most RAISES times), as in the paper's list of tolerances.
// state: [0] eps, [1] raises so far, [2 ..] the last weights w_0..w_{M-1} (read by the app's plot).
// One workgroup; thread c sums chunk c (M <= 64).
// #include loss_params

const D : u32 = {{D}}u;
const AXIS : u32 = {{AXIS}}u;      // the time coordinate
const M : u32 = {{M}}u;            // chunks
const N : u32 = {{N}}u;            // the term's points
const T0 : f32 = {{T0}};
const SPAN : f32 = {{SPAN}};
const DONE : f32 = {{DONE}};
const GROW : f32 = {{GROW}};
const RAISES : f32 = {{RAISES}};

@group(0) @binding(0) var<storage, read> points : array<f32>;
@group(0) @binding(1) var<storage, read> parts : array<f32>;
@group(0) @binding(2) var<storage, read_write> pw : array<f32>;
@group(0) @binding(3) var<storage, read_write> state : array<f32>;
@group(0) @binding(4) var<uniform> params : Params;

var<workgroup> chunkLoss : array<f32, 64>;
var<workgroup> weights : array<f32, 64>;

fn chunkOf(p : u32) -> u32 {
  let s = (points[p * D + AXIS] - T0) / SPAN;
  return min(u32(max(s, 0.0) * f32(M)), M - 1u);
}

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid : vec3u) {
  let c = lid.x;
  if (c < M) {
    var sum = 0.0;
    var count = 0u;
    for (var p = 0u; p < N; p++) {
      if (chunkOf(p) == c) {
        sum += squaredResidual(parts[p], N, params.weight);
        count++;
      }
    }
    chunkLoss[c] = sum / f32(max(count, 1u));
  }
  workgroupBarrier();
  if (c == 0u) {
    let eps = state[0];
    var before = 0.0;
    var least = 1.0;
    for (var k = 0u; k < M; k++) {
      let w = exp(-eps * before);
      weights[k] = w;
      state[2u + k] = w;
      least = min(least, w);
      before += chunkLoss[k];
    }
    // every chunk weighs nearly 1: the earlier times are solved at this eps; ask for more
    if (least > DONE && state[1] < RAISES) {
      state[0] = eps * GROW;
      state[1] = state[1] + 1.0;
    }
  }
  workgroupBarrier();
  for (var p = c; p < N; p += 64u) {
    pw[p] = weights[chunkOf(p)];
  }
}
