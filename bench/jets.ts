/**
 * npm run bench:jets — median ms of one fused Taylor-jet forward pass,
 * B in {256, 4096}, nets 3x24 and 4x128 (tanh, d = 1), n = 0..12, with t(n)/t(1).
 * Options: --json, --reps R, --orders a-b, --quick (B = 256 only), --kernels tiled|direct|vec4
 * (default: the device's preferred family: direct on SwiftShader, tiled on GPUs).
 */
import { nodeDevice } from '../src/node/webgpu-node';
import { adapterLabel, preferredKernels } from '../src/engine/gpu/gpu';
import { Mlp } from '../src/engine/model/mlp';
import { GpuMlp } from '../src/engine/model/gpu-mlp';
import { TaylorJetForward } from '../src/engine/jets/taylor-jet';
import { timeComputePass } from '../src/engine/gpu/timing';
import { Rng } from '../src/engine/sampling/rng';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string, def: string) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const reps = Number(value('--reps', '20'));
const [o0, o1] = value('--orders', '0-12').split('-').map(Number);
const batches = flag('--quick') ? [256] : [256, 4096];
const kernelsArg = value('--kernels', '');
const kernels = kernelsArg === 'tiled' || kernelsArg === 'direct' || kernelsArg === 'vec4' ? kernelsArg : undefined;
const nets = [
  { depth: 3, width: 24 },
  { depth: 4, width: 128 },
];

const gpu = await nodeDevice();
const device = gpu.device;
const rows: { net: string; batch: number; order: number; ms: number; ratio: number }[] = [];
let timer = '';
if (!flag('--json')) console.log(`device: ${adapterLabel(gpu.adapter)}, kernels: ${kernels ?? preferredKernels(device)}`);
for (const { depth, width } of nets) {
  const mlp = Mlp.init({ inputDim: 1, width, depth, outputDim: 1, activation: 'tanh' }, 1);
  const net = new GpuMlp(device, mlp);
  for (const batch of batches) {
    const rng = new Rng(batch);
    const points = Float32Array.from({ length: batch }, () => rng.range(-1, 1));
    let t1 = NaN;
    const measured: [number, number][] = [];
    const orders = [1, ...Array.from({ length: o1 - o0 + 1 }, (_, i) => o0 + i).filter((n) => n !== 1)];
    for (const order of orders) {
      const jet = new TaylorJetForward(device, net, { order, maxBatch: batch, sharedDirection: true, kernels });
      jet.setInputs(points, Float32Array.of(1));
      const t = await timeComputePass(device, (pass) => jet.encode(pass), { reps, warmup: 3 });
      timer = t.timer;
      if (order === 1) t1 = t.medianMs;
      measured.push([order, t.medianMs]);
      jet.destroy();
      if (!flag('--json')) process.stderr.write(`\r${depth}x${width} B=${batch} n=${order}   `);
    }
    measured.sort((a, b) => a[0] - b[0]);
    for (const [order, ms] of measured) rows.push({ net: `${depth}x${width}`, batch, order, ms, ratio: ms / t1 });
  }
  net.destroy();
}

if (flag('--json')) {
  console.log(JSON.stringify({ device: adapterLabel(gpu.adapter), timer, reps, rows }, null, 1));
} else {
  process.stderr.write('\r');
  console.log(`timer: ${timer}, median of ${reps} after 3 warm-up runs\n`);
  const configs = [...new Set(rows.map((r) => `${r.net} B=${r.batch}`))];
  console.log(['| n |', ...configs.map((c) => ` ${c} ms | t(n)/t(1) |`)].join(''));
  console.log(['|---|', ...configs.map(() => '---|---|')].join(''));
  const orders = [...new Set(rows.map((r) => r.order))].sort((a, b) => a - b);
  for (const n of orders) {
    const cells = configs.map((c) => {
      const r = rows.find((x) => `${x.net} B=${x.batch}` === c && x.order === n)!;
      return ` ${r.ms.toFixed(3)} | ${r.ratio.toFixed(2)} |`;
    });
    console.log(`| ${n} |${cells.join('')}`);
  }
}
process.exit(0);
