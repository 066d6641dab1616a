import { describe, expect, it } from 'vitest';
import { withAxisDefaults } from '../../src/app/plot-layout';

describe('chart layout defaults', () => {
  it('log axes (x, y and numbered ones) label powers of ten; linear axes and explicit formats are kept', () => {
    const layout = { title: { text: 't' }, xaxis: { title: { text: 'step' } }, yaxis: { type: 'log' }, yaxis2: { type: 'log', exponentformat: 'e' }, xaxis3: { type: 'log' } };
    const out = withAxisDefaults(layout);
    expect(out.yaxis).toEqual({ type: 'log', exponentformat: 'power' });
    expect(out.xaxis3).toEqual({ type: 'log', exponentformat: 'power' });
    expect(out.yaxis2).toEqual({ type: 'log', exponentformat: 'e' });
    expect(out.xaxis).toEqual({ title: { text: 'step' } });
    expect(out.title).toBe(layout.title);
    // the caller's layout is not changed (charts share layout constants)
    expect(layout.yaxis).toEqual({ type: 'log' });
  });
});
