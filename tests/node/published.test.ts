import { describe, expect, it } from 'vitest';
import { compileProblem } from '../../src/engine/equations/problem-file';
import { problemById } from '../../src/engine/problems';

const doc = (published: unknown) => ({ id: 'p', inputs: ['x'], outputs: ['u'], domain: { x: [0, 1] }, equations: ['u_xx = 0'], conditions: [], published });

describe('published errors beside a problem (the app draws them as reference lines)', () => {
  it('a valid list is kept, with its sources; shipped problems carry theirs', () => {
    expect(compileProblem(doc([{ l2re: 0.0145, source: 'PINNacle, plain PINN' }])).problem.published).toEqual([{ l2re: 0.0145, source: 'PINNacle, plain PINN' }]);
    expect(problemById('burgers-1d')!.published![0].source).toMatch(/PINNacle/);
    expect(problemById('allen-cahn-1d')!.published!.map((p) => p.l2re)).toEqual([0.517, 5.37e-5]);
  });

  it('malformed entries are refused with the field named', () => {
    expect(() => compileProblem(doc({ l2re: 1 }))).toThrow(/published.*must be a list/);
    expect(() => compileProblem(doc([{ l2re: -1, source: 'x' }]))).toThrow(/published\[0\]\.l2re.*positive number/);
    expect(() => compileProblem(doc([{ l2re: 0.1 }]))).toThrow(/published\[0\]\.source.*must name the source/);
    expect(() => compileProblem(doc([{ l2re: 0.1, source: 'x', url: 'y' }]))).toThrow(/published\[0\]\.url.*is not a field/);
  });
});
