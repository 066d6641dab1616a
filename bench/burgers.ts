/**
 * npm run bench:burgers — the self-similar Burgers profiles (n-TangentProp's flagship):
 * λ learned with the network, selected by the smoothness term of order 2k+3.
 *   1. For each k: Taylor jets, Adam then L-BFGS; the learned λ and its error, the time.
 *   2. For --race k's (default 0,1): the same run with stacked AD from the same seed (the same
 *      optimizer: L-BFGS, or Levenberg–Marquardt with --lm); the wall time each method needs to
 *      reach the same λ error (the larger of the two final ones), and to each decade both reach.
 *   3. For every k: median time per Adam step, Taylor and AD (AD from a few steps).
 * Options: --ks 0,1,2,3  --race 0,1  --steps S  --lbfgs N  --train-ks 0,1 (which k's to train, default --ks)
 *          --lm N (parts 1 and 2 finish with N Levenberg–Marquardt iterations instead of L-BFGS:
 *          the Jacobian from the jets' backward pass for nTP, from per-point reverse passes for AD)
 *          --lambda-start V (λ's first value instead of the middle of its bounds)
 *          --timing-only (part 3 alone)  --json
 */
import { nodeDevice } from '../src/node/webgpu-node';
import { adapterLabel } from '../src/engine/gpu/gpu';
import { burgersSelfSimilar } from '../src/engine/problems/burgers-selfsimilar';
import { unknownRaw } from '../src/engine/problems/types';
import { defaultTrainConfig, PinnTrainer, type TrainMethod } from '../src/engine/train/trainer';
import { namedSchedule } from '../src/engine/train/schedule';

const args = process.argv.slice(2);
const value = (name: string, def: string) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const list = (s: string) => (s ? s.split(',').map(Number) : []);
const ks = list(value('--ks', '0,1,2,3'));
const race = list(value('--race', '0,1'));
const stepsArg = args.includes('--steps') ? Number(value('--steps', '0')) : null;
const lbfgsIterations = Number(value('--lbfgs', '1000'));
const lmIterations = Number(value('--lm', '0'));
const lambdaStart = args.includes('--lambda-start') ? Number(value('--lambda-start', '')) : null;
const gpu = await nodeDevice();
const device = gpu.device;

interface Trace {
  seconds: number;
  lambdaError: number;
}
type Finish = 'L-BFGS' | 'Levenberg–Marquardt';
interface Run {
  k: number;
  method: TrainMethod;
  finish: Finish;
  steps: number;
  iterations: number;
  lambda: number;
  lambdaError: number;
  l2re: number;
  seconds: number;
  /** Seconds spent in Adam (the rest went to the quasi-Newton phase). */
  adamSeconds: number;
  trace: Trace[];
  reason: string;
}

/** The profile, with λ starting at --lambda-start V where given (default: the middle of its bounds). */
function profile(k: number) {
  const problem = burgersSelfSimilar(k);
  if (lambdaStart === null) return problem;
  const u = problem.unknowns![0];
  if (!(lambdaStart > u.bounds![0] && lambdaStart < u.bounds![1])) throw new Error(`--lambda-start ${lambdaStart} is outside k = ${k}'s bounds (${u.bounds!.join(', ')})`);
  return { ...problem, unknowns: [{ ...u, init: unknownRaw(u, lambdaStart) }] };
}

async function train(k: number, method: TrainMethod, finish: Finish = 'L-BFGS'): Promise<Run> {
  const problem = profile(k);
  const base = defaultTrainConfig(problem);
  const steps = stepsArg ?? base.steps;
  const exact = problem.unknowns![0].exact!;
  const trainer = new PinnTrainer(device, problem, { ...base, method, steps, logEvery: 50, schedule: namedSchedule('exponential') });
  await trainer.warmUp();
  const trace: Trace[] = [];
  const t0 = performance.now();
  await trainer.run((r) => {
    trace.push({ seconds: r.seconds, lambdaError: Math.abs(r.unknowns![0] - exact) });
    process.stderr.write(`\rk=${k} ${method}: step ${r.step}/${steps} λ ${r.unknowns![0].toPrecision(8)}   `);
  });
  const adamSeconds = (performance.now() - t0) / 1000;
  const onIteration = (it: number, _f: number, q: number[]) => {
    trace.push({ seconds: (performance.now() - t0) / 1000, lambdaError: Math.abs(q[0] - exact) });
    process.stderr.write(`\rk=${k} ${method}: ${finish} ${it} λ ${q[0].toPrecision(8)}   `);
  };
  const lb = finish === 'L-BFGS' ? await trainer.lbfgs(lbfgsIterations, onIteration) : await trainer.levenbergMarquardt(lmIterations, onIteration);
  const [lambda] = await trainer.unknownValues();
  const seconds = (performance.now() - t0) / 1000;
  trace.push({ seconds, lambdaError: Math.abs(lambda - exact) });
  const l2re = await trainer.l2RelativeError();
  trainer.destroy();
  process.stderr.write('\n');
  return { k, method, finish, steps, iterations: lb.iterations, lambda, lambdaError: Math.abs(lambda - exact), l2re, seconds, adamSeconds, trace, reason: lb.reason };
}

/** Median seconds per Adam step after a warm-up. */
async function perStep(k: number, method: TrainMethod, n: number): Promise<number> {
  const problem = burgersSelfSimilar(k);
  const trainer = new PinnTrainer(device, problem, { ...defaultTrainConfig(problem), method });
  const ms = await trainer.timeSteps(2, n);
  trainer.destroy();
  return ms / 1000;
}

