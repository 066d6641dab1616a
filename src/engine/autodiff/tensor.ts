/**
 * Stacked-AD engine: a tape-based reverse mode over 2-D GPU tensors, in the
 * spirit of micrograd. Every op records its inputs and a backward closure; the
 * backward closures are built from the same ops, so with createGraph a gradient
 * is itself a graph and can be differentiated again (PyTorch's create_graph=True).
 */
import { InputError } from '../errors';
import { readBuffer } from '../gpu/gpu';
import { AdContext } from './context';

type Shape = readonly [number, number];

interface Node {
  op: string;
  inputs: Tensor[];
  /**
   * Gradients of the inputs given the gradient of the output; `need[k]`: input k wants one
   * (PyTorch's needs_input_grad), null where it does not.
   */
  backward: (grad: Tensor, need: boolean[]) => (Tensor | null)[];
  /** matmul's transposes (per-row gradients need them). */
  transposes?: [boolean, boolean];
}

export class Tensor {
  node: Node | null = null;

  constructor(
    readonly ctx: AdContext,
    readonly buffer: GPUBuffer,
    readonly shape: Shape,
    /** Element offset inside the buffer (parameters are views of one flat buffer). */
    readonly offset = 0,
    readonly requiresGrad = false,
  ) {}

  get rows(): number {
    return this.shape[0];
  }
  get cols(): number {
    return this.shape[1];
  }
  get size(): number {
    return this.shape[0] * this.shape[1];
  }

  async read(): Promise<Float32Array> {
    this.ctx.flush();
    const data = await readBuffer(this.ctx.device, this.buffer, Math.ceil(((this.offset + this.size) * 4) / 4) * 4);
    return data.slice(this.offset, this.offset + this.size);
  }
}

/** Ops build graphs only while grad mode is on (off inside a backward pass without createGraph). */
let gradMode = true;

function record(out: Tensor, op: string, inputs: Tensor[], backward: Node['backward']): Tensor {
  if (gradMode && inputs.some((t) => t.requiresGrad)) {
    const t = new Tensor(out.ctx, out.buffer, out.shape, out.offset, true);
    t.node = { op, inputs, backward };
    out.ctx.recordedOps++;
    out.ctx.countGraphOp();
    return t;
  }
  return out;
}

export function fromArray(ctx: AdContext, data: Float32Array, shape: Shape, requiresGrad = false): Tensor {
  if (data.length !== shape[0] * shape[1]) throw new InputError(`data of ${data.length} numbers does not fill shape ${shape}`);
  const buf = ctx.allocate(data.length);
  ctx.device.queue.writeBuffer(buf, 0, data.buffer, data.byteOffset, data.byteLength);
  return new Tensor(ctx, buf, shape, 0, requiresGrad);
}

/** A leaf tensor viewing part of an existing buffer (no copy). */
export function view(ctx: AdContext, buffer: GPUBuffer, offset: number, shape: Shape, requiresGrad: boolean): Tensor {
  return new Tensor(ctx, buffer, shape, offset, requiresGrad);
}

// ---------------------------------------------------------------- element-wise

function broadcastShape(a: Shape, b: Shape): Shape {
  const dim = (x: number, y: number) => {
    if (x === y || y === 1) return x;
    if (x === 1) return y;
    throw new InputError(`shapes [${a}] and [${b}] do not broadcast`);
  };
  return [dim(a[0], b[0]), dim(a[1], b[1])];
}

function strides(t: Tensor, out: Shape): [number, number] {
  return [t.rows === 1 && out[0] > 1 ? 0 : t.cols, t.cols === 1 && out[1] > 1 ? 0 : 1];
}

