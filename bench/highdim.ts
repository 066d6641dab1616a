/**
 * npm run bench:highdim — PINNs in high dimension with sparse STDE (src/engine/highdim).
 *   1. Training within a time budget: --train id:d:seconds,... (default: sine-gordon and
 *      allen-cahn two-body at d = 1000 for 600 s and at d = 10,000 for 1200 s). The step
 *      rate is measured first, then the run's Adam steps are chosen so its linear
 *      learning-rate decay ends at the budget. Prints the final L2 relative error.
 *   2. Speed at very large d: --speed d,... (default 100000): median time per step.
 *   3. Cost of one Laplacian at d = --cost-dim (default 1000) for 1024 points: sparse STDE
 *      with 16 coordinates against the exact Laplacian from d coordinate jets (B = d, the
 *      same kernels), with the GPU memory each holds. The exact one is measured on fewer
 *      points (it needs d jets per point) and scaled linearly to 1024, as printed.
 * Options: --train LIST  --speed LIST  --cost-dim D (0: skip)  --json
 */
import { nodeDevice } from '../src/node/webgpu-node';
import { adapterLabel } from '../src/engine/gpu';
import { highDimProblemWith } from '../src/engine/problems';
import { defaultHighDimConfig, HighDimTrainer, type HighDimConfig } from '../src/engine/highdim/trainer';
import { namedSchedule } from '../src/engine/train/schedule';

const args = process.argv.slice(2);
const value = (name: string, def: string) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const trainList = value('--train', 'sine-gordon-twobody:1000:600,allen-cahn-twobody:1000:600,sine-gordon-twobody:10000:1200,allen-cahn-twobody:10000:1200')
  .split(',')
  .filter(Boolean)
  .map((s) => {
    const [id, d, sec] = s.split(':');
    return { id, d: Number(d), seconds: Number(sec) };
  });
const speedDims = value('--speed', '100000').split(',').filter(Boolean).map(Number);
const costDim = Number(value('--cost-dim', '1000'));
const gpu = await nodeDevice();
const device = gpu.device;
const out: Record<string, unknown> = { device: adapterLabel(gpu.adapter), train: [], speed: [], cost: null };
console.log(`device: ${adapterLabel(gpu.adapter)}${gpu.adapter.isSoftware ? ' (software: CPU timings, compare ratios)' : ''}`);

function problem(id: string, d: number) {
  const p = highDimProblemWith(id, d);
  if (!p) throw new Error(`unknown ball problem ${id}`);
  return p;
}

async function stepMs(cfg: HighDimConfig, id: string, d: number, reps = 3): Promise<{ ms: number; memory: number }> {
  const t = new HighDimTrainer(device, problem(id, d), cfg);
  const ms = await t.timeSteps(1, reps);
  const memory = t.memoryBytes();
  t.destroy();
  return { ms, memory };
}

for (const { id, d, seconds } of trainList) {
  const p = problem(id, d);
  const base = defaultHighDimConfig(p);
  const { ms } = await stepMs(base, id, d);
  const steps = Math.max(10, Math.floor(((seconds * 1000) / ms) * 0.9));
  const cfg: HighDimConfig = { ...base, steps, schedule: namedSchedule('linear', steps, 0.1), logEvery: Math.max(1, Math.round(steps / 20)) };
  const t = new HighDimTrainer(device, p, cfg);
  const r = await t.run((rec) => void console.log(`  ${id} d=${d} step ${rec.step}/${steps} loss ${rec.loss.toExponential(3)} L2 rel. error ${rec.l2re.toExponential(3)} (${rec.seconds.toFixed(0)} s)`), seconds);
  t.destroy();
  const row = { id, d, budget: seconds, steps: r.steps, seconds: r.seconds, l2re: r.l2re, msPerStep: ms, stop: r.stopReason };
  (out.train as unknown[]).push(row);
  console.log(`${id} d=${d}: ${r.steps} steps in ${r.seconds.toFixed(0)} s (budget ${seconds} s, ${ms.toFixed(0)} ms/step), L2 relative error ${r.l2re.toExponential(3)} (${r.stopReason})`);
}

for (const d of speedDims) {
  const id = 'sine-gordon-twobody';
  const cfg = { ...defaultHighDimConfig(problem(id, d)), steps: 100 };
  const { ms, memory } = await stepMs(cfg, id, d, 5);
  (out.speed as unknown[]).push({ id, d, msPerStep: ms, memory });
  console.log(`${id} d=${d}: ${ms.toFixed(0)} ms per step (median of 5 after 1 warm-up), GPU memory ${(memory / 2 ** 20).toFixed(0)} MiB`);
}

if (costDim > 0) {
  const id = 'poisson-twobody';
  const d = costDim;
  const base = { ...defaultHighDimConfig(problem(id, d)), steps: 100 };
  const stde = await stepMs({ ...base, points: 1024, randBatch: 16 }, id, d, 5);
  const few = Math.max(1, Math.min(1024, Math.floor(16_384 / d)));
  const exact = await stepMs({ ...base, points: few, randBatch: d }, id, d, 3);
  const scaled = (exact.ms * 1024) / few;
  out.cost = { d, points: 1024, stdeMs: stde.ms, stdeMemory: stde.memory, exactMs: scaled, exactMeasuredPoints: few, exactMemoryPerPointScaled: (exact.memory * 1024) / few };
  console.log(`cost of one training step with a Laplacian at d=${d}, 1024 points (${id}):`);
  console.log(`  sparse STDE, 16 coordinates: ${stde.ms.toFixed(0)} ms, GPU memory ${(stde.memory / 2 ** 20).toFixed(0)} MiB`);
  console.log(`  exact, ${d} coordinate jets per point: ${scaled.toFixed(0)} ms (measured ${exact.ms.toFixed(0)} ms on ${few} points, scaled x${1024 / few}), GPU memory about ${((exact.memory * 1024) / few / 2 ** 20).toFixed(0)} MiB scaled`);
  console.log(`  exact / STDE: ${(scaled / stde.ms).toFixed(1)}x time`);
}
if (args.includes('--json')) console.log(JSON.stringify(out));
