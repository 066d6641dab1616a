// The command line's help is generated from the option tables the parser uses: every option a
// command's help lists is one its parser takes, and the other way round; help exits 0 on stdout;
// an unknown option is one line with the nearest known one and exit code 2.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_ONLY, nearestName, parseCommand } from '../../src/cli/args';
import { commandHelp, commandOptionNames, COMMANDS, overview, WIDTH, type CommandName } from '../../src/cli/usage';
import { cliNames, HIGHDIM_FIELDS, TRAIN_FIELDS } from '../../src/engine/spec/experiment';

const PINN = join(__dirname, '..', '..', 'bin', 'pinn.mjs');
const NAMES = Object.keys(COMMANDS) as CommandName[];

function pinn(...args: string[]) {
  const r = spawnSync(process.execPath, [PINN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
// spawnSync blocks the worker's event loop; yield after each test so vitest's RPC gets through (as in cli.test.ts)
afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));

/** The options a help text lists, from its option headings ("  --name VALUE", "  --hard, --soft"): name -> takes a value. */
function listed(text: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const line of text.split('\n')) {
    const m = /^ {2}((?:--[\w-]+)(?:, --[\w-]+)*)( \S+)?(?: {2,}|$)/.exec(line);
    if (m) for (const n of m[1].split(', ')) out.set(n.slice(2), m[2] !== undefined);
  }
  return out;
}

describe('usage and parser agree', () => {
  it.each(NAMES)('pinn %s: every option the help lists is one the parser takes, and the other way round', (name) => {
    const help = listed(commandHelp(name));
    const parser = commandOptionNames(name);
    expect(new Set(help.keys())).toEqual(new Set([...parser.values, ...parser.flags]));
    for (const [option, takesValue] of help) {
      expect(takesValue ? parser.values : parser.flags, option).toContain(option);
      // the parser the command runs accepts it as listed
      const argv = takesValue ? [`--${option}`, 'x'] : [`--${option}`];
      const args = parseCommand(name, argv);
      expect(takesValue ? args.values.get(option) : args.flags.has(option)).toBeTruthy();
    }
    expect(() => parseCommand(name, ['--no-such-option'])).toThrow(/unknown option --no-such-option \(did you mean --[\w-]+\?/);
  });

  it('pinn train takes every command-line setting of both spec tables, and its own options are the ones the spec ignores', () => {
    const train = commandOptionNames('train');
    const spec = [cliNames('train'), cliNames('highdim')].flatMap((n) => [...n.values, ...n.flags]);
    for (const n of spec) expect([...train.values, ...train.flags]).toContain(n);
    const own = [...train.values, ...train.flags].filter((n) => !spec.includes(n));
    expect(new Set(own)).toEqual(new Set([...CLI_ONLY.values, ...CLI_ONLY.flags]));
  });

  it('every spec field that is not one derivative method’s own has a help section', () => {
    for (const f of [...Object.values(TRAIN_FIELDS), ...Object.values(HIGHDIM_FIELDS)]) {
      if (!('method' in f)) expect(f.group, f.label).toBeDefined();
    }
  });

  it('every line of every help fits in 100 columns', () => {
    expect(WIDTH).toBe(100);
    for (const text of [overview(), ...NAMES.map(commandHelp)]) {
      for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(WIDTH);
    }
  });

  it('names the nearest option', () => {
    const train = commandOptionNames('train');
    const all = [...train.values, ...train.flags];
    expect(nearestName('precison', all)).toBe('precision');
    expect(nearestName('first-layer', all)).toBe('first-layer-lr');
    expect(nearestName('ball', all)).toBe('ball-sampling');
    expect(nearestName('setps', all)).toBe('steps');
    expect(nearestName('lr', all)).toBe('lr');
  });
});

describe('pinn help', () => {
  it('pinn --help and pinn help list every command, one line each, and point to pinn <command> --help', () => {
    for (const args of [['--help'], ['help']]) {
      const r = pinn(...args);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${overview()}\n`);
      for (const name of NAMES) expect(r.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
      expect(r.stdout).toContain('pinn <command> --help');
    }
  });

  it('pinn with no command prints the overview on stderr and exits 2', () => {
    const r = pinn();
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('pinn <command> --help');
  });

  it.each(NAMES)('pinn %s --help exits 0 with the generated options on stdout', (name) => {
    const r = pinn(name, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${commandHelp(name)}\n`);
    expect(r.stdout).toContain(`Usage: pinn ${name}`);
  });

  it('pinn train --help names --precision, --first-layer-lr, --ball-sampling and every derivative method', () => {
    const r = pinn('train', '--help');
    expect(r.code).toBe(0);
    const options = listed(r.stdout);
    for (const o of ['precision', 'first-layer-lr', 'ball-sampling', 'method', 'lm', 'seconds', 'json', 'final-test']) expect(options.has(o), o).toBe(true);
    const methodLine = r.stdout.split('\n').find((l) => l.startsWith('  --method '))!;
    for (const m of TRAIN_FIELDS.method.choices) expect(methodLine.split(' ')[3].split('|')).toContain(m);
    expect(pinn('help', 'train').stdout).toBe(r.stdout);
  });

  it('the help of train shows each setting’s range and default from the spec', () => {
    const help = commandHelp('train');
    expect(help).toMatch(/--samples N +\[stein\] [^]*?An\s+integer\s+in\s+\[1,\s+4096\];\s+default\s+64\./);
    expect(help).toMatch(/--unbiased-loss +\[stein, stde\]/);
    expect(help).toMatch(/--first-layer-lr X +\[ball problems\]/);
    expect(help).toMatch(/Ball problems: stde only/);
  });
});

describe('unknown options and commands', () => {
  it('an unknown option: one line naming it and the nearest option, exit code 2', () => {
    const r = pinn('train', '--pde', 'poisson-1d', '--precison', 'f32');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/unknown option --precison \(did you mean --precision\? pinn train --help lists the options\)/);
    const b = pinn('bench', '--wdith', '8');
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/unknown option --wdith \(did you mean --width\?/);
  });

  it('an unknown command names the nearest command', () => {
    const r = pinn('trian');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'trian' \(did you mean train\?/);
  });

  // the CLI itself (main.ts) parses with the tables: every listed option of a command gets past its parser
  it.each(['train', 'derivs', 'init-model', 'bench'] as const)('pinn %s takes every option its help lists', (name) => {
    const argv: string[] = [];
    for (const [option, takesValue] of listed(commandHelp(name))) if (option !== 'help') argv.push(`--${option}`, ...(takesValue ? ['x'] : []));
    const r = pinn(name, ...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/unknown option|unexpected argument/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
