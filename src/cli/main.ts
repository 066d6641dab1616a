/**
 * pinn: the command line over the same engine as the app (Node + Dawn).
 * Errors a user can fix print one line `pinn: ...` and exit with code 2.
 */
import { writeFileSync } from 'node:fs';
import { InputError, PinnError } from '../engine/errors';
import { adapterLabel } from '../engine/gpu/gpu';
import { GpuMlp } from '../engine/model/gpu-mlp';
import { ACTIVATIONS, Mlp, type Activation } from '../engine/model/mlp';
import { TaylorDerivatives } from '../engine/methods/taylor';
import { AdDerivatives } from '../engine/methods/ad';
import { FiniteDifferenceDerivatives } from '../engine/methods/finite-difference';
import type { DerivativeMethodId, DirectionalDerivatives } from '../engine/methods/types';
import { runJetSelfTest } from '../engine/selftest';
import { MAX_JET_ORDER } from '../engine/jets/taylor-jet';
import { nodeDevice } from '../node/webgpu-node';
import { DEFAULT_BENCH, parseOrders, runAdVsNtp, validateBenchConfig, type BenchConfig } from '../engine/bench/ad-vs-ntp';
import { formatBenchTable } from '../engine/bench/format';
import { HIGHDIM_PROBLEMS, PROBLEMS } from '../engine/problems';
import { trainBall } from './train-ball';
import { describeUnknowns } from '../engine/problems/types';
import { PinnTrainer, STEIN_DEFAULTS, type TrainConfig } from '../engine/train/trainer';
import { choiceOption, CLI_ONLY, intOption, parseArgs, requireValue } from './args';
import { plannedText, progressText, secondsOption } from './budget';
import { cliNames, specFromCli, specKindOf, trainSetup } from '../engine/spec/experiment';
import { parseDirection, parsePoints, readJsonFile } from './files';

