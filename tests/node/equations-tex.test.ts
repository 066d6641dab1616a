import { describe, expect, it } from 'vitest';
import { astTex } from '../../src/engine/equations/tex';
import { parseExpression } from '../../src/engine/equations/syntax';

const tex = (text: string) => astTex(parseExpression({ field: 'test', text }));

describe('equations as TeX (the app heading of a problem file)', () => {
  it('derivatives, fractions, powers, Greek names and functions', () => {
    expect(tex('u_xt')).toBe('u_{xt}');
    expect(tex('D(u, x, x, t)')).toBe(String.raw`\frac{\partial^{3} u}{\partial x^{2} \partial t}`);
    expect(tex('lap(u)')).toBe(String.raw`\Delta u`);
    expect(tex('lap(lap(u))')).toBe(String.raw`\Delta^{2} u`);
    expect(tex('lap(u, x, y)')).toBe(String.raw`\Delta_{x,y} u`);
    expect(tex('(a + b) / 2')).toBe(String.raw`\frac{a + b}{2}`);
    expect(tex('-x^2')).toBe('-{x}^{2}');
    expect(tex('(1 - x)^2')).toBe(String.raw`{\left(1 - x\right)}^{2}`);
    expect(tex('lambda * sin(pi * x)')).toBe(String.raw`\lambda \, \sin\left(\pi \, x\right)`);
    expect(tex('a - (b - c)')).toBe(String.raw`a - \left(b - c\right)`);
    expect(tex('sum(x[i]^2, i)')).toBe(String.raw`\sum_{i} {x_{i}}^{2}`);
    expect(tex('2 * 3')).toBe(String.raw`2 \cdot 3`);
  });
});
