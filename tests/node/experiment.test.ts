import { describe, expect, it } from 'vitest';
import {
  appliesTo,
  cliNames,
  compareMethodsFromParam,
  compareMethodsParam,
  fieldsFor,
  highDimSetup,
  HIGHDIM_FIELDS,
  specDefaults,
  specFromCli,
  specFromParams,
  specToCli,
  specToParams,
  trainSetup,
  TRAIN_FIELDS,
  type TrainSpec,
} from '../../src/engine/spec/experiment';
import { parseArgs } from '../../src/cli/args';
import { ballSlice } from '../../src/engine/problems/ball-slice';
import { Mlp } from '../../src/engine/model/mlp';
import { highDimProblemWith, PROBLEMS } from '../../src/engine/problems';
import { referenceJets } from '../../src/engine/jets/jet-f64';
import { PinnTrainer } from '../../src/engine/train/trainer';
import { Rng } from '../../src/engine/sampling/rng';
import { useNodeGpu } from './helpers';

/** What a shell would pass for `pinn train ...` (the spec's command, split at spaces). */
function argvOf(command: string): string[] {
  return command.split(' ').slice(2);
}

function cliSpec(command: string) {
  const argv = argvOf(command);
  const names = cliNames('train');
  return specFromCli('train', parseArgs(argv, { values: [...names.values, 'log-every'], flags: [...names.flags, 'json'] }), ['log-every', 'json']);
}

/** A random valid train spec: every field drawn from its own range or choices. */
function randomSpec(rng: Rng): TrainSpec {
  const pde = PROBLEMS[Math.floor(rng.uniform() * PROBLEMS.length)].id;
  const table = fieldsFor('train', pde) as Record<string, (typeof TRAIN_FIELDS)[keyof typeof TRAIN_FIELDS]>;
  const out = specDefaults('train', pde) as Record<string, string | number>;
  for (const [key, f] of Object.entries(table)) {
    if (key === 'pde' || rng.uniform() < 0.4) continue;
    if (f.kind === 'int') out[key] = f.min + Math.floor(rng.uniform() * Math.min(f.max - f.min + 1, 50));
    else if (f.kind === 'choice') out[key] = f.choices[Math.floor(rng.uniform() * f.choices.length)];
  }
  out.lr = rng.uniform() < 0.5 ? '5e-4' : '0.003';
  out.sigma = '0.05';
  out.fdStep = rng.uniform() < 0.5 ? 'auto' : '0.01';
  out.schedule = ['constant', 'linear:0.2', 'exponential', 'exponential:0.7'][Math.floor(rng.uniform() * 4)];
  if (out.hard === 'on' && !PROBLEMS.find((p) => p.id === pde)!.hard) out.hard = 'off';
  out.randBatch = Math.min(Number(out.randBatch), Number(out.dim));
  return out as TrainSpec;
}

