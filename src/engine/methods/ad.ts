/**
 * Stacked back-propagation, the baseline: the k-th derivative as k nested reverse-mode
 * gradients of the network (create_graph) on the tape-based engine in ../autodiff, recorded and
 * run eagerly. A term's derivatives are copied into jet-shaped blocks so the same loss kernel
 * runs; the kernel's adjoints seed one more reverse pass into the parameter gradient.
 */
import { AdContext } from '../autodiff/context';
import { adParams, nestedDerivativesAd, operatorAd } from '../autodiff/mlp-ad';
import { add, fromArray, grad, mul, stridedCopy, sum, Tensor, view } from '../autodiff/tensor';
import { factorial } from '../jets/taylor-jet';
import type { GpuMlp } from '../model/gpu-mlp';
import { coefficientBuffers, type DerivativeMethod, type MethodEnv, type TermPlan, type TermStages } from './method';
import type { DirectionalDerivatives } from './types';

/** `pinn derivs`: the derivatives as nested gradients. */
export class AdDerivatives implements DirectionalDerivatives {
  readonly method = 'ad';
  readonly ctx: AdContext;

  constructor(readonly net: GpuMlp) {
    this.ctx = new AdContext(net.device);
  }

  async derivatives(points: Float32Array, directions: Float32Array, sharedDirection: boolean, order: number) {
    const d = this.net.mlp.inputDim;
    const batch = points.length / d;
    const ctx = this.ctx;
    try {
      const x = fromArray(ctx, points, [batch, d], true);
      const unitAxis = d === 1 && sharedDirection && directions[0] === 1;
      const v = unitAxis ? null : fromArray(ctx, directions, sharedDirection ? [1, d] : [batch, d]);
      const derivs = nestedDerivativesAd(this.net, adParams(ctx, this.net, false), x, v, order);
      const values = await Promise.all(derivs.map((t) => t.read()));
      return Array.from({ length: batch }, (_, p) => values.map((col) => col[p]));
    } finally {
      ctx.releaseAll();
    }
  }

  destroy(): void {
    this.ctx.destroy();
  }
}

