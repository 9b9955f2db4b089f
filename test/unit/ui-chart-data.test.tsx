// Pins down what the histogram chart draws (src/renderer/chart-data.ts): one
// label per bucket from bucketBounds, and one point per bucket in chart.js's
// internal format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketBounds, bucketCount, parseLayout } from '../../src/shared/buckets.js';
import { chartLabels, chartPoints, compactNumber } from '../../src/renderer/chart-data.js';

test('seed labels: the demo buckets, the last one open', () => {
  const labels = chartLabels(parseLayout('seed'));
  assert.equal(labels.length, 17);
  assert.deepEqual(labels.slice(0, 3), ['0', '1-64', '65-128']);
  assert.equal(labels[15], '897-960');
  assert.equal(labels[16], '961+');
});

test('every layout gets exactly one label per bucket, following its bounds', () => {
  for (const text of ['seed', 'log2', 'linear:100:1000:100', 'linear:0:64:8']) {
    const layout = parseLayout(text);
    const labels = chartLabels(layout);
    const bounds = bucketBounds(layout);
    assert.equal(labels.length, bucketCount(layout), text);
    bounds.forEach((b, i) => {
      const label = labels[i]!;
      if (b.high === null) assert.ok(label.endsWith('+'), `${text} ${label}`);
      else if (b.low === b.high) assert.ok(!label.includes('-'), `${text} ${label}`);
      else assert.ok(label.startsWith(`${compactNumber(b.low)}-`), `${text} ${label}`);
    });
  }
});

test('linear labels: the underflow bucket below MIN, then STEP-wide ones, then MAX and up', () => {
  assert.deepEqual(chartLabels(parseLayout('linear:100:400:100')), ['0-99', '100-199', '200-299', '300-399', '400+']);
});

test('log2 labels stay short even for 20-digit bounds', () => {
  const labels = chartLabels(parseLayout('log2'));
  assert.deepEqual(labels.slice(0, 4), ['0', '1', '2-3', '4-7']);
  assert.equal(labels[17], '65536-131k');
  assert.equal(labels[64], '9.22E-18.4E');
  assert.ok(labels.every((l) => l.length <= 13), labels.find((l) => l.length > 13));
});

test('compactNumber keeps small numbers exact and abbreviates large ones', () => {
  assert.equal(compactNumber(99_999n), '99999');
  assert.equal(compactNumber(1_048_575n), '1.05M');
  assert.equal(compactNumber(18446744073709551615n), '18.4E');
});

test('points: x is the bucket index, y the count; missing counts are 0', () => {
  assert.deepEqual(chartPoints([5, 0, 7], 4), [{ x: 0, y: 5 }, { x: 1, y: 0 }, { x: 2, y: 7 }, { x: 3, y: 0 }]);
  assert.equal(chartPoints([1, 2, 3, 4, 5], 2).length, 2, 'never more points than buckets');
});
