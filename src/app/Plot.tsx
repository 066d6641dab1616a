import { useEffect, useRef } from 'react';
import Plotly from 'plotly.js-dist-min';
import { withAxisDefaults } from './plot-layout';

/** A plotly chart that redraws (Plotly.react) whenever its data or layout change. */
export function Plot(props: { data: unknown[]; layout: Record<string, unknown>; testId?: string; height?: number }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // each chart redraws in a task of its own: several charts updating together would
    // otherwise hold the main thread for one long task while training runs
    const timer = setTimeout(() => {
      if (!ref.current) return;
      void Plotly.react(
        ref.current,
        props.data,
        { margin: { l: 78, r: 20, t: 36, b: 90 }, height: props.height ?? 360, font: { size: 13 }, ...withAxisDefaults(props.layout) },
        { responsive: true, displaylogo: false, toImageButtonOptions: { format: 'png', scale: 2 } },
      );
    }, 0);
    return () => clearTimeout(timer);
  }, [props.data, props.layout, props.height]);
  useEffect(() => {
    const el = ref.current;
    // follow the container's width (a grid column settles after the first draw)
    // (a chart whose view just went away rejects the resize: nothing to redraw then)
    const resize = () => {
      if (el?.isConnected && el.querySelector('.main-svg')) Plotly.Plots.resize(el).catch(() => undefined);
    };
    const observer = typeof ResizeObserver !== 'undefined' && el ? new ResizeObserver(resize) : null;
    if (el) observer?.observe(el);
    return () => {
      observer?.disconnect();
      if (el) Plotly.purge(el);
    };
  }, []);
  return <div ref={ref} className="plot" data-testid={props.testId} />;
}
