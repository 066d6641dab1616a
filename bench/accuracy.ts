/**
 * npm run bench:accuracy — each problem with its default settings (Taylor method):
 * Adam for the default number of steps, then L-BFGS (--lbfgs N, default 500), and the
 * final L2 relative error against the exact/reference solution, with the time taken.
 * Options: --problems a,b  --lbfgs N  --steps S (override)  --json
 */
import { nodeDevice } from '../src/node/webgpu-node';
import { adapterLabel } from '../src/engine/gpu';
import { PROBLEMS, problemById } from '../src/engine/problems';
import { defaultTrainConfig, PinnTrainer } from '../src/engine/train/trainer';

const args = process.argv.slice(2);
const value = (name: string, def: string) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const ids = value('--problems', PROBLEMS.map((p) => p.id).join(',')).split(',');
const lbfgsIterations = Number(value('--lbfgs', '500'));
const stepsOverride = args.includes('--steps') ? Number(value('--steps', '0')) : null;
const gpu = await nodeDevice();
const rows: { problem: string; steps: number; adamL2re: number; lbfgsIterations: number; l2re: number; seconds: number; lbfgsReason: string }[] = [];
for (const id of ids) {
  const problem = problemById(id);
  if (!problem) throw new Error(`unknown problem ${id}`);
  const base = defaultTrainConfig(problem);
  const steps = stepsOverride ?? base.steps;
  const trainer = new PinnTrainer(gpu.device, problem, { ...base, steps, logEvery: Math.max(100, Math.round(steps / 10)), schedule: { kind: 'exponential', rate: 0.5, every: Math.round(steps / 4) } });
  const t0 = performance.now();
  const adam = await trainer.run((r) => void process.stderr.write(`\r${id}: step ${r.step}/${steps} error ${r.l2re.toExponential(2)}   `));
  const lb = lbfgsIterations > 0 ? await trainer.lbfgs(lbfgsIterations) : null;
  const l2re = await trainer.l2RelativeError();
  rows.push({ problem: id, steps, adamL2re: adam.l2re, lbfgsIterations: lb?.iterations ?? 0, l2re, seconds: (performance.now() - t0) / 1000, lbfgsReason: lb?.reason ?? '' });
  trainer.destroy();
  process.stderr.write('\n');
}
if (args.includes('--json')) {
  console.log(JSON.stringify({ device: adapterLabel(gpu.adapter), rows }, null, 1));
} else {
  console.log(`device: ${adapterLabel(gpu.adapter)}; Taylor method, default settings of each problem`);
  console.log('| problem | Adam steps | error after Adam | L-BFGS iterations | final L2 rel. error | seconds |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.problem} | ${r.steps} | ${r.adamL2re.toExponential(2)} | ${r.lbfgsIterations} | ${r.l2re.toExponential(2)} | ${r.seconds.toFixed(0)} |`);
}
process.exit(0);