function map(expr: string, a: Tensor, b: Tensor | null, alpha = 0, outShape?: Shape): Tensor {
  const ctx = a.ctx;
  const shape = outShape ?? (b ? broadcastShape(a.shape, b.shape) : a.shape);
  const size = shape[0] * shape[1];
  const out = ctx.allocate(size);
  const [aRs, aCs] = strides(a, shape);
  const [bRs, bCs] = b ? strides(b, shape) : [0, 0];
  const slot = ctx.params();
  slot.u32.set([shape[0], shape[1], a.offset, b ? b.offset : 0, aRs, aCs, bRs, bCs]);
  slot.f32[8] = alpha;
  const buffers = [a.buffer, (b ?? a).buffer, out];
  // CPU adapters: four neighbours per thread where rows split into aligned vec4s (a stride-0 operand is splat)
  const aligned = (t: Tensor, cs: number) => cs === 0 || t.offset % 4 === 0;
  if (ctx.kernels === 'vec4' && shape[1] % 4 === 0 && aligned(a, aCs) && (!b || aligned(b, bCs))) {
    ctx.dispatch(ctx.pipeline('map4:' + expr, 'in2', 'ad_map_vec4', { EXPR: expr }), 'in2', buffers, slot, Math.ceil(size / 4 / 64));
  } else {
    ctx.dispatch(ctx.pipeline('map:' + expr, 'in2', 'ad_map', { EXPR: expr }), 'in2', buffers, slot, Math.ceil(size / 256));
  }
  return new Tensor(ctx, out, shape);
}

export function add(a: Tensor, b: Tensor): Tensor {
  return record(map('x + y', a, b), 'add', [a, b], (g, need) => [need[0] ? sumTo(g, a.shape) : null, need[1] ? sumTo(g, b.shape) : null]);
}

export function sub(a: Tensor, b: Tensor): Tensor {
  return record(map('x - y', a, b), 'sub', [a, b], (g, need) => [need[0] ? sumTo(g, a.shape) : null, need[1] ? sumTo(scale(g, -1), b.shape) : null]);
}

export function mul(a: Tensor, b: Tensor): Tensor {
  return record(map('x * y', a, b), 'mul', [a, b], (g, need) => [need[0] ? sumTo(mul(g, b), a.shape) : null, need[1] ? sumTo(mul(g, a), b.shape) : null]);
}

export function div(a: Tensor, b: Tensor): Tensor {
  return record(map('x / y', a, b), 'div', [a, b], (g, need) => [
    need[0] ? sumTo(div(g, b), a.shape) : null,
    need[1] ? sumTo(scale(div(mul(g, a), square(b)), -1), b.shape) : null,
  ]);
}

export function scale(a: Tensor, alpha: number): Tensor {
  return record(map('x * alpha', a, null, alpha), 'scale', [a], (g) => [scale(g, alpha)]);
}

export function addScalar(a: Tensor, alpha: number): Tensor {
  return record(map('x + alpha', a, null, alpha), 'addScalar', [a], (g) => [g]);
}

export function square(a: Tensor): Tensor {
  return record(map('x * x', a, null), 'square', [a], (g) => [mul(g, scale(a, 2))]);
}

export function tanh(a: Tensor): Tensor {
  const y = record(map('tanhClamped(x)', a, null), 'tanh', [a], (g) => [tanhBackward(g, y)]);
  return y;
}

/** g * (1 - y^2), fused as PyTorch's tanh_backward; differentiable in both arguments. */
export function tanhBackward(g: Tensor, y: Tensor): Tensor {
  return record(map('x * (1.0 - y * y)', g, y), 'tanhBackward', [g, y], (gg, need) => [
    need[0] ? tanhBackward(gg, y) : null,
    need[1] ? sumTo(scale(mul(mul(gg, g), y), -2), y.shape) : null,
  ]);
}

export function sin(a: Tensor): Tensor {
  return record(map('preciseSin(x)', a, null), 'sin', [a], (g) => [mul(g, cos(a))]);
}

export function cos(a: Tensor): Tensor {
  return record(map('preciseCos(x)', a, null), 'cos', [a], (g) => [scale(mul(g, sin(a)), -1)]);
}

