/**
 * `pinn train`'s settings, fuzzed in-process: 2,400 seeded argument lists built from the
 * command's own option table (real names, near-misses and junk; good values, edge values and
 * adversarial text), each through everything the command checks before it touches the GPU
 * (src/cli/train-plan.ts). Every list is either accepted or refused with a PinnError whose
 * message is one line of bounded length that does not echo a long value whole; nothing else
 * escapes, and no list takes long. Plus the other commands' option parsing.
 */
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/cli/args';
import { planTrain } from '../../src/cli/train-plan';
import { commandOptionNames, type CommandName } from '../../src/cli/usage';
import { PinnError } from '../../src/engine/errors';
import { HIGHDIM_PROBLEMS, PROBLEMS } from '../../src/engine/problems';
import { Rng } from '../../src/engine/sampling/rng';

const LONG = 'x'.repeat(10_000);

/** Values a person or a script might pass: good ones, edges, and text meant to break things. */
const JUNK = ['', ' ', '0', '-1', '1', '2', '3', '0.5', '1e-3', '1e400', '-1e400', 'NaN', 'Infinity', '-0', '0x10', '1_000', ' 3 ', '3.', '.5', '1e', 'auto', 'true', 'false', 'none', 'tanh', 'sin', 'sparse', 'dense', 'uniform', 'sobol', 'linear:2', 'exponential:0.1', 'boundary=2', 'walls=1', 'a=1', '__proto__', 'constructor', 'toString', '<script>alert(1)</script>', 'u; } fn main() {', '\n', 'line\nbreak', '\u0000', 'é', '💥', LONG, '9'.repeat(400), '-'.repeat(3)];

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[Math.floor(rng.uniform() * xs.length)];
}

function argumentList(rng: Rng, names: { values: string[]; flags: string[] }): string[] {
  const problems = [...PROBLEMS, ...HIGHDIM_PROBLEMS].map((p) => p.id);
  const argv: string[] = [];
  // usually a problem first, so the lists reach the spec's checks and not only the missing --pde
  if (rng.uniform() < 0.85) argv.push('--pde', rng.uniform() < 0.9 ? pick(rng, problems) : pick(rng, JUNK));
  const n = Math.floor(rng.uniform() * 6);
  for (let i = 0; i < n; i++) {
    const r = rng.uniform();
    if (r < 0.55) argv.push(`--${pick(rng, names.values)}`, pick(rng, JUNK));
    else if (r < 0.7) argv.push(`--${pick(rng, names.values)}=${pick(rng, JUNK)}`);
    else if (r < 0.82) argv.push(`--${pick(rng, names.flags)}${rng.uniform() < 0.3 ? `=${pick(rng, JUNK)}` : ''}`);
    else if (r < 0.9) argv.push(`--${pick(rng, names.values).slice(1)}`, '1');
    else argv.push(pick(rng, ['-h2', '--', '---x', 'stray', `--${LONG}`, '--pde', '-'.repeat(5), '--=3']));
  }
  return argv;
}

function expectGoodRefusal(e: unknown, argv: string[]): void {
  const what = JSON.stringify(argv).slice(0, 300);
  expect(e, what).toBeInstanceOf(PinnError);
  const m = (e as Error).message;
  expect(m.includes('\n'), `${what}: ${m.slice(0, 200)}`).toBe(false);
  expect(m.length, `${what}: ${m.slice(0, 200)}`).toBeLessThan(1200);
  expect(m).not.toContain(LONG.slice(0, 100));
}

describe('pinn train, fuzzed in-process', () => {
  it('2,400 generated argument lists: accepted, or refused in one line by a PinnError', async () => {
    const names = commandOptionNames('train');
    const rng = new Rng(2026);
    let accepted = 0;
    let refused = 0;
    let slowest = 0;
    for (let i = 0; i < 2400; i++) {
      // give the worker's event loop a turn now and then (a long synchronous test times out vitest's RPC)
      if (i % 100 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const argv = argumentList(rng, names);
      const t0 = performance.now();
      try {
        const plan = planTrain(argv);
        expect(['pde', 'ball']).toContain(plan.kind);
        accepted++;
      } catch (e) {
        expectGoodRefusal(e, argv);
        refused++;
      }
      slowest = Math.max(slowest, performance.now() - t0);
    }
    console.log(`pinn train fuzz: ${accepted} accepted, ${refused} refused, slowest ${slowest.toFixed(0)} ms`);
    // the generator reaches both outcomes in numbers, and nothing hangs
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(1000);
    expect(slowest).toBeLessThan(5000);
  });

  it('accepts what it should: switches with =true/=false, a value after =, and every problem by itself', () => {
    expect(planTrain(['--pde', 'poisson-1d', '--hard=false']).kind).toBe('pde');
    const hard = planTrain(['--pde', 'poisson-1d', '--hard=true', '--width=8']);
    expect(hard.kind === 'pde' && hard.config.hardBoundary && hard.config.width === 8).toBe(true);
    // a file's term names may have spaces ("initial velocity")
    const kg = planTrain(['--pde', 'klein-gordon-1d', '--weight', 'initial velocity=100,left=3']);
    expect(kg.kind === 'pde' && kg.config.weights).toEqual({ 'initial velocity': 100, left: 3 });
    // one setting given two ways is refused, not settled by the order of the flags
    expect(() => planTrain(['--pde', 'poisson-1d', '--hard', '--soft'])).toThrow(/--hard and --soft set the same thing \(Hard constraints\): give one/);
    for (const p of PROBLEMS) expect(planTrain(['--pde', p.id]).problem.id).toBe(p.id);
    for (const p of HIGHDIM_PROBLEMS) expect(planTrain(['--pde', p.id]).kind).toBe('ball');
  });
});

describe('the other commands’ options, fuzzed', () => {
  it.each(['derivs', 'bench', 'init-model', 'validate', 'list'] as const)('pinn %s: 500 generated lists parse or are refused in one line', (command: CommandName) => {
    const names = commandOptionNames(command);
    const rng = new Rng(7);
    for (let i = 0; i < 500; i++) {
      const argv = argumentList(rng, { values: names.values.length ? names.values : ['x'], flags: names.flags.length ? names.flags : ['y'] }).slice(2);
      try {
        parseCommand(command, argv);
      } catch (e) {
        expectGoodRefusal(e, argv);
      }
    }
  });
});
