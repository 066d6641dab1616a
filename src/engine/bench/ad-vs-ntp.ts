/**
 * The AD-vs-nTP benchmark (seed 004's experiment): one step = derivatives of
 * orders 0..n at B points, loss = sum over orders of the mean square, gradient
 * with respect to every parameter. Stacked AD builds n nested gradients with
 * create_graph and back-propagates through them; n-TangentProp runs one fused
 * jet pass, the loss seed and the jet adjoint. Runs in Node and in the browser.
 */
import { AdContext, AdMemoryBudgetError } from '../autodiff/context';
import { adParams, nestedDerivativesAd, sumOfMeanSquares } from '../autodiff/mlp-ad';
import { grad, Tensor } from '../autodiff/tensor';
import { InputError } from '../errors';
import { createStorageBuffer } from '../gpu/gpu';
import { GpuMlp } from '../model/gpu-mlp';
import { Mlp, type Activation } from '../model/mlp';
import { Rng } from '../sampling/rng';
import { MAX_JET_ORDER, TaylorJetForward } from '../jets/taylor-jet';
import { JetSumSquaresLoss, TaylorJetBackward } from '../jets/taylor-jet-backward';
import { timeSteps } from '../gpu/timing';

export interface BenchConfig {
  batch: number;
  width: number;
  depth: number;
  activation: Activation;
  orders: number[];
  reps: number;
  warmup: number;
  seed: number;
  /** Skip AD for orders above this (its cost doubles per order); null: no limit. */
  adMaxOrder: number | null;
}

export const DEFAULT_BENCH: BenchConfig = {
  batch: 256,
  width: 24,
  depth: 3,
  activation: 'tanh',
  orders: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  reps: 20,
  warmup: 3,
  seed: 0,
  adMaxOrder: null,
};

export interface MethodFigures {
  /** Median ms per step: GPU timestamps where available, else wall clock. */
  ms: number;
  wallMs: number;
  gpuMs: number | null;
  /** AD: operations recorded in the autodiff graph in one step. nTP: kernel launches in one step. */
  ops: number;
  dispatches: number;
  /** Peak bytes of GPU buffers the step uses (parameters excluded, common to both). */
  bytes: number;
}

export interface BenchRow {
  order: number;
  ad: MethodFigures | null;
  ntp: MethodFigures;
  ratio: number | null;
}

export function validateBenchConfig(c: BenchConfig, device?: GPUDevice): void {
  const int = (name: string, v: number, lo: number, hi: number) => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new InputError(`${name} must be an integer in [${lo}, ${hi}], got ${v}`);
  };
  int('batch', c.batch, 1, 1 << 20);
  int('width', c.width, 1, 1024);
  int('depth', c.depth, 1, 32);
  int('reps', c.reps, 1, 1000);
  int('warmup', c.warmup, 0, 100);
  if (c.orders.length === 0) throw new InputError('orders must name at least one order');
  c.orders.forEach((n) => int('order', n, 0, MAX_JET_ORDER));
  if (device) {
    const bytes = c.batch * (Math.max(...c.orders) + 1) * c.width * 4;
    const limit = device.limits.maxStorageBufferBindingSize;
    if (bytes > limit) {
      const maxBatch = Math.floor(limit / ((Math.max(...c.orders) + 1) * c.width * 4));
      throw new InputError(
        `batch ${c.batch} needs jet buffers of ${bytes} bytes, over this device's maxStorageBufferBindingSize (${limit}); the largest batch that fits is ${maxBatch}`,
      );
    }
  }
}