/** Broadcast a [1,n], [n,1] or [1,1] tensor to `shape`. */
export function expand(a: Tensor, shape: Shape): Tensor {
  if (a.shape[0] === shape[0] && a.shape[1] === shape[1]) return a;
  broadcastShape(shape, a.shape);
  return record(map('x', a, null, 0, shape), 'expand', [a], (g) => [sumTo(g, a.shape)]);
}

// ---------------------------------------------------------------- reductions

function reduce(a: Tensor, count: number, len: number, oStride: number, rStride: number, shape: Shape): Tensor {
  const ctx = a.ctx;
  const out = ctx.allocate(count);
  const slot = ctx.params();
  slot.u32.set([count, len, oStride, rStride, a.offset]);
  const shader = len <= SMALL_REDUCE_LEN ? 'ad_reduce_small' : 'ad_reduce';
  ctx.dispatch(ctx.pipeline(shader, 'in1', shader, {}), 'in1', [a.buffer, out], slot, shader === 'ad_reduce' ? count : Math.ceil(count / 64));
  return new Tensor(ctx, out, shape);
}

/** Sum over rows (axis 0 -> [1, cols]), over columns (axis 1 -> [rows, 1]) or everything (-> [1, 1]). */
export function sum(a: Tensor, axis?: 0 | 1): Tensor {
  let out: Tensor;
  if (axis === 0) out = reduce(a, a.cols, a.rows, 1, a.cols, [1, a.cols]);
  else if (axis === 1) out = reduce(a, a.rows, a.cols, a.cols, 1, [a.rows, 1]);
  else out = reduce(a, 1, a.size, 0, 1, [1, 1]);
  return record(out, 'sum', [a], (g) => [expand(g, a.shape)]);
}

export function mean(a: Tensor): Tensor {
  return scale(sum(a), 1 / a.size);
}

/** Sum a broadcast gradient back to `shape`. */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  let t = g;
  if (shape[0] === 1 && t.rows > 1) t = sum(t, 0);
  if (shape[1] === 1 && t.cols > 1) t = sum(t, 1);
  return t;
}

// ---------------------------------------------------------------- matmul

/** Sums at most this long run one thread per output. */
const SMALL_REDUCE_LEN = 512;

/** Reductions at most this long use the untiled matmul kernel. */
const SMALL_MATMUL_K = 256;

/** Threads per workgroup of ad_matmul_vec4 (each 4x4 outputs): small, so skinny products still span the CPU's cores. */
const MATMUL_VEC4_WG = 16;

/** op(a) @ op(b), op = transpose when ta / tb. */
export function matmul(a: Tensor, b: Tensor, ta = false, tb = false): Tensor {
  const [m, k] = ta ? [a.cols, a.rows] : a.shape;
  const [k2, n] = tb ? [b.cols, b.rows] : b.shape;
  if (k !== k2) throw new InputError(`matmul of [${m}x${k}] and [${k2}x${n}]`);
  const ctx = a.ctx;
  const out = ctx.allocate(m * n);
  const slot = ctx.params();
  slot.u32.set([m, n, k, a.offset, b.offset]);
  const buffers = [a.buffer, b.buffer, out];
  const tt = { TA: ta ? 1 : 0, TB: tb ? 1 : 0 };
  if (ctx.kernels === 'vec4' && [m, n, k, a.offset, b.offset].every((v) => v % 4 === 0)) {
    const pipeline = ctx.pipeline(`ad_matmul_vec4:${+ta}${+tb}`, 'in2', 'ad_matmul_vec4', { ...tt, WG: MATMUL_VEC4_WG });
    ctx.dispatch(pipeline, 'in2', buffers, slot, Math.ceil((m * n) / 16 / MATMUL_VEC4_WG));
  } else {
    // like a framework's kernel choice by shape: tiles pay off only when the reduction is long (and not on CPUs)
    const shader = k <= SMALL_MATMUL_K || ctx.kernels === 'vec4' ? 'ad_matmul_small' : 'ad_matmul';
    const pipeline = ctx.pipeline(`${shader}:${+ta}${+tb}`, 'in2', shader, tt);
    if (shader === 'ad_matmul_small') ctx.dispatch(pipeline, 'in2', buffers, slot, Math.ceil((m * n) / 64));
    else ctx.dispatch(pipeline, 'in2', buffers, slot, Math.ceil(n / 16), Math.ceil(m / 16));
  }
  const y = record(new Tensor(ctx, out, [m, n]), 'matmul', [a, b], (g, need) => [
    need[0] ? (ta ? matmul(b, g, tb, true) : matmul(g, b, false, !tb)) : null,
    need[1] ? (tb ? matmul(g, a, true, ta) : matmul(a, g, !ta, false)) : null,
  ]);
  if (y.node) y.node.transposes = [ta, tb];
  return y;
}