const USAGE = `pinn — physics-informed neural networks on WebGPU (Node + Dawn)

Commands:
  pinn derivs --model model.json --points points.json --order N [--direction v.json] [--method taylor|ad|fd] [--step h]
      Derivatives 0..N of the network along v (default: the first coordinate axis) at each point.
      Prints {"method", "order", "values": [[u, u', ..., u^(N)], ...]} (derivatives, not divided by k!).
      taylor: one fused Taylor-jet pass (n-TangentProp); ad: N nested reverse-mode gradients (stacked AD);
      fd: central finite differences with step h (default about eps^(1/(k+2)) for order k).
  pinn init-model --dim D [--width 24] [--depth 3] [--activation tanh|sin] [--seed 0] [--out model.json]
      A Glorot-initialised MLP in PyTorch nn.Linear JSON (weight [out][in], bias [out]).
  pinn bench [--batch 256] [--width 24] [--depth 3] [--orders 0-9] [--activation tanh|sin]
             [--reps 20] [--warmup 3] [--ad-max-order N] [--json]
      One training step (derivatives 0..n, sum of mean squares, gradient of all parameters)
      by stacked AD and by n-TangentProp: median ms, AD/nTP ratio, graph size, peak GPU bytes.
  pinn train --pde ID [--dim D] [--k K] [--method taylor|ad|fd|stde|stein] [--fd-step h] [--steps S] [--lbfgs S2] [--lm S3] [--seed K] [--width W] [--depth L]
             [--lr LR] [--activation tanh|sin] [--points N] [--resample-every R] [--sampling uniform|sobol|lhs] [--weight term=w,...] [--hard|--soft]
             [--schedule constant|linear[:f]|exponential[:r]] [--seconds T] [--log-every K] [--json]
      Train a PINN on the GPU (Taylor jets, stacked AD computing the same loss, or finite differences); prints progress (step, loss, error, steps/s, time left),
      or with --json {"pde", "method", "steps", "seconds", "l2re", "loss": [...], "l2re_history": [...]} (and each trained unknown, e.g. "lambda", "lambda_error").
      --seconds T: Adam for T seconds of wall time instead of to --steps (any problem); the learning-rate schedule is
        re-planned from the pace as the run goes so that its decay ends with the time (--steps is the first guess).
      --dim: the dimension of a d-dimensional problem (poisson-nd, biharmonic-nd); --k: the profile of burgers-selfsimilar;
      --hard: the problem's hard boundary transform u = φ N instead of its boundary loss term (--soft: loss terms, for
        problems whose default is hard); --resample-every R: fresh collocation points every R steps (1, the default: every step; 0: one fixed set).
      Every option is a field of the experiment spec that the app's links use too: the app's "Copy command" gives the same run.
      --method stde [--stde sparse|dense] [--rand-batch B]: a Laplacian estimated from B random jets per point (default sparse, 16):
        sparse, B of the d coordinates scaled by d/B; dense, B Rademacher directions. The ball problems (pinn list) are STDE-only and
        take --dim up to 10⁶ (sparse; their first-layer tangent is a column of W₁) or --stde dense (Δu + f(u) = g ones; W₁v costs O(d·width)).
        --product-rule (two- and three-body, sparse): Δu = −2dN − 4x·∇N + (1 − |x|²)ΔN with the first two exact (one more jet per point,
        along x) and only ΔN sampled. --final-test N (ball problems): after training, the L2 relative error on N fresh points
        drawn like the test set, with its standard error (the test set logged during training has at most 1000 points).
        A problem with an operator Σ c_t ∂^α u (biharmonic-nd: Δ², d(d + 1)/2 terms) reads each term from one slot jet: every
        term with --method taylor, B terms drawn per point in proportion to |c_t| with --method stde (any B: drawn with replacement).
      --method stein [--sigma S] [--samples N] [--no-variance-reduction] [--unbiased-loss] [--stein-laplacian stein|hutchinson]: Stein's estimator; trains the smoothed
        model E g(x + e), e ~ N(0, S² I), with derivatives (orders 0..2) from N shifted evaluations per point (default S = ${STEIN_DEFAULTS.sigma},
        N = ${STEIN_DEFAULTS.samples}: N/2 antithetic pairs and g(x); --no-variance-reduction: N plain shifts); --unbiased-loss: residuals from two
        halves of the draws multiplied (r_A r_B), not one squared; --stein-laplacian hutchinson: a pair's second difference weighted by 1
        (Hutchinson) instead of (|z|² − d)/2 (Stein): variance about 2|H|² against d|H|² per pair, but the plain network's Laplacian,
        O(S²) off the smoothed one's. The error is measured with the plain network g.
  pinn list       The problems with their equations.
  pinn check      Compare this GPU's jet kernels with the f64 reference.
  pinn device     Show the WebGPU adapter in use and its limits.

Exit codes: 0 success, 1 a check failed or an internal error, 2 bad input.`;

const METHODS: readonly DerivativeMethodId[] = ['taylor', 'ad', 'fd'];

async function derivs(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['model', 'points', 'order', 'direction', 'method', 'step'], flags: [] });
  const method = choiceOption(args, 'method', 'taylor', METHODS);
  const mlp = Mlp.fromJSON(readJsonFile(requireValue(args, 'model'), 'model'));
  if (mlp.outputDim !== 1) throw new InputError(`derivs needs a scalar network; this model has ${mlp.outputDim} outputs`);
  if (!args.values.has('order')) throw new InputError('--order is required');
  const order = intOption(args, 'order', 0, 0, MAX_JET_ORDER);
  const d = mlp.inputDim;
  const points = parsePoints(readJsonFile(requireValue(args, 'points'), 'points'), d);
  const batch = points.length / d;
  let direction: { values: Float32Array; shared: boolean } = { values: new Float32Array(d), shared: true };
  direction.values[0] = 1;
  if (args.values.has('direction')) direction = parseDirection(readJsonFile(args.values.get('direction')!, 'direction'), d, batch);
  const gpu = await nodeDevice();
  const net = new GpuMlp(gpu.device, mlp);
  const step = args.values.has('step') ? Number(args.values.get('step')) : undefined;
  if (step !== undefined && method !== 'fd') throw new InputError('--step applies to --method fd only');
  const engine: DirectionalDerivatives =
    method === 'ad' ? new AdDerivatives(net) : method === 'fd' ? new FiniteDifferenceDerivatives(net, step) : new TaylorDerivatives(net);
  const values = await engine.derivatives(points, direction.values, direction.shared, order);
  process.stdout.write(JSON.stringify({ method, order, values }) + '\n');
  engine.destroy();
  net.destroy();
  return 0;
}

