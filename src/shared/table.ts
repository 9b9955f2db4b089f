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
    return layout.kind === 'seed' ? `${n(b.low)} - ${n(1024n)}*` : `${n(b.low)} and up*`;
  }
  return b.low === b.high ? n(b.low) : `${n(b.low)} - ${n(b.high)}`;
}

/** What the starred last bucket holds: counts are cumulative, so it says what, not when. */
function footnote(layout: Layout, bounds: Bounds[]): string {
  const open = bounds[bounds.length - 1];
  if (layout.kind === 'seed') return '* also counts every size above 1024';
  if (open && open.high === null) return `* counts every size from ${open.low} up`;
  return '';
}

/** The rows to show before any count: enough to see the layout's shape. */
const EMPTY_ROWS = 17;

/**
 * The buckets a table or chart shows unless asked for all: every one of the seed's (the demo's
 * table), and for log2 and linear the range that holds counts with one empty bucket on each
 * side (the first 17 before there is any count). `to` is exclusive.
 */
export function shownRange(layout: Layout, counts: readonly number[]): { from: number; to: number } {
  const n = bucketBounds(layout).length;
  if (layout.kind === 'seed') return { from: 0, to: n };
  const first = counts.findIndex((c) => c > 0);
  if (first < 0) return { from: 0, to: Math.min(n, EMPTY_ROWS) };
  let last = Math.min(n, counts.length) - 1;
  while (last > first && !(counts[last]! > 0)) last--;
  return { from: Math.max(0, first - 1), to: Math.min(n, last + 2) };
}

/** Each bucket's label padded to a shared width (of the rows in `range`), and the column where counts start. */
function paddedRows(layout: Layout, range?: { from: number; to: number }): { labels: string[]; width: number; column: number; bounds: Bounds[] } {
  const bounds = bucketBounds(layout);
  const shown = range ? bounds.slice(range.from, range.to) : bounds;
  const width = Math.max(NUMBER_WIDTH, ...shown.flatMap((b) => [b.low, b.high ?? 0n]).map((v) => `${v}`.length));
  const labels = bounds.map((b) => label(b, width, layout));
  const column = Math.max(COUNT_COLUMN, ...shown.map((b) => label(b, width, layout).length + 2));
  return { labels, width, column, bounds };
}

/**
 * The size table's rows as data, each label as the CLI prints it without the padding that
 * aligns its columns (2 - 3, 961 - 1024*), so the app's table and the CLI's agree row for row.
 */
export function tableRows(layout: Layout, counts: readonly number[]): { label: string; count: number }[] {
  return paddedRows(layout).labels.map((l, i) => ({ label: l.trim().replace(/\s+/g, ' '), count: counts[i] ?? 0 }));
}

/** The line under the table explaining an open-ended last bucket, or '' when there is none. */
export function tableFootnote(layout: Layout): string {
  return footnote(layout, bucketBounds(layout));
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The fewest empty buckets in a row that a log2 or linear table folds into one line. */
const FOLD_RUN = 3;

/**
 * The rows of `range` as a table lists them: each bucket, except that a run of FOLD_RUN or more
 * empty buckets between two counts of a log2 or linear table becomes one line that says how many there are
 * and what they span. The seed table (the demo's), and any table asked for whole (`fold` false),
 * lists every row.
 */
export function tableLines(layout: Layout, counts: readonly number[], range: { from: number; to: number }, fold = true):
  Array<{ bucket: number } | { fold: string }> {
  const bounds = bucketBounds(layout);
  const out: Array<{ bucket: number } | { fold: string }> = [];
  for (let i = range.from; i < range.to;) {
    let end = i;
    while (fold && layout.kind !== 'seed' && end < range.to && !((counts[end] ?? 0) > 0)) end++;
    // Only a run between two counts folds: before any count, the rows show the layout's shape.
    const between = i > 0 && (counts[i - 1] ?? 0) > 0 && end < range.to && (counts[end] ?? 0) > 0;
    if (between && end - i >= FOLD_RUN) {
      const last = bounds[end - 1]!;
      out.push({ fold: `… ${end - i} empty buckets, ${bounds[i]!.low} to ${last.high === null ? `${last.low} and up` : last.high}` });
      i = end;
    } else {
      out.push({ bucket: i });
      i++;
    }
  }
  return out;
}

/** The lines that stand for the buckets a range leaves out, below and above it (null where none are). */
export function leftOut(layout: Layout, range: { from: number; to: number }): { below: string | null; above: string | null } {
  const bounds = bucketBounds(layout);
  const n = bounds.length;
  const top = bounds[n - 1]!;
  return {
    below: range.from > 0 ? `… ${plural(range.from, 'empty bucket')} below ${bounds[range.from]!.low}` : null,
    above: range.to < n
      ? `… ${plural(n - range.to, 'empty bucket')} above, up to ${top.high === null ? `${top.low} and up` : top.high}` : null,
  };
}

/**
 * The size table: header, one row per bucket, and a footnote for an open-ended last bucket.
 * Unless `all`, log2 and linear tables show only shownRange(), and one line each says how many
 * empty buckets were left out below and above it.
 */
export function formatTable(layout: Layout, counts: readonly number[], all = false): string {
  const n = bucketBounds(layout).length;
  const range = all ? { from: 0, to: n } : shownRange(layout, counts);
  const { labels, width, column, bounds } = paddedRows(layout, range);
  const lines = [`${' '.repeat(width + 4)}Size`.padEnd(column) + 'Count'];
  const { below, above } = leftOut(layout, range);
  if (below) lines.push(below);
  for (const line of tableLines(layout, counts, range, !all)) {
    lines.push('fold' in line ? line.fold : labels[line.bucket]!.padEnd(column) + String(counts[line.bucket] ?? 0));
  }
  if (above) lines.push(above);
  const note = range.to === n ? footnote(layout, bounds) : '';
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
  return traceLine(probe, e.comm, e.pid, e.cpu, e.tsUs, e.size);
}

/** formatTraceLine from the fields themselves, as the CLI reads them from trace records. */
export function traceLine(probe: string, comm: string, pid: number, cpu: number, tsUs: number, size: string): string {
  return `${escapeControls(comm)}-${pid} [${String(cpu).padStart(3, '0')}] ${formatTimestamp(tsUs)}: ${probe} size ${size}`;
}