/** One term by nested gradients: derivatives, the loss kernel (submitLoss), then the reverse pass. */
function adTerm(env: MethodEnv, ctx: AdContext, plan: TermPlan, blocks: { inputs: GPUBuffer[]; adjoints: GPUBuffer[] }): TermStages['evaluate'] {
  const { net, problem } = env;
  const d = problem.dim;
  const { count, directions, orders } = plan;
  const J = directions.length;
  // where direction j's coefficients live (packed orders are all equal, so mirrored blocks read orders[0] too)
  const block = (j: number) => (plan.packed ? { buffer: 0, base: j * plan.chunk, n1: orders[0] + 1 } : { buffer: j, base: 0, n1: orders[j] + 1 });
  return (withGradient, submitLoss, jacobian) => {
    const x = view(ctx, plan.points, 0, [count, d], true);
    const params = adParams(ctx, net, withGradient);
    // an odd model also differentiates N at −x along −v (blocks J..2J−1)
    let xMirror: Tensor | null = null;
    if (plan.mirrored) {
      xMirror = new Tensor(ctx, ctx.allocate(count * d), [count, d], 0, true);
      stridedCopy(ctx, plan.points, xMirror.buffer, { count: count * d, sOff: 0, sStride: 1, dOff: xMirror.offset, dStride: 1, scale: -1 });
    }
    const dirs = plan.mirrored ? [...directions.keys(), ...directions.keys()] : [...directions.keys()];
    // a system: coefficient c of output o at c · M + o; each output a direction's derivatives read is differentiated on its own
    const M = plan.outputs;
    // an operator's block: L u by nested gradients along its terms' coordinates, at order 0
    const derivs = dirs.map((jd, j) => {
      const { buffer, base, n1 } = block(j);
      const op = plan.operatorOf.get(jd);
      if (op) {
        const lu = operatorAd(ctx, net, params, x, op);
        stridedCopy(ctx, lu.buffer, blocks.inputs[buffer], { count, sOff: lu.offset, sStride: 1, dOff: base, dStride: n1, scale: 1 });
        return [{ out: 0, ds: [lu] }];
      }
      const dir = j < J ? directions[jd] : directions[jd].map((c) => -c);
      const unitAxis = d === 1 && dir[0] === 1;
      const v = unitAxis ? null : fromArray(ctx, dir, [1, d]);
      return plan.outputsOf[jd].map((out) => {
        const ds = nestedDerivativesAd(net, params, j < J ? x : xMirror!, v, orders[jd], out);
        ds.forEach((u, k) => stridedCopy(ctx, u.buffer, blocks.inputs[buffer], { count, sOff: u.offset, sStride: 1, dOff: (base + k) * M + out, dStride: n1 * M, scale: 1 / factorial(k) }));
        return { out, ds };
      });
    });
    ctx.flush();
    submitLoss();
    if (!withGradient) return;
    // d loss / d u^(k) = cbar_k / k!: a vector-Jacobian product with those seeds
    const seeded: Tensor[] = [];
    derivs.forEach((perOutput, j) => {
      const { buffer, base, n1 } = block(j);
      perOutput.forEach(({ out, ds }) =>
        ds.forEach((u, k) => {
          const seed = new Tensor(ctx, ctx.allocate(count), [count, 1]);
          stridedCopy(ctx, blocks.adjoints[buffer], seed.buffer, { count, sOff: (base + k) * M + out, sStride: n1 * M, dOff: 0, dStride: 1, scale: 1 / factorial(k) });
          seeded.push(sum(mul(u, seed)));
        }),
      );
    });
    const total = seeded.reduce((a, b) => add(a, b));
    if (jacobian) {
      // Jacobian mode: the seeds are sqrt(w/n) dr_p/du^(k), and each point's row is kept (vmap(grad))
      const columns = new Map<Tensor, number>();
      net.mlp.layers.forEach((layer, l) => columns.set(params.weights[l], layer.weightOffset).set(params.biases[l], layer.biasOffset));
      grad(total, [], { perRow: { ...jacobian, rows: count, columns } });
      ctx.flush();
      return;
    }
    const grads = grad(total, params.all);
    net.mlp.layers.forEach((layer, l) => {
      const gw = grads[2 * l];
      const gb = grads[2 * l + 1];
      stridedCopy(ctx, gw.buffer, env.grad, { count: gw.size, sOff: gw.offset, sStride: 1, dOff: layer.weightOffset, dStride: 1, accumulate: true });
      stridedCopy(ctx, gb.buffer, env.grad, { count: gb.size, sOff: gb.offset, sStride: 1, dOff: layer.biasOffset, dStride: 1, accumulate: true });
    });
    ctx.flush();
  };
}

export const ad: DerivativeMethod<Record<string, never>> = {
  id: 'ad',
  label: 'Stacked AD',
  summary: 'nested reverse-mode gradients (stacked back-propagation), the same loss',
  exact: true,
  readsJetOutputs: false,
  jacobian: 'tape',
  operators: 'nested gradients',
  fields: {},
  options: () => ({}),
  profilePhases: { derivatives: 'derivatives, residuals and backward (AD graph)' },
  session(env) {
    const ctx = new AdContext(env.device);
    return {
      eager: true,
      buildTerm(plan) {
        const blocks = coefficientBuffers(env.device, plan);
        return { ...blocks, before: [], after: [], owned: [...blocks.inputs, ...blocks.adjoints], jets: [], backwards: [], evaluate: adTerm(env, ctx, plan, blocks) };
      },
      release: () => ctx.releaseAll(),
      destroy: () => ctx.destroy(),
    };
  },
  directional: (net) => new AdDerivatives(net),
};
