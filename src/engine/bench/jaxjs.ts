/**
 * Third-party column for the AD-vs-nTP benchmark: the same step computed with
 * jax-js (@jax-js/jax, "JAX for the browser"), as a JAX user would write it:
 * n nested `grad` for u', ..., u^(n) (u^(k) = grad of sum(u^(k-1)) w.r.t. x,
 * the points being independent), loss = sum_k mean_p (u^(k))^2, and
 * `jit(valueAndGrad(loss))` for the gradient with respect to every weight and
 * bias. jax-js is loaded with a dynamic import() so it stays out of the main
 * bundle. DOM-free: in Node it runs on jax-js's Wasm backend.
 *
 * jax-js arrays are reference counted: every function (ours included) takes
 * ownership of its array arguments, `a.ref` adds a reference, `dispose()`
 * drops one. The code below consumes every array exactly once.
 *
 * jax-js 0.1.25 quirk: partialEvalFlat (used by grad/vjp) never pops its trace
 * off the trace stack, so lowerAux() lowers aux outputs to the wrong level and
 * nested `grad(f, {hasAux: true})` fails from order 2 on ("Can't lift Tracer
 * level 8 to level 6"). Hence the lower orders leave each nested level as
 * ordinary vjp outputs rather than as aux. Also in 0.1.25: the Wasm backend's
 * jit-ed parameter gradients of this step are wrong when the width is a multiple
 * of 4 (loss right, gradient off by ~20%; the webgpu and cpu backends are right),
 * and the reciprocal JVP rule leaks its input (a few buffers per compile here).
 */
import { Mlp } from '../model/mlp';
import { median } from '../gpu/timing';

export type JaxJsDevice = 'webgpu' | 'wasm' | 'webgl' | 'cpu';

export interface JaxJsBenchOptions {
  batch: number;
  width: number;
  depth: number;
  order: number;
  reps: number;
  /** Untimed steps first (at least 1: the first call compiles). */
  warmup: number;
  seed: number;
  /** x at the B points, shape [B, 1]. */
  points: Float32Array;
  /** Backend to use; default: webgpu when available, else wasm (then cpu). */
  device?: JaxJsDevice;
  /**
   * 'shared' (default): orders 0..n from one chain of n nested VJPs, each order
   * reused by the next (what stacked AD does). 'per-order': u^(k) by k literally
   * nested grad() calls for each k, as naive JAX code would; jax-js's jit does no
   * common-subexpression elimination, so this is slower (1.5x on SwiftShader).
   */
  formulation?: 'shared' | 'per-order';
  /** Also return the last step's gradient, laid out like Mlp.params. */
  withGradient?: boolean;
}

export interface JaxJsBenchResult {
  /** Median wall-clock ms per step (dispatch to results ready). */
  ms: number;
  /** Loss of the last timed step, sum_k mean_p (u^(k))^2. */
  loss: number;
  /** The jax-js device the step ran on. */
  backend: string;
  /** d loss / d params in Mlp.params layout (only with withGradient). */
  gradient?: Float32Array;
}

type Jax = typeof import('@jax-js/jax');
type JArray = import('@jax-js/jax').Array;
type Params = { w: JArray[]; b: JArray[] };

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

let jaxPromise: Promise<Jax> | null = null;
function loadJax(): Promise<Jax> {
  jaxPromise ??= import('@jax-js/jax');
  return jaxPromise;
}

/** Starts the backend and returns the device to use. */
async function pickDevice(jax: Jax, wanted: JaxJsDevice | undefined): Promise<JaxJsDevice> {
  // jax-js reads navigator.gpu unguarded; Node 20 has no navigator at all.
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  const hasWebGpu = !!nav?.gpu;
  const order: JaxJsDevice[] = wanted ? [wanted] : ['webgpu', 'wasm', 'cpu'];
  for (const d of order) {
    if (d === 'webgpu' && !hasWebGpu) continue;
    if (d === 'webgl' && typeof (globalThis as { WebGL2RenderingContext?: unknown }).WebGL2RenderingContext === 'undefined') continue;
    const ready = await jax.init(d);
    if (ready.includes(d)) return d;
  }
  throw new Error(`jax-js: no usable backend${wanted ? ` (asked for ${wanted})` : ''}`);
}

