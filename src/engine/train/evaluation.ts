/**
 * A PINN's model away from training: the network at any points (an order-0 Taylor jet), N(x) − N(−x)
 * for an odd model, times φ under a hard boundary transform; the problem's fixed test points (a grid
 * over the domain) with the exact solution there, and the L2 relative error against it.
 */
import { TaylorJetForward } from '../jets/taylor-jet';
import type { GpuMlp } from '../model/gpu-mlp';
import type { PdeProblem } from '../problems/types';
import { hardModel } from '../problems/types';

/** ‖u − exact‖ / ‖exact‖ over the points, in f64. */
export function l2Relative(u: ArrayLike<number>, exact: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < exact.length; i++) {
    num += (u[i] - exact[i]) ** 2;
    den += exact[i] * exact[i];
  }
  return Math.sqrt(num / den);
}

function concat(parts: ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p as ArrayLike<number>, at);
    at += p.length;
  }
  return out;
}

export class ModelEvaluator {
  /** The fixed test points and the exact solution there (of the first output). */
  readonly points: number[][];
  readonly exact: Float64Array;
  /** A system's outputs (one network output each) and each one's exact solution at the test points. */
  readonly outputs: number;
  readonly exactByOutput: Float64Array[];
  private readonly jet: TaylorJetForward;

  constructor(
    device: GPUDevice,
    net: GpuMlp,
    private readonly problem: PdeProblem,
    private readonly hardBoundary: boolean,
  ) {
    this.points = problem.testPoints();
    this.outputs = net.mlp.outputDim;
    const exacts = problem.exactOutputs ?? [problem.exact];
    this.exactByOutput = Array.from({ length: this.outputs }, (_, o) => Float64Array.from(this.points.map((x) => exacts[o]?.(x) ?? NaN)));
    this.exact = this.exactByOutput[0];
    this.jet = new TaylorJetForward(device, net, { order: 0, maxBatch: this.points.length, sharedDirection: true });
  }

  /**
   * The model's prediction at the test points (the network, times φ under a hard transform).
   * Stein trains the smoothed model E g(x + e); the error is still measured with the plain
   * network g(x), which differs from it by O(sigma²).
   */
  async predictTest(): Promise<Float32Array> {
    if (this.outputs > 1) return (await this.predictOutputs())[0];
    const n = await this.network(this.points);
    if (this.hardBoundary) this.points.forEach((x, i) => (n[i] = hardModel(this.problem, x, n[i])));
    return n;
  }

  /** Every output of a system at the test points, one array per output (no hard transform: systems train soft). */
  async predictOutputs(): Promise<Float32Array[]> {
    const all = await this.network(this.points);
    const m = this.outputs;
    return Array.from({ length: m }, (_, o) => Float32Array.from({ length: this.points.length }, (_, p) => all[p * m + o]));
  }

  /** Each output's L2 relative error at the test points. */
  async l2ByOutput(): Promise<number[]> {
    const u = await this.predictOutputs();
    return u.map((v, o) => l2Relative(v, this.exactByOutput[o]));
  }

  /** The L2 relative error over every output together: ‖u − exact‖ / ‖exact‖ with all outputs stacked. */
  async l2AllOutputs(): Promise<number> {
    const u = await this.predictOutputs();
    return l2Relative(concat(u), concat(this.exactByOutput));
  }

  /** The model's network part at up to test-set-many points: N(x), or N(x) − N(−x) for an odd model ([P][outputs]). */
  private async network(points: number[][]): Promise<Float32Array> {
    const dir = new Float32Array(this.problem.dim);
    const u = await this.jet.run(Float32Array.from(points.flat()), dir);
    if (this.problem.oddModel) {
      const m = await this.jet.run(Float32Array.from(points.flat().map((v) => -v)), dir);
      u.forEach((_, i) => (u[i] -= m[i]));
    }
    return u;
  }

  /** The model at any points (in chunks of the test set's size), e.g. a 1-D slice of a d-dimensional problem. */
  async predictAt(points: number[][]): Promise<Float32Array> {
    const out = new Float32Array(points.length);
    const chunk = this.points.length;
    for (let i = 0; i < points.length; i += chunk) {
      const part = points.slice(i, i + chunk);
      const u = await this.network(part);
      // a system: the first output
      part.forEach((x, j) => (out[i + j] = this.hardBoundary ? hardModel(this.problem, x, u[j]) : u[j * this.outputs]));
    }
    return out;
  }

  /** L2 relative error of a prediction at the test points against the exact solution. */
  l2RelativeError(u: Float32Array): number {
    return l2Relative(u, this.exact);
  }

  destroy(): void {
    this.jet.destroy();
  }
}