describe('the experiment spec: one table for the link, the command line and the trainer', () => {
  it('every field has a label, help, and a command-line name or flag; defaults lie in range', () => {
    for (const table of [TRAIN_FIELDS, HIGHDIM_FIELDS]) {
      for (const [key, f] of Object.entries(table)) {
        expect(f.label.length, key).toBeGreaterThan(0);
        expect(f.help.length, key).toBeGreaterThan(10);
        expect(Boolean(f.cli) || (f.kind === 'choice' && 'flags' in f && Boolean(f.flags)), key).toBe(true);
        if (f.kind === 'int') expect(f.default >= f.min && f.default <= f.max, key).toBe(true);
        if (f.kind === 'choice') expect(f.choices, key).toContain(f.default);
        if (f.kind === 'text') expect(f.pattern.test(f.default), key).toBe(true);
      }
    }
  });

  it('a link and a command line round-trip 200 random specs unchanged, with no notice', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 200; i++) {
      const spec = randomSpec(rng);
      const fromLink = specFromParams('train', specToParams('train', spec));
      expect(fromLink.notices).toEqual([]);
      expect(fromLink.values).toEqual(spec);
      // the command line leaves out defaults and other methods' settings: compare what it carries
      const fromCli = cliSpec(specToCli('train', spec)).values as Record<string, unknown>;
      for (const [key, f] of Object.entries(fieldsFor('train', spec.pde))) {
        if (!appliesTo(f, spec.method)) continue;
        expect(fromCli[key], `${key} of ${specToCli('train', spec)}`).toEqual((spec as Record<string, unknown>)[key]);
      }
    }
  });

  it('the link and the command line give the same trainer configuration', () => {
    const params = new URLSearchParams('pde=poisson-sin&dim=4&method=stein&sigma=0.05&samples=32&vr=off&unbiased=on&width=12&depth=2&activation=sin&lr=0.004&schedule=linear:0.2&steps=300&points=48&resample=5&sampling=uniform&lbfgs=7&seed=9');
    const link = specFromParams('train', params);
    expect(link.notices).toEqual([]);
    const cli = cliSpec(
      'pinn train --pde poisson-sin --dim 4 --method stein --sigma 0.05 --samples 32 --no-variance-reduction --unbiased-loss --width 12 --depth 2 --activation sin --lr 0.004 --schedule linear:0.2 --steps 300 --points 48 --resample-every 5 --lbfgs 7 --seed 9',
    );
    const a = trainSetup(link.values);
    const b = trainSetup(cli.values, cli.given);
    expect(b.config).toEqual(a.config);
    expect(a.lbfgs).toBe(7);
    expect(a.config).toMatchObject({ method: 'stein', width: 12, depth: 2, activation: 'sin', lr: 0.004, steps: 300, interiorPoints: 48, resampleEvery: 5, seed: 9 });
    expect(a.config.stein).toEqual({ sigma: 0.05, samples: 32, varianceReduction: false, unbiasedLoss: true, laplacian: 'stein' });
    // Hutchinson's Laplacian weights travel the same way
    const hutch = trainSetup(specFromParams('train', new URLSearchParams('pde=poisson-sin&dim=4&method=stein&steinLap=hutchinson')).values);
    const hutchCli = cliSpec('pinn train --pde poisson-sin --dim 4 --method stein --stein-laplacian hutchinson');
    expect(trainSetup(hutchCli.values, hutchCli.given).config).toEqual(hutch.config);
    expect(hutch.config.stein?.laplacian).toBe('hutchinson');
    expect(a.config.schedule).toEqual({ kind: 'linear', finalFraction: 0.2 });
    expect(a.problem.dim).toBe(4);
  });

  it('a high-dimensional spec round-trips through its link and its command, and refuses what dense STDE cannot estimate', () => {
    const params = new URLSearchParams('pde=allen-cahn-threebody&dim=5000&method=stde&stde=dense&randBatch=32&width=64&depth=2&lr=0.0005&schedule=constant&steps=77&points=50&seed=4');
    const link = specFromParams('highdim', params);
    expect(link.notices).toEqual([]);
    const argv = specToCli('highdim', link.values).split(' ').slice(2);
    const names = cliNames('highdim');
    const cli = specFromCli('highdim', parseArgs(argv, names));
    expect(cli.values).toEqual(link.values);
    const { problem, config } = highDimSetup(cli.values);
    expect(problem.dim).toBe(5000);
    expect(config).toMatchObject({ stde: 'dense', randBatch: 32, width: 64, depth: 2, lr: 0.0005, steps: 77, points: 50, seed: 4, schedule: { kind: 'constant' } });
    expect(() => highDimSetup({ ...specDefaults('highdim', 'hjb-lin'), stde: 'dense' })).toThrow(/hjb-lin uses sparse STDE only/);
    expect(() => specFromCli('highdim', parseArgs(['--pde', 'bsb', '--activation', 'sin'], { values: ['pde', 'activation'], flags: [] }))).toThrow(/--activation does not apply to bsb/);
  });

  it("a problem's own defaults and ranges apply (network, points, hard boundary, dimension)", () => {
    const burgers = specDefaults('train', 'burgers-1d');
    expect(burgers).toMatchObject({ width: 32, depth: 4, points: 1024, hard: 'on', steps: 10000, lr: '0.001' });
    expect(fieldsFor('train', 'poisson-nd').dim).toMatchObject({ min: 1, max: 100 });
    expect(fieldsFor('highdim', 'poisson-twobody').dim.min).toBe(2);
  });

  it('a tampered link is clamped or replaced with a notice, never evaluated', () => {
    const r = specFromParams(
      'train',
      new URLSearchParams('pde=poisson-nd&dim=999&width=abc&lr=alert(1)&schedule=cosine&weights=walls=3&method=stde&randBatch=50&evil=1&activation=relu'),
    );
    const own = specDefaults('train', 'poisson-nd');
    expect(own.width).not.toBe(TRAIN_FIELDS.width.default); // the problem's default, not the table's
    expect(r.values).toMatchObject({ pde: 'poisson-nd', dim: 100, width: own.width, lr: own.lr, schedule: 'exponential', weights: '', activation: 'tanh', randBatch: 50 });
    const text = r.notices.join('\n');
    expect(text).toMatch(/Dimension: 999 is outside \[1, 100\]; using 100/);
    expect(text).toMatch(new RegExp(`Width: 'abc' is not a whole number; using ${own.width}`));
    expect(text).toMatch(/Learning rate: 'alert\(1\)' is not valid/);
    expect(text).toMatch(/Schedule: 'cosine' is not valid/);
    expect(text).toMatch(/Loss weights: poisson-nd has no loss term 'walls'/);
    expect(text).toMatch(/Activation: 'relu' is not one of tanh, sin/);
    expect(text).toMatch(/unknown setting 'evil' ignored/);
    const hd = specFromParams('highdim', new URLSearchParams('pde=hjb-lin&dim=10&randBatch=64'));
    expect(hd.values.randBatch).toBe(10);
    expect(hd.notices.join()).toMatch(/more than the dimension; using 10/);
  });

  it('a link for a problem without a dimension or hard transform ignores those settings quietly', () => {
    const r = specFromParams('train', new URLSearchParams('pde=kdv-1d&dim=7&k=2&hard=on'));
    expect(r.notices).toEqual([]);
    expect(r.values).toMatchObject({ dim: 2, k: 0, hard: 'off' });
  });

  it.each([
    ['pinn train --pde poisson-1d --width 0', /--width must be an integer in \[1, 512\], got '0'/],
    ['pinn train --pde poisson-1d --lr 1.5', /--lr must be a number in \(0, 1\), got '1.5'/],
    ['pinn train --pde poisson-1d --activation relu', /--activation must be one of tanh, sin, got 'relu'/],
    ['pinn train --pde poisson-1d --resample-every -1', /--resample-every must be an integer in \[0, 1000000\]/],
    ['pinn train --pde poisson-1d --samples 8', /--sigma, --samples, --no-variance-reduction and --stein-laplacian apply to --method stein only/],
    ['pinn train --pde poisson-1d --unbiased-loss', /--unbiased-loss applies to --method stein or stde only/],
    ['pinn train --pde poisson-1d --k 2', /poisson-1d takes no --k/],
    ['pinn train --pde poisson-sin --method stein --stein-laplacian trace', /--stein-laplacian must be one of stein, hutchinson, got 'trace'/],
  ])('strict on the command line: %s', (command, message) => {
    expect(() => cliSpec(command)).toThrow(message);
  });

  it('cross-field rules: weights name real terms, a hard transform must exist, B at most d', () => {
    const base = specDefaults('train', 'poisson-1d');
    expect(() => trainSetup({ ...base, weights: 'boundary=-2' })).toThrow(/the weight of boundary must be a number >= 0/);
    expect(trainSetup({ ...base, weights: 'boundary=50' }).config.weights).toEqual({ boundary: 50 });
    expect(() => trainSetup({ ...specDefaults('train', 'kdv-1d'), hard: 'on' }, new Set(['hard']))).toThrow(/kdv-1d declares no hard boundary transform/);
    expect(() => highDimSetup({ ...specDefaults('highdim', 'hjb-lin'), dim: 10, randBatch: 11 })).toThrow(/--rand-batch must be an integer in \[1, 10\]/);
  });
});

