import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Mlp } from '../../src/engine/model/mlp';
import { referenceJets } from '../../src/engine/jets/jet-f64';

const PINN = join(__dirname, '..', '..', 'bin', 'pinn.mjs');
const dir = mkdtempSync(join(tmpdir(), 'pinn-cli-'));

function pinn(...args: string[]) {
  const r = spawnSync(process.execPath, [PINN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
// Every call blocks this worker's event loop (spawnSync). Yield to the poll phase after each
// test so vitest's worker reads its replies: without it, over a minute of back-to-back blocking
// calls lets the worker's RPC timer fire first ("Timeout calling onTaskUpdate").
afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
function file(name: string, content: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

describe('pinn derivs', () => {
  const mlp = Mlp.init({ inputDim: 2, width: 16, depth: 2, outputDim: 1, activation: 'tanh' }, 11);
  const model = file('model.json', mlp.toJSON());
  const pts = [
    [0.1, -0.4],
    [0.7, 0.2],
    [-0.5, 0.9],
  ];
  const points = file('points.json', pts);

  it('prints derivatives along the first axis by default, matching the f64 reference times k!', () => {
    const out = JSON.parse(execFileSync(process.execPath, [PINN, 'derivs', '--model', model, '--points', points, '--order', '5'], { encoding: 'utf8' }));
    expect(out.method).toBe('taylor');
    expect(out.order).toBe(5);
    expect(out.values).toHaveLength(3);
    const ref = referenceJets(mlp, pts.flat(), [1, 0], 5);
    const fact = [1, 1, 2, 6, 24, 120];
    for (let k = 0; k <= 5; k++) {
      const scale = Math.max(...pts.map((_, p) => Math.abs(ref[p * 6 + k] * fact[k])));
      for (let p = 0; p < 3; p++) {
        expect(Math.abs(out.values[p][k] - ref[p * 6 + k] * fact[k]) / scale).toBeLessThan(1e-4);
      }
    }
  });

  it('--method ad gives the same derivatives as --method taylor', () => {
    const run = (m: string) => JSON.parse(pinn('derivs', '--model', model, '--points', points, '--order', '4', '--method', m).stdout);
    const ad = run('ad');
    const taylor = run('taylor');
    expect(ad.method).toBe('ad');
    for (let k = 0; k <= 4; k++) {
      const scale = Math.max(...taylor.values.map((r: number[]) => Math.abs(r[k])));
      taylor.values.forEach((r: number[], p: number) => expect(Math.abs(ad.values[p][k] - r[k]) / scale).toBeLessThan(1e-4));
    }
  });

  it('takes a direction file (shared or per point)', () => {
    const v = file('v.json', [0.6, 0.8]);
    const out = JSON.parse(pinn('derivs', '--model', model, '--points', points, '--order', '2', '--direction', v).stdout);
    const ref = referenceJets(mlp, pts.flat(), [0.6, 0.8], 2);
    expect(out.values[1][1]).toBeCloseTo(ref[1 * 3 + 1], 4);
    expect(out.values[1][2]).toBeCloseTo(2 * ref[1 * 3 + 2], 4);
  });

  it.each([
    [['--points', 'POINTS', '--order', '2'], /--model is required/],
    [['--model', 'MODEL', '--points', 'POINTS', '--order', '99'], /--order must be an integer in \[0, 20\]/],
    [['--model', 'MODEL', '--points', 'POINTS', '--order', 'x'], /--order must be an integer/],
    [['--model', 'MODEL', '--points', 'BAD_DIM', '--order', '2'], /has 3 coordinates but the model's input dimension is 2/],
    [['--model', 'BROKEN', '--points', 'POINTS', '--order', '2'], /not valid JSON/],
    [['--model', 'MISSING', '--points', 'POINTS', '--order', '2'], /cannot read model file/],
    [['--model', 'BAD_MODEL', '--points', 'POINTS', '--order', '2'], /model.activation must be one of/],
    [['--model', 'HUGE_MODEL', '--points', 'POINTS', '--order', '2'], /model.layers\[0\].weight\[0\]\[0\] is 1e\+39, beyond f32's range/],
    [['--model', 'MODEL', '--points', 'POINTS', '--order', '2', '--frob', '1'], /unknown option --frob/],
    [['--model', 'MODEL', '--points', 'POINTS', '--order', '2', '--method', 'magic'], /--method must be one of/],
    [['--model', 'MODEL', '--points', 'POINTS', '--order', '2', '--method', 'fd', '--step', '-1'], /finite-difference step must be positive/],
    [['--model', 'MODEL', '--points', 'POINTS', '--order', '2', '--method', 'fd', '--step', '0x1'], /--step must be a decimal number, got '0x1'/],
    // stacked AD's graph grows about 3x per order: refused at once, with the orders that fit, not after minutes
    [['--model', 'MODEL', '--points', 'POINTS', '--order', '20', '--method', 'ad'], /stacked AD of order 20 would record about [\d.]+e\+\d+ operations .* orders up to about \d+ fit this network/],
    [['--model', 'MODEL', '--points', 'POINTS', '--order', '2', '--step', '0.1'], /--step applies to --method fd only/],
  ])('bad input %j: one line, exit code 2', (args, message) => {
    const subst: Record<string, string> = {
      MODEL: model,
      POINTS: points,
      BAD_DIM: file('bad-dim.json', [[1, 2, 3]]),
      BROKEN: file('broken.json', '{"activation": '),
      MISSING: join(dir, 'nope.json'),
      BAD_MODEL: file('bad-model.json', { activation: 'relu', layers: [] }),
      HUGE_MODEL: file('huge-model.json', { activation: 'tanh', layers: [{ weight: [[1e39, 0]], bias: [0] }] }),
    };
    const r = pinn('derivs', ...args.map((a) => subst[a] ?? a));
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('rejects an unknown command with exit code 2', () => {
    const r = pinn('frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});

describe('pinn bench', () => {
  it('prints the JSON rows the issue names, with AD graphs growing and nTP kernels fixed', () => {
    const r = pinn('bench', '--batch', '8', '--width', '4', '--depth', '1', '--orders', '0-3', '--reps', '2', '--warmup', '1', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(typeof out.device).toBe('string');
    expect(out.rows.map((x: { order: number }) => x.order)).toEqual([0, 1, 2, 3]);
    for (const row of out.rows) {
      for (const key of ['order', 'ad_ms', 'ntp_ms', 'ratio', 'ad_ops', 'ntp_ops', 'ad_bytes', 'ntp_bytes']) expect(row[key], key).toBeTypeOf('number');
      expect(row.ratio).toBeCloseTo(row.ad_ms / row.ntp_ms, 6);
    }
    expect(out.rows[3].ad_ops).toBeGreaterThan(4 * out.rows[0].ad_ops);
    expect(out.rows[3].ntp_ops).toBe(out.rows[0].ntp_ops);
  });

  it.each([
    [['--orders', '0-25'], /order 25 is above the highest the jets compute \(20\)/],
    // refused before the range is written out (it once filled memory and crashed V8)
    [['--orders', '0-1000000000'], /order 1000000000 is above the highest the jets compute \(20\)/],
    [['--orders', 'x'], /orders must look like 0-9/],
    [['--batch', '0'], /--batch must be an integer/],
    [['--batch', '1000000', '--width', '1024', '--orders', '0-20'], /over this device's maxStorageBufferBindingSize .* the largest batch that fits is \d+/],
    [['--method', 'ad'], /unknown option --method/],
  ])('bad input %j: one line, exit code 2', (args, message) => {
    const r = pinn('bench', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});

describe('pinn init-model', () => {
  it('writes the model where asked; a file it cannot write is one line naming it, exit code 2', () => {
    const out = join(dir, 'model.json');
    expect(pinn('init-model', '--dim', '1', '--width', '4', '--depth', '1', '--out', out).code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toBeTruthy();
    for (const [target, reason] of [
      [join(dir, 'no-such-folder', 'm.json'), /its folder does not exist/],
      [dir, /it is a folder/],
      [join(dir, 'n'.repeat(300)), /the name is too long/],
    ] as const) {
      const r = pinn('init-model', '--dim', '1', '--width', '4', '--depth', '1', '--out', target);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^pinn: cannot write the model file /);
      expect(r.stderr).toMatch(reason);
    }
    // counted before anything is allocated (this one once died in a typed array's constructor)
    const huge = pinn('init-model', '--dim', '1048576', '--width', '4096', '--depth', '64');
    expect(huge.code).toBe(2);
    expect(huge.stderr).toMatch(/^pinn: this network has 5\.35e\+9 parameters, a model file of about [\d.]+ GiB; init-model writes at most 2e\+7 parameters\n$/);
  });
});

describe('pinn train and pinn list', () => {
  it("the run's header names the network's activation", () => {
    const r = pinn('train', '--pde', 'poisson-1d', '--activation', 'sin', '--steps', '1', '--width', '8');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/net 3x8 sin, /);
  });

  it('a finite-difference step whose weights pass 1e21 compiles and trains (JSON intact); one beyond f32 is refused in one line', () => {
    // order-4 weights of 1/h^4: 2.5e23 at h = 1e-6 (once written `2.5e+23.0`, an invalid shader), 2.5e43 at h = 1e-11
    const ok = pinn('train', '--pde', 'beam-1d', '--method', 'fd', '--fd-step', '1e-6', '--steps', '2', '--width', '8', '--json');
    expect(ok.code).toBe(0);
    expect(ok.stdout).not.toMatch(/Error while parsing WGSL/);
    const last = JSON.parse(ok.stdout.trim().split('\n').at(-1)!);
    expect(last.pde).toBe('beam-1d');
    const bad = pinn('train', '--pde', 'beam-1d', '--method', 'fd', '--fd-step', '1e-11', '--steps', '2', '--width', '8');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^pinn: a finite-difference weight of the .* term .* beyond f32's range/);
  });

  it('list names every problem with its equation', () => {
    const r = pinn('list');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/poisson-1d\s+-u_xx = pi\^2 \* sin\(pi \* x\)/);
    expect(r.stdout).toMatch(/\(problems\/poisson-1d\.json\)/);
    expect(r.stdout).toMatch(/poisson-2d/);
  });

  it('validate summarises a problem file and checks its exact solution; a typo in it fails with exit 2', () => {
    const ok = pinn('validate', 'problems/heat-inverse.json');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/derivatives needed: u_t, u_xx, u, u_x \(highest order 2\)/);
    expect(ok.stdout).toMatch(/residual\s+\d\.\d+e-1[0-9]/);
    const dir = mkdtempSync(join(tmpdir(), 'pinn-validate-'));
    const doc = JSON.parse(readFileSync('problems/heat-inverse.json', 'utf8'));
    doc.exact.u = 'sin(pi * x) * exp(-2 * a * pi^2 * t)';
    writeFileSync(join(dir, 'typo.json'), JSON.stringify(doc));
    const bad = pinn('validate', join(dir, 'typo.json'), '--json');
    expect(bad.code).toBe(2);
    const v = JSON.parse(bad.stdout);
    expect(v.ok).toBe(false);
    expect(v.checks.find((c: { name: string }) => c.name === 'residual').largest).toBeGreaterThan(1e-2);
    doc.exact.u = 'sin(pi * x) * exp(-a * pi^2 * t)';
    doc.equations = ['u_t = kk * u_xx'];
    writeFileSync(join(dir, 'name.json'), JSON.stringify(doc));
    const err = pinn('validate', join(dir, 'name.json'));
    expect(err.code).toBe(2);
    expect(err.stderr).toContain('name.json: equations[0]: unknown name "kk" (did you mean "k"?)');
    expect(err.stderr).toContain('\n  u_t = kk * u_xx\n        ^^');
  });

  it('a high-dimensional file (a model u = G + F N): validate checks it at its d, list names it, train --problem runs it; a broken one exits 2 with the position', () => {
    const ok = pinn('validate', 'problems/sine-gordon-twobody.json', '--param', 'd=50');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/spatial term \(sampled by STDE\): uii/);
    expect(ok.stdout).toMatch(/exact solution at 20 points in the ball: largest residual \d\.\d+e-1[0-9]/);
    expect(pinn('list').stdout).toMatch(/hjb-lin \[--dim 1\.\.1000000\][\s\S]*\(problems\/hjb-lin\.json\)/);
    const doc = JSON.parse(readFileSync('problems/hjb-lin.json', 'utf8'));
    doc.id = 'my-hjb';
    doc.exact.u = 'sum(x[i], i) + 1 - 2 * t';
    const typo = pinn('validate', file('my-hjb.json', doc), '--json');
    expect(typo.code).toBe(2);
    expect(JSON.parse(typo.stdout).exact.maxResidual).toBeGreaterThan(0.5);
    doc.exact.u = 'sum(x[i], i) + 1 - t';
    const r = pinn('train', '--problem', file('my-hjb.json', doc), '--dim', '12', '--steps', '3', '--width', '8', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out.pde).toBe('my-hjb');
    expect(out.dim).toBe(12);
    doc.equations = ['u_t + sum(x[i + 1] * D(u, x[i], x[i]), i) = -2'];
    const bad = pinn('train', '--problem', file('bad-hjb.json', doc), '--steps', '3');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('bad-hjb.json: equations[0]: at i = 1000 the sum reads x[1001], past x[d] (d = 1000): end it at d - 1');
    expect(bad.stderr).toMatch(/\n {2}u_t \+ sum\(x\[i \+ 1\] \* D\(u, x\[i\], x\[i\]\), i\) = -2\n {8}\^+/);
  });

  it('train --problem FILE --json: a system’s error per output, and each unknown with its relative error', () => {
    const r = pinn('train', '--problem', 'problems/lorenz-inverse.json', '--steps', '20', '--log-every', '10', '--width', '16', '--lm', '3', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out.pde).toBe('lorenz-inverse');
    expect(Object.keys(out.l2re_by_output)).toEqual(['X', 'Y', 'Z']);
    expect(out.l2re).toBeGreaterThan(0);
    expect(out.unknowns.rho.exact).toBe(28);
    expect(out.unknowns.rho.error).toBeCloseTo(Math.abs(out.unknowns.rho.value - 28) / 28, 12);
    expect(pinn('train', '--problem', 'problems/lorenz-inverse.json', '--pde', 'poisson-1d').code).toBe(2);
    const param = pinn('train', '--problem', 'problems/oscillator.json', '--param', 'omega=9', '--steps', '1');
    expect(param.code).toBe(2);
    expect(param.stderr).toMatch(/parameters\.omega: 9 is outside its range \[0\.25, 3\]/);
  });

  it('train --json prints the run', () => {
    const r = pinn('train', '--pde', 'poisson-1d', '--steps', '20', '--log-every', '10', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ pde: 'poisson-1d', method: 'taylor', steps: 20 });
    expect(out.loss).toHaveLength(2);
    expect(out.l2re_history).toHaveLength(2);
    expect(out.l2re).toBeGreaterThan(0);
    expect(out.seconds).toBeGreaterThan(0);
  });

  it('train prints a divergence notice on stderr and carries it in its JSON (lr 0.99: the last good parameters back at half the rate)', () => {
    const r = pinn('train', '--pde', 'poisson-1d', '--lr', '0.99', '--steps', '200', '--log-every', '20', '--json');
    const out = JSON.parse(r.stdout);
    expect(out.notices.length).toBeGreaterThan(0);
    expect(out.notices[0]).toMatch(/^The loss (became|grew to) .* by step \d+.*: restored the parameters of step \d+ and halved the learning rate/);
    out.notices.forEach((n: string) => expect(r.stderr).toContain(`${n}\n`));
    // recovered: done (exit 0); after the last restore: diverged (exit 1), with the last good parameters
    expect(r.code).toBe(out.stop_reason.startsWith('diverged') ? 1 : 0);
    expect(Number.isFinite(out.l2re)).toBe(true);
  });

  it('train --json reports a trained unknown (burgers-selfsimilar: lambda and its error) and the problem parameters', () => {
    const r = pinn('train', '--pde', 'burgers-selfsimilar', '--k', '1', '--steps', '6', '--log-every', '3', '--width', '8', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ pde: 'burgers-selfsimilar', k: 1, method: 'taylor', steps: 6 });
    // bounded in (1/5, 1/3) by the tanh reparametrization; exact 1/4
    expect(out.lambda).toBeGreaterThan(0.2);
    expect(out.lambda).toBeLessThan(1 / 3);
    expect(out.lambda_error).toBeCloseTo(Math.abs(out.lambda - 0.25), 10);
  });

  it('train --lm runs Levenberg–Marquardt after Adam and reports it (the loss falls)', () => {
    const r = pinn('train', '--pde', 'burgers-selfsimilar', '--k', '0', '--steps', '20', '--log-every', '10', '--width', '8', '--lm', '4', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.lm).toMatchObject({ iterations: 4 });
    expect(out.lm.evaluations).toBeGreaterThanOrEqual(8);
    expect(out.lm.loss).toBeLessThan(out.loss[out.loss.length - 1]);
    expect(out.lambda).toBeGreaterThan(1 / 3);
  });

  it('train runs a high-dimensional problem with sparse STDE (d = 300) and reports it', () => {
    const r = pinn('train', '--pde', 'allen-cahn-twobody', '--dim', '300', '--rand-batch', '4', '--steps', '4', '--log-every', '2', '--width', '8', '--points', '8', '--first-layer-lr', '2', '--ball-sampling', 'radius', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ pde: 'allen-cahn-twobody', dim: 300, method: 'stde', stde: 'sparse', rand_batch: 4, steps: 4, first_layer_lr: 2, ball_sampling: 'radius' });
    expect(out.l2re).toBeGreaterThan(0);
    expect(out.loss).toHaveLength(2);
  });

  it('train --seconds runs a ball problem for a wall-clock budget, its step count planned from the pace', () => {
    // --steps is only the first guess: far more than 2 s allow, so the plan must cut it
    const r = pinn('train', '--pde', 'poisson-twobody', '--dim', '20', '--steps', '1000000', '--log-every', '5', '--width', '8', '--points', '8', '--seconds', '2', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.budget_seconds).toBe(2);
    // a burst before the planned last one may still overrun on a busy machine (the stubbed-clock
    // run-loop tests pin the stop reasons down); the plan cutting the first guess is the point
    expect(out.stop_reason).toMatch(/^(done|time budget of 2 s reached)$/);
    expect(out.steps).toBeGreaterThan(5);
    expect(out.steps).toBeLessThan(1_000_000);
  });

  it('train --final-test N measures a ball problem on N fresh points after training, with a standard error', () => {
    const r = pinn('train', '--pde', 'allen-cahn-twobody', '--dim', '12', '--rand-batch', '4', '--steps', '10', '--log-every', '5', '--width', '8', '--points', '8', '--final-test', '120', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.final_test.points).toBe(120);
    // another sample of the same network: near the fixed set's error, not equal to it
    expect(out.final_test.l2re).toBeGreaterThan(0);
    expect(out.final_test.l2re).not.toBe(out.l2re);
    expect(Math.abs(out.final_test.l2re - out.l2re)).toBeLessThan(0.5 * out.l2re);
    expect(out.final_test.standard_error).toBeGreaterThan(0);
    expect(out.final_test.standard_error).toBeLessThan(0.5 * out.final_test.l2re);
    const plain = JSON.parse(pinn('train', '--pde', 'allen-cahn-twobody', '--dim', '12', '--rand-batch', '4', '--steps', '2', '--width', '8', '--points', '8', '--json').stdout);
    expect(plain.final_test).toBeNull();
  });

  it('train --seconds plans a low-dimensional run to the time too', () => {
    const r = pinn('train', '--pde', 'poisson-1d', '--steps', '1000000', '--log-every', '5', '--width', '8', '--points', '16', '--seconds', '2', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.budget_seconds).toBe(2);
    // as above: only a burst before the last one overrunning the budget ends it as reached
    expect(out.stop_reason).toMatch(/^(done|time budget of 2 s reached)$/);
    expect(out.steps).toBeGreaterThan(5);
    expect(out.steps).toBeLessThan(1_000_000);
    expect(out.seconds).toBeLessThan(4);
  });

  it('train runs poisson-nd in the dimension asked, with Sobol points', () => {
    const r = pinn('train', '--pde', 'poisson-nd', '--dim', '3', '--sampling', 'sobol', '--steps', '4', '--log-every', '2', '--width', '8', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ pde: 'poisson-nd', dim: 3, steps: 4 });
  });

  it.each([
    [['--pde', 'nope'], /unknown problem 'nope' \(pinn list names them: poisson-1d, poisson-2d, poisson-nd, heat-1d, wave-1d, helmholtz-2d, kdv-1d, beam-1d, burgers-1d, burgers-selfsimilar, poisson-sin, heat-ball, biharmonic-nd, klein-gordon-1d, kovasznay, oscillator, heat-inverse, lorenz-inverse, advection-1d, allen-cahn-1d, poisson-twobody, .*hjb-lqg\)/],
    [['--pde', 'poisson-1d', '--lr', '5'], /--lr must be a number in \(0, 1\)/],
    [['--pde', 'poisson-1d', '--steps', '0'], /--steps must be an integer in \[1, 10000000\]/],
    [['--pde', 'poisson-1d', '--method', 'fd', '--fd-step', '2'], /--fd-step must be auto or a number in \(0, 1\), got '2'/],
    [['--pde', 'poisson-1d', '--fd-step', '0.01'], /--fd-step applies to --method fd only/],
    [['--pde', 'poisson-1d', '--method', 'bogus'], /--method must be one of taylor, ad, fd, stde, stein/],
    [['--pde', 'poisson-1d', '--sigma', '0.1'], /--sigma, --samples, --no-variance-reduction and --stein-laplacian apply to --method stein only/],
    [['--pde', 'beam-1d', '--method', 'stein'], /beam-1d's residual term needs .* of order 4; Stein's estimator gives derivatives of order 0, 1 and 2 only/],
    [['--pde', 'sine-gordon-twobody', '--method', 'taylor'], /sine-gordon-twobody is trained with --method stde only/],
    [['--pde', 'poisson-twobody', '--dim', '1'], /--dim must be an integer in \[2, 1000000\], got '1'/],
    [['--pde', 'hjb-lin', '--dim', '10', '--rand-batch', '11'], /--rand-batch must be an integer in \[1, 10\]/],
    [['--pde', 'bsb', '--stde', 'dense'], /bsb uses sparse STDE/],
    [['--pde', 'hjb-lin', '--product-rule'], /--product-rule is built for u = \(1 − \|x\|²\) N with a plain Laplacian \(the two- and three-body problems\); hjb-lin is not of that form/],
    [['--pde', 'poisson-twobody', '--stde', 'dense', '--product-rule'], /--product-rule is built for sparse STDE only/],
    [['--pde', 'sine-gordon-twobody', '--first-layer-lr', '0'], /--first-layer-lr must be auto or a number in \(0, 10000\], got '0'/],
    [['--pde', 'sine-gordon-twobody', '--ball-sampling', 'shell'], /--ball-sampling must be one of volume, radius/],
    [['--pde', 'wave-sinh', '--lbfgs', '10'], /--lbfgs does not apply to wave-sinh/],
    [['--pde', 'burgers-selfsimilar', '--method', 'ad', '--precision', 'double-single'], /--precision applies to --method taylor only/],
    [['--pde', 'poisson-1d', '--method', 'fd', '--lm', '10'], /--lm applies to --method taylor or ad only/],
    [['--pde', 'poisson-1d', '--method', 'stde'], /STDE estimates Laplacians and samples operators term by term; poisson-1d has neither/],
    [['--pde', 'poisson-nd', '--dim', '4', '--method', 'stde', '--rand-batch', '5'], /STDE's random batch must be an integer from 1 to the dimension \(4\), got 5/],
    [['--pde', 'poisson-nd', '--stde', 'dense'], /--stde and --rand-batch apply to --method stde only/],
    [['--pde', 'poisson-nd', '--dim', '100', '--points', '4096'], /residual term as one jet batch \(100 jets per point; at most \d+ points fit, or use --method stde\) needs 409600/],
    [['--pde', 'poisson-1d', '--dim', '3'], /poisson-1d is 1-dimensional; it takes no other --dim/],
    [['--pde', 'poisson-nd', '--dim', '0'], /--dim must be an integer in \[1, 100\], got '0'/],
    [['--pde', 'poisson-nd', '--dim', 'x'], /--dim must be an integer in \[1, 100\], got 'x'/],
    [['--pde', 'burgers-selfsimilar', '--k', '4'], /--k must be an integer in \[0, 3\], got '4'/],
    [['--pde', 'poisson-1d', '--k', '1'], /poisson-1d takes no --k/],
    [['--pde', 'poisson-1d', '--weight', 'walls=2'], /poisson-1d has no loss term 'walls' \(its terms: residual, boundary\)/],
    [['--pde', 'poisson-1d', '--weight', 'boundary=-1'], /the weight of boundary must be a number >= 0/],
    [['--pde', 'kdv-1d', '--hard'], /kdv-1d declares no hard boundary transform and no periodic condition \(--hard works for poisson-1d, poisson-2d, heat-1d, helmholtz-2d, burgers-1d, advection-1d, allen-cahn-1d\)/],
    [['--pde', 'poisson-1d', '--sampling', 'halton'], /--sampling must be one of uniform, sobol, lhs/],
    [['--pde', 'poisson-1d', '--schedule', 'cosine'], /--schedule must be constant, linear\[:final fraction\] or exponential\[:rate per quarter\], got 'cosine'/],
    [['--pde', 'poisson-1d', '--schedule', 'linear:2'], /linear decay's final fraction must be in \[0, 1\], got 2/],
    [['--pde', 'burgers-selfsimilar', '--method', 'fd'], /odd model .* finite differences are not wired for it/],
    [['--steps', '10'], /--pde \(a shipped problem: pinn list\) or --problem FILE \(a problem file\) is required/],
    [['--pde', 'sine-gordon-twobody', '--width', '1025'], /--width must be an integer in \[1, 1024\], got '1025'/],
    [['--pde', 'poisson-twobody', '--seconds', '0'], /--seconds must be a number of seconds in \(0, 86400\], got '0'/],
    [['--pde', 'heat-1d', '--pde', 'wave-1d'], /^pinn: --pde is given twice: give each option once\n$/],
    [['--pde', 'poisson-1d', '--hard=maybe'], /^pinn: --hard is a switch: give it alone, or =true or =false, not 'maybe'\n$/],
    [['--pde', 'poisson-1d', '--seconds', '0x10'], /--seconds must be a decimal number in \[0, 86400\], got '0x10'/],
    [['--pde', 'poisson-1d', '--log-every', ''], /--log-every must be an integer in \[1, 1000000\], got ''/],
    [['--pde', 'poisson-1d', '--log-every', '1e1'], /--log-every must be an integer in \[1, 1000000\], got '1e1'/],
    [['--pde', 'poisson-1d', `--${'x'.repeat(10_000)}`], /^pinn: unknown option --'x{40}…' \(did you mean/],
    [['--pde', 'poisson-1d', '--seconds', 'soon'], /--seconds must be a decimal number in \[0, 86400\], got 'soon'/],
    [['--pde', 'poisson-twobody', '--final-test', '1'], /--final-test needs at least 2 points \(or 0 for none\)/],
    // refused before training: 2^31 draws over d + 2 per point
    [['--pde', 'poisson-twobody', '--dim', '10000', '--final-test', '300000'], /at d = 10000 at most 214705 fresh test points fit the test-point generator's period, got 300000/],
    [['--pde', 'poisson-1d', '--final-test', '100'], /--final-test \(the error on fresh points of the ball\) is for the high-dimensional ball problems; poisson-1d measures on its fixed test set/],
  ])('bad input %j: one line, exit code 2', (args, message) => {
    const r = pinn('train', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});
