/**
 * What the histogram chart draws, built from the shared bucket math: one
 * short label per bucket (from bucketBounds) and the counts as points in
 * chart.js's internal format, so the chart can skip parsing.
 */
import { bucketBounds, type Bounds, type Layout } from '../shared/buckets.js';

const UNITS = ['', 'k', 'M', 'G', 'T', 'P', 'E'];

/** A bound short enough for an axis tick: 65536 stays, 9223372036854775808 becomes 9.22E. */
export function compactNumber(value: bigint): string {
  if (value < 100_000n) return value.toString();
  let unit = 0;
  let scaled = Number(value);
  while (scaled >= 1000 && unit < UNITS.length - 1) {
    scaled /= 1000;
    unit += 1;
  }
  return `${Number(scaled.toPrecision(3))}${UNITS[unit]}`;
}

function chartLabel(b: Bounds): string {
  if (b.high === null) return `${compactNumber(b.low)}+`;
  if (b.low === b.high) return compactNumber(b.low);
  return `${compactNumber(b.low)}-${compactNumber(b.high)}`;
}

/** One axis label per bucket, in bucket order: `0`, `1-64`, …, `961+` for the seed layout. */
export function chartLabels(layout: Layout): string[] {
  return bucketBounds(layout).map(chartLabel);
}

/** A bar in chart.js's internal format: x is the category index, y the count. */
export interface BarPoint {
  x: number;
  y: number;
}

/** One point per bucket; a missing count is 0, so the bars always match the labels. */
export function chartPoints(counts: readonly number[], buckets: number): BarPoint[] {
  return Array.from({ length: buckets }, (_, i) => ({ x: i, y: counts[i] ?? 0 }));
}
