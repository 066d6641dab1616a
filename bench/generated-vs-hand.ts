/**
 * One-off, kept for the record of issue "Equations as data" (docs/BENCHMARKS.md §10.3): steps
 * per second of the generated high-dimensional kernels against the hand-written ones they
 * replace, interleaved in one run (median of 7 steps after 2 warm-up, alternating A/B three
 * times). Runs only at the commit that still has the hand-written problems.
 *   bash scripts/with-webgpu.sh npx tsx bench/generated-vs-hand.ts
 */
import { readFileSync } from 'node:fs';
import { nodeDevice } from '../src/node/webgpu-node';
import { adapterLabel } from '../src/engine/gpu/gpu';
import { compileHighDim } from '../src/engine/equations/highdim-file';
import { ballProblem } from '../src/engine/problems/ball-bodies';
import { hjbLin } from '../src/engine/problems/hjb-lin';
import { bsb } from '../src/engine/problems/bsb';
import { waveSinh } from '../src/engine/problems/wave-sinh';
import { hjbLqg } from '../src/engine/problems/hjb-lqg';
import type { HighDimProblem } from '../src/engine/problems/highdim-types';
import { defaultHighDimConfig, HighDimTrainer } from '../src/engine/highdim/trainer';

const gpu = await nodeDevice();
const device = gpu.device;
console.log(`device: ${adapterLabel(gpu.adapter)}; ${new Date().toISOString()}`);
const OLD: [string, (d: number) => HighDimProblem][] = [
  ...(['poisson', 'allen-cahn', 'sine-gordon'] as const).flatMap((op) => (['two', 'three'] as const).map((b) => [`${op}-${b}body`, (d: number) => ballProblem(op, b, d)] as [string, (d: number) => HighDimProblem])),
  ['hjb-lin', hjbLin],
  ['bsb', bsb],
  ['wave-sinh', waveSinh],
  ['hjb-lqg', hjbLqg],
];
const dims = (process.argv[2] ?? '1000').split(',').map(Number);
/** `--train id,...`: also train each at d = 100 for 300 Adam steps, both ways, and print the final L2 relative errors. */
const trainIds = process.argv.includes('--train') ? process.argv[process.argv.indexOf('--train') + 1].split(',') : [];
for (const id of trainIds) {
  const old = OLD.find((o) => o[0] === id)![1];
  const errs: number[] = [];
  for (const p of [old(100), compileHighDim(JSON.parse(readFileSync(`problems/${id}.json`, 'utf8')), { dim: 100 }).problem]) {
    const t = new HighDimTrainer(device, p, { ...defaultHighDimConfig(p), steps: 300, testPoints: 200 });
    const r = await t.run(undefined, Infinity);
    errs.push(r.l2re);
    t.destroy();
  }
  console.log(`${id} d=100, 300 steps: L2 relative error hand-written ${errs[0].toExponential(3)}, generated ${errs[1].toExponential(3)}`);
}
const median = (v: number[]) => v.slice().sort((a, b) => a - b)[v.length >> 1];
for (const d of dims) {
  for (const [id, old] of OLD) {
    const a = old(d);
    const b = compileHighDim(JSON.parse(readFileSync(`problems/${id}.json`, 'utf8')), { dim: d }).problem;
    const cfg = { ...defaultHighDimConfig(a), testPoints: 50 };
    const ta = new HighDimTrainer(device, a, cfg);
    const tb = new HighDimTrainer(device, b, cfg);
    const ms: [number[], number[]] = [[], []];
    for (let r = 0; r < 3; r++) {
      ms[0].push(await ta.timeSteps(2, 7));
      ms[1].push(await tb.timeSteps(2, 7));
    }
    ta.destroy();
    tb.destroy();
    const [ha, hb] = [median(ms[0]), median(ms[1])];
    console.log(`${id} d=${d}: hand-written ${ha.toFixed(1)} ms/step, generated ${hb.toFixed(1)} ms/step, generated/hand ${(hb / ha).toFixed(3)}`);
  }
}
process.exit(0);
