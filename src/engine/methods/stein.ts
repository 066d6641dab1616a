/**
 * Stein's estimator (He et al.): the model is f(x) = E g(x + e), e ~ N(0, σ² I), g the network;
 * its derivatives up to order 2 come from plain evaluations g(x ± e) at shifted points, redrawn
 * every step (Philox on the GPU); backward: the transposed combination seeds the evaluations'
 * backward pass (first-order back-propagation only). Formulas: shaders/methods/stein_estimator.wgsl;
 * measurements behind the defaults: docs/BENCHMARKS.md ("Stein's estimator").
 */
import { InputError } from '../errors';
import { createStorageBuffer } from '../gpu/gpu';
import { kernelPass, wgslFloat } from '../gpu/kernels';
import { NUMBER } from '../spec/fields';
import { coefficientBlock, coefficientBuffers, shiftedEvaluations, type DerivativeMethod, type MethodConfig, type MethodEnv, type TermPlan, type TermStages } from './method';

/**
 * samples: shifts per point; varianceReduction: samples/2 antithetic pairs and the control
 * variate g(x) (one more evaluation), otherwise plain Monte Carlo over `samples` shifts.
 */
export interface SteinOptions {
  sigma: number;
  samples: number;
  varianceReduction: boolean;
  /**
   * Loss of a term with derivatives: w r_A r_B / n from two independent halves of the draws
   * instead of w r² / n from all of them. A squared estimate's mean adds its variance, which
   * the optimizer then lowers by flattening the network; the product's mean is the squared
   * residual. Off by default (the paper's loss; and a product can be negative, which log-scale
   * loss plots cannot show).
   */
  unbiasedLoss?: boolean;
  /**
   * How pairs weight their second differences in a Laplacian: 'stein' (default, the paper's):
   * (|z_A|² − A)/2, exact for the smoothed network; 'hutchinson': 1 − Σ_{j>=A} (z_j² − 1)/2,
   * Hutchinson's trace estimate of g(x+e) + g(x−e) − 2 g(x) ≈ eᵀHe: variance per pair about
   * 2 |H|_F² against A |H|_F², but its mean is the plain network's Laplacian up to O(σ²).
   * Needs variance reduction (pairs and g(x)).
   */
  laplacian?: SteinLaplacian;
}

export type SteinLaplacian = 'stein' | 'hutchinson';
export const STEIN_LAPLACIANS: readonly SteinLaplacian[] = ['stein', 'hutchinson'];

/**
 * σ = 0.01, the paper's: in f32 the rounding of a 32-pair Laplacian stays far below its Monte
 * Carlo noise (tests/node/stein.test.ts, "sigma in f32"), and the smoothing bias O(σ²) stays small.
 * 64 shifts (32 pairs and g(x)) per point.
 */
export const STEIN_DEFAULTS: SteinOptions = { sigma: 0.01, samples: 64, varianceReduction: true };

/**
 * Draws of e per point (pairs, or single shifts), network evaluations per point, and whether
 * g(x) is one of them (the control variate of second derivatives), for a term whose highest
 * derivative order is `order`. A term of values only (boundary, initial) draws 2 shifts (one
 * pair): the smoothed value's estimate has variance O(σ² |∇g|²) (plain) or O(σ⁴) (pairs),
 * far below its residual, so more would only cost.
 */
export function steinShape(o: SteinOptions, order: number): { draws: number; evaluations: number; center: boolean } {
  const samples = order === 0 ? Math.min(2, o.samples) : o.samples;
  if (!o.varianceReduction) return { draws: samples, evaluations: samples, center: false };
  const center = order >= 2;
  return { draws: samples / 2, evaluations: samples + (center ? 1 : 0), center };
}

/** The Stein settings of a run (defaults filled in), checked. */
export function steinOptions(config: MethodConfig): SteinOptions {
  const o = { ...STEIN_DEFAULTS, ...(config as { stein?: Partial<SteinOptions> }).stein };
  if (!(Number.isFinite(o.sigma) && o.sigma > 0 && o.sigma <= 1)) throw new InputError(`Stein's smoothing width sigma must be a number in (0, 1], got ${o.sigma}`);
  // draws split in two halves for the unbiased loss: pairs in pairs, shifts in pairs
  const multiple = (o.varianceReduction ? 2 : 1) * (o.unbiasedLoss ? 2 : 1);
  if (!Number.isInteger(o.samples) || o.samples < multiple || o.samples > 1 << 16 || o.samples % multiple !== 0) {
    const why = [o.varianceReduction ? 'antithetic pairs' : '', o.unbiasedLoss ? 'two halves for the unbiased loss' : ''].filter(Boolean).join(' in ');
    const what = multiple === 1 ? 'an integer from 1' : `${multiple === 2 ? 'an even integer' : `a multiple of ${multiple}`} (${why}) from ${multiple}`;
    throw new InputError(`Stein's samples per point must be ${what} to ${1 << 16}, got ${o.samples}`);
  }
  const lap = o.laplacian ?? 'stein';
  if (!STEIN_LAPLACIANS.includes(lap)) throw new InputError(`Stein's Laplacian weights must be one of ${STEIN_LAPLACIANS.join(', ')}, got ${String(lap)}`);
  if (lap === 'hutchinson' && !o.varianceReduction) throw new InputError("Stein's Hutchinson Laplacian weights second differences g(x+e) + g(x−e) − 2 g(x): it needs variance reduction (antithetic pairs and g(x)), not plain shifts");
  return o;
}

