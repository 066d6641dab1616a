import { describe, expect, it } from 'vitest';
import { KNOWN_COMMANDS, texToMathML } from '../../src/app/tex';
import { HIGHDIM_PROBLEMS, PROBLEMS, problemWith } from '../../src/engine/problems';

/** Tags open and close in order (a tiny well-formedness check). */
function balanced(xml: string): boolean {
  const stack: string[] = [];
  for (const m of xml.matchAll(/<(\/?)([a-z]+)[^>]*>/g)) {
    if (m[1]) {
      if (stack.pop() !== m[2]) return false;
    } else stack.push(m[2]);
  }
  return stack.length === 0;
}

describe('TeX to MathML', () => {
  it('typesets fractions, scripts, primes, Greek letters and functions', () => {
    expect(texToMathML(String.raw`\frac{a}{2}`)).toBe('<math><mfrac><mi>a</mi><mn>2</mn></mfrac></math>');
    expect(texToMathML('x_i^2')).toBe('<math><msubsup><mi>x</mi><mi>i</mi><mn>2</mn></msubsup></math>');
    expect(texToMathML("u''")).toBe('<math><msup><mi>u</mi><mo>′′</mo></msup></math>');
    expect(texToMathML(String.raw`-\lambda \sin(\pi x)`)).toBe(
      '<math><mrow><mo>−</mo><mi>λ</mi><mi mathvariant="normal">sin</mi><mo>(</mo><mi>π</mi><mi>x</mi><mo>)</mo></mrow></math>',
    );
    expect(texToMathML(String.raw`u_{xx} \text{ on } [0, 1]`)).toContain('<msub><mi>u</mi><mrow><mi>x</mi><mi>x</mi></mrow></msub><mtext>\u00a0on\u00a0</mtext>');
  });

  it('escapes markup and shows unknown commands as text, never as markup', () => {
    expect(texToMathML(String.raw`x \in \mathbb{R}^{d}`)).toContain('<mi mathvariant="normal">ℝ</mi>');
    expect(texToMathML(String.raw`a<b \foo`)).toBe('<math><mrow><mi>a</mi><mo>&lt;</mo><mi>b</mi><mtext>foo</mtext></mrow></math>');
  });

  it.each([...PROBLEMS, ...HIGHDIM_PROBLEMS, problemWith('poisson-nd', { dim: 12 })!, problemWith('burgers-selfsimilar', { k: 2 })!].map((p) => [p.title, p] as const))(
    '%s: its equation has TeX with known commands only, and well-formed MathML',
    (_t, p) => {
      expect(p.tex).toBeTruthy();
      for (const m of p.tex!.matchAll(/\\([A-Za-z]+)/g)) expect(KNOWN_COMMANDS, m[1]).toContain(m[1]);
      expect(balanced(texToMathML(p.tex!))).toBe(true);
    },
  );
});
