declare module 'plotly.js-dist-min' {
  const Plotly: {
    react(root: HTMLElement, data: unknown[], layout?: unknown, config?: unknown): Promise<unknown>;
    purge(root: HTMLElement): void;
    Plots: { resize(root: HTMLElement): Promise<unknown> };
    downloadImage(root: HTMLElement, opts: { format: string; filename: string; width?: number; height?: number }): Promise<string>;
  };
  export default Plotly;
}
