// The loss kernel's uniforms (shaders/train/loss_term.wgsl), shared with the kernels that read a
// term's weight from them (causal_weights, rba_weights): points, weight (which gradient-norm
// balancing may change), 1.0 for dsOne, mode 1 for Levenberg–Marquardt's Jacobian rows.
struct Params { batch : u32, weight : f32, one : f32, mode : u32 }

// r_p^2 from a loss part w r_p^2 / n (0 for a term whose weight is 0)
fn squaredResidual(part : f32, n : u32, weight : f32) -> f32 {
  return select(0.0, max(part, 0.0) * f32(n) / weight, weight > 0.0);
}