/** Parse "0-9", "1,3,5" or "2-4,8". */
export function parseOrders(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new InputError(`orders must look like 0-9 or 1,3,5; got ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new InputError(`order range ${a}-${b} is empty`);
    // checked before the range is written out (0-1000000000 once filled memory)
    if (b > MAX_JET_ORDER) throw new InputError(`order ${b} is above the highest the jets compute (${MAX_JET_ORDER})`);
    for (let n = a; n <= b; n++) out.push(n);
  }
  return [...new Set(out)].sort((x, y) => x - y);
}

/** Total size of distinct buffers (a buffer may serve two roles). */
function bufferBytes(buffers: GPUBuffer[]): number {
  return [...new Set(buffers)].reduce((s, b) => s + b.size, 0);
}

async function benchNtp(device: GPUDevice, net: GpuMlp, points: Float32Array, order: number, c: BenchConfig): Promise<MethodFigures> {
  const fwd = new TaylorJetForward(device, net, { order, maxBatch: c.batch, sharedDirection: true, savePreActivations: true });
  const loss = new JetSumSquaresLoss(fwd);
  const gradBuf = createStorageBuffer(device, net.mlp.params.byteLength, 'gradient');
  const bwd = new TaylorJetBackward(fwd, loss.adjoint, gradBuf);
  fwd.setInputs(points, Float32Array.of(1));
  let dispatches = 0;
  const t = await timeSteps(
    device,
    (desc, resolve) => {
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass(desc);
      fwd.encode(pass);
      loss.encode(pass);
      bwd.encode(pass);
      pass.end();
      resolve?.(enc);
      device.queue.submit([enc.finish()]);
    },
    { reps: c.reps, warmup: c.warmup },
  );
  dispatches = net.mlp.layers.length + 1 + (2 * net.mlp.layers.length - 1);
  const bytes = bufferBytes([...fwd.layerOutputs, ...fwd.preActivations, fwd.points, fwd.directions, loss.adjoint, gradBuf, ...bwd.adjointBuffers]);
  bwd.destroy();
  loss.destroy();
  fwd.destroy();
  gradBuf.destroy();
  const gpuMs = t.gpu?.medianMs ?? null;
  return { ms: gpuMs ?? t.wall.medianMs, wallMs: t.wall.medianMs, gpuMs, ops: dispatches, dispatches, bytes };
}

async function benchAd(device: GPUDevice, net: GpuMlp, points: Float32Array, order: number, c: BenchConfig): Promise<MethodFigures> {
  const ctx = new AdContext(device);
  // x lives on the GPU before the step, as a framework user's tensor would
  const xBuf = createStorageBuffer(device, points.byteLength, 'benchmark points');
  device.queue.writeBuffer(xBuf, 0, points.buffer, points.byteOffset, points.byteLength);
  const x = new Tensor(ctx, xBuf, [c.batch, 1], 0, true);
  let ops = 0;
  let dispatches = 0;
  let bytes = 0;
  try {
    const t = await timeSteps(
      device,
      (desc, resolve) => {
        ctx.resetCounters();
        ctx.passDescriptor = desc;
        ctx.beforeSubmit = resolve;
        const params = adParams(ctx, net, true);
        const loss = sumOfMeanSquares(nestedDerivativesAd(net, params, x, null, order));
        grad(loss, params.all);
        ctx.flush();
        ops = ctx.recordedOps;
        dispatches = ctx.dispatches;
        bytes = ctx.peakBytes;
      },
      { reps: c.reps, warmup: c.warmup },
      () => ctx.releaseAll(),
    );
    const gpuMs = t.gpu?.medianMs ?? null;
    return { ms: gpuMs ?? t.wall.medianMs, wallMs: t.wall.medianMs, gpuMs, ops, dispatches, bytes };
  } finally {
    ctx.destroy();
    xBuf.destroy();
  }
}

export async function runAdVsNtp(
  device: GPUDevice,
  config: BenchConfig,
  onProgress?: (message: string, row?: BenchRow) => void,
): Promise<BenchRow[]> {
  validateBenchConfig(config, device);
  const mlp = Mlp.init({ inputDim: 1, width: config.width, depth: config.depth, outputDim: 1, activation: config.activation }, config.seed);
  const net = new GpuMlp(device, mlp);
  const rng = new Rng(config.seed + 1);
  const points = Float32Array.from({ length: config.batch }, () => rng.range(-1, 1));
  const rows: BenchRow[] = [];
  let adOverBudget = false;
  try {
    for (const order of config.orders) {
      onProgress?.(`n = ${order}: n-TangentProp`);
      const ntp = await benchNtp(device, net, points, order, config);
      let ad: MethodFigures | null = null;
      if (!adOverBudget && (config.adMaxOrder === null || order <= config.adMaxOrder)) {
        onProgress?.(`n = ${order}: stacked AD`);
        try {
          ad = await benchAd(device, net, points, order, config);
        } catch (e) {
          // stacked AD's graph past its memory budget: this order and the higher ones go without it
          if (!(e instanceof AdMemoryBudgetError)) throw e;
          adOverBudget = true;
          onProgress?.(`n = ${order}: stacked AD left out from here on (${e.message})`);
        }
      }
      const row = { order, ad, ntp, ratio: ad ? ad.ms / ntp.ms : null };
      rows.push(row);
      onProgress?.(`n = ${order} done`, row);
    }
  } finally {
    net.destroy();
  }
  return rows;
}