// ---------------------------------------------------------------- backward

/**
 * Where per-row gradients go: row p of every batch tensor is one sample (a point), and
 * J[(firstRow + p) * rowStride + columns.get(param) + i] gets d y_p / d param_i, the gradient
 * of the sample's own share of y. This is the Jacobian of a per-sample output (the residuals
 * that Levenberg–Marquardt needs), as vmap(grad) would give it: each parameter's contribution
 * is taken before the sum over rows (outer products of matmul operands, a bias's rows).
 */
export interface PerRowJacobian {
  buffer: GPUBuffer;
  rows: number;
  rowStride: number;
  firstRow: number;
  /** The parameters (leaf tensors) and the column where each one's entries start. */
  columns: Map<Tensor, number>;
}

/**
 * Gradients of scalar `y` with respect to `xs` by reverse accumulation.
 * createGraph: record the backward ops so the result can be differentiated again.
 * perRow: the parameters in perRow.columns get per-row gradients in perRow.buffer instead
 * (added to it; they are missing from the result).
 */
export function grad(y: Tensor, xs: Tensor[], options: { createGraph?: boolean; perRow?: PerRowJacobian } = {}): Tensor[] {
  if (y.size !== 1) throw new InputError(`grad needs a scalar output, got shape [${y.shape}]`);
  const perRow = options.perRow;
  if (perRow && options.createGraph) throw new InputError('per-row gradients are not differentiable (createGraph)');
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const visit = (t: Tensor) => {
    if (seen.has(t) || !t.node) return;
    seen.add(t);
    t.node.inputs.forEach(visit);
    order.push(t);
  };
  visit(y);
  // only paths that end at a wanted tensor are differentiated (PyTorch prunes the same way): a
  // nested derivative in x skips every weight gradient, the loss gradient skips x's
  const wanted = new Set<Tensor>([...xs, ...(perRow?.columns.keys() ?? [])]);
  const leads = new Set<Tensor>();
  for (const t of order) if (t.node!.inputs.some((i) => wanted.has(i) || leads.has(i))) leads.add(t);
  const previous = gradMode;
  gradMode = options.createGraph === true;
  try {
    const grads = new Map<Tensor, Tensor>();
    grads.set(y, fromArray(y.ctx, Float32Array.of(1), [1, 1]));
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      if (!g || !t.node) continue;
      const need = t.node.inputs.map((input) => input.requiresGrad && (wanted.has(input) || leads.has(input)) && !perRow?.columns.has(input));
      if (perRow) t.node.inputs.forEach((input, k) => perRow.columns.has(input) && rowGradient(perRow, t, k, g));
      if (!need.some(Boolean)) continue;
      const inputGrads = t.node.backward(g, need);
      t.node.inputs.forEach((input, k) => {
        const gi = inputGrads[k];
        if (!gi || !need[k]) return;
        const prev = grads.get(input);
        grads.set(input, prev ? add(prev, gi) : gi);
      });
    }
    return xs.map((x) => grads.get(x) ?? zerosLike(x));
  } finally {
    gradMode = previous;
  }
}

