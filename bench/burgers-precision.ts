/**
 * Where f32 limits the learned λ of the self-similar Burgers profiles (issue 7): train
 * (Adam, then L-BFGS with λ's error per iteration), then at the final parameters compare
 * the GPU's f32 loss and gradient with the f64 loss of the same parameters (src/engine/
 * reference/loss-f64.ts): repeatability, offset and noise of f along a line, and the
 * gradient's directional derivatives against f64 central differences, the part of the gradient's
 * error that the residuals' error explains, and the smoothness term's derivatives per order.
 * Options: --k 0  --steps 1500  --lbfgs 3000  --history 10  --seed 0  --save state.json (at the end)
 *          --save-adam state.json (after Adam)  --load state.json (instead of Adam)  --log 50
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { nodeDevice } from '../src/node/webgpu-node';
import { adapterLabel } from '../src/engine/gpu/gpu';
import { burgersSelfSimilar, residualDerivativeTerm } from '../src/engine/problems/burgers-selfsimilar';
import { TaylorJetForward } from '../src/engine/jets/taylor-jet';
import { defaultTrainConfig, PinnTrainer } from '../src/engine/train/trainer';
import { namedSchedule } from '../src/engine/train/schedule';
import { lossF64 } from '../src/engine/reference/loss-f64';
import { unknownValue } from '../src/engine/problems/types';
import { Rng } from '../src/engine/sampling/rng';
import { referenceJets } from '../src/engine/jets/jet-f64';

/** R^(m) at X from d[j] = U^(j) and λ, in f64 (the problem's generated term). */
const residualDerivativeF64 = (m: number, X: number, d: number[], q: number): number => {
  const term = residualDerivativeTerm(m);
  return term.residual([X], term.derivatives.map((s) => d[s.order]), [q]);
};
/** dR^(m)/dU^(j) by central differences (R^(m) is at most quadratic in each U^(j): exact up to rounding). */
const residualDerivativeGradF64 = (m: number, X: number, d: number[], q: number): { grad: number[] } => ({
  grad: d.map((v, j) => {
    const h = 1e-3 * (1 + Math.abs(v));
    const at = (e: number) => residualDerivativeF64(m, X, d.map((w, i) => (i === j ? w + e : w)), q);
    return (at(h) - at(-h)) / (2 * h);
  }),
});

const args = process.argv.slice(2);
const value = (name: string, def: string) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const k = Number(value('--k', '0'));
const steps = Number(value('--steps', '1500'));
const lbfgsIterations = Number(value('--lbfgs', '3000'));
const logEvery = Number(value('--log', '50'));
const load = value('--load', '');
const save = value('--save', '');
const saveAdam = value('--save-adam', '');
const history = Number(value('--history', '10'));
const saveState = async (path: string) => {
  const s = await trainer.snapshot();
  writeFileSync(path, JSON.stringify({ step: s.step, params: Array.from(s.params), unknownRaw: Array.from(s.unknownRaw!) }));
};

const gpu = await nodeDevice();
const device = gpu.device;
const problem = burgersSelfSimilar(k);
const u0 = problem.unknowns![0];
const exact = u0.exact!;
const base = defaultTrainConfig(problem);
const trainer = new PinnTrainer(device, problem, { ...base, steps, seed: Number(value('--seed', '0')), logEvery: 100, schedule: namedSchedule('exponential') });
await trainer.warmUp();
console.log(`device: ${adapterLabel(gpu.adapter)}; k = ${k}`);
const t0 = performance.now();
const secs = () => ((performance.now() - t0) / 1000).toFixed(1);
if (load) {
  const s = JSON.parse(readFileSync(load, 'utf8')) as { params: number[]; unknownRaw: number[]; step: number };
  trainer.restore(s.step, Float32Array.from(s.params), Float32Array.from(s.unknownRaw));
  console.log(`loaded ${load}: λ = ${unknownValue(u0, s.unknownRaw[0])}`);
} else {
  await trainer.run((r) => {
    if (r.step % 500 === 0) console.log(`adam ${r.step} loss ${r.loss.toExponential(3)} λ err ${Math.abs(r.unknowns![0] - exact).toExponential(3)} t ${secs()}s`);
  });
  if (saveAdam) await saveState(saveAdam);
}
if (lbfgsIterations > 0) {
  let last = performance.now();
  const r = await trainer.lbfgs(lbfgsIterations, (it, f, q) => {
    if (it % logEvery === 0) {
      const now = performance.now();
      console.log(`lbfgs ${it} loss ${f.toExponential(6)} λ err ${Math.abs(q[0] - exact).toExponential(3)} t ${secs()}s (${((now - last) / logEvery).toFixed(0)} ms/it)`);
      last = now;
    }
  }, { history });
  console.log(`lbfgs stopped: ${r.reason}; ${r.iterations} iterations, ${r.evaluations} evaluations, loss ${r.f.toExponential(6)}, λ err ${Math.abs(unknownValue(u0, r.x[r.x.length - 1]) - exact).toExponential(3)}, t ${secs()}s`);
}
const state = await trainer.snapshot();
if (save) await saveState(save);

