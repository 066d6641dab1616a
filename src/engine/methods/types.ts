/**
 * One interface per derivative method: given a network and points, the
 * directional derivatives u, u', ..., u^(n) along v at every point.
 * (Training methods extend this with residual terms and gradients.)
 */
export interface DirectionalDerivatives {
  readonly method: string;
  /** values[p][k] = d^k/dt^k u(x_p + t v) at t = 0, in f64 (computed in f32 on the GPU). */
  derivatives(points: Float32Array, directions: Float32Array, sharedDirection: boolean, order: number): Promise<number[][]>;
  destroy(): void;
}

/** A registered method that gives directional derivatives (`pinn derivs`): taylor, ad, fd, or one registered later. */
export type DerivativeMethodId = string;
