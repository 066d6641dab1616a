/**
 * npm run bench:train — training steps per second with each derivative method
 * (Taylor jets, stacked AD, finite differences) on the same problems, settings and
 * seed: median time per step over timed bursts after a warm-up.
 * Options: --problems poisson-2d,kdv-1d  --steps 40  --json
 */
import { nodeDevice } from '../src/node/webgpu-node';
import { adapterLabel } from '../src/engine/gpu/gpu';
import { problemById } from '../src/engine/problems';
import { defaultTrainConfig, PinnTrainer, TRAIN_METHODS } from '../src/engine/train/trainer';

const args = process.argv.slice(2);
const value = (name: string, def: string) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const ids = value('--problems', 'poisson-2d,kdv-1d').split(',');
const steps = Number(value('--steps', '40'));
const gpu = await nodeDevice();
const device = gpu.device;
const rows: { problem: string; method: string; msPerStep: number; stepsPerSecond: number }[] = [];
for (const id of ids) {
  const problem = problemById(id);
  if (!problem) throw new Error(`unknown problem ${id}`);
  for (const method of TRAIN_METHODS) {
    const trainer = new PinnTrainer(device, problem, { ...defaultTrainConfig(problem), method, steps: steps + 5 });
    const ms = await trainer.timeSteps(5, steps); // warm-up: pipelines, pools
    rows.push({ problem: id, method, msPerStep: ms, stepsPerSecond: 1000 / ms });
    trainer.destroy();
    process.stderr.write(`\r${id} ${method} done   `);
  }
}
process.stderr.write('\n');
if (args.includes('--json')) {
  console.log(JSON.stringify({ device: adapterLabel(gpu.adapter), steps, rows }, null, 1));
} else {
  console.log(`device: ${adapterLabel(gpu.adapter)}; default settings of each problem; median of ${steps} steps after 5 warm-up steps (wall clock per step)`);
  console.log('| problem | Taylor steps/s | AD steps/s | FD steps/s | AD / Taylor time |');
  console.log('|---|---|---|---|---|');
  for (const id of ids) {
    const r = (m: string) => rows.find((x) => x.problem === id && x.method === m)!;
    console.log(`| ${id} | ${r('taylor').stepsPerSecond.toFixed(1)} | ${r('ad').stepsPerSecond.toFixed(1)} | ${r('fd').stepsPerSecond.toFixed(1)} | ${(r('ad').msPerStep / r('taylor').msPerStep).toFixed(2)} |`);
  }
}
process.exit(0);