/**
 * Per-row contribution of op `t`'s input k (a parameter) given the op's output gradient g:
 * matmul(a, W) or matmul(a, Wᵀ) with a's rows the samples: outer(a_p, g_p) or outer(g_p, a_p)
 * in W's row-major layout; add, sub or mul with a parameter broadcast over the rows: g_p,
 * −g_p or g_p ∘ other_p. Other uses of a parameter are refused (never silently summed).
 */
function rowGradient(perRow: PerRowJacobian, t: Tensor, k: number, g: Tensor): void {
  const node = t.node!;
  const param = node.inputs[k];
  const other = node.inputs[1 - k];
  const ctx = param.ctx;
  const column = perRow.columns.get(param)!;
  const rowsOf = (x: Tensor) => x.rows === perRow.rows;
  const base = { rows: perRow.rows, stride: perRow.rowStride, jOff: perRow.firstRow * perRow.rowStride + column };
  if (node.op === 'matmul' && k === 1 && !node.transposes![0] && rowsOf(other) && rowsOf(g)) {
    // tb: y = a·Wᵀ, dW[i][j] = Σ_p g[p][i] a[p][j]; else y = a·W, dW[i][j] = Σ_p a[p][i] g[p][j]
    const [u, v] = node.transposes![1] ? [g, other] : [other, g];
    rowGradientKernel(ctx, perRow.buffer, u, v, { ...base, outer: true, scale: 1 });
    return;
  }
  if ((node.op === 'add' || node.op === 'sub' || node.op === 'mul') && param.rows === 1 && rowsOf(g) && g.cols === param.cols) {
    const sign = node.op === 'sub' && k === 1 ? -1 : 1;
    // grad refuses perRow with createGraph, so grad mode is off here and mul records nothing
    const v = node.op === 'mul' ? mul(g, other) : g;
    rowGradientKernel(ctx, perRow.buffer, v, v, { ...base, outer: false, scale: sign });
    return;
  }
  throw new InputError(`per-row gradients: a parameter of shape [${param.shape}] used by ${node.op} is not supported`);
}

/** ad_row_grad: J[p*stride + jOff + i*C + j] += scale * u[p][i] * v[p][j] (outer) or scale * v[p][j]. */
function rowGradientKernel(ctx: AdContext, J: GPUBuffer, u: Tensor, v: Tensor, o: { rows: number; stride: number; jOff: number; outer: boolean; scale: number }): void {
  const R = o.outer ? u.cols : 1;
  const C = v.cols;
  const slot = ctx.params();
  slot.u32.set([o.rows, R, C, u.offset, v.offset, o.jOff, o.stride]);
  slot.f32[7] = o.scale;
  const outer = o.outer ? 1 : 0;
  ctx.dispatch(ctx.pipeline(`ad_row_grad:${outer}`, 'in2', 'ad_row_grad', { OUTER: outer }), 'in2', [u.buffer, v.buffer, J], slot, Math.ceil((o.rows * R * C) / 64));
}

function zerosLike(x: Tensor): Tensor {
  return fromArray(x.ctx, new Float32Array(x.size), x.shape);
}

// ---------------------------------------------------------------- layout moves (not differentiated)

/**
 * dst[dOff + i*dStride] (+)= scale * src[sOff + i*sStride], i < count: moves values between
 * tensors and other GPU layouts (jet-shaped buffers, the flat gradient). Records nothing.
 */
export function stridedCopy(
  ctx: AdContext,
  src: GPUBuffer,
  dst: GPUBuffer,
  o: { count: number; sOff: number; sStride: number; dOff: number; dStride: number; scale?: number; accumulate?: boolean },
): void {
  const slot = ctx.params();
  slot.u32.set([o.count, o.sOff, o.sStride, o.dOff, o.dStride]);
  slot.f32[5] = o.scale ?? 1;
  const acc = o.accumulate ? 1 : 0;
  ctx.dispatch(ctx.pipeline(`strided:${acc}`, 'in1', 'ad_strided_copy', { ACC: acc }), 'in1', [src, dst], slot, Math.ceil(o.count / 64));
}