interface SteinOutput {
  slot: number;
  /** The network output it reads (a system's u, v, ...). */
  out: number;
  range: [number, number];
  width: number;
  coeff: GPUBuffer | GPUBufferBinding;
  adjoint: GPUBuffer | GPUBufferBinding;
}

/**
 * Stein's estimator for one term: draw Gaussian shifts per point, evaluate the network at the
 * shifted points (an order-0 jet), combine into each slot's jet-shaped coefficients (a
 * direction, or a Laplacian over its axes); with the unbiased loss, blocks j and j + J from the
 * two halves of the draws.
 */
function steinStages(env: MethodEnv, plan: TermPlan, o: SteinOptions): TermStages {
  const { device, problem } = env;
  const d = problem.dim;
  const { term, count, directions, slotAxes, orders } = plan;
  const K = directions.length;
  const { inputs, adjoints } = coefficientBuffers(device, plan);
  const { draws: S, evaluations: E, center } = steinShape(o, Math.max(...plan.ownOrders));
  const halves: [number, number][] = plan.split ? [[0, S / 2], [S / 2, S]] : [[0, S]];
  // one combine (and adjoint) per slot, half and network output the slot's derivatives read
  const outputs: SteinOutput[] = halves.flatMap((range, h) =>
    directions.flatMap((_, k) => plan.outputsOf[k].map((out) => ({ slot: k, out, range, width: orders[k] + 1, coeff: coefficientBlock(plan, inputs, h * K + k), adjoint: coefficientBlock(plan, adjoints, h * K + k) }))),
  );
  const s = o.sigma;
  const hutch = o.laplacian === 'hutchinson';
  const template = (mode: number, slot: number, n1: number, accumulate: boolean, [m0, m1]: [number, number] = [0, S], out = 0) => {
    // c_k = (k-th derivative)/k!: 1/n (or 1/2n per pair) over the n draws summed, times 1/s^k from Stein's identity in z = e/s, times 1/k!
    const n = m1 - m0;
    const w = o.varianceReduction ? [1 / (2 * n), 1 / (2 * s * n), 1 / (4 * s * s * n)] : [1 / n, 1 / (s * n), 1 / (2 * s * s * n)];
    return {
      MODE: mode,
      NOUT: plan.outputs,
      OUT: out,
      D: d,
      S,
      E,
      VR: o.varianceReduction ? 1 : 0,
      C0: center ? 1 : 0,
      K,
      TERM: plan.termIndex + 1,
      SIGMA: wgslFloat(s),
      SLOT: slot,
      N1: n1,
      M0: m0,
      M1: m1,
      ACCUMULATE: accumulate ? 1 : 0,
      W0: wgslFloat(w[0], 'a Stein weight (about 1/σ²: take a larger --sigma)'),
      W1: wgslFloat(w[1], 'a Stein weight (about 1/σ²: take a larger --sigma)'),
      W2: wgslFloat(w[2], 'a Stein weight (about 1/σ²: take a larger --sigma)'),
      // pairs: second-order weights centred over the draws (a leave-one-out baseline, see the kernel)
      // (of Hutchinson's Laplacian weights, mean 2, only the zero-mean part past the Laplacian's axes)
      CENTRE2: o.varianceReduction && n1 >= 3 && n >= 2 ? 1 : 0,
      HUTCH: hutch ? 1 : 0,
      // pairs: a direction's first-order weights scaled by a leave-one-out control variate (see the kernel)
      CENTRE1: o.varianceReduction && n1 >= 2 && n >= 2 && slotAxes[slot] === 0 && directions[slot].some((v) => v !== 0) ? 1 : 0,
      SLOT_DIRS: directions.flatMap((v) => Array.from(v, (c) => wgslFloat(c))).join(', '),
      SLOT_AXES: slotAxes.map((a) => `${a}u`).join(', '),
    };
  };
  const proj = createStorageBuffer(device, count * S * K * 2 * 4, `${term.name} Stein projections`);
  const { shifted, ubar, uniforms: params, jet, backward, owned } = shiftedEvaluations(env, `${term.name} Stein`, count, count * E);
  const perPoint = Math.ceil(count / 64);
  const pass = (mode: number, out: SteinOutput | null, accumulate: boolean, buffers: (GPUBuffer | GPUBufferBinding)[], workgroups: number) =>
    kernelPass(device, 'stein_estimator', out ? template(mode, out.slot, out.width, accumulate, out.range, out.out) : template(mode, 0, 1, false), buffers, workgroups);
  return {
    inputs,
    adjoints,
    jets: [jet],
    backwards: [backward],
    before: [
      pass(0, null, false, [plan.points, shifted, proj, params], Math.ceil((count * S) / 64)),
      (p) => jet.encode(p),
      ...outputs.map((out) => pass(1, out, false, [jet.output, out.coeff, proj, params], perPoint)),
    ],
    // the first adjoint pass of each network output writes its rows, the later ones add to them
    after: [...outputs.map((out, i) => pass(2, out, outputs.findIndex((o) => o.out === out.out) < i, [out.adjoint, ubar, proj, params], perPoint)), (p) => backward.encode(p)],
    owned: [...inputs, ...adjoints, proj, ...owned],
    // the shifts are drawn by the first dispatch from (count, stream, seed)
    draw: (seed, stream) => device.queue.writeBuffer(params, 0, new Uint32Array([count, stream >>> 0, seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0])),
    randomDirections: true,
  };
}

