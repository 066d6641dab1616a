/** The MLP written with the stacked-AD engine's ops, as a PyTorch user would write it. */
import type { GpuMlp } from '../gpu-mlp';
import type { AdContext } from './context';
import { add, grad, matmul, mean, mul, sin, square, sum, tanh, Tensor, view } from './tensor';
import { InputError } from '../errors';

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
  let h = x;
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
 * u, d/dt u(x + t v), ..., d^n/dt^n as n nested gradients (create_graph=True), each [B][1].
 * For d = 1 and v = 1 the gradient is the derivative itself (no projection op).
 */
export function nestedDerivativesAd(
  net: GpuMlp,
  params: AdParams,
  x: Tensor,
  direction: Tensor | null,
  order: number,
): Tensor[] {
  if (!x.requiresGrad) throw new InputError('x must require grad for nested derivatives');
  const out: Tensor[] = [mlpForwardAd(net, params, x)];
  for (let k = 1; k <= order; k++) {
    const [gx] = grad(sum(out[k - 1]), [x], { createGraph: true });
    out.push(direction ? sum(mul(gx, direction), 1) : gx);
  }
  return out;
}

/** The benchmark's loss: sum over orders of the mean square of each derivative. */
export function sumOfMeanSquares(derivs: Tensor[]): Tensor {
  return derivs.map((t) => mean(square(t))).reduce((acc, t) => add(acc, t));
}

