/**
 * Training a PINN on the GPU: every step samples collocation points, computes the
 * derivatives each loss term needs (Taylor jets, stacked AD or finite differences),
 * evaluates the residuals with the same generated kernels for every method, back-
 * propagates into one gradient and applies Adam (Taylor and FD: one submit per step).
 * The loss is read back only every `logEvery` steps.
 */
import { createStorageBuffer, readBuffer } from '../gpu';
import { GpuMlp } from '../gpu-mlp';
import { InputError } from '../errors';
import { Mlp, type Activation } from '../mlp';
import type { LossTerm, PdeProblem } from '../problems/types';
import { BoxSampler } from '../random';
import { fillTemplate } from '../shaders';
import { factorial, TaylorJetForward } from '../taylor-jet';
import { TaylorJetBackward } from '../taylor-jet-backward';
import { Adam } from './adam';
import { lbfgs, type LbfgsResult } from './lbfgs';
import { centralStencil, defaultStep, fornbergWeights } from '../methods/finite-difference';
import { AdContext } from '../autodiff/context';
import { adParams, nestedDerivativesAd } from '../autodiff/mlp-ad';
import { add, fromArray, grad, mul, stridedCopy, sum, Tensor, view } from '../autodiff/tensor';
import { learningRate, type LrSchedule } from './schedule';

export type TrainMethod = 'taylor' | 'ad' | 'fd';
export const TRAIN_METHODS: readonly TrainMethod[] = ['taylor', 'ad', 'fd'];

export interface TrainConfig {
  /** taylor: fused jets and their adjoint (n-TangentProp); ad: nested reverse-mode gradients (stacked AD);
   * fd: central finite differences of plain evaluations at shifted points. */
  method: TrainMethod;
  /** Finite-difference step (fd only); default: about eps^(1/(k+2)) for order k. */
  fdStep?: number;
  width: number;
  depth: number;
  activation: Activation;
  steps: number;
  lr: number;
  schedule: LrSchedule;
  seed: number;
  interiorPoints: number;
  /** Read the loss (and measure the error) every this many steps. */
  logEvery: number;
}

export interface TrainRecord {
  step: number;
  seconds: number;
  loss: number;
  l2re: number;
}

export interface TrainResult {
  steps: number;
  seconds: number;
  l2re: number;
  history: TrainRecord[];
  /** Why training ended: 'done', 'diverged at step N (loss NaN)', 'stopped'. */
  stopReason: string;
}

interface TermRuntime {
  term: LossTerm;
  count: number;
  points: GPUBuffer;
  sampler: BoxSampler | null;
  jets: TaylorJetForward[];
  /** Stacked AD: jet-shaped buffers [count][n+1] holding c_k = u^(k)/k! per direction, filled from the AD graph. */
  adJets: GPUBuffer[];
  directions: Float32Array[];
  orders: number[];
  adjoints: GPUBuffer[];
  backwards: TaylorJetBackward[];
  /** Dispatches before the loss kernel (jets, or stencil evaluations) and after it (their backward). */
  before: ((pass: GPUComputePassEncoder) => void)[];
  after: ((pass: GPUComputePassEncoder) => void)[];
  owned: GPUBuffer[];
  parts: GPUBuffer;
  params: GPUBuffer;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
}

export function defaultTrainConfig(problem: PdeProblem): TrainConfig {
  const d = problem.defaults;
  return {
    method: 'taylor',
    width: d.width,
    depth: d.depth,
    activation: 'tanh',
    steps: d.steps,
    lr: d.lr,
    schedule: { kind: 'exponential', rate: 0.5, every: Math.max(1, Math.round(d.steps / 4)) },
    seed: 0,
    interiorPoints: d.interiorPoints,
    logEvery: 100,
  };
}

export class PinnTrainer {
  readonly net: GpuMlp;
  readonly grad: GPUBuffer;
  readonly adam: Adam;
  private readonly backup: GPUBuffer;
  private readonly terms: TermRuntime[];
  private readonly testJet: TaylorJetForward;
  private readonly testPoints: number[][];
  private readonly exact: Float64Array;
  private stepIndex = 0;
  private readonly adContext: AdContext | null;