function initModel(argv: string[]): number {
  const args = parseArgs(argv, { values: ['dim', 'width', 'depth', 'activation', 'seed', 'out'], flags: [] });
  if (!args.values.has('dim')) throw new InputError('--dim is required');
  const mlp = Mlp.init(
    {
      inputDim: intOption(args, 'dim', 1, 1, 1 << 20),
      width: intOption(args, 'width', 24, 1, 4096),
      depth: intOption(args, 'depth', 3, 0, 64),
      outputDim: 1,
      activation: choiceOption<Activation>(args, 'activation', 'tanh', ACTIVATIONS),
    },
    intOption(args, 'seed', 0, 0, 2 ** 31 - 1),
  );
  const text = JSON.stringify(mlp.toJSON());
  const out = args.values.get('out');
  if (out) writeFileSync(out, text + '\n');
  else process.stdout.write(text + '\n');
  return 0;
}

async function bench(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    values: ['batch', 'width', 'depth', 'orders', 'activation', 'reps', 'warmup', 'ad-max-order', 'seed'],
    flags: ['json'],
  });
  const config: BenchConfig = {
    batch: intOption(args, 'batch', DEFAULT_BENCH.batch, 1, 1 << 20),
    width: intOption(args, 'width', DEFAULT_BENCH.width, 1, 1024),
    depth: intOption(args, 'depth', DEFAULT_BENCH.depth, 1, 32),
    activation: choiceOption<Activation>(args, 'activation', 'tanh', ACTIVATIONS),
    orders: args.values.has('orders') ? parseOrders(args.values.get('orders')!) : DEFAULT_BENCH.orders,
    reps: intOption(args, 'reps', DEFAULT_BENCH.reps, 1, 1000),
    warmup: intOption(args, 'warmup', DEFAULT_BENCH.warmup, 0, 100),
    seed: intOption(args, 'seed', 0, 0, 2 ** 31 - 1),
    adMaxOrder: args.values.has('ad-max-order') ? intOption(args, 'ad-max-order', 0, 0, MAX_JET_ORDER) : null,
  };
  validateBenchConfig(config);
  const json = args.flags.has('json');
  const gpu = await nodeDevice();
  const label = adapterLabel(gpu.adapter);
  const tty = process.stderr.isTTY;
  if (!json) console.log(`device: ${label}\nnet ${config.depth}x${config.width} ${config.activation}, batch ${config.batch}, median of ${config.reps} after ${config.warmup} warm-up steps`);
  const rows = await runAdVsNtp(gpu.device, config, (message) => {
    if (!json) process.stderr.write(tty ? `\r\x1b[K${message}` : `${message}\n`);
  });
  if (!json && tty) process.stderr.write('\r\x1b[K');
  const timer = rows[0]?.ntp.gpuMs !== null ? 'gpu-timestamps' : 'wall-clock';
  if (json) {
    const out = {
      device: label,
      timer,
      config,
      rows: rows.map((r) => ({
        order: r.order,
        ad_ms: r.ad?.ms ?? null,
        ntp_ms: r.ntp.ms,
        ratio: r.ratio,
        ad_ops: r.ad?.ops ?? null,
        ntp_ops: r.ntp.ops,
        ad_bytes: r.ad?.bytes ?? null,
        ntp_bytes: r.ntp.bytes,
        ad_wall_ms: r.ad?.wallMs ?? null,
        ntp_wall_ms: r.ntp.wallMs,
        ad_dispatches: r.ad?.dispatches ?? null,
      })),
    };
    process.stdout.write(JSON.stringify(out, null, 1) + '\n');
  } else {
    console.log(formatBenchTable(rows, timer));
  }
  return 0;
}

function list(argv: string[]): number {
  parseArgs(argv, { values: [], flags: [] });
  for (const p of PROBLEMS) {
    const ranges = Object.entries(p.paramRanges ?? {}).map(([k, r]) => ` [--${k} ${r[0]}..${r[1]}]`).join('');
    console.log(`${(p.id + ranges).padEnd(31)} ${p.equation}`);
  }
  console.log('\nHigh-dimensional (sparse STDE only, --method stde):');
  for (const p of HIGHDIM_PROBLEMS) console.log(`${`${p.id} [--dim ${p.paramRanges.dim[0]}..${p.paramRanges.dim[1]}]`.padEnd(31)} ${p.equation.replace(/ in \d+ dimensions/, '')}`);
  return 0;
}

