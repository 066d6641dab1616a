/**
 * Taylor jets (n-TangentProp): every derivative 0..n along a direction from one fused forward
 * pass of the network's jet, and its adjoint through the same layers. A term's directions
 * share one jet batch (packed) or run one jet each; an operator term reads slot jets.
 */
import { createStorageBuffer } from '../gpu/gpu';
import { kernelPass } from '../gpu/kernels';
import { factorial, TaylorJetForward } from '../jets/taylor-jet';
import { TaylorJetBackward } from '../jets/taylor-jet-backward';
import { DoubleSingleJet, JET_PRECISIONS, type JetPrecision } from '../jets/taylor-jet-ds';
import type { GpuMlp } from '../model/gpu-mlp';
import type { DerivativeMethod, MethodEnv, TermPlan, TermStages } from './method';
import { operatorStages } from './operator-rows';
import type { DirectionalDerivatives } from './types';

export interface TaylorOptions {
  /** 'double-single': the output jets recomputed in double-single for L-BFGS, LM and evaluations (Adam's steps stay f32). */
  precision: JetPrecision;
}

/**
 * A term's jets: packed (rows j · count + p: point p along direction j, one batch, the points
 * tiled per block; random blocks' directions rewritten by `draw`), or one jet per direction.
 * `precise`: also their double-single recomputation. Shared with STDE, whose random slots are
 * packed blocks of such jets.
 */
export function jetStages(env: MethodEnv, plan: TermPlan, precise: boolean): TermStages & { packedDirections: Float32Array | null; packedJet: TaylorJetForward | null } {
  const { device, net, grad, problem } = env;
  const d = problem.dim;
  const { term, count, points, directions, orders, blocks } = plan;
  const J = directions.length;
  const before: TermStages['before'] = [];
  const after: TermStages['after'] = [];
  const owned: GPUBuffer[] = [];
  const jets: TaylorJetForward[] = [];
  let packedDirections: Float32Array | null = null;
  if (plan.packed) {
    const tiled = createStorageBuffer(device, blocks * count * d * 4, `${term.name} points per direction`);
    owned.push(tiled);
    before.push(kernelPass(device, 'tile_rows', { N: count * d, COPIES: blocks, NEGATE_FROM: J }, [points, tiled], Math.ceil((blocks * count * d) / 64)));
    const jet = new TaylorJetForward(device, net, { order: orders[0], maxBatch: blocks * count, sharedDirection: false, savePreActivations: true, pointsBuffer: tiled });
    // blocks J..2J−1 (an odd model): the mirrored jets at −x along −v
    packedDirections = new Float32Array(blocks * count * d);
    for (let b = 0; b < blocks; b++) {
      const dir = b < J ? directions[b] : directions[b - J].map((v) => -v);
      for (let p = 0; p < count; p++) packedDirections.set(dir, (b * count + p) * d);
    }
    jet.setDirections(packedDirections);
    jet.setBatch(blocks * count);
    jets.push(jet);
  } else {
    directions.forEach((dir, j) => {
      const jet = new TaylorJetForward(device, net, { order: orders[j], maxBatch: count, sharedDirection: true, savePreActivations: true, pointsBuffer: points });
      jet.setDirections(dir);
      jet.setBatch(count);
      jets.push(jet);
    });
  }
  const adjoints = jets.map((jet, j) => createStorageBuffer(device, jet.output.size, `${term.name} jet ${j} adjoint`));
  owned.push(...adjoints);
  const backwards = jets.map((jet, j) => new TaylorJetBackward(jet, adjoints[j], grad, true));
  const precisions = precise ? jets.map((jet) => new DoubleSingleJet(device, jet)) : [];
  precisions.forEach((ds) => owned.push(...ds.buffers));
  jets.forEach((jet, j) => {
    before.push((pass) => jet.encode(pass));
    after.push((pass) => backwards[j].encode(pass));
  });
  return {
    inputs: jets.map((j) => j.output),
    adjoints,
    before,
    after,
    owned,
    jets,
    backwards,
    precise: precise ? { before: precisions.map((ds) => (pass: GPUComputePassEncoder) => ds.encode(pass)), lo: precisions.map((ds) => ds.lo) } : undefined,
    packedDirections,
    packedJet: plan.packed ? jets[0] : null,
  };
}

/** `pinn derivs`: u, u', ..., u^(n) from one fused jet pass. */
export class TaylorDerivatives implements DirectionalDerivatives {
  readonly method = 'taylor';

  constructor(readonly net: GpuMlp) {}

  async derivatives(points: Float32Array, directions: Float32Array, sharedDirection: boolean, order: number) {
    const d = this.net.mlp.inputDim;
    const batch = points.length / d;
    const jet = new TaylorJetForward(this.net.device, this.net, { order, maxBatch: batch, sharedDirection });
    try {
      const c = await jet.run(points, directions);
      const n1 = order + 1;
      return Array.from({ length: batch }, (_, p) => Array.from({ length: n1 }, (_, k) => factorial(k) * c[p * n1 + k]));
    } finally {
      jet.destroy();
    }
  }

  destroy(): void {}
}

export const taylor: DerivativeMethod<TaylorOptions> = {
  id: 'taylor',
  label: 'Taylor jets',
  summary: 'one fused Taylor-jet pass per direction and its adjoint (n-TangentProp)',
  exact: true,
  readsJetOutputs: true,
  jacobian: 'jets',
  operators: 'every term from slot jets',
  fields: {
    precision: {
      kind: 'choice',
      default: 'f32',
      choices: JET_PRECISIONS,
      cli: 'precision',
      method: 'taylor',
      label: 'Jet precision',
      help: 'Taylor jets: f32, or (double-single) the network output’s jets recomputed in double-single arithmetic (about 44 bits; tanh networks) for L-BFGS and evaluations, so that residuals whose terms cancel (the self-similar Burgers profiles near the optimum) are exact far below f32 and the gradient’s seeds with them; Adam’s steps and the backward pass stay f32.',
    },
  },
  configFromSpec: (v) => ({ precision: v.precision as JetPrecision }),
  options: (config) => ({ precision: config.precision === 'double-single' ? 'double-single' : 'f32' }),
  session(env, options) {
    return {
      eager: false,
      buildTerm(plan) {
        if (plan.operator) return operatorStages(env, plan);
        // double-single jets for the terms that give their residual in double-single (those whose terms cancel beyond f32)
        return jetStages(env, plan, options.precision === 'double-single' && plan.term.residualDsWgsl !== undefined && plan.outputs === 1);
      },
    };
  },
  directional: (net) => new TaylorDerivatives(net),
};
