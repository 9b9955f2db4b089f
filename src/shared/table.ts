/**
 * The learn-bpf demo's text output, for any layout: memcpy_stat's size table and
 * memcpy_kprobe's trace lines. With the seed layout the table is the demo's, to
 * the column.
 */
import { bucketBounds, type Bounds, type Layout } from './buckets.js';
import type { TraceEvent } from './protocol.js';

const COUNT_COLUMN = 24;
const NUMBER_WIDTH = 4;

function label(b: Bounds, width: number, layout: Layout): string {
  const n = (v: bigint): string => v.toString().padStart(width);
  if (b.high === null) {
    // The seed folds everything above 1024 into its last bucket and says so with a star.
    return layout.kind === 'seed' ? `${n(b.low)} - ${n(1024n)}*` : `${n(b.low)} - ${'max'.padStart(width)}*`;
  }
  return b.low === b.high ? n(b.low) : `${n(b.low)} - ${n(b.high)}`;
}

function footnote(layout: Layout, bounds: Bounds[]): string {
  const open = bounds[bounds.length - 1];
  if (layout.kind === 'seed') return '* Size > 1024 have been counted in this interval';
  if (open && open.high === null) return `* Size >= ${open.low} have been counted in this interval`;
  return '';
}

/** The size table: header, one row per bucket, and a footnote for an open-ended last bucket. */
export function formatTable(layout: Layout, counts: readonly number[]): string {
  const bounds = bucketBounds(layout);
  const width = Math.max(NUMBER_WIDTH, ...bounds.flatMap((b) => [b.low, b.high ?? 0n]).map((v) => `${v}`.length));
  const labels = bounds.map((b) => label(b, width, layout));
  const column = Math.max(COUNT_COLUMN, ...labels.map((l) => l.length + 1));
  const lines = [`${' '.repeat(width + 4)}Size`.padEnd(column) + 'Count'];
  labels.forEach((l, i) => lines.push(l.padEnd(column) + String(counts[i] ?? 0)));
  const note = footnote(layout, bounds);
  if (note) lines.push(note);
  return lines.join('\n');
}

/** One trace line, shaped like the demo's: `comm-pid [cpu] seconds.micros: probe size N`. */
export function formatTraceLine(probe: string, e: TraceEvent): string {
  const seconds = Math.floor(e.tsUs / 1e6);
  const micros = String(e.tsUs % 1e6).padStart(6, '0');
  return `${e.comm}-${e.pid} [${String(e.cpu).padStart(3, '0')}] ${seconds}.${micros}: ${probe} size ${e.size}`;
}
