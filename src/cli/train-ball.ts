/**
 * `pinn train` for the high-dimensional ball problems (two- and three-body Poisson,
 * Allen–Cahn, Sine–Gordon) and the time-dependent ones: sparse STDE with the first-layer
 * column trick (src/engine/highdim), or `--stde dense` (Rademacher directions; the ball
 * problems Δu + f(u) = g only; W₁v costs O(d·width) per direction, so it is slower than
 * sparse at large d). Called by main.ts when --pde names one of them, with the settings train-plan.ts checked.
 */
import { adapterLabel } from '../engine/gpu/gpu';
import { FRESH_TEST_SEED, HighDimTrainer } from '../engine/highdim/trainer';
import { nodeDevice } from '../node/webgpu-node';
import { plannedText, progressText } from './budget';
import type { TrainPlan } from './train-plan';
import { runJson, stderrProgress } from './progress';

export async function trainBall(plan: Extract<TrainPlan, { kind: 'ball' }>): Promise<number> {
  const { problem, config, budget, json, finalTest } = plan;
  const stde = config.stde ?? 'sparse';
  const steps = config.steps;
  const planned = plannedText(steps, budget);
  const gpu = await nodeDevice();
  const trainer = new HighDimTrainer(gpu.device, problem, config);
  const tty = process.stderr.isTTY && !json;
  if (!json) {
    console.log(`${problem.id}: ${problem.equation}`);
    const kind =
      stde === 'dense'
        ? `dense STDE, ${config.randBatch} Rademacher directions per point (W₁v: O(d·width) each)`
        : `sparse STDE, ${config.randBatch} of ${problem.dim} coordinates per point${config.productRule ? ' (product rule: only (1 − |x|²)ΔN sampled, x·∇N from a jet along x)' : ''}`;
    const lrNote = `W₁ at ${+trainer.firstLayerLr.toPrecision(3)}x the learning rate`;
    const ballNote = config.ballSampling === 'radius' ? ', |x| uniform (the STDE release’s points)' : '';
    console.log(`device: ${adapterLabel(gpu.adapter)}; ${kind}; net ${config.depth}x${config.width} tanh, ${config.points} points${ballNote}, ${planned}, ${lrNote}; GPU memory ${(trainer.memoryBytes() / 2 ** 20).toFixed(1)} MiB`);
  }
  const progress = stderrProgress(tty);
  const result = await trainer.run((r) => {
    if (json) return;
    const { step, rest } = progressText(r, steps, budget);
    progress.line(`${step}  loss ${r.loss.toExponential(3)}  L2 rel. error ${r.l2re.toExponential(3)}  ${rest}`);
  }, budget ?? Infinity, { planToDeadline: budget !== null, onEvent: (e) => void (e.type === 'divergence' && progress.notice(e.notice.message)) });
  progress.end();
  const fresh = finalTest > 0 && !result.stopReason.startsWith('diverged') ? await trainer.l2RelativeErrorFresh(finalTest, FRESH_TEST_SEED) : null;
  if (json) {
    process.stdout.write(
      JSON.stringify({
        pde: problem.id,
        dim: problem.dim,
        method: 'stde',
        stde,
        rand_batch: config.randBatch,
        first_layer_lr: trainer.firstLayerLr,
        ball_sampling: config.ballSampling ?? 'volume',
        product_rule: config.productRule === true,
        ...runJson(result, budget),
        steps_per_second: result.steps / result.seconds,
        final_test: fresh && { points: finalTest, l2re: fresh.l2re, standard_error: fresh.standardError },
        memory_bytes: trainer.memoryBytes(),
      }) + '\n',
    );
  } else {
    console.log(`${result.stopReason}: ${result.steps} Adam steps in ${result.seconds.toFixed(1)} s, L2 relative error ${result.l2re.toExponential(3)}`);
    if (fresh) console.log(`on ${finalTest} fresh test points: L2 relative error ${fresh.l2re.toExponential(3)} ± ${fresh.standardError.toExponential(1)} (standard error)`);
  }
  trainer.destroy();
  return result.stopReason.startsWith('diverged') ? 1 : 0;
}