export const stein: DerivativeMethod<SteinOptions> = {
  id: 'stein',
  label: "Stein's estimator",
  summary: 'the Gaussian-smoothed model’s derivatives (orders 0..2) from shifted plain evaluations',
  exact: false,
  readsJetOutputs: false,
  jacobian: null,
  fields: {
    sigma: {
      kind: 'text',
      default: String(STEIN_DEFAULTS.sigma),
      pattern: NUMBER,
      expect: 'a number in (0, 1]',
      check: (v: string) => Number(v) > 0 && Number(v) <= 1,
      cli: 'sigma',
      metavar: 'SIGMA',
      method: 'stein',
      label: 'Stein σ',
      help: 'Stein: width of the Gaussian smoothing E g(x + e), e ~ N(0, σ² I); the derivatives carry an O(σ²) bias and, as σ falls, more noise.',
    },
    samples: { kind: 'int', default: STEIN_DEFAULTS.samples, min: 1, max: 4096, cli: 'samples', method: 'stein', label: 'Stein samples', help: 'Stein: shifts e drawn per point every step (with variance reduction, samples/2 antithetic pairs x ± e).' },
    vr: { kind: 'choice', default: 'on', choices: ['on', 'off'], flags: { 'no-variance-reduction': 'off' }, method: 'stein', label: 'Variance reduction', help: 'Stein: antithetic pairs x ± e with the control variate g(x) (on), or plain shifts (off: far noisier).' },
    // also STDE's, on an operator's drawn terms (stde.ts reads it)
    unbiased: {
      kind: 'choice',
      default: 'off',
      choices: ['off', 'on'],
      flags: { 'unbiased-loss': 'on' },
      method: ['stein', 'stde'],
      // STDE splits an operator's drawn terms only
      when: ({ method, problem }) => method === 'stein' || problem.terms.some((t) => t.derivatives.some((s) => s.operator)),
      label: 'Unbiased loss',
      help: 'Stein, or STDE on an operator’s drawn terms: the residual from two halves of the draws multiplied (on), instead of one squared (off: biased by the estimator’s variance).',
    },
    steinLap: {
      kind: 'choice',
      default: 'stein',
      choices: STEIN_LAPLACIANS,
      cli: 'stein-laplacian',
      method: 'stein',
      label: 'Stein Laplacian',
      help: 'Stein: how a pair’s second difference g(x+e) + g(x−e) − 2g(x) is weighted in a Laplacian. stein: by (|z|² − d)/2, exact for the smoothed network (the paper’s); hutchinson: by 1 (Hutchinson’s trace estimate), far less noise in many dimensions (variance about 2|H|² against d|H|² per pair) but the plain network’s Laplacian, O(σ²) off the smoothed one’s. Needs variance reduction.',
    },
  },
  configFromSpec: (v) => ({ stein: { sigma: Number(v.sigma), samples: Number(v.samples), varianceReduction: v.vr === 'on', unbiasedLoss: v.unbiased === 'on', laplacian: v.steinLap as SteinLaplacian } }),
  options: steinOptions,
  describe: (o) => `sigma ${o.sigma}, ${o.samples} samples${o.varianceReduction ? ' in antithetic pairs' : ', plain'}${o.unbiasedLoss ? ', unbiased loss' : ''}${o.laplacian === 'hutchinson' ? ', Hutchinson Laplacian' : ''}`,
  termRefusal(problem, term, _o, { mirrored }) {
    const high = term.derivatives.find((s) => s.order > 2);
    if (high) return `${problem.id}'s ${term.name} term needs ${high.name} of order ${high.order}; Stein's estimator gives derivatives of order 0, 1 and 2 only`;
    return mirrored ? `${problem.id}'s odd model N(x) − N(−x) is built for Taylor jets and stacked AD; Stein's estimator is not wired for it` : null;
  },
  slots: () => ({ smoothed: true }),
  split: (o, _term, _operator, maxOrder) => o.unbiasedLoss === true && maxOrder >= 1,
  checkRows: (env, plan, o) => env.checkJetRows(plan.term, plan.count * steinShape(o, Math.max(...plan.ownOrders)).evaluations, 1),
  session(env, o) {
    return { eager: false, buildTerm: (plan) => steinStages(env, plan, o) };
  },
};
