// Pins down src/renderer/rate.ts: events per second from cumulative counts
// and the times they were seen, as the histogram and trace views show them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCount, formatRate, RateMeter } from '../../src/renderer/rate.js';

test('from two snapshots: the difference over the time between them', () => {
  const meter = new RateMeter();
  assert.equal(meter.rate(), null);
  meter.add(100, 10_000);
  assert.equal(meter.rate(), null, 'one sample says nothing about a rate');
  meter.add(1100, 12_000);
  assert.equal(meter.rate(), 500);
  meter.add(1100, 14_000);
  assert.equal(meter.rate(), 0, 'only the last two snapshots count');
});

test('with a window, the rate spans about that long', () => {
  const meter = new RateMeter(1000);
  // 10 events every 100 ms for 3 s, then a burst of 1000 in the last 100 ms:
  // the rate covers 2100..3100 ms, 90 + 1000 events in one second.
  let count = 0;
  for (let t = 0; t <= 3000; t += 100) meter.add((count += 10), t);
  meter.add((count += 1000), 3100);
  assert.equal(meter.rate(), 1090);
});

test('a count that goes down starts over instead of giving a negative rate', () => {
  const meter = new RateMeter();
  meter.add(500, 1000);
  meter.add(10, 2000);
  assert.equal(meter.rate(), null);
  meter.add(30, 3000);
  assert.equal(meter.rate(), 20);
});

test('samples at the same instant merge', () => {
  const meter = new RateMeter();
  meter.add(0, 1000);
  meter.add(10, 2000);
  meter.add(20, 2000);
  assert.equal(meter.rate(), 20);
});

test('formatRate: whole numbers from 10 (with separators), one decimal below, a dash when unknown', () => {
  assert.equal(formatRate(null), '—');
  assert.equal(formatRate(123456.7), '123,457');
  assert.equal(formatRate(2.345), '2.3');
  assert.equal(formatRate(0), '0');
});

test('formatCount: thousands separators, digits only once they are stripped', () => {
  assert.equal(formatCount(0), '0');
  assert.equal(formatCount(999), '999');
  assert.equal(formatCount(1_500_000), '1,500,000');
  assert.equal(formatCount(1_500_000).replace(/\D/g, ''), '1500000');
});
