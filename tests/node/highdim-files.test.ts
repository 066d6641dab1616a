import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileHighDim } from '../../src/engine/equations/highdim-file';
import { ballProblem } from '../../src/engine/problems/ball-bodies';
import { hjbLin } from '../../src/engine/problems/hjb-lin';
import { bsb } from '../../src/engine/problems/bsb';
import { waveSinh } from '../../src/engine/problems/wave-sinh';
import { hjbLqg } from '../../src/engine/problems/hjb-lqg';
import type { HighDimProblem } from '../../src/engine/problems/highdim-types';
import { Rng } from '../../src/engine/sampling/rng';
import { defaultHighDimConfig, HighDimTrainer, type HighDimConfig } from '../../src/engine/highdim/trainer';
import { useNodeGpu } from './helpers';

const file = (id: string) => JSON.parse(readFileSync(`problems/${id}.json`, 'utf8')) as unknown;

const OLD: [string, (d: number) => HighDimProblem][] = [
  ...(['poisson', 'allen-cahn', 'sine-gordon'] as const).flatMap((op) => (['two', 'three'] as const).map((b) => [`${op}-${b}body`, (d: number) => ballProblem(op, b, d)] as [string, (d: number) => HighDimProblem])),
  ['hjb-lin', hjbLin],
  ['bsb', bsb],
  ['wave-sinh', waveSinh],
  ['hjb-lqg', hjbLqg],
];

describe('generated high-dimensional problems equal the hand-written ones', () => {
  for (const [id, old] of OLD) {
    for (const d of [9, 1000]) {
      it(`${id}, d = ${d}: every f64 piece on random points`, () => {
        const a = old(d);
        const b = compileHighDim(file(id), { file: `problems/${id}.json`, dim: d }).problem;
        const rng = new Rng(7);
        const close = (x: number, y: number, what: string) => expect(Math.abs(x - y), `${what}: ${x} vs ${y}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(y)));
        expect(b.productRule ?? false).toBe(a.productRule ?? false);
        // the coefficients the kernels read (problems without any keep one unused zero)
        expect(Array.from(b.coefficients)).toEqual(Array.from(a.coefficients));
        for (let n = 0; n < 5; n++) {
          const z = Array.from({ length: d + 1 }, () => rng.normal());
          const r = Math.sqrt(z.slice(0, d).reduce((s, v) => s + v * v, 0));
          for (let i = 0; i < d; i++) z[i] *= (0.9 * rng.uniform()) / r;
          if (a.horizon) z[d] = rng.uniform();
          else z.length = d;
          if (id !== 'hjb-lqg') close(b.exact(z), a.exact(z), 'exact');
          close(b.source(z), a.source(z), 'source');
          const [u, ut, utt] = [rng.normal(), rng.normal(), rng.normal()];
          close(b.temporal(z, u, ut, utt), a.temporal(z, u, ut, utt), 'temporal');
          const [xi, ui, uii] = [rng.normal(), rng.normal(), rng.normal()];
          close(b.spatial(xi, ui, uii), a.spatial(xi, ui, uii), 'spatial');
          for (const ax of [0, 3, d - 1, ...(a.horizon ? [d] : [])]) {
            for (const k of [0, 1, 2]) {
              close(b.factorJet(z, ax)[k], a.factorJet(z, ax)[k], `factor ${ax} ${k}`);
              close(b.offsetJet(z, ax)[k], a.offsetJet(z, ax)[k], `offset ${ax} ${k}`);
            }
          }
        }
      });
    }
  }
});

describe('generated high-dimensional kernels equal the hand-written ones on the GPU', () => {
  const gpu = useNodeGpu();
  for (const [id, old] of OLD) {
    it(`${id}, d = 40: the same loss, residuals and gradient from the same sampled points`, async () => {
      const a = old(40);
      const b = compileHighDim(file(id), { dim: 40 }).problem;
      const cfg: HighDimConfig = { ...defaultHighDimConfig(a), width: 8, depth: 2, points: 16, randBatch: 4, testPoints: 20 };
      const ta = new HighDimTrainer(gpu.device, a, cfg);
      const tb = new HighDimTrainer(gpu.device, b, cfg);
      const pa = await ta.probe(3);
      const pb = await tb.probe(3);
      expect(Array.from(pb.x)).toEqual(Array.from(pa.x));
      // the same sums in another order and grouping: f32 rounding apart
      expect(Math.abs(pb.loss - pa.loss)).toBeLessThan(1e-4 * pa.loss + 1e-7);
      const scale = Math.max(...Array.from(pa.grad, Math.abs));
      for (let i = 0; i < pa.grad.length; i++) expect(Math.abs(pb.grad[i] - pa.grad[i])).toBeLessThan(1e-4 * scale);
      ta.destroy();
      tb.destroy();
    });
  }
});
