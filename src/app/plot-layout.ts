/** Layout defaults every chart shares (plain functions: no plotly, no DOM). */

/**
 * Every axis of a layout, with what every chart shares unless the layout says otherwise: log
 * axes label their ticks as powers of ten (10⁻³, 1.5×10¹⁰), where plotly's default SI letters
 * read "15B" or "1µ", which a loss or an error should not. (Room for long labels such as
 * 1.495×10¹⁰ comes from Plot's left margin: automargin's second layout pass lengthened the
 * main-thread tasks of a training chart past the responsiveness test's 250 ms.)
 */
export function withAxisDefaults(layout: Record<string, unknown>): Record<string, unknown> {
  const out = { ...layout };
  for (const key of ['xaxis', 'yaxis', ...Object.keys(layout).filter((k) => /^[xy]axis\d+$/.test(k))]) {
    const axis = (layout[key] ?? {}) as Record<string, unknown>;
    out[key] = { ...(axis.type === 'log' ? { exponentformat: 'power' } : {}), ...axis };
  }
  return out;
}