async function train(argv: string[]): Promise<number> {
  const names = cliNames('train');
  const ball = cliNames('highdim');
  const args = parseArgs(argv, {
    values: [...new Set([...names.values, ...ball.values, ...CLI_ONLY.values])],
    flags: [...new Set([...names.flags, ...ball.flags, ...CLI_ONLY.flags])],
  });
  const id = requireValue(args, 'pde');
  const kind = specKindOf(id);
  if (kind === null) throw new InputError(`unknown problem '${id}' (pinn list names them: ${[...PROBLEMS, ...HIGHDIM_PROBLEMS].map((p) => p.id).join(', ')})`);
  if (kind === 'highdim') return trainBall(args, id);
  // the experiment spec validates every setting (src/engine/experiment.ts), as the app's link does
  const { values: spec, given } = specFromCli('train', args, [...CLI_ONLY.values, ...CLI_ONLY.flags]);
  const { problem, config: specConfig, lbfgs: lbfgsIterations, lm: lmIterations } = trainSetup(spec, given);
  const method = specConfig.method;
  const steps = specConfig.steps;
  const budget = secondsOption(args);
  if (args.values.has('final-test')) throw new InputError(`--final-test (the error on fresh points of the ball) is for the high-dimensional ball problems; ${id} measures on its fixed test set`);
  const stein = specConfig.stein ?? { ...STEIN_DEFAULTS, varianceReduction: true, unbiasedLoss: false };
  const config: TrainConfig = { ...specConfig, logEvery: intOption(args, 'log-every', Math.min(100, steps), 1, 1_000_000) };
  const json = args.flags.has('json');
  const gpu = await nodeDevice();
  const trainer = new PinnTrainer(gpu.device, problem, config);
  // refuse a phase that cannot run before spending the Adam steps
  const lmRefusal = lmIterations > 0 ? trainer.levenbergMarquardtRefusal() : null;
  if (lmRefusal) {
    trainer.destroy();
    throw new InputError(`--lm: ${lmRefusal}`);
  }
  const tty = process.stderr.isTTY && !json;
  if (!json) console.log(`${problem.id}: ${problem.equation}\ndevice: ${adapterLabel(gpu.adapter)}; method ${method}${method === 'stein' ? ` (sigma ${stein.sigma}, ${stein.samples} samples${stein.varianceReduction ? ' in antithetic pairs' : ', plain'}${stein.unbiasedLoss ? ', unbiased loss' : ''}${stein.laplacian === 'hutchinson' ? ', Hutchinson Laplacian' : ''})` : ''}; net ${config.depth}x${config.width} tanh, ${config.interiorPoints} points, ${plannedText(steps, budget)}`);
  const result = await trainer.run((r) => {
    if (json) return;
    const { step, rest } = progressText(r, steps, budget);
    const unk = (problem.unknowns ?? []).map((u, i) => `  ${u.name} ${r.unknowns![i].toPrecision(7)}`).join('');
    const line = `${step}  loss ${r.loss.toExponential(3)}  L2 rel. error ${r.l2re.toExponential(3)}${unk}  ${rest}`;
    process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
  }, budget ?? Infinity, { planToDeadline: budget !== null });
  if (tty) process.stderr.write('\n');
  type PhaseReport = { iterations: number; evaluations: number; loss: number; l2re: number; reason: string; seconds: number };
  /** A quasi-Newton phase after Adam (L-BFGS or Levenberg–Marquardt), with progress on stderr. */
  const phase = async (name: string, iterations: number, run: (onIteration: (it: number, f: number) => void) => Promise<{ iterations: number; evaluations: number; f: number; reason: string }>): Promise<PhaseReport | null> => {
    if (iterations <= 0 || result.stopReason.startsWith('diverged')) return null;
    const t0 = performance.now();
    const out = await run((it, f) => {
      if (!json && (it % 10 === 0 || it === iterations)) {
        const line = `${name} iteration ${it}/${iterations}  loss ${f.toExponential(3)}`;
        process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
      }
    });
    if (tty) process.stderr.write('\n');
    const report = { iterations: out.iterations, evaluations: out.evaluations, loss: out.f, l2re: await trainer.l2RelativeError(), reason: out.reason, seconds: (performance.now() - t0) / 1000 };
    result.l2re = report.l2re;
    result.seconds += report.seconds;
    return report;
  };
  const lbfgsReport = await phase('L-BFGS', lbfgsIterations, (on) => trainer.lbfgs(lbfgsIterations, on));
  const lmReport = await phase('Levenberg–Marquardt', lmIterations, (on) => trainer.levenbergMarquardt(lmIterations, on));
  const unknownValues = await trainer.unknownValues();
  const unknownFields: Record<string, number> = {};
  (problem.unknowns ?? []).forEach((u, i) => {
    unknownFields[u.name] = unknownValues[i];
    if (u.exact !== undefined) unknownFields[`${u.name}_error`] = Math.abs(unknownValues[i] - u.exact);
  });
  if (json) {
    process.stdout.write(
      JSON.stringify({
        pde: problem.id,
        ...problem.params,
        ...unknownFields,
        method,
        stein: method === 'stein' ? stein : undefined,
        steps: result.steps,
        seconds: result.seconds,
        budget_seconds: budget,
        l2re: result.l2re,
        loss: result.history.map((h) => h.loss),
        l2re_history: result.history.map((h) => h.l2re),
        history_steps: result.history.map((h) => h.step),
        stop_reason: result.stopReason,
        lbfgs: lbfgsReport,
        lm: lmReport,
      }) + '\n',
    );
  } else {
    if (lbfgsReport) console.log(`L-BFGS: ${lbfgsReport.iterations} iterations (${lbfgsReport.evaluations} evaluations), ${lbfgsReport.reason}`);
    if (lmReport) console.log(`Levenberg–Marquardt: ${lmReport.iterations} iterations (${lmReport.evaluations} evaluations), ${lmReport.reason}`);
    if (problem.unknowns?.length) console.log(`learned: ${describeUnknowns(problem, unknownValues, 8).join(', ')}`);
    console.log(`${result.stopReason}: ${result.steps} Adam steps${lbfgsReport ? ` + ${lbfgsReport.iterations} L-BFGS iterations` : ''}${lmReport ? ` + ${lmReport.iterations} Levenberg–Marquardt iterations` : ''} in ${result.seconds.toFixed(1)} s, L2 relative error ${result.l2re.toExponential(3)}`);
  }
  trainer.destroy();
  return result.stopReason.startsWith('diverged') ? 1 : 0;
}

