// balanceWeights: learning-rate annealing of the loss weights (Wang, Teng & Perdikaris 2021, in
// jaxpi's form): with g_i = ||grad of term i's weighted loss|| / w_i (its unweighted gradient's norm),
//   w_i <- ALPHA w_i + (1 - ALPHA) (sum_j g_j) / g_i
// so every term pulls on the parameters about equally. A term with no gradient keeps its weight.
// weights: the terms' current weights (copied into each term's uniform after this pass).

const T : u32 = {{T}}u;
const ALPHA : f32 = {{ALPHA}};

@group(0) @binding(0) var<storage, read> norms : array<f32>;
@group(0) @binding(1) var<storage, read_write> weights : array<f32>;

@compute @workgroup_size(1)
fn main() {
  var g : array<f32, T>;
  var total = 0.0;
  for (var i = 0u; i < T; i++) {
    g[i] = select(0.0, norms[i] / weights[i], weights[i] > 0.0);
    total += g[i];
  }
  for (var i = 0u; i < T; i++) {
    if (g[i] > 0.0 && total > 0.0 && total / g[i] < 1e30) {
      weights[i] = ALPHA * weights[i] + (1.0 - ALPHA) * total / g[i];
    }
  }
}
