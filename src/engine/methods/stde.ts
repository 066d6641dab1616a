/**
 * STDE (stochastic Taylor derivative estimator): a Laplacian over a axes estimated from B random
 * second-order jets per point (sparse: B distinct coordinates scaled by a/B; dense: B Rademacher
 * directions scaled by 1/B), redrawn every step; an operator's terms drawn per point with
 * probability |c_t| / Σ|c|. Other derivatives are Taylor jets.
 */
import { InputError } from '../errors';
import { laplacianAxes, type PdeProblem } from '../problems/types';
import { Rng } from '../sampling/rng';
import type { DerivativeMethod, MethodConfig, MethodEnv, TermPlan, TermStages } from './method';
import { operatorStages } from './operator-rows';
import { jetStages } from './taylor';

/** STDE: a Laplacian estimated from `batch` random jets per point. */
export interface StdeOptions {
  kind: 'sparse' | 'dense';
  batch: number;
  /**
   * Operator terms (operatorSpec): the residual from two halves of the B drawn terms multiplied,
   * w r_A r_B / n, whose mean is w r² / n; a squared estimate's mean adds its variance, which
   * the optimizer then lowers by pulling the network's partials towards each other. Even B.
   */
  unbiasedLoss?: boolean;
}

export const STDE_DEFAULTS: StdeOptions = { kind: 'sparse', batch: 16 };

/** The STDE settings of a run (defaults filled in), checked against the problem. */
export function stdeOptions(config: MethodConfig, problem: PdeProblem): StdeOptions {
  const o = (config as { stde?: StdeOptions }).stde ?? STDE_DEFAULTS;
  const d = problem.dim;
  const laplacians = problem.terms.flatMap((t) => t.derivatives.filter((s) => s.laplacian));
  const operators = problem.terms.some((t) => t.derivatives.some((s) => s.operator));
  if (laplacians.length === 0 && !operators) {
    throw new InputError(`STDE estimates Laplacians and samples operators term by term; ${problem.id} has neither (poisson-nd and biharmonic-nd have)`);
  }
  if (o.unbiasedLoss && laplacians.length > 0) throw new InputError(`STDE's unbiased loss here splits the drawn terms of an operator (biharmonic-nd); ${problem.id}'s Laplacian jets do not split (the High dimension view's ball problems have their own --unbiased-loss)`);
  if (o.unbiasedLoss && (!Number.isInteger(o.batch) || o.batch < 2 || o.batch % 2 !== 0)) throw new InputError(`STDE's unbiased loss multiplies the estimates of two halves of the drawn terms: the random batch must be even, got ${o.batch}`);
  if (laplacians.length === 0) {
    // operators only: B terms drawn with replacement per point
    if (!Number.isInteger(o.batch) || o.batch < 1 || o.batch > 4096) throw new InputError(`STDE's random batch (terms drawn per point) must be an integer from 1 to 4096, got ${o.batch}`);
    return o;
  }
  // sparse draws B distinct coordinates among the axes a Laplacian sums
  const axes = Math.min(...laplacians.map((s) => laplacianAxes(s, d)));
  if (!Number.isInteger(o.batch) || o.batch < 1 || (o.kind === 'sparse' && o.batch > axes)) {
    const most = axes === d ? `the dimension (${d})` : `the number of axes its Laplacian sums (${axes})`;
    throw new InputError(`STDE's random batch must be an integer from 1 to ${o.kind === 'sparse' ? most : 'any size'}, got ${o.batch}`);
  }
  return o;
}

/**
 * New random directions for a term's random blocks at sampling stream `stream` (seeded, so a run
 * reproduces): sparse, B distinct coordinates per point (partial Fisher–Yates); dense, B
 * Rademacher vectors per point. A Laplacian over its first a axes draws among those only.
 */
function randomDirections(o: StdeOptions, d: number, plan: TermPlan, dirs: Float32Array, setDirections: (dirs: Float32Array) => void) {
  const blocks = plan.random.flatMap((r, b) => (r ? [b] : []));
  const blockAxes = blocks.map((b) => plan.slotAxes[b]);
  const groups = [...new Set(blockAxes)].map((a) => ({ a, idx: Array.from({ length: a }, (_, i) => i), blocks: blocks.filter((_, b) => blockAxes[b] === a) }));
  return (seed: number, stream: number) => {
    const rng = new Rng((Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b) ^ plan.runtimeIndex) >>> 0);
    for (let p = 0; p < plan.count; p++) {
      for (const { a, idx, blocks } of groups) {
        if (o.kind === 'sparse') {
          for (let b = 0; b < blocks.length; b++) {
            const r = b + Math.floor(rng.uniform() * (a - b));
            [idx[b], idx[r]] = [idx[r], idx[b]];
          }
        }
        blocks.forEach((blk, b) => {
          const row = dirs.subarray((blk * plan.count + p) * d, (blk * plan.count + p + 1) * d);
          row.fill(0);
          if (o.kind === 'sparse') row[idx[b]] = 1;
          else for (let m = 0; m < a; m++) row[m] = rng.uniform() < 0.5 ? -1 : 1;
        });
      }
    }
    setDirections(dirs);
  };
}

function stdeStages(env: MethodEnv, plan: TermPlan, o: StdeOptions): TermStages {
  if (plan.operator) return operatorStages(env, plan, o.batch);
  const stages = jetStages(env, plan, false);
  if (!plan.random.some(Boolean)) return stages;
  const jet = stages.packedJet!;
  return { ...stages, draw: randomDirections(o, env.problem.dim, plan, stages.packedDirections!, (dirs) => jet.setDirections(dirs)), randomDirections: true };
}

export const stde: DerivativeMethod<StdeOptions> = {
  id: 'stde',
  label: 'STDE',
  summary: 'random jets for a Laplacian (B per point), or an operator’s terms drawn per point',
  exact: false,
  sampled: true,
  readsJetOutputs: true,
  jacobian: null,
  operators: 'terms sampled',
  fields: {
    stde: { kind: 'choice', default: 'sparse', choices: ['sparse', 'dense'], cli: 'stde', method: 'stde', label: 'STDE kind', help: 'sparse: B random coordinates per point, scaled by d/B; dense: B random ±1 directions.' },
    randBatch: {
      kind: 'int',
      default: 16,
      min: 1,
      max: 1024,
      cli: 'rand-batch',
      method: 'stde',
      label: 'Random jets B',
      help: 'STDE: random second-order jets per point that estimate the Laplacian (sparse: at most d), or terms of an operator drawn per point (biharmonic-nd).',
    },
  },
  configFromSpec: (v) => ({ stde: { kind: v.stde as 'sparse' | 'dense', batch: Number(v.randBatch), unbiasedLoss: v.unbiased === 'on' } }),
  options: stdeOptions,
  slots: (o) => ({ random: { kind: o.kind, batch: o.batch } }),
  split: (o, _term, operator) => operator && o.unbiasedLoss === true,
  session(env, o) {
    return { eager: false, buildTerm: (plan) => stdeStages(env, plan, o) };
  },
};
