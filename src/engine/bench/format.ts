import type { BenchRow } from './ad-vs-ntp';

const fmtMs = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v < 10 ? v.toFixed(3) : v.toFixed(1));
const fmtBytes = (v: number | null | undefined) =>
  v === null || v === undefined ? '-' : v >= 1 << 20 ? `${(v / (1 << 20)).toFixed(1)} MiB` : `${(v / 1024).toFixed(0)} KiB`;

/** A Markdown table of the AD-vs-nTP benchmark (docs/BENCHMARKS.md and the CLI print the same). */
export function formatBenchTable(rows: BenchRow[], timer: string): string {
  const lines = [
    `| n | AD ms | nTP ms | AD/nTP | AD graph ops | nTP kernels | AD peak bytes | nTP bytes |`,
    `|---|---|---|---|---|---|---|---|`,
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.order} | ${fmtMs(r.ad?.ms)} | ${fmtMs(r.ntp.ms)} | ${r.ratio === null ? '-' : r.ratio.toFixed(2)} | ${r.ad?.ops ?? '-'} | ${r.ntp.ops} | ${fmtBytes(r.ad?.bytes)} | ${fmtBytes(r.ntp.bytes)} |`,
    );
  }
  lines.push(`(ms: median per step, ${timer})`);
  return lines.join('\n');
}
