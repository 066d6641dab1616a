/**
 * pinn: the command line over the same engine as the app (Node + Dawn).
 * Errors a user can fix print one line `pinn: ...` and exit with code 2.
 */
import { InputError, PinnError, shownValue } from '../engine/errors';
import { adapterLabel } from '../engine/gpu/gpu';
import { onShaderCompileError, type ShaderCompileError } from '../engine/gpu/kernels';
import { GpuMlp } from '../engine/model/gpu-mlp';
import { Mlp, parameterCount } from '../engine/model/mlp';
import { methodById } from '../engine/methods/registry';
import type { DerivativeMethodId } from '../engine/methods/types';
import { runJetSelfTest } from '../engine/selftest';
import { nodeDevice } from '../node/webgpu-node';
import { DEFAULT_BENCH, parseOrders, runAdVsNtp, validateBenchConfig, type BenchConfig } from '../engine/bench/ad-vs-ntp';
import { formatBenchTable } from '../engine/bench/format';
import { HIGHDIM_PROBLEMS, PROBLEMS } from '../engine/problems';
import { trainBall } from './train-ball';
import { loadProblemFile, parseParams } from './problem-file';
import type { HighDimCompiled } from '../engine/equations/highdim-file';
import { planTrain } from './train-plan';
import { EXACT_TOLERANCE, validateProblem } from '../engine/equations/validate';
import { describeUnknowns } from '../engine/problems/types';
import { PinnTrainer } from '../engine/train/trainer';
import { choiceField, intField, nearestName, numberOption, parseCommand, requireValue } from './args';
import { plannedText, progressText } from './budget';
import { runJson, stderrProgress } from './progress';
import { PHASE_NAMES } from '../engine/train/run';
import { appliesTo, checkProblemDefaults } from '../engine/spec/experiment';
import { parseDirection, parsePoints, readJsonFile, writeUserFile } from './files';
import { BENCH_OPTIONS, commandHelp, COMMANDS, DERIVS_OPTIONS, INIT_MODEL_OPTIONS, isCommand, overview, type CommandName } from './usage';

async function derivs(argv: string[]): Promise<number> {
  const args = parseCommand('derivs', argv);
  const method: DerivativeMethodId = choiceField(args, DERIVS_OPTIONS.method);
  const mlp = Mlp.fromJSON(readJsonFile(requireValue(args, 'model'), 'model'));
  if (mlp.outputDim !== 1) throw new InputError(`derivs needs a scalar network; this model has ${mlp.outputDim} outputs`);
  if (!args.values.has('order')) throw new InputError('--order is required');
  const order = intField(args, DERIVS_OPTIONS.order);
  const d = mlp.inputDim;
  const points = parsePoints(readJsonFile(requireValue(args, 'points'), 'points'), d);
  const batch = points.length / d;
  let direction: { values: Float32Array; shared: boolean } = { values: new Float32Array(d), shared: true };
  direction.values[0] = 1;
  if (args.values.has('direction')) direction = parseDirection(readJsonFile(args.values.get('direction')!, 'direction'), d, batch);
  const gpu = await nodeDevice();
  const net = new GpuMlp(gpu.device, mlp);
  const step = numberOption(args, 'step');
  if (step !== undefined && !appliesTo(DERIVS_OPTIONS.step, method)) throw new InputError(`--step applies to --method ${DERIVS_OPTIONS.step.method} only`);
  const engine = methodById(method).directional!(net, { step });
  try {
    const values = await engine.derivatives(points, direction.values, direction.shared, order);
    process.stdout.write(JSON.stringify({ method, order, values }) + '\n');
  } finally {
    // also when refused (stacked AD over its budget): the GPU work is done before the process exits
    engine.destroy();
    net.destroy();
    await gpu.device.queue.onSubmittedWorkDone();
  }
  return 0;
}

/** The largest network `pinn init-model` writes as JSON (about 400 MB of text). */
const MAX_MODEL_FILE_PARAMETERS = 2e7;

