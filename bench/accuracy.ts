/**
 * npm run bench:accuracy — each problem with its default settings (Taylor method):
 * Adam, then L-BFGS on fixed points, and the final L2 relative error against the
 * exact/reference solution, with the time taken.
 * Options: --problems a,b  --lbfgs N (default 500)  --steps S (override)
 *          --budget SECONDS: fit the run into a wall-clock budget (Adam's steps from the
 *          measured step rate for 40% of it, or all of it with --lbfgs 0; L-BFGS stops
 *          when it runs out)
 *          --hard / --soft: force the hard boundary transform on or off  --json
 */
import { nodeDevice } from '../src/node/webgpu-node';
import { adapterLabel } from '../src/engine/gpu/gpu';
import { PROBLEMS, problemById } from '../src/engine/problems';
import { defaultTrainConfig, PinnTrainer } from '../src/engine/train/trainer';
import { namedSchedule } from '../src/engine/train/schedule';

const args = process.argv.slice(2);
const value = (name: string, def: string) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const ids = value('--problems', PROBLEMS.map((p) => p.id).join(',')).split(',');
const lbfgsIterations = Number(value('--lbfgs', '500'));
const stepsOverride = args.includes('--steps') ? Number(value('--steps', '0')) : null;
const budget = args.includes('--budget') ? Number(value('--budget', '600')) : null;
const gpu = await nodeDevice();
const rows: { problem: string; hard: boolean; steps: number; adamL2re: number; lbfgsIterations: number; l2re: number; seconds: number; lbfgsReason: string }[] = [];

for (const id of ids) {
  const problem = problemById(id);
  if (!problem) throw new Error(`unknown problem ${id}`);
  const base = defaultTrainConfig(problem);
  if (args.includes('--hard')) base.hardBoundary = true;
  if (args.includes('--soft')) base.hardBoundary = false;
  const t0 = performance.now();
  let steps = stepsOverride ?? base.steps;
  if (budget !== null) {
    const probe = new PinnTrainer(gpu.device, problem, base);
    await probe.warmUp();
    const perStep = (await probe.timeSteps(0, 5)) / 1000;
    probe.destroy();
    // Adam gets 40% of the budget when L-BFGS follows, all of it with --lbfgs 0
    const share = lbfgsIterations > 0 ? 0.4 : 0.97;
    steps = Math.min(steps, Math.max(100, Math.floor((share * budget - (performance.now() - t0) / 1000) / (perStep * 1.05))));
  }
  const trainer = new PinnTrainer(gpu.device, problem, { ...base, steps, logEvery: Math.max(100, Math.round(steps / 10)), schedule: namedSchedule('exponential') });
  const adam = await trainer.run((r) => void process.stderr.write(`\r${id}: step ${r.step}/${steps} error ${r.l2re.toExponential(2)}   `));
  const left = () => (budget === null ? Infinity : budget - (performance.now() - t0) / 1000);
  const lb = lbfgsIterations > 0 && left() > 0 ? await trainer.lbfgs(lbfgsIterations, () => left() > 0) : null;
  const l2re = await trainer.l2RelativeError();
  rows.push({ problem: id, hard: base.hardBoundary ?? false, steps, adamL2re: adam.l2re, lbfgsIterations: lb?.iterations ?? 0, l2re, seconds: (performance.now() - t0) / 1000, lbfgsReason: lb?.reason ?? '' });
  trainer.destroy();
  process.stderr.write('\n');
}
if (args.includes('--json')) {
  console.log(JSON.stringify({ device: adapterLabel(gpu.adapter), budget, rows }, null, 1));
} else {
  console.log(`device: ${adapterLabel(gpu.adapter)}; Taylor method, default settings of each problem${budget !== null ? `; budget ${budget} s per problem` : ''}`);
  console.log('| problem | boundary | Adam steps | error after Adam | L-BFGS iterations | final L2 rel. error | seconds |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.problem} | ${r.hard ? 'hard' : 'loss term'} | ${r.steps} | ${r.adamL2re.toExponential(2)} | ${r.lbfgsIterations} | ${r.l2re.toExponential(2)} | ${r.seconds.toFixed(0)} |`);
}
process.exit(0);
