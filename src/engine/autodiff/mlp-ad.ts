/** The MLP written with the stacked-AD engine's ops, as a PyTorch user would write it. */
import type { GpuMlp } from '../model/gpu-mlp';
import { AdMemoryBudgetError, type AdContext } from './context';
import { add, fromArray, grad, matmul, mean, mul, scale, sin, square, sum, tanh, Tensor, view } from './tensor';
import { InputError } from '../errors';
import type { InputEmbedding } from '../model/embedding';

export interface AdParams {
  weights: Tensor[];
  biases: Tensor[];
  all: Tensor[];
}

/** Views of the flat parameter buffer: W_l as [out][in], b_l as [1][out]. */
export function adParams(ctx: AdContext, net: GpuMlp, requiresGrad: boolean): AdParams {
  const weights = net.mlp.layers.map((l) => view(ctx, net.params, l.weightOffset, [l.outDim, l.inDim], requiresGrad));
  const biases = net.mlp.layers.map((l) => view(ctx, net.params, l.biasOffset, [1, l.outDim], requiresGrad));
  return { weights, biases, all: weights.flatMap((w, i) => [w, biases[i]]) };
}

export function mlpForwardAd(net: GpuMlp, params: AdParams, x: Tensor): Tensor {
  let h = net.mlp.embedding ? embedAd(net.mlp.embedding, x) : x;
  const last = net.mlp.layers.length - 1;
  net.mlp.layers.forEach((_, l) => {
    const a = add(matmul(h, params.weights[l], false, true), params.biases[l]);
    if (l === last) h = a;
    else if (net.mlp.activation === 'tanh') h = tanh(a);
    else h = sin(a);
  });
  return h;
}

/**
 * An input embedding as a framework user writes it: a = x Ωᵀ + b with constant Ω and b, then
 * sin on the sine features and the identity on the passed-through inputs (a mask: m sin(a) + (1 − m) a).
 */
function embedAd(e: InputEmbedding, x: Tensor): Tensor {
  const ctx = x.ctx;
  const { weights, biases } = e.layer();
  const a = add(matmul(x, fromArray(ctx, weights, [e.outDim, e.inDim]), false, true), fromArray(ctx, biases, [1, e.outDim]));
  if (e.passThrough.length === 0) return sin(a);
  const mask = Float32Array.from({ length: e.outDim }, (_, i) => (i < e.sines ? 1 : 0));
  const rest = mask.map((m) => 1 - m);
  return add(mul(sin(a), fromArray(ctx, mask, [1, e.outDim])), mul(a, fromArray(ctx, rest, [1, e.outDim])));
}

/** Column `output` of a [B][m] network output as [B][1] (a system's u, v, ...: a product with a one-hot row and a sum, as a framework user would index it). */
export function selectOutput(u: Tensor, outputs: number, output: number): Tensor {
  if (outputs === 1) return u;
  const e = fromArray(u.ctx, Float32Array.from({ length: outputs }, (_, o) => (o === output ? 1 : 0)), [1, outputs]);
  return sum(mul(u, e), 1);
}

/**
 * u, d/dt u(x + t v), ..., d^n/dt^n as n nested gradients (create_graph=True), each [B][1].
 * For d = 1 and v = 1 the gradient is the derivative itself (no projection op).
 */
/** The order after which nestedDerivativesAd estimates its whole graph, and the growth per order it assumes. */
const ESTIMATE_AT = 4;
const GRAPH_GROWTH = 3;

