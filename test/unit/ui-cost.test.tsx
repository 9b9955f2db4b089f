// Pins down src/renderer/cost.ts: nanoseconds per run and the share of one CPU, on fixed numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuPercent, formatNs, formatPercent, nsPerRun } from '../../src/renderer/cost.js';

test('ns per run is run time over run count, and unknown before the first run', () => {
  assert.equal(nsPerRun({ runCnt: 4, runTimeNs: 1000 }), 250);
  assert.equal(nsPerRun({ runCnt: 0, runTimeNs: 0 }), null);
});

test('the CPU share is the run time between two readings over the wall time between them', () => {
  const first = { cost: { runCnt: 10, runTimeNs: 5_000_000 }, at: 1000 };
  // 20 ms of runs in 2 s of wall time: 1 % of one CPU.
  assert.equal(cpuPercent(first, { cost: { runCnt: 50, runTimeNs: 25_000_000 }, at: 3000 }), 1);
  assert.equal(cpuPercent(null, first), null, 'no earlier reading');
  assert.equal(cpuPercent(first, { ...first, at: 1000 }), null, 'no time between them');
  assert.equal(cpuPercent(first, { cost: { runCnt: 1, runTimeNs: 1 }, at: 2000 }), null, 'counters that went back (statistics restarted)');
});

test('figures read as people write them', () => {
  assert.deepEqual([formatNs(null), formatNs(701.4), formatNs(12_345), formatNs(1_300_000), formatNs(2.5e9)], ['—', '701 ns', '12.3 µs', '1.3 ms', '2.50 s']);
  assert.deepEqual([formatPercent(null), formatPercent(0.004), formatPercent(0), formatPercent(1.234), formatPercent(12.34)], ['—', '< 0.01 %', '0.00 %', '1.23 %', '12.3 %']);
});
