/**
 * The learn-bpf demo's text output, for any layout: memcpy_stat's size table and
 * memcpy_kprobe's trace lines. With the seed layout the table is the demo's, to
 * the column.
 */
import { bucketBounds, type Bounds, type Layout } from './buckets.js';
import type { TraceEvent } from './protocol.js';
import { escapeControls } from './safe-text.js';

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

/** Each bucket's label padded to a shared width, and the column where counts start. */
function paddedRows(layout: Layout): { labels: string[]; width: number; column: number; bounds: Bounds[] } {
  const bounds = bucketBounds(layout);
  const width = Math.max(NUMBER_WIDTH, ...bounds.flatMap((b) => [b.low, b.high ?? 0n]).map((v) => `${v}`.length));
  const labels = bounds.map((b) => label(b, width, layout));
  const column = Math.max(COUNT_COLUMN, ...labels.map((l) => l.length + 1));
  return { labels, width, column, bounds };
}

/**
 * The size table's rows as data, label exactly as the CLI prints it but trimmed,
 * so the app's table and the CLI's agree row for row.
 */
export function tableRows(layout: Layout, counts: readonly number[]): { label: string; count: number }[] {
  return paddedRows(layout).labels.map((l, i) => ({ label: l.trim(), count: counts[i] ?? 0 }));
}

/** The line under the table explaining an open-ended last bucket, or '' when there is none. */
export function tableFootnote(layout: Layout): string {
  return footnote(layout, bucketBounds(layout));
}

/** The size table: header, one row per bucket, and a footnote for an open-ended last bucket. */
export function formatTable(layout: Layout, counts: readonly number[]): string {
  const { labels, width, column, bounds } = paddedRows(layout);
  const lines = [`${' '.repeat(width + 4)}Size`.padEnd(column) + 'Count'];
  labels.forEach((l, i) => lines.push(l.padEnd(column) + String(counts[i] ?? 0)));
  const note = footnote(layout, bounds);
  if (note) lines.push(note);
  return lines.join('\n');
}

/** A trace timestamp (microseconds since boot) as the demo prints it: seconds.micros. */
export function formatTimestamp(tsUs: number): string {
  return `${Math.floor(tsUs / 1e6)}.${String(tsUs % 1e6).padStart(6, '0')}`;
}

/**
 * One trace line, shaped like the demo's: `comm-pid [cpu] seconds.micros: probe size N`. Any
 * process can choose its comm, so its control characters are escaped (safe-text.ts); `probe`
 * must already be safe.
 */
export function formatTraceLine(probe: string, e: TraceEvent): string {
  return `${escapeControls(e.comm)}-${e.pid} [${String(e.cpu).padStart(3, '0')}] ${formatTimestamp(e.tsUs)}: ${probe} size ${e.size}`;
}