export function nestedDerivativesAd(
  net: GpuMlp,
  params: AdParams,
  x: Tensor,
  direction: Tensor | null,
  order: number,
  output = 0,
): Tensor[] {
  if (!x.requiresGrad) throw new InputError('x must require grad for nested derivatives');
  const ctx = x.ctx;
  const start = ctx.recordedOps;
  const out: Tensor[] = [selectOutput(mlpForwardAd(net, params, x), net.mlp.outputDim, output)];
  for (let k = 1; k <= order; k++) {
    // the graph grows about 3x per order (measured: 2.2x..3.0x from order 4 on, depth 1..6): after
    // order 4, estimate the whole and refuse at once what would pass the budget after minutes
    if (k === ESTIMATE_AT + 1) {
      const built = ctx.recordedOps - start;
      const estimate = (n: number) => built * GRAPH_GROWTH ** (n - ESTIMATE_AT);
      if (estimate(order) > ctx.budgetOps) {
        let fits = ESTIMATE_AT;
        while (estimate(fits + 1) <= ctx.budgetOps) fits++;
        throw new AdMemoryBudgetError(
          estimate(order),
          ctx.budgetOps,
          'operations',
          `stacked AD of order ${order} would record about ${estimate(order).toExponential(1)} operations (the graph grows about ${GRAPH_GROWTH}x per order), over its budget of ${ctx.budgetOps.toExponential(1)}: orders up to about ${fits} fit this network`,
        );
      }
    }
    try {
      const [gx] = grad(sum(out[k - 1]), [x], { createGraph: true });
      out.push(direction ? sum(mul(gx, direction), 1) : gx);
    } catch (e) {
      // the graph of order k does not fit: say which orders do, for this batch and network
      if (e instanceof AdMemoryBudgetError) throw new AdMemoryBudgetError(e.requested, e.budget, e.unit, `${e.message}; at order ${k} of ${order} (orders up to ${k - 1} fit this batch and network)`);
      throw e;
    }
  }
  return out;
}

/**
 * L u = Σ_t c_t ∂^{α_t}u for every row of x ([B][d]) by nested gradients, as an eager-framework
 * user would write it: each partial is a chain of gradients along its coordinates in increasing
 * order (∂₀²∂₂ as ∂₂ of ∂₀ of ∂₀ of u), each gradient taken once per distinct prefix and every
 * column it yields reused (one reverse pass gives ∂_c of that prefix for all c). For Δ² in d
 * dimensions that is 1 + 2d + d(d + 1)/2 reverse passes, the deeper ones through graphs of
 * graphs. Returns a [B][1] tensor.
 */
export function operatorAd(ctx: AdContext, net: GpuMlp, params: AdParams, x: Tensor, terms: readonly { coefficient: number; alpha: readonly number[] }[]): Tensor {
  if (!x.requiresGrad) throw new InputError('x must require grad for nested derivatives');
  const d = x.shape[1];
  const values = new Map<string, Tensor>([['', mlpForwardAd(net, params, x)]]);
  const grads = new Map<string, Tensor>();
  const units = new Map<number, Tensor>();
  const partial = (path: number[]): Tensor => {
    const key = path.join(',');
    const known = values.get(key);
    if (known) return known;
    const prefix = path.slice(0, -1);
    const pk = prefix.join(',');
    let g = grads.get(pk);
    if (!g) {
      [g] = grad(sum(partial(prefix)), [x], { createGraph: true });
      grads.set(pk, g);
    }
    const c = path[path.length - 1];
    let e = units.get(c);
    if (!e) {
      e = fromArray(ctx, Float32Array.from({ length: d }, (_, m) => (m === c ? 1 : 0)), [1, d]);
      units.set(c, e);
    }
    const v = sum(mul(g, e), 1);
    values.set(key, v);
    return v;
  };
  const parts = terms.map((t) => {
    if (t.alpha.length !== d) throw new InputError(`a multi-index of ${t.alpha.length} entries for ${d} coordinates`);
    const u = partial(t.alpha.flatMap((k, c) => new Array<number>(k).fill(c)));
    return scale(u, t.coefficient);
  });
  return parts.reduce((a, b) => add(a, b));
}

/** The benchmark's loss: sum over orders of the mean square of each derivative. */
export function sumOfMeanSquares(derivs: Tensor[]): Tensor {
  return derivs.map((t) => mean(square(t))).reduce((acc, t) => add(acc, t));
}