  constructor(
    readonly device: GPUDevice,
    readonly problem: PdeProblem,
    readonly config: TrainConfig,
  ) {
    if (!Number.isInteger(config.interiorPoints) || config.interiorPoints < 1) throw new InputError('interior points must be a positive integer');
    const mlp = Mlp.init({ inputDim: problem.dim, width: config.width, depth: config.depth, outputDim: 1, activation: config.activation }, config.seed);
    this.net = new GpuMlp(device, mlp);
    const bytes = mlp.params.byteLength;
    this.grad = createStorageBuffer(device, bytes, 'parameter gradient');
    this.backup = createStorageBuffer(device, bytes, 'last good parameters');
    this.adam = new Adam(device, this.net.params, this.grad, mlp.params.length);
    this.adContext = config.method === 'ad' ? new AdContext(device) : null;
    this.terms = problem.terms.map((term) => this.buildTerm(term));
    this.testPoints = problem.testPoints();
    this.exact = Float64Array.from(this.testPoints.map((x) => problem.exact(x)));
    this.testJet = new TaylorJetForward(device, this.net, { order: 0, maxBatch: this.testPoints.length, sharedDirection: true });
  }

  private buildTerm(term: LossTerm): TermRuntime {
    const device = this.device;
    const d = this.problem.dim;
    const count = term.points === 'interior' ? this.config.interiorPoints : term.points.length;
    const points = createStorageBuffer(device, count * d * 4, `${term.name} points`);
    let sampler: BoxSampler | null = null;
    if (term.points === 'interior') sampler = new BoxSampler(device, this.problem.domain.lo, this.problem.domain.hi, count, points);
    else device.queue.writeBuffer(points, 0, Float32Array.from(term.points.flat()));
    // one jet per distinct direction, up to the highest order asked along it
    const dirKeys: string[] = [];
    const dirOf = term.derivatives.map((s) => {
      const key = s.direction.join(',');
      if (!dirKeys.includes(key)) dirKeys.push(key);
      return dirKeys.indexOf(key);
    });
    const orders = dirKeys.map((_, j) => Math.max(...term.derivatives.filter((_, i) => dirOf[i] === j).map((s) => s.order)));
    const directions = dirKeys.map((key) => Float32Array.from(key.split(',').map(Number)));
    const ad = this.config.method === 'ad';
    const fd = this.config.method === 'fd';
    const jets = ad || fd
      ? []
      : directions.map((dir, j) => {
          const jet = new TaylorJetForward(device, this.net, { order: orders[j], maxBatch: count, sharedDirection: true, savePreActivations: true, pointsBuffer: points });
          jet.setDirections(dir);
          jet.setBatch(count);
          return jet;
        });
    const adJets = ad || fd ? orders.map((o, j) => createStorageBuffer(device, count * (o + 1) * 4, `${term.name} derivatives ${j}`)) : [];
    const adjoints = orders.map((o, j) => createStorageBuffer(device, count * (o + 1) * 4, `${term.name} jet ${j} adjoint`));
    const backwards = jets.map((jet, j) => new TaylorJetBackward(jet, adjoints[j], this.grad, true));
    const before: ((pass: GPUComputePassEncoder) => void)[] = jets.map((jet) => (pass) => jet.encode(pass));
    const after: ((pass: GPUComputePassEncoder) => void)[] = backwards.map((b) => (pass) => b.encode(pass));
    const owned: GPUBuffer[] = [];
    if (fd) {
      directions.forEach((dir, j) => {
        const st = this.fdStencil(term.name, points, adJets[j], adjoints[j], dir, orders[j], count);
        before.push(...st.before);
        after.push(...st.after);
        owned.push(...st.owned);
        backwards.push(st.backward);
        jets.push(st.jet);
      });
    }
    const parts = createStorageBuffer(device, count * 4, `${term.name} loss parts`);
    const params = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const pbuf = new ArrayBuffer(16);
    new Uint32Array(pbuf, 0, 1)[0] = count;
    new Float32Array(pbuf, 4, 1)[0] = term.weight;
    device.queue.writeBuffer(params, 0, pbuf);
    const n1 = orders.map((o) => o + 1);
    const code = fillTemplate('loss_term', {
      D: d,
      ND: term.derivatives.length,
      JET_BINDINGS: orders
        .map((_, j) => `@group(0) @binding(${3 + 2 * j}) var<storage, read> jet${j} : array<f32>;\n@group(0) @binding(${4 + 2 * j}) var<storage, read_write> adj${j} : array<f32>;`)
        .join('\n'),
      RESIDUAL: term.residualWgsl,
      RESIDUAL_GRAD: term.residualGradWgsl,
      LOAD: term.derivatives
        .map((s, i) => `  d[${i}] = f32(${factorial(s.order)}) * jet${dirOf[i]}[p * ${n1[dirOf[i]]}u + ${s.order}u];`)
        .join('\n'),
      STORE: [
        ...orders.map((_, j) => `  for (var k = 0u; k < ${n1[j]}u; k++) { adj${j}[p * ${n1[j]}u + k] = 0.0; }`),
        ...term.derivatives.map((s, i) => `  adj${dirOf[i]}[p * ${n1[dirOf[i]]}u + ${s.order}u] += s * g[${i}] * f32(${factorial(s.order)});`),
      ].join('\n'),
    });
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ label: `loss term ${term.name}`, code });
    const pipeline = device.createComputePipeline({ label: `loss term ${term.name}`, layout: 'auto', compute: { module, entryPoint: 'main' } });
    void device.popErrorScope().then((e) => {
      if (e) throw new Error(`the WGSL of ${this.problem.id}'s ${term.name} term does not compile: ${e.message}`);
    });
    const buffers = [points, parts, params, ...orders.flatMap((_, j) => [ad || fd ? adJets[j] : jets[j].output, adjoints[j]])];
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    return { term, count, points, sampler, jets, adJets, directions, orders, adjoints, backwards, before, after, owned, parts, params, pipeline, bindGroup };
  }

  /**
   * Finite differences along `dir` up to `order`: shift every point along the stencil,
   * evaluate the network there (an order-0 jet), combine into jet-shaped coefficients;
   * backward: the transposed combination seeds the evaluations' backward pass.
   */
  private fdStencil(name: string, points: GPUBuffer, coeffs: GPUBuffer, adjoint: GPUBuffer, dir: Float32Array, order: number, count: number) {
    const device = this.device;
    const d = this.problem.dim;
    const offsets: number[] = [0];
    const rows: Map<number, number>[] = [new Map([[0, 1]])];
    for (let k = 1; k <= order; k++) {
      const h = this.config.fdStep ?? defaultStep(k);
      const stencil = centralStencil(k).map((o) => o * h);
      const w = fornbergWeights(stencil, k);
      const row = new Map<number, number>();
      stencil.forEach((z, i) => {
        if (!offsets.includes(z)) offsets.push(z);
        row.set(offsets.indexOf(z), w[i] / factorial(k));
      });
      rows.push(row);
    }
    const m = offsets.length;
    const n1 = order + 1;
    const weights = rows.flatMap((row) => Array.from({ length: m }, (_, i) => row.get(i) ?? 0));
    const f = (v: number) => (Number.isInteger(v) ? `${v}.0` : `${v}`);
    const template = (mode: number) =>
      fillTemplate('fd_stencil', { MODE: mode, D: d, M: m, N1: n1, OFFSETS: offsets.map(f).join(', '), DIRECTION: Array.from(dir).map(f).join(', '), WEIGHTS: weights.map(f).join(', ') });
    const shifted = createStorageBuffer(device, count * m * d * 4, `${name} stencil points`);
    const ubar = createStorageBuffer(device, count * m * 4, `${name} stencil adjoint`);
    const params = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(params, 0, new Uint32Array([count, 0, 0, 0]));
    const jet = new TaylorJetForward(device, this.net, { order: 0, maxBatch: count * m, sharedDirection: true, savePreActivations: true, pointsBuffer: shifted });
    jet.setBatch(count * m);
    const backward = new TaylorJetBackward(jet, ubar, this.grad, true);
    const stage = (mode: number, src: GPUBuffer, dst: GPUBuffer) => {
      const module = device.createShaderModule({ label: `fdStencil ${mode}`, code: template(mode) });
      const pipeline = device.createComputePipeline({ label: `fdStencil ${mode}`, layout: 'auto', compute: { module, entryPoint: 'main' } });
      const bindGroup = device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [src, dst, params].map((buffer, binding) => ({ binding, resource: { buffer } })),
      });
      return (pass: GPUComputePassEncoder) => {
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindGroup);
        pass.dispatchWorkgroups(Math.ceil(count / 64));
      };
    };
    return {
      jet,
      backward,
      before: [stage(0, points, shifted), (pass: GPUComputePassEncoder) => jet.encode(pass), stage(1, jet.output, coeffs)],
      after: [stage(2, adjoint, ubar), (pass: GPUComputePassEncoder) => backward.encode(pass)],
      owned: [shifted, ubar, params],
    };
  }

  get step(): number {
    return this.stepIndex;
  }

  /** Record sampling, jets and loss terms of the current step (no update). */
  private encodeLoss(pass: GPUComputePassEncoder, backward: boolean, stream = this.stepIndex): void {
    for (const t of this.terms) {
      t.sampler?.encode(pass, t.count, this.config.seed, stream);
      for (const f of t.before) f(pass);
      this.encodeTermLoss(pass, t);
      if (backward) for (const f of t.after) f(pass);
    }
  }

  private encodeTermLoss(pass: GPUComputePassEncoder, t: TermRuntime): void {
    pass.setPipeline(t.pipeline);
    pass.setBindGroup(0, t.bindGroup);
    pass.dispatchWorkgroups(Math.ceil(t.count / 64));
  }

  private submitPass(record: (pass: GPUComputePassEncoder) => void, before?: (enc: GPUCommandEncoder) => void): void {
    const enc = this.device.createCommandEncoder();
    before?.(enc);
    const pass = enc.beginComputePass();
    record(pass);
    pass.end();
    this.device.queue.submit([enc.finish()]);
  }

  /**
   * Stacked AD for one term: the derivatives as nested gradients of the network
   * (create_graph), copied into jet-shaped buffers so the same loss kernel runs; its
   * adjoints seed one more reverse pass, whose parameter gradients add to `grad`.
   */
  private adTerm(t: TermRuntime, withGradient: boolean): void {
    const ctx = this.adContext!;
    const d = this.problem.dim;
    const x = view(ctx, t.points, 0, [t.count, d], true);
    const params = adParams(ctx, this.net, withGradient);
    const derivs = t.directions.map((dir, j) => {
      const unitAxis = d === 1 && dir[0] === 1;
      const v = unitAxis ? null : fromArray(ctx, dir, [1, d]);
      const ds = nestedDerivativesAd(this.net, params, x, v, t.orders[j]);
      const n1 = t.orders[j] + 1;
      ds.forEach((u, k) => stridedCopy(ctx, u.buffer, t.adJets[j], { count: t.count, sOff: u.offset, sStride: 1, dOff: k, dStride: n1, scale: 1 / factorial(k) }));
      return ds;
    });
    ctx.flush();
    this.submitPass((pass) => this.encodeTermLoss(pass, t));
    if (!withGradient) return;
    // d loss / d u^(k) = cbar_k / k!: a vector-Jacobian product with those seeds
    const seeded: Tensor[] = [];
    derivs.forEach((ds, j) => {
      const n1 = t.orders[j] + 1;
      ds.forEach((u, k) => {
        const seed = new Tensor(ctx, ctx.allocate(t.count), [t.count, 1]);
        stridedCopy(ctx, t.adjoints[j], seed.buffer, { count: t.count, sOff: k, sStride: n1, dOff: 0, dStride: 1, scale: 1 / factorial(k) });
        seeded.push(sum(mul(u, seed)));
      });
    });
    const total = seeded.reduce((a, b) => add(a, b));
    const grads = grad(total, params.all);
    this.net.mlp.layers.forEach((layer, l) => {
      const gw = grads[2 * l];
      const gb = grads[2 * l + 1];
      stridedCopy(ctx, gw.buffer, this.grad, { count: gw.size, sOff: gw.offset, sStride: 1, dOff: layer.weightOffset, dStride: 1, accumulate: true });
      stridedCopy(ctx, gb.buffer, this.grad, { count: gb.size, sOff: gb.offset, sStride: 1, dOff: layer.biasOffset, dStride: 1, accumulate: true });
    });
    ctx.flush();
  }

  /** Submit the loss and its gradient (into `grad`) at the points of sampling stream `stream`. */
  private computeGradient(stream: number): void {
    if (this.config.method === 'ad') {
      // AD records eagerly: sample, then each term's graph, in queue order
      this.submitPass(
        (pass) => this.terms.forEach((t) => t.sampler?.encode(pass, t.count, this.config.seed, stream)),
        (e) => e.clearBuffer(this.grad),
      );
      this.terms.forEach((t) => this.adTerm(t, true));
      this.adContext!.releaseAll();
    } else {
      this.submitPass((pass) => this.encodeLoss(pass, true, stream), (e) => e.clearBuffer(this.grad));
    }
  }

  /** Record one training step. */
  encodeStep(enc: GPUCommandEncoder): void {
    const lr = learningRate(this.config.lr, this.config.schedule, this.stepIndex, this.config.steps);
    if (this.config.method === 'ad') {
      this.computeGradient(this.stepIndex);
      const pass = enc.beginComputePass();
      this.adam.encode(pass, lr);
      pass.end();
      this.stepIndex++;
      return;
    }
    // Taylor and FD: the whole step in one command buffer
    enc.clearBuffer(this.grad);
    const pass = enc.beginComputePass();
    this.encodeLoss(pass, true);
    this.adam.encode(pass, lr);
    pass.end();
    this.stepIndex++;
  }

  /**
   * Run one full step and the evaluations once, then put the parameters, the optimizer
   * and the step counter back: pipelines compile and buffers settle before anything is
   * timed, and the run itself is unchanged.
   */
  async warmUp(): Promise<void> {
    const start = await readBuffer(this.device, this.net.params, this.net.mlp.params.byteLength);
    const enc = this.device.createCommandEncoder();
    this.encodeStep(enc);
    this.device.queue.submit([enc.finish()]);
    await this.readLoss();
    await this.l2RelativeError();
    this.net.upload(start);
    this.adam.reset();
    this.stepIndex = 0;
  }

  /**
   * A second phase with L-BFGS on one fixed set of collocation points (what DeepXDE
   * users do after Adam): loss and gradient on the GPU, the two-loop recursion in f64
   * on the CPU. Leaves the best parameters in the network and says why it stopped.
   */
  async lbfgs(iterations: number, onIteration?: (it: number, loss: number) => boolean | void): Promise<LbfgsResult> {
    const stream = 0x7fffffff; // a stream Adam never draws: fixed points for the whole phase
    const count = this.net.mlp.params.length;
    const fg = async (x: Float64Array) => {
      this.net.upload(Float32Array.from(x));
      this.computeGradient(stream);
      const f = await this.readLoss();
      const g = Float64Array.from(await readBuffer(this.device, this.grad, count * 4));
      return { f, g };
    };
    const start = Float64Array.from(await readBuffer(this.device, this.net.params, count * 4));
    const result = await lbfgs(fg, start, { maxIterations: iterations }, onIteration);
    this.net.upload(Float32Array.from(result.x));
    return result;
  }

  /**
   * Evaluate every term at the current step's points without updating anything.
   * Returns, per term, its points and the per-point loss parts weight * r^2 / n.
   */
  async evaluateTerms(): Promise<{ name: string; points: Float32Array; parts: Float32Array }[]> {
    if (this.config.method === 'ad') {
      this.submitPass((pass) => this.terms.forEach((t) => t.sampler?.encode(pass, t.count, this.config.seed, this.stepIndex)));
      this.terms.forEach((t) => this.adTerm(t, false));
      this.adContext!.releaseAll();
    } else {
      this.submitPass((pass) => this.encodeLoss(pass, false));
    }
    const d = this.problem.dim;
    const out = [];
    for (const t of this.terms) {
      out.push({ name: t.term.name, points: await readBuffer(this.device, t.points, t.count * d * 4), parts: await readBuffer(this.device, t.parts, t.count * 4) });
    }
    return out;
  }

  /** Total loss of the last step (sum of every term's parts). */
  async readLoss(): Promise<number> {
    let total = 0;
    for (const t of this.terms) {
      const parts = await readBuffer(this.device, t.parts, t.count * 4);
      for (const v of parts) total += v;
    }
    return total;
  }

  /** The fixed test points (a grid over the domain) and the exact solution there. */
  get testSet(): { points: number[][]; exact: Float64Array } {
    return { points: this.testPoints, exact: this.exact };
  }

  /** The network's prediction at the test points. */
  predictTest(): Promise<Float32Array> {
    return this.testJet.run(Float32Array.from(this.testPoints.flat()), new Float32Array(this.problem.dim));
  }

  /** L2 relative error against the exact solution on the problem's test points. */
  async l2RelativeError(prediction?: Float32Array): Promise<number> {
    const u = prediction ?? (await this.predictTest());
    let num = 0;
    let den = 0;
    this.exact.forEach((e, i) => {
      num += (u[i] - e) ** 2;
      den += e * e;
    });
    return Math.sqrt(num / den);
  }

  /**
   * Train for config.steps steps. onLog sees every logged record; returning false stops.
   * A NaN or infinite loss stops at that step and restores the last good parameters.
   */
  async run(onLog?: (r: TrainRecord) => boolean | void): Promise<TrainResult> {
    const t0 = performance.now();
    const history: TrainRecord[] = [];
    let stopReason = 'done';
    const { steps, logEvery } = this.config;
    const saveGood = () => {
      const enc = this.device.createCommandEncoder();
      enc.copyBufferToBuffer(this.net.params, 0, this.backup, 0, this.backup.size);
      this.device.queue.submit([enc.finish()]);
    };
    saveGood();
    while (this.stepIndex < steps) {
      const burst = Math.min(logEvery, steps - this.stepIndex);
      for (let i = 0; i < burst; i++) {
        const enc = this.device.createCommandEncoder();
        this.encodeStep(enc);
        this.device.queue.submit([enc.finish()]);
      }
      const loss = await this.readLoss();
      if (!Number.isFinite(loss)) {
        stopReason = `diverged: the loss became ${loss} by step ${this.stepIndex}; restored the parameters of step ${this.stepIndex - burst}`;
        const enc = this.device.createCommandEncoder();
        enc.copyBufferToBuffer(this.backup, 0, this.net.params, 0, this.backup.size);
        this.device.queue.submit([enc.finish()]);
        break;
      }
      saveGood();
      const record = { step: this.stepIndex, seconds: (performance.now() - t0) / 1000, loss, l2re: await this.l2RelativeError() };
      history.push(record);
      if (onLog?.(record) === false) {
        stopReason = 'stopped';
        break;
      }
    }
    const l2re = await this.l2RelativeError();
    return { steps: this.stepIndex, seconds: (performance.now() - t0) / 1000, l2re, history, stopReason };
  }

  destroy(): void {
    for (const t of this.terms) {
      t.jets.forEach((j) => j.destroy());
      t.backwards.forEach((b) => b.destroy());
      [...t.adjoints, ...t.adJets, ...t.owned, t.points, t.parts, t.params].forEach((b) => b.destroy());
    }
    this.testJet.destroy();
    this.adContext?.destroy();
    this.adam.destroy();
    [this.grad, this.backup].forEach((b) => b.destroy());
    this.net.destroy();
  }
}