async function device(argv: string[]): Promise<number> {
  parseArgs(argv, { values: [], flags: [] });
  const gpu = await nodeDevice();
  process.stdout.write(JSON.stringify({ adapter: adapterLabel(gpu.adapter), ...gpu.adapter }, null, 1) + '\n');
  return 0;
}

async function check(argv: string[]): Promise<number> {
  parseArgs(argv, { values: [], flags: [] });
  const gpu = await nodeDevice();
  console.log(`device: ${adapterLabel(gpu.adapter)}`);
  const results = await runJetSelfTest(gpu.device, undefined, (done, total, r) => {
    const worst = Math.max(...r.errors);
    console.log(`[${done}/${total}] ${r.pass ? 'ok  ' : 'FAIL'} ${r.label}: max error ${worst.toExponential(2)} (tolerance ${r.tolerance})`);
  });
  const failed = results.filter((r) => !r.pass);
  console.log(failed.length ? `${failed.length} case(s) failed: ${failed.map((r) => r.label).join('; ')}` : 'all jet kernels match the f64 reference');
  return failed.length ? 1 : 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'derivs':
        return await derivs(rest);
      case 'init-model':
        return initModel(rest);
      case 'bench':
        return await bench(rest);
      case 'train':
        return await train(rest);
      case 'list':
        return list(rest);
      case 'device':
        return await device(rest);
      case 'check':
        return await check(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new InputError(`unknown command '${command}' (try: pinn help)`);
    }
  } catch (e) {
    if (e instanceof PinnError) {
      process.stderr.write(`pinn: ${e.message}\n`);
      return e instanceof InputError || e.name === 'DeviceLimitError' ? 2 : 1;
    }
    throw e;
  }
}

const code = await main(process.argv.slice(2));
process.exit(code);
