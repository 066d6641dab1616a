import { describe, expect, it } from 'vitest';
import { useNodeGpu } from './helpers';
import { Mlp } from '../../src/engine/model/mlp';
import { caseLabel, checkJetCase, JET_CHECK_CASES } from '../../src/engine/selftest';
import { composeFaaDiBruno, activationDerivatives } from '../../src/engine/jets/jet-f64';

const gpu = useNodeGpu();

describe('taylorJetForward matches the f64 Faa di Bruno reference', () => {
  // both kernel families on every device: CI's SwiftShader would otherwise only run the direct one
  const cases = JET_CHECK_CASES.flatMap((c) => (['tiled', 'direct'] as const).map((kernels) => ({ ...c, kernels })));
  it.each(cases.map((c) => [caseLabel(c), c] as const))('%s', async (_label, c) => {
    const r = await checkJetCase(gpu.device, c);
    r.errors.forEach((e, k) => expect(e, `order ${k}`).toBeLessThanOrEqual(r.tolerance));
  });

  it('can fail: a parameter perturbed by 0.1% in the reference is caught', async () => {
    const r = await checkJetCase(
      gpu.device,
      { inputDim: 1, width: 24, depth: 3, activation: 'tanh', order: 6, sharedDirection: true },
      (mlp) => {
        const p = mlp.params.slice();
        p[5] *= 1.001;
        return new Mlp(mlp.sizes, mlp.activation, p);
      },
    );
    expect(r.pass).toBe(false);
  });
});

describe('the f64 reference itself', () => {
  it('composes tanh(t) to the known series t - t^3/3 + 2t^5/15 - 17t^7/315', () => {
    const n = 7;
    const a = [0, 1, 0, 0, 0, 0, 0, 0];
    const c = composeFaaDiBruno(activationDerivatives('tanh', 0, n), a);
    const expected = [0, 1, 0, -1 / 3, 0, 2 / 15, 0, -17 / 315];
    c.forEach((v, k) => expect(v).toBeCloseTo(expected[k], 14));
  });

  it('composes sin(2t + t^2) against a direct Taylor expansion by finite sums', () => {
    // sin(2t + t^2) = 2t + t^2 - (8/6) t^3 - 2 t^4 + ... ; check against numeric derivatives of a high-precision series
    const n = 4;
    const c = composeFaaDiBruno(activationDerivatives('sin', 0, n), [0, 2, 1, 0, 0]);
    // coefficients: t: 2; t^2: 1; t^3: -(2^3)/6 = -4/3; t^4: -(3 * 2^2 * 1)/6 = -2
    [0, 2, 1, -4 / 3, -2].forEach((v, k) => expect(c[k]).toBeCloseTo(v, 14));
  });
});