export async function benchJaxJs(opts: JaxJsBenchOptions): Promise<JaxJsBenchResult> {
  const { batch, width, depth, order, reps, seed, points } = opts;
  // The first call traces and compiles under jit: always keep it out of the timings.
  const warmup = Math.max(1, opts.warmup);
  if (points.length !== batch) throw new Error(`points has ${points.length} entries, batch is ${batch}`);
  if (!Number.isInteger(order) || order < 0) throw new Error(`order must be a non-negative integer, got ${order}`);
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`reps must be a positive integer, got ${reps}`);
  if (!Number.isInteger(opts.warmup) || opts.warmup < 0) throw new Error(`warmup must be a non-negative integer, got ${opts.warmup}`);

  const jax = await loadJax();
  const { numpy: np, grad, vjp, valueAndGrad, jit, tree, blockUntilReady } = jax;
  const formulation = opts.formulation ?? 'shared';
  const device = await pickDevice(jax, opts.device);
  const previousDevice = jax.defaultDevice();
  jax.defaultDevice(device);

  const mlp = Mlp.init({ inputDim: 1, width, depth, outputDim: 1, activation: 'tanh' }, seed);
  const params: Params = { w: [], b: [] };
  for (const l of mlp.layers) {
    // W [out][in] row-major (nn.Linear), b [out].
    params.w.push(np.array(mlp.params.slice(l.weightOffset, l.weightOffset + l.outDim * l.inDim)).reshape([l.outDim, l.inDim]));
    params.b.push(np.array(mlp.params.slice(l.biasOffset, l.biasOffset + l.outDim)));
  }
  const x = np.array(Float32Array.from(points)).reshape([batch, 1]);
  const nLayers = mlp.layers.length;

  /**
   * tanh as jax-js computes it, -s (e^(2 s x) - 1) / (e^(2 s x) + 1) with
   * s = -sign(x) (no overflow, smooth branch through 0), written inline: np.tanh
   * is itself a jit-ed function, and nested differentiation of that inner jit
   * leaks device buffers in jax-js 0.1.25 (16 per compile in a 2nd-order toy).
   */
  const tanh = (a: JArray): JArray => {
    const negSign = np.where(np.less(a.ref, 0), 1, -1);
    const e = np.exp(a.mul(negSign.ref).mul(2));
    return e.ref.sub(1).div(e.add(1)).mul(negSign);
  };

  /** u(x) for x [B, 1]: consumes p and x. */
  const u = (p: Params, xs: JArray): JArray => {
    let h = xs;
    for (let l = 0; l < nLayers; l++) {
      h = np.matmul(h, p.w[l].transpose()).add(p.b[l]);
      if (l + 1 < nLayers) h = tanh(h);
    }
    return h;
  };

  /**
   * [u, u', ..., u^(k)] at xs, each [B, 1]; consumes p and xs. u^(k) is the
   * gradient of sum(u^(k-1)) w.r.t. x, taken as a VJP with a ones cotangent on
   * u^(k-1) (exactly what jax-js's grad does) and zeros on the lower orders,
   * which come out as primal outputs, so all orders share one graph as in
   * stacked AD. (grad with hasAux would be the JAX idiom, but jax-js 0.1.25
   * fails on nested aux: "Can't lift Tracer level ...", see the file header.)
   */
  const sharedDerivatives = (k: number, p: Params, xs: JArray): JArray[] => {
    if (k === 0) return [u(p, xs)];
    const [lower, pullback] = vjp((xi: JArray) => sharedDerivatives(k - 1, p, xi), [xs]);
    const cotangents = lower.map((d, j) => (j === k - 1 ? np.onesLike(d.ref) : np.zerosLike(d.ref)));
    const [dk] = pullback(cotangents);
    pullback.dispose();
    return [...lower, dk];
  };

  /** u^(k) alone by k literally nested grads (lower orders recomputed per k). */
  const nestedGrad = (k: number, p: Params, xs: JArray): JArray =>
    k === 0 ? u(p, xs) : grad((xi: JArray) => nestedGrad(k - 1, p, xi).sum())(xs);

  const derivatives = (p: Params, xs: JArray): JArray[] => {
    if (formulation === 'shared') return sharedDerivatives(order, p, xs);
    const out: JArray[] = [];
    for (let k = 0; k <= order; k++) out.push(nestedGrad(k, tree.ref(p), xs.ref));
    tree.dispose(p);
    xs.dispose();
    return out;
  };

  const loss = (p: Params, xs: JArray): JArray =>
    derivatives(p, xs)
      .map((d) => np.square(d).mean())
      .reduce((a, b) => a.add(b));

  const step = jit(valueAndGrad(loss));

  const samples: number[] = [];
  let lossValue = NaN;
  let gradient: Float32Array | undefined;
  try {
    for (let i = 0; i < warmup + reps; i++) {
      const t0 = now();
      const [value, grads] = step(tree.ref(params), x.ref);
      await blockUntilReady([value, grads]);
      const t1 = now();
      if (i >= warmup) samples.push(t1 - t0);
      if (i < warmup + reps - 1) {
        value.dispose();
        tree.dispose(grads);
        continue;
      }
      lossValue = (await value.data())[0];
      if (opts.withGradient) {
        gradient = new Float32Array(mlp.params.length);
        for (let l = 0; l < nLayers; l++) {
          gradient.set(await grads.w[l].data(), mlp.layers[l].weightOffset);
          gradient.set(await grads.b[l].data(), mlp.layers[l].biasOffset);
        }
      } else tree.dispose(grads);
    }
  } finally {
    step.dispose();
    tree.dispose(params);
    x.dispose();
    jax.defaultDevice(previousDevice);
  }
  return { ms: median(samples), loss: lossValue, backend: device, ...(gradient ? { gradient } : {}) };
}
