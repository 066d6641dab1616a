/** Layout defaults every chart shares (plain functions: no plotly, no DOM). */

/**
 * Every axis of a layout, with what every chart shares unless the layout says otherwise: log
 * axes label their ticks as powers of ten (10⁻³, 1.5×10¹⁰), where plotly's default SI letters
 * read "15B" or "1µ", which a loss or an error should not; and each axis makes room for its
 * tick labels (automargin), which long powers of ten otherwise lose at the chart's edge.
 */
export function withAxisDefaults(layout: Record<string, unknown>): Record<string, unknown> {
  const out = { ...layout };
  for (const key of ['xaxis', 'yaxis', ...Object.keys(layout).filter((k) => /^[xy]axis\d+$/.test(k))]) {
    const axis = (layout[key] ?? {}) as Record<string, unknown>;
    out[key] = { automargin: true, ...(axis.type === 'log' ? { exponentformat: 'power' } : {}), ...axis };
  }
  return out;
}