function initModel(argv: string[]): number {
  const args = parseCommand('init-model', argv);
  if (!args.values.has('dim')) throw new InputError('--dim is required');
  const o = INIT_MODEL_OPTIONS;
  const shape = { inputDim: intField(args, o.dim), width: intField(args, o.width), depth: intField(args, o.depth), outputDim: 1, activation: choiceField(args, o.activation) };
  // a JSON model of about 20 characters per parameter: beyond this it is no longer a file to hand around
  const count = parameterCount(shape);
  if (count > MAX_MODEL_FILE_PARAMETERS) throw new InputError(`this network has ${count.toExponential(2)} parameters, a model file of about ${((count * 20) / 2 ** 30).toFixed(1)} GiB; init-model writes at most ${MAX_MODEL_FILE_PARAMETERS.toExponential(0)} parameters`);
  const mlp = Mlp.init(shape, intField(args, o.seed));
  const text = JSON.stringify(mlp.toJSON());
  const out = args.values.get('out');
  if (out) writeUserFile(out, text + '\n', 'model');
  else process.stdout.write(text + '\n');
  return 0;
}

async function bench(argv: string[]): Promise<number> {
  const args = parseCommand('bench', argv);
  const o = BENCH_OPTIONS;
  const config: BenchConfig = {
    batch: intField(args, o.batch),
    width: intField(args, o.width),
    depth: intField(args, o.depth),
    activation: choiceField(args, o.activation),
    orders: args.values.has('orders') ? parseOrders(args.values.get('orders')!) : DEFAULT_BENCH.orders,
    reps: intField(args, o.reps),
    warmup: intField(args, o.warmup),
    seed: intField(args, o.seed),
    adMaxOrder: args.values.has('ad-max-order') ? intField(args, o.adMaxOrder) : null,
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
  parseCommand('list', argv);
  for (const p of PROBLEMS) {
    const ranges = Object.entries(p.paramRanges ?? {}).map(([k, r]) => ` [--${k} ${r[0]}..${r[1]}]`).join('');
    console.log(`${(p.id + ranges).padEnd(31)} ${p.equation}${p.file ? `\n${''.padEnd(32)}(${p.file})` : ''}`);
  }
  console.log('\nHigh-dimensional (sparse STDE only, --method stde):');
  for (const p of HIGHDIM_PROBLEMS) console.log(`${`${p.id} [--dim ${p.paramRanges.dim[0]}..${p.paramRanges.dim[1]}]`.padEnd(31)} ${p.equation.replace(/ in \d+ dimensions/, '')}${p.file ? `\n${''.padEnd(32)}(${p.file})` : ''}`);
  return 0;
}

async function train(argv: string[]): Promise<number> {
  const plan = planTrain(argv);
  if (plan.kind === 'ball') return trainBall(plan);
  const { problem, config, lbfgs: lbfgsIterations, lm: lmIterations, budget, json } = plan;
  const method = config.method;
  const steps = config.steps;
  const gpu = await nodeDevice();
  const trainer = new PinnTrainer(gpu.device, problem, config);
  // refuse a phase that cannot run before spending the Adam steps
  const lmRefusal = lmIterations > 0 ? trainer.levenbergMarquardtRefusal() : null;
  if (lmRefusal) {
    trainer.destroy();
    throw new InputError(`--lm: ${lmRefusal}`);
  }
  const tty = process.stderr.isTTY && !json;
  if (!json) console.log(`${problem.id}: ${problem.equation}\ndevice: ${adapterLabel(gpu.adapter)}; method ${trainer.methodText}; net ${config.depth}x${config.width} ${trainer.net.mlp.activation}${trainer.net.mlp.embedding ? ` after ${trainer.net.mlp.embedding.describe}` : ''}, ${config.interiorPoints} points, ${plannedText(steps, budget)}`);
  // Adam, then L-BFGS and Levenberg–Marquardt as asked (the run loop: src/engine/train/run.ts)
  const progress = stderrProgress(tty);
  const result = await trainer.run((r) => {
    if (json) return;
    const { step, rest } = progressText(r, steps, budget);
    const unk = (problem.unknowns ?? []).map((u, i) => `  ${u.name} ${r.unknowns![i].toPrecision(7)}`).join('');
    progress.line(`${step}  loss ${r.loss.toExponential(3)}  L2 rel. error ${r.l2re.toExponential(3)}${unk}  ${rest}`);
  }, budget ?? Infinity, {
    planToDeadline: budget !== null,
    lbfgs: lbfgsIterations,
    lm: lmIterations,
    onEvent: (e) => {
      if (e.type === 'divergence') progress.notice(e.notice.message);
      else if (e.type === 'phase') progress.end();
      else if (e.type === 'iteration' && !json && (e.iteration % 10 === 0 || e.iteration === e.iterations)) progress.line(`${PHASE_NAMES[e.phase]} iteration ${e.iteration}/${e.iterations}  loss ${e.loss.toExponential(3)}`);
    },
  });
  progress.end();
  const { lbfgs: lbfgsReport, lm: lmReport } = result;
  const unknownValues = await trainer.unknownValues();
  const unknownFields: Record<string, number> = {};
  (problem.unknowns ?? []).forEach((u, i) => {
    unknownFields[u.name] = unknownValues[i];
    if (u.exact !== undefined) unknownFields[`${u.name}_error`] = Math.abs(unknownValues[i] - u.exact);
  });
  if (json) {
    const byOutput = await trainer.l2RelativeErrorByOutput();
    const unknownsJson = Object.fromEntries(
      (problem.unknowns ?? []).map((u, i) => [u.name, { value: unknownValues[i], exact: u.exact ?? null, error: u.exact !== undefined && u.exact !== 0 ? Math.abs(unknownValues[i] - u.exact) / Math.abs(u.exact) : null }]),
    );
    process.stdout.write(
      JSON.stringify({
        pde: problem.id,
        ...problem.params,
        ...unknownFields,
        l2re_by_output: byOutput,
        unknowns: unknownsJson,
        method,
        // a method's settings where it describes them (stein: sigma, samples, ...)
        ...(trainer.method.describe ? { [method]: trainer.methodOptions } : {}),
        ...runJson(result, budget),
        lbfgs: lbfgsReport,
        lm: lmReport,
      }) + '\n',
    );
  } else {
    if (lbfgsReport) console.log(`L-BFGS: ${lbfgsReport.iterations} iterations (${lbfgsReport.evaluations} evaluations), ${lbfgsReport.reason}`);
    if (lmReport) console.log(`Levenberg–Marquardt: ${lmReport.iterations} iterations (${lmReport.evaluations} evaluations), ${lmReport.reason}`);
    if (problem.unknowns?.length) console.log(`learned: ${describeUnknowns(problem, unknownValues, 8).join(', ')}`);
    console.log(`${result.stopReason}: ${result.steps} Adam steps${lbfgsReport ? ` + ${lbfgsReport.iterations} L-BFGS iterations` : ''}${lmReport ? ` + ${lmReport.iterations} Levenberg–Marquardt iterations` : ''} in ${result.seconds.toFixed(1)} s, L2 relative error ${result.l2re.toExponential(3)}`);
    for (const p of problem.published ?? []) console.log(`published: ${p.l2re.toExponential(2)} (${p.source})`);
  }
  trainer.destroy();
  return result.stopReason.startsWith('diverged') ? 1 : 0;
}

function validate(argv: string[]): number {
  const [file, ...rest] = argv;
  if (file === undefined || file.startsWith('--')) throw new InputError('pinn validate FILE: give the problem file first');
  const args = parseCommand('validate', rest);
  const loaded = loadProblemFile(file, parseParams(args.values.get('param')));
  if (loaded.kind === 'highdim') return validateHighDim(loaded.compiled, args.flags.has('json'));
  const compiled = loaded.compiled;
  compiled.problem.file = file;
  checkProblemDefaults(compiled.problem);
  const v = validateProblem(compiled);
  if (args.flags.has('json')) {
    process.stdout.write(`${JSON.stringify(v)}\n`);
    return v.ok ? 0 : 2;
  }
  const list = (xs: string[]) => xs.join(', ') || 'none';
  console.log(`${v.id}: inputs ${list(v.inputs)}; outputs ${list(v.outputs)}; unknowns ${list(v.unknowns)}; parameters ${list(Object.entries(v.parameters).map(([k, x]) => `${k} = ${x}`))}`);
  console.log(`derivatives needed: ${list(v.derivatives)} (highest order ${v.maxOrder})`);
  console.log('loss terms:');
  for (const t of v.terms) console.log(`  ${t.name.padEnd(14)} ${t.kind.padEnd(9)} weight ${String(t.weight).padEnd(5)} ${t.points.padEnd(21)} reads ${t.derivatives.join(', ')}`);
  if (!v.checks) console.log('no exact solution given: nothing to check (add "exact" to have every residual verified)');
  else {
    console.log(`exact solution, largest residual per term (relative to 1 + |derivatives|; passes below ${EXACT_TOLERANCE}):`);
    const point = (x: number[]) => `(${(x.length > 4 ? [...x.slice(0, 3), '…'] : x).map((v) => (typeof v === 'number' ? +v.toPrecision(4) : v)).join(', ')})`;
    for (const c of v.checks) console.log(`  ${c.name.padEnd(14)} ${c.largest.toExponential(2)} at ${point(c.at)}${c.largest <= EXACT_TOLERANCE ? '' : '  FAILS: the exact solution does not satisfy this term'}`);
    for (const s of v.skipped) console.log(`  not checked: ${s}`);
  }
  console.log(v.ok ? 'ok' : 'the exact solution fails a term: check the equation, the condition or the exact expression');
  return v.ok ? 0 : 2;
}

/** pinn validate on a high-dimensional file: what it compiles to, and the exact solution checked in f64 at its dimension. */
function validateHighDim(compiled: HighDimCompiled, json: boolean): number {
  const d = compiled.problem.dim;
  const check = compiled.checkExact();
  const ok = check === null || check.maxResidual <= EXACT_TOLERANCE * Math.max(1, check.scale);
  if (json) {
    process.stdout.write(`${JSON.stringify({ ok, id: compiled.problem.id, dim: d, summary: compiled.summary, exact: check })}\n`);
    return ok ? 0 : 2;
  }
  for (const line of compiled.summary) console.log(line);
  if (!check) console.log('no exact solution given: nothing to check (add "exact" to have the residual verified)');
  else console.log(`exact solution at ${check.points} points in the ball: largest residual ${check.maxResidual.toExponential(2)} (relative to ${Math.max(1, check.scale).toPrecision(3)}; passes below ${EXACT_TOLERANCE} of it)${ok ? '' : '  FAILS: the exact solution does not satisfy the equation'}`);
  console.log(ok ? 'ok' : 'the exact solution fails the equation: check the equation, the model or the exact expression');
  return ok ? 0 : 2;
}

async function device(argv: string[]): Promise<number> {
  parseCommand('device', argv);
  const gpu = await nodeDevice();
  process.stdout.write(JSON.stringify({ adapter: adapterLabel(gpu.adapter), ...gpu.adapter }, null, 1) + '\n');
  return 0;
}

async function check(argv: string[]): Promise<number> {
  parseCommand('check', argv);
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

/** Each command's code (usage.ts's COMMANDS names them and their options). */
const RUN: Record<CommandName, (argv: string[]) => number | Promise<number>> = { train, derivs, 'init-model': initModel, bench, validate, list, check, device };

/** A command name, or one line naming the nearest. */
function commandNamed(name: string): CommandName {
  if (isCommand(name)) return name;
  throw new InputError(`unknown command '${shownValue(name)}' (did you mean ${nearestName(name, Object.keys(COMMANDS))}? pinn help lists the commands)`);
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // a kernel that does not compile: a run stops with it (shadersCompiled); any other command
  // reports it once at the end instead of printing results from an invalid pipeline
  const compiled: { error: ShaderCompileError | null } = { error: null };
  const stopListening = onShaderCompileError((e) => (compiled.error ??= e));
  try {
    if (command === undefined) {
      process.stderr.write(`${overview()}\n`);
      return 2;
    }
    if (command === 'help' || command === '--help' || command === '-h') {
      process.stdout.write(`${rest.length ? commandHelp(commandNamed(rest[0])) : overview()}\n`);
      return 0;
    }
    const name = commandNamed(command);
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`${commandHelp(name)}\n`);
      return 0;
    }
    const code = await RUN[name](rest);
    if (compiled.error) throw compiled.error;
    return code;
  } catch (e) {
    if (e instanceof PinnError) {
      process.stderr.write(`pinn: ${e.message}\n`);
      return e instanceof InputError || e.name === 'DeviceLimitError' ? 2 : 1;
    }
    throw e;
  } finally {
    stopListening();
  }
}

const code = await main(process.argv.slice(2));
process.exit(code);
