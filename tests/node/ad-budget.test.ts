/**
 * Stacked AD's memory budget: nested gradients record a graph about 3x larger per order, so a
 * high order once ran for minutes and took gigabytes before failing. nestedDerivativesAd estimates
 * its whole graph after order 4 and refuses at once what passes the budget (naming the orders that
 * fit); AdContext stops any graph that grows past its operation or byte budget while recording.
 */
import { describe, expect, it } from 'vitest';
import { AdContext, AdMemoryBudgetError } from '../../src/engine/autodiff/context';
import { adParams, nestedDerivativesAd } from '../../src/engine/autodiff/mlp-ad';
import { fromArray } from '../../src/engine/autodiff/tensor';
import { InputError } from '../../src/engine/errors';
import { GpuMlp } from '../../src/engine/model/gpu-mlp';
import { Mlp } from '../../src/engine/model/mlp';
import { useNodeGpu } from './helpers';

const gpu = useNodeGpu();

function setup(depth: number) {
  const ctx = new AdContext(gpu.device);
  const net = new GpuMlp(gpu.device, Mlp.init({ inputDim: 1, width: 8, depth, outputDim: 1, activation: 'tanh' }, 0));
  const x = fromArray(ctx, new Float32Array([0.1, 0.2]), [2, 1], true);
  return { ctx, net, x };
}

describe('stacked AD memory budget', () => {
  it('refuses an order whose estimated graph passes the budget at once, and the orders it says fit do fit', () => {
    const { ctx, net, x } = setup(3);
    const t0 = performance.now();
    let message = '';
    try {
      nestedDerivativesAd(net, adParams(ctx, net, false), x, null, 20);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      message = (e as Error).message;
    }
    expect(performance.now() - t0).toBeLessThan(20_000);
    const m = /orders up to about (\d+) fit/.exec(message);
    expect(m, message).not.toBeNull();
    const fits = Number(m![1]);
    expect(fits).toBeGreaterThanOrEqual(8);
    expect(fits).toBeLessThan(20);
    ctx.releaseAll();
    // with a budget small enough to run here: the estimate's limit order builds, within the budget
    ctx.budgetOps = 20_000;
    const r = /orders up to about (\d+) fit/.exec((() => {
      try {
        nestedDerivativesAd(net, adParams(ctx, net, false), x, null, 12);
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })());
    expect(r).not.toBeNull();
    ctx.releaseAll();
    const before = ctx.recordedOps;
    nestedDerivativesAd(net, adParams(ctx, net, false), x, null, Number(r![1]));
    expect(ctx.recordedOps - before).toBeLessThanOrEqual(20_000);
    ctx.destroy();
    net.destroy();
  });

  it('stops a graph that grows past the operation budget while it records (a backstop for graphs the estimate does not cover)', () => {
    const { ctx, net, x } = setup(2);
    ctx.budgetOps = 50;
    expect(() => nestedDerivativesAd(net, adParams(ctx, net, false), x, null, 4)).toThrow(/stacked AD's graph passed its budget of 5\.0e\+1 operations .*; at order \d of 4 \(orders up to \d fit/);
    ctx.releaseAll();
    ctx.budgetOps = 1_000_000;
    // and the byte budget on the buffers it allocates
    ctx.budgetBytes = 1024;
    expect(() => {
      for (let i = 0; i < 16; i++) ctx.allocate(1000);
    }).toThrow(AdMemoryBudgetError);
    ctx.destroy();
    net.destroy();
  });
});