describe('resampling every R steps (a spec field that reaches the trainer)', () => {
  const gpu = useNodeGpu();

  /** The loss at the points of steps 0 and 1 with the same parameters. */
  async function lossesAtSteps(resample: number): Promise<number[]> {
    const { problem, config } = trainSetup({ ...specDefaults('train', 'poisson-2d'), width: 8, depth: 2, points: 64, resample });
    const t = new PinnTrainer(gpu.device, problem, config);
    const params = (await t.snapshot()).params;
    const out: number[] = [];
    for (const step of [0, 1, 2]) {
      t.restore(step, params);
      out.push((await t.gradient()).loss);
    }
    t.destroy();
    return out;
  }

  it('R = 1 draws new points every step; R = 2 keeps them for two steps; R = 0 never redraws', async () => {
    const every = await lossesAtSteps(1);
    expect(every[1]).not.toBe(every[0]);
    const pairs = await lossesAtSteps(2);
    expect(pairs[1]).toBe(pairs[0]);
    expect(pairs[2]).not.toBe(pairs[0]);
    expect(pairs[0]).toBe(every[0]);
    const fixed = await lossesAtSteps(0);
    expect(fixed[1]).toBe(fixed[0]);
    expect(fixed[2]).toBe(fixed[0]);
  });
});