// ---- precision at the final parameters ----
const mlp = trainer.net.mlp;
const n = state.params.length;
const x0 = new Float64Array(n + 1);
x0.set(state.params);
x0[n] = state.unknownRaw![0];
const f64At = (x: Float64Array) => lossF64(problem, mlp, x.subarray(0, n), [x[n]], true);
const gpuAt = async (x: Float64Array) => {
  trainer.net.upload(Float32Array.from(x.subarray(0, n)));
  trainer.setUnknownRaw([x[n]]);
  const g = await trainer.gradient();
  const grad = new Float64Array(n + 1);
  grad.set(g.grad);
  grad[n] = g.unknownGrad[0];
  return { f: g.loss, g: grad };
};
const a = await gpuAt(x0);
const b = await gpuAt(x0);
const fExact = f64At(x0);
console.log(`\nat the final (f32) parameters: GPU loss ${a.f.toExponential(9)}, again ${b.f.toExponential(9)}; f64 loss ${fExact.toExponential(9)}; GPU − f64 = ${(a.f - fExact).toExponential(3)} (${((a.f - fExact) / fExact).toExponential(2)} relative)`);
const norm = (v: Float64Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const dot = (u: Float64Array, v: Float64Array) => u.reduce((s, x, i) => s + x * v[i], 0);
const rng = new Rng(7);
const random = Float64Array.from({ length: n + 1 }, () => rng.normal());
const unitLambda = new Float64Array(n + 1);
unitLambda[n] = 1;
const directions: [string, Float64Array][] = [
  ['λ raw parameter', unitLambda],
  ['GPU gradient', a.g.map((v) => v / norm(a.g))],
  ['random', random.map((v) => v / norm(random))],
];
console.log(`GPU gradient norm ${norm(a.g).toExponential(3)}, λ component ${a.g[n].toExponential(3)}`);
for (const [name, d] of directions) {
  for (const h of [1e-4, 1e-6, 1e-7]) {
  const fd = (f64At(x0.map((v, i) => v + h * d[i])) - f64At(x0.map((v, i) => v - h * d[i]))) / (2 * h);
  const fd2 = (f64At(x0.map((v, i) => v + 2 * h * d[i])) - f64At(x0.map((v, i) => v - 2 * h * d[i]))) / (4 * h);
  const gd = dot(a.g, d);
  console.log(`directional derivative along ${name}, h ${h}: GPU ${gd.toExponential(6)}, f64 central difference ${fd.toExponential(6)} (2h: ${fd2.toExponential(6)}); relative error ${(Math.abs(gd - fd) / Math.abs(fd)).toExponential(2)}`);
  }
}
// f along the steepest-descent line, GPU (at the f32 rounding of each point) against f64
const dir = a.g.map((v) => -v / norm(a.g));
const scan: { t: number; gpu: number; f64: number }[] = [];
for (const t of [-1e-5, -3e-6, -1e-6, -3e-7, -1e-7, 0, 1e-7, 3e-7, 1e-6, 3e-6, 1e-5, 3e-5, 1e-4]) {
  const x = x0.map((v, i) => Math.fround(v + t * dir[i]));
  scan.push({ t, gpu: (await gpuAt(Float64Array.from(x))).f, f64: f64At(Float64Array.from(x)) });
}
console.log('\nsteepest-descent line (points rounded to f32): t, GPU f − f(0), f64 f − f(0), GPU − f64');
const g0 = scan.find((s) => s.t === 0)!;
for (const s of scan) console.log(`${s.t.toExponential(1)}  ${(s.gpu - g0.gpu).toExponential(3)}  ${(s.f64 - g0.f64).toExponential(3)}  ${(s.gpu - s.f64).toExponential(3)}`);
const offsets = scan.map((s) => s.gpu - s.f64);
const mean = offsets.reduce((s, v) => s + v, 0) / offsets.length;
console.log(`GPU − f64 over the line: mean ${mean.toExponential(3)}, spread (std) ${Math.sqrt(offsets.reduce((s, v) => s + (v - mean) ** 2, 0) / offsets.length).toExponential(3)}`);

// per term: the GPU's residuals against f64 ones from f64 jets and from f64 jets rounded to f32
{
  trainer.net.upload(Float32Array.from(x0.subarray(0, n)));
  trainer.setUnknownRaw([x0[n]]);
  const terms = await trainer.evaluateTerms();
  const q = [unknownValue(u0, x0[n])];
  console.log('\nper term: loss GPU, f64, GPU − f64, rms |r_gpu| − |r_f64|, rms (f64 residual of f32-rounded jets) − f64, rms r');
  for (const term of problem.terms) {
    const got = terms.find((t) => t.name === term.name)!;
    const pts = (term.points as number[][]).map((x) => x.map(Math.fround)); // as the GPU has them
    let fg = 0, ff = 0, e1 = 0, e2 = 0, rr = 0;
    pts.forEach((x, p) => {
      const jet = (xx: number[], dd: number[], order: number) => referenceJets(mlp, xx, dd, order, x0.subarray(0, n));
      const d64: number[] = [], d32: number[] = [];
      for (const s of term.derivatives) {
        const plus = jet(x, s.direction, s.order), minus = jet(x.map((v) => -v), s.direction.map((v) => -v), s.order);
        let fact = 1;
        for (let m = 2; m <= s.order; m++) fact *= m;
        d64.push(fact * (plus[s.order] - minus[s.order]));
        d32.push(fact * (Math.fround(plus[s.order]) - Math.fround(minus[s.order])));
      }
      const r64 = term.residual(x, d64, q);
      const r32 = term.residual(x, d32, q);
      const rg = Math.sqrt((got.parts[p] * pts.length) / term.weight);
      fg += got.parts[p];
      ff += (term.weight * r64 * r64) / pts.length;
      e1 += (rg - Math.abs(r64)) ** 2;
      e2 += (r32 - r64) ** 2;
      rr += r64 * r64;
    });
    const m = pts.length;
    console.log(`${term.name}: ${fg.toExponential(6)} ${ff.toExponential(6)} ${(fg - ff).toExponential(2)} ${Math.sqrt(e1 / m).toExponential(2)} ${Math.sqrt(e2 / m).toExponential(2)} ${Math.sqrt(rr / m).toExponential(2)}`);
  }
}

// how much of the gradient's error the residuals' error explains: the f64 derivative along v of
// Σ w r_gpu r(θ) / n (GPU residuals as fixed seeds, everything else exact) against the GPU's g·v
{
  trainer.net.upload(Float32Array.from(x0.subarray(0, n)));
  trainer.setUnknownRaw([x0[n]]);
  const terms = await trainer.evaluateTerms();
  const residuals = (x: Float64Array) => {
    const q = [unknownValue(u0, x[n])];
    return problem.terms.map((term) =>
      (term.points as number[][]).map((pt) => {
        const X = pt.map(Math.fround);
        const d = term.derivatives.map((sp) => {
          const plus = referenceJets(mlp, X, sp.direction, sp.order, x.subarray(0, n));
          const minus = referenceJets(mlp, X.map((v) => -v), sp.direction.map((v) => -v), sp.order, x.subarray(0, n));
          let fact = 1;
          for (let m = 2; m <= sp.order; m++) fact *= m;
          return fact * (plus[sp.order] - minus[sp.order]);
        });
        return term.residual(X, d, q);
      }),
    );
  };
  const r0 = residuals(x0);
  // the GPU's residuals: |r| from its loss parts, the sign of the f64 residual
  const seeds = problem.terms.map((term, t) => {
    const parts = terms.find((e) => e.name === term.name)!.parts;
    const m = r0[t].length;
    return r0[t].map((r, p) => Math.sign(r) * Math.sqrt((parts[p] * m) / term.weight));
  });
  console.log('\ndirection: GPU g·v, f64 derivative with the GPU residuals as seeds, exact f64 derivative');
  for (const [name, v] of directions) {
    const h = 1e-6;
    const rp = residuals(x0.map((x, i) => x + h * v[i]));
    const rm = residuals(x0.map((x, i) => x - h * v[i]));
    let seeded = 0;
    let exactD = 0;
    problem.terms.forEach((term, t) => {
      const m = r0[t].length;
      r0[t].forEach((r, p) => {
        const dr = (rp[t][p] - rm[t][p]) / (2 * h);
        seeded += (2 * term.weight * seeds[t][p] * dr) / m;
        exactD += (2 * term.weight * r * dr) / m;
      });
    });
    console.log(`${name}: ${dot(a.g, v).toExponential(4)}  ${seeded.toExponential(4)}  ${exactD.toExponential(4)}`);
  }
}

// the smoothness term's derivatives from GPU jets (the model's odd construction) against f64, and what each costs R
{
  const term = problem.terms[problem.terms.length - 1];
  const pts = (term.points as number[][]).map((x) => Math.fround(x[0]));
  const top = term.derivatives.length - 1;
  const m = top - 1;
  const jet = new TaylorJetForward(device, trainer.net, { order: top, maxBatch: 2 * pts.length, sharedDirection: false });
  trainer.net.upload(Float32Array.from(x0.subarray(0, n)));
  const c = await jet.run(Float32Array.from([...pts, ...pts.map((v) => -v)]), Float32Array.from([...pts.map(() => 1), ...pts.map(() => -1)]));
  const q = unknownValue(u0, Math.fround(x0[n]));
  const err = new Array<number>(top + 1).fill(0);
  const cost = new Array<number>(top + 1).fill(0);
  const size = new Array<number>(top + 1).fill(0);
  let rErr = 0;
  pts.forEach((X, p) => {
    const plus = referenceJets(mlp, [X], [1], top, x0.subarray(0, n));
    const minus = referenceJets(mlp, [-X], [-1], top, x0.subarray(0, n));
    let fact = 1;
    const d64: number[] = [];
    const dGpu: number[] = [];
    for (let j = 0; j <= top; j++) {
      if (j > 1) fact *= j;
      d64.push(fact * (plus[j] - minus[j]));
      dGpu.push(fact * (c[p * (top + 1) + j] - c[(pts.length + p) * (top + 1) + j]));
    }
    const { grad } = residualDerivativeGradF64(m, X, d64, q);
    for (let j = 0, fj = 1; j <= top; j++, fj *= j) {
      size[j] += fj * Math.max(Math.abs(plus[j]), Math.abs(minus[j]));
      err[j] += (dGpu[j] - d64[j]) ** 2;
      cost[j] += (grad[j] * (dGpu[j] - d64[j])) ** 2;
    }
    rErr += (residualDerivativeF64(m, X, dGpu, q) - residualDerivativeF64(m, X, d64, q)) ** 2;
  });
  const rms = (v: number) => Math.sqrt(v / pts.length).toExponential(2);
  console.log(`\nsmoothness term, GPU jets (odd model) against f64: order, rms error of U^(j), its rms cost in R^(${m}), mean |N^(j)|`);
  for (let j = 0; j <= top; j++) console.log(`${j}  ${rms(err[j])}  ${rms(cost[j])}  ${(size[j] / pts.length).toExponential(2)}`);
  console.log(`R^(${m}) from the GPU's derivatives, evaluated in f64: rms error ${rms(rErr)}`);
  jet.destroy();
}
process.exit(0);
