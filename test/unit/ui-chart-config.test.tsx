// Pins down the histogram chart's configuration (src/renderer/chart-config.ts)
// against chart.js's performance guidance: updated at every snapshot, it must
// not animate and must not parse, its data being normalized internal points.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLayout } from '../../src/shared/buckets.js';
import { tableRows } from '../../src/shared/table.js';
import { barChartConfig } from '../../src/renderer/chart-config.js';
import { chartLabels } from '../../src/renderer/chart-data.js';

const theme = { bar: '#123456', text: '#111', grid: '#eee', font: 'sans-serif' };
const layout = parseLayout('seed');
const labels = chartLabels(layout);
const exact = tableRows(layout, []).map((r) => r.label);
const bucketName = (i: number): string => exact[i] ?? '';

test('no animation, no parsing, normalized data', () => {
  const options = barChartConfig(labels, bucketName, theme).options!;
  assert.equal(options.animation, false);
  assert.equal(options.parsing, false);
  assert.equal(options.normalized, true);
  assert.equal(options.plugins?.tooltip?.animation, false, 'tooltips do not animate either');
});

test('one zero bar per bucket in internal {x, y} form, in the theme colour', () => {
  const { data } = barChartConfig(labels, bucketName, theme);
  assert.equal(data.labels, labels);
  const dataset = data.datasets[0]!;
  assert.equal(dataset.data.length, labels.length);
  assert.deepEqual(dataset.data[3], { x: 3, y: 0 });
  assert.equal(dataset.backgroundColor, theme.bar);
});

test('tooltips name the bucket as the table does and write the count with separators', () => {
  const callbacks = barChartConfig(labels, bucketName, theme).options!.plugins!.tooltip!.callbacks!;
  const item = { dataIndex: 16, parsed: { x: 16, y: 1234567 } };
  const title = (callbacks.title as unknown as (items: unknown[]) => string)([item]);
  const label = (callbacks.label as unknown as (item: unknown) => string)(item);
  assert.equal(title, `Size ${exact[16]}`);
  assert.equal(label, 'Count 1,234,567');
});

test('both axes say what they count, and labels turn before any is left out', () => {
  const { x, y } = barChartConfig(labels, bucketName, theme).options!.scales!;
  assert.deepEqual([x?.title?.display, x?.title?.text, y?.title?.display, y?.title?.text], [true, 'Size (bytes)', true, 'Count']);
  const ticks = x?.ticks as { maxRotation?: number; autoSkip?: boolean };
  assert.equal(ticks.maxRotation, 45, 'a label may turn to fit');
  assert.equal(ticks.autoSkip, true, 'only what still does not fit is left out');
});