describe('the 1-D slice through a ball problem', () => {
  it.each([
    ['sine-gordon-twobody', 300],
    ['hjb-lin', 50],
  ])('%s at d = %i: the model along the diagonal equals G + F·N from the f64 reference network', (id, d) => {
    const problem = highDimProblemWith(id, d)!;
    const din = d + (problem.horizon !== undefined ? 1 : 0);
    const mlp = Mlp.init({ inputDim: din, width: 16, depth: 2, outputDim: 1, activation: 'tanh' }, 3);
    const slice = ballSlice(mlp, problem, 11);
    expect(slice.s).toHaveLength(11);
    for (let i = 0; i < 11; i++) {
      const z = new Float64Array(din);
      z.fill(slice.s[i] / Math.sqrt(d), 0, d);
      const n = referenceJets(mlp, z, new Float64Array(din), 0)[0];
      const expected = problem.offsetJet(z, 0)[0] + problem.factorJet(z, 0)[0] * n;
      expect(slice.model[i]).toBeCloseTo(expected, 10);
      expect(slice.exact[i]).toBeCloseTo(problem.exact(z), 12);
    }
  });
});

describe('Compare ticks in the link', () => {
  it('reads the default trio when absent, none when empty, drops unknown names with a notice', () => {
    expect(compareMethodsFromParam(null)).toEqual({ methods: ['taylor', 'ad', 'fd'], notice: null });
    expect(compareMethodsFromParam('')).toEqual({ methods: [], notice: null });
    const r = compareMethodsFromParam('stein, taylor,x,stein');
    expect(r.methods).toEqual(['taylor', 'stein']);
    expect(r.notice).toMatch(/'x' is not a method/);
  });
  it('writes nothing for the default trio and the canonical order otherwise; the two round-trip', () => {
    expect(compareMethodsParam(['fd', 'taylor', 'ad'])).toBeNull();
    expect(compareMethodsParam(['stein', 'ad'])).toBe('ad,stein');
    expect(compareMethodsParam([])).toBe('');
    for (const m of [['stde'], ['taylor', 'ad', 'fd', 'stde', 'stein'], []] as const) {
      expect(compareMethodsFromParam(compareMethodsParam(m)).methods).toEqual(m);
    }
  });
});
