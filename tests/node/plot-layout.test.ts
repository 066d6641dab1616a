import { describe, expect, it } from 'vitest';
import { withAxisDefaults } from '../../src/app/plot-layout';

describe('chart layout defaults', () => {
  it('log axes (x, y and numbered ones) label powers of ten; every axis makes room for its labels; what the layout says is kept', () => {
    const layout = { title: { text: 't' }, xaxis: { title: { text: 'step' } }, yaxis: { type: 'log' }, yaxis2: { type: 'log', exponentformat: 'e' }, xaxis3: { type: 'log', automargin: false } };
    const out = withAxisDefaults(layout);
    expect(out.yaxis).toEqual({ type: 'log', exponentformat: 'power', automargin: true });
    expect(out.xaxis3).toEqual({ type: 'log', exponentformat: 'power', automargin: false });
    expect(out.yaxis2).toEqual({ type: 'log', exponentformat: 'e', automargin: true });
    expect(out.xaxis).toEqual({ title: { text: 'step' }, automargin: true });
    expect(out.title).toBe(layout.title);
    // the caller's layout is not changed (charts share layout constants)
    expect(layout.yaxis).toEqual({ type: 'log' });
    // a layout without axes still gets both
    expect(withAxisDefaults({})).toEqual({ xaxis: { automargin: true }, yaxis: { automargin: true } });
  });
});
