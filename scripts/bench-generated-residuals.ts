/**
 * The generated residuals against the hand-written ones they replaced, in one process: steps per
 * second and a short run's L2 error for each of the eight fixed-dimension problems, the
 * hand-written TypeScript problem (A) and the compiled problem file (B) alternating, same
 * settings and seed. The hand-written problems exist only up to commit 55af951, so run it
 * there:
 *   git worktree add /tmp/base 55af951 && ln -s "$PWD/node_modules" /tmp/base/node_modules
 *   cp scripts/bench-generated-residuals.ts /tmp/base/scripts/ && cd /tmp/base
 *   bash scripts/with-webgpu.sh npx tsx scripts/bench-generated-residuals.ts [--steps 40] [--train 300 (0: no runs)] [--problems a,b]
 */
import { readFileSync } from 'node:fs';
import { compileProblemText } from '../src/engine/equations/problem-file';
import { adapterLabel } from '../src/engine/gpu/gpu';
import { problemById } from '../src/engine/problems';
import type { PdeProblem } from '../src/engine/problems/types';
import { defaultTrainConfig, PinnTrainer } from '../src/engine/train/trainer';
import { nodeDevice } from '../src/node/webgpu-node';

const args = process.argv.slice(2);
const value = (name: string, def: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : def);
const steps = Number(value('--steps', '40'));
const trainSteps = Number(value('--train', '300'));
const rounds = 3;
const ids = value('--problems', 'poisson-1d,poisson-2d,heat-1d,wave-1d,helmholtz-2d,kdv-1d,beam-1d,burgers-1d').split(',');
const gpu = await nodeDevice();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function msPerStep(problem: PdeProblem): Promise<number> {
  const t = new PinnTrainer(gpu.device, problem, { ...defaultTrainConfig(problem), steps: steps + 5 });
  const ms = await t.timeSteps(5, steps);
  t.destroy();
  return ms;
}

async function shortRun(problem: PdeProblem): Promise<number> {
  const t = new PinnTrainer(gpu.device, problem, { ...defaultTrainConfig(problem), steps: trainSteps, logEvery: trainSteps });
  const r = await t.run();
  t.destroy();
  return r.l2re;
}

console.log(`device: ${adapterLabel(gpu.adapter)}; Taylor jets, each problem's defaults; ms per step: median of ${rounds} alternating rounds of ${steps} steps after 5 warm-up steps; L2 error after ${trainSteps} Adam steps (seed 0)`);
console.log('| problem | hand-written steps/s | generated steps/s | generated / hand-written | hand-written L2 error | generated L2 error |');
console.log('|---|---|---|---|---|---|');
for (const id of ids) {
  const old = problemById(id)!;
  const compiled = compileProblemText(readFileSync(`problems/${id}.json`, 'utf8'), { file: `${id}.json` }).problem;
  // burgers-1d's reference is the Cole–Hopf quadrature, not an expression: the file's problem takes it from the old one
  const generated: PdeProblem = id === 'burgers-1d' ? { ...compiled, exact: old.exact, testPoints: old.testPoints, smoothAt: old.smoothAt } : compiled;
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    a.push(await msPerStep(old));
    b.push(await msPerStep(generated));
  }
  const [ma, mb] = [median(a), median(b)];
  const [ea, eb] = trainSteps > 0 ? [await shortRun(old), await shortRun(generated)] : [NaN, NaN];
  console.log(`| ${id} | ${(1000 / ma).toFixed(1)} | ${(1000 / mb).toFixed(1)} | ${(ma / mb).toFixed(3)} | ${ea.toExponential(2)} | ${eb.toExponential(2)} |`);
}
