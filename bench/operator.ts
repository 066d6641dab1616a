/**
 * npm run bench:operator — an operator sampled term by term against every term read (biharmonic-nd:
 * Δ² has d(d + 1)/2 terms, each from one slot jet): the median time of a training step with
 * Taylor jets (every term), with stacked AD (every term by nested gradients, each gradient
 * taken once per distinct prefix) and with STDE (B terms drawn per point), in one run on one device;
 * with --train N, also the L2 relative error and wall time of N-step runs from the same seed;
 * with --budget S instead, each method trains for as many steps as its measured median step time
 * fits in S seconds (equal wall time; the learning-rate decay ends at the budget).
 * Options: --dims 3,5,8  --batches 2,4  --steps 10  --train 0  --budget 0  --points 256  --no-ad  --json
 */
import { nodeDevice } from '../src/node/webgpu-node';
import { adapterLabel } from '../src/engine/gpu/gpu';
import { problemWith } from '../src/engine/problems';
import { defaultTrainConfig, PinnTrainer, type TrainConfig } from '../src/engine/train/trainer';
import { namedSchedule } from '../src/engine/train/schedule';

const args = process.argv.slice(2);
const value = (name: string, def: string) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const list = (name: string, def: string) =>
  value(name, def)
    .split(',')
    .filter(Boolean)
    .map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: positive integers, got ${s}`);
      return n;
    });
const dims = list('--dims', '3,5,8');
const batches = list('--batches', '2,4');
const steps = Number(value('--steps', '10'));
const fixedSteps = Number(value('--train', '0'));
const budget = Number(value('--budget', '0'));
const train = fixedSteps > 0 || budget > 0;
const points = Number(value('--points', '256'));
const withAd = !args.includes('--no-ad');
const gpu = await nodeDevice();
const device = gpu.device;

interface Row {
  dim: number;
  terms: number;
  method: string;
  jetsPerPoint: number;
  msPerStep: number;
  l2re?: number;
  seconds?: number;
  trainSteps?: number;
}
const rows: Row[] = [];
for (const dim of dims) {
  const problem = problemWith('biharmonic-nd', { dim })!;
  const terms = (dim * (dim + 1)) / 2;
  const setups: { method: string; jets: number; config: Partial<TrainConfig> }[] = [
    { method: 'taylor (every term)', jets: terms, config: { method: 'taylor' } },
    ...(withAd ? [{ method: 'ad (every term, nested gradients)', jets: terms, config: { method: 'ad' as const } }] : []),
    ...batches.filter((b) => b < terms).map((b) => ({ method: `stde, B = ${b}`, jets: b, config: { method: 'stde' as const, stde: { kind: 'sparse' as const, batch: b } } })),
  ];
  for (const s of setups) {
    const base: TrainConfig = { ...defaultTrainConfig(problem), interiorPoints: points, ...s.config, steps: steps + 3 };
    const timer = new PinnTrainer(device, problem, base);
    const ms = await timer.timeSteps(3, steps); // warm-up: pipelines, pools
    timer.destroy();
    const row: Row = { dim, terms, method: s.method, jetsPerPoint: s.jets, msPerStep: ms };
    if (train) {
      const n = fixedSteps > 0 ? fixedSteps : Math.max(1, Math.round((budget * 1000) / ms));
      const config: TrainConfig = { ...base, steps: n, schedule: namedSchedule('exponential'), logEvery: Math.max(1, Math.round(n / 4)) };
      row.trainSteps = n;
      const t = new PinnTrainer(device, problem, config);
      await t.warmUp();
      const r = await t.run();
      row.l2re = r.l2re;
      row.seconds = r.history[r.history.length - 1].seconds;
      t.destroy();
    }
    rows.push(row);
    process.stderr.write(`\rd = ${dim} ${s.method} done      `);
  }
}
process.stderr.write('\n');
if (args.includes('--json')) {
  console.log(JSON.stringify({ device: adapterLabel(gpu.adapter), steps, points, fixedSteps, budget, rows }, null, 1));
} else {
  console.log(`device: ${adapterLabel(gpu.adapter)}; biharmonic-nd, ${points} interior points, the problem's net; median of ${steps} steps after 3 warm-up steps`);
  console.log(`| d | terms of Δ² | method | interior jets per point | ms per step | every-term Taylor time / this |${train ? ` steps | L2 rel. error | seconds (${fixedSteps > 0 ? 'fixed steps' : `budget ${budget} s`}) |` : ''}`);
  console.log(`|---|---|---|---|---|---|${train ? '---|---|---|' : ''}`);
  for (const r of rows) {
    const all = rows.find((x) => x.dim === r.dim && x.method.startsWith('taylor'))!;
    const extra = train ? ` ${r.trainSteps} | ${r.l2re!.toExponential(2)} | ${r.seconds!.toFixed(0)} |` : '';
    console.log(`| ${r.dim} | ${r.terms} | ${r.method} | ${r.jetsPerPoint} | ${r.msPerStep.toFixed(0)} | ${(all.msPerStep / r.msPerStep).toFixed(2)} |${extra}`);
  }
}
process.exit(0);