const timingOnly = args.includes('--timing-only');
const trainKs = timingOnly ? [] : list(value('--train-ks', ks.join(',')));
const runs: Run[] = [];
for (const k of trainKs) runs.push(await train(k, 'taylor', lmIterations > 0 ? 'Levenberg–Marquardt' : 'L-BFGS'));
interface Race {
  k: number;
  target: number;
  taylorSeconds: number;
  adSeconds: number;
  ratio: number;
  ntp: Run;
  ad: Run;
  /** Time to each decade of λ error that both runs reach and stay under. */
  levels: { level: number; taylorSeconds: number; adSeconds: number }[];
}
const races: Race[] = [];
const finish: Finish = lmIterations > 0 ? 'Levenberg–Marquardt' : 'L-BFGS';
for (const k of timingOnly ? [] : race) {
  const ntp = runs.find((r) => r.k === k && r.finish === finish) ?? (await train(k, 'taylor', finish));
  const ad = await train(k, 'ad', finish);
  const target = Math.max(ntp.lambdaError, ad.lambdaError);
  // the time from which the error stays at or below a level (a trajectory that starts below it
  // and wanders off does not count as having reached it at t = 0); null: it ends above
  const reach = (r: Run, level: number) => {
    if (r.lambdaError > level) return null;
    const last = r.trace.findLastIndex((t) => t.lambdaError > level);
    return r.trace[Math.min(last + 1, r.trace.length - 1)].seconds;
  };
  const levels: Race['levels'] = [];
  for (let level = 1e-1; level > target; level /= 10) {
    const [a, b] = [reach(ntp, level), reach(ad, level)];
    if (a !== null && b !== null) levels.push({ level, taylorSeconds: a, adSeconds: b });
  }
  races.push({ k, target, taylorSeconds: reach(ntp, target)!, adSeconds: reach(ad, target)!, ratio: reach(ad, target)! / reach(ntp, target)!, ntp, ad, levels });
}
const timings: { k: number; taylorMs: number; adMs: number; ratio: number }[] = [];
for (const k of ks) {
  const t = await perStep(k, 'taylor', 20);
  const a = await perStep(k, 'ad', k >= 2 ? 5 : 10);
  timings.push({ k, taylorMs: 1000 * t, adMs: 1000 * a, ratio: a / t });
  process.stderr.write(`\rtiming k=${k} done   `);
}
process.stderr.write('\n');

if (args.includes('--json')) {
  console.log(JSON.stringify({ device: adapterLabel(gpu.adapter), runs: runs.map(({ trace: _t, ...r }) => r), races: races.map(({ ad, ntp, ...r }) => ({ ...r, ntpLambdaError: ntp.lambdaError, adLambdaError: ad.lambdaError })), timings }, null, 1));
} else {
  console.log(`device: ${adapterLabel(gpu.adapter)}; 3x24 tanh, Adam (lr 1e-3 halved each quarter) then L-BFGS (${lbfgsIterations} iterations at most)${lmIterations > 0 ? ` or Levenberg–Marquardt (${lmIterations} at most)` : ''}`);
  if (runs.length) console.log('\n| k | exact λ | learned λ | λ error | L2 rel. error of U | Adam steps | then | iterations | seconds | stopped |');
  if (runs.length) console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of runs) console.log(`| ${r.k} | 1/${2 * r.k + 2} | ${r.lambda.toPrecision(9)} | ${r.lambdaError.toExponential(2)} | ${r.l2re.toExponential(2)} | ${r.steps} | ${r.finish} | ${r.iterations} | ${r.seconds.toFixed(0)} | ${r.reason} |`);
  if (races.length) {
    console.log(`\nRace (Adam, then ${finish}, both methods from the same seed):`);
    console.log('\n| k | λ error reached by both | nTP seconds | AD seconds | AD / nTP | nTP final λ error | AD final λ error | Adam seconds nTP / AD |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const r of races) {
      console.log(`| ${r.k} | ${r.target.toExponential(2)} | ${r.taylorSeconds.toFixed(1)} | ${r.adSeconds.toFixed(1)} | ${r.ratio.toFixed(2)} | ${r.ntp.lambdaError.toExponential(2)} | ${r.ad.lambdaError.toExponential(2)} | ${r.ntp.adamSeconds.toFixed(0)} / ${r.ad.adamSeconds.toFixed(0)} |`);
    }
    console.log('\n| k | λ error at most | nTP seconds | AD seconds | AD / nTP |');
    console.log('|---|---|---|---|---|');
    for (const r of races) for (const l of r.levels) console.log(`| ${r.k} | ${l.level.toExponential(0)} | ${l.taylorSeconds.toFixed(1)} | ${l.adSeconds.toFixed(1)} | ${(l.adSeconds / l.taylorSeconds).toFixed(2)} |`);
  }
  console.log('\n| k | smoothness order | nTP ms/step | AD ms/step | AD / nTP |');
  console.log('|---|---|---|---|---|');
  for (const t of timings) console.log(`| ${t.k} | ${2 * t.k + 3} | ${t.taylorMs.toFixed(2)} | ${t.adMs.toFixed(2)} | ${t.ratio.toFixed(2)} |`);
}
process.exit(0);
