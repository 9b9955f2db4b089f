// Pins down the trace list's filtered view (src/renderer/filtered-index.ts):
// new events are tested once as they arrive, a narrowing filter re-tests only
// the current matches, and matches the ring overwrites leave the front and
// are counted, so a list scrolled up can hold the same events in sight.
import { traceRecords } from './trace-frames.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TraceEvent } from '../../src/shared/protocol.js';
import { EventRing } from '../../src/renderer/event-ring.js';
import { FilteredIndex, type TraceView } from '../../src/renderer/filtered-index.js';
import { parseTraceFilter, type TraceFilterInput } from '../../src/renderer/trace-filter.js';

function ev(i: number): TraceEvent {
  return { tsUs: 1_000_000 + i, cpu: i % 4, pid: 100 + (i % 3), tid: 100 + (i % 3), comm: i % 2 ? 'cat' : 'bash', size: String(i) };
}

function sizes(view: TraceView): string[] {
  return Array.from({ length: view.length }, (_, i) => view.at(i)!.size);
}

function filter(input: Partial<TraceFilterInput>) {
  return parseTraceFilter({ comm: '', pid: '', minSize: '', maxSize: '', ...input }).filter;
}

test('new events are tested once as they arrive, not by rescanning the ring', () => {
  const ring = new EventRing(1000);
  const index = new FilteredIndex(ring, filter({ comm: 'cat' }));
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 100; i++) ring.push(traceRecords([ev(round * 100 + i)]), 1);
    index.sync();
  }
  assert.equal(index.tested, 500);
  assert.equal(index.length, 250);
});

test('a filter that narrows the last one re-tests only the current matches', () => {
  const ring = new EventRing(1000);
  for (let i = 0; i < 1000; i++) ring.push(traceRecords([ev(i)]), 1);
  const index = new FilteredIndex(ring, filter({ comm: 'ca' }));
  assert.equal(index.tested, 1000);
  index.setFilter(filter({ comm: 'cat', minSize: '500' }));
  assert.equal(index.tested, 1000 + 500, 'only the 500 "ca" matches are tested again');
  assert.equal(index.length, 250);
  assert.ok(sizes(index).every((s) => Number(s) >= 500 && Number(s) % 2 === 1));
  // Widening again needs the whole ring.
  index.setFilter(filter({ comm: 'bash' }));
  assert.equal(index.tested, 1500 + 1000);
  assert.equal(index.length, 500);
});

test('matches the ring has overwritten drop out of the filtered view', () => {
  const ring = new EventRing(10);
  const index = new FilteredIndex(ring, filter({ comm: 'bash' }));
  for (let i = 0; i < 25; i++) ring.push(traceRecords([ev(i)]), 1);
  index.sync();
  assert.deepEqual(sizes(index), ['16', '18', '20', '22', '24']);
});

test('dropped counts the matches that fell off the front, so a scrolled-up list can hold still', () => {
  const ring = new EventRing(10);
  const index = new FilteredIndex(ring, filter({ comm: 'bash' }));
  for (let i = 0; i < 10; i++) ring.push(traceRecords([ev(i)]), 1);
  index.sync();
  assert.equal(index.dropped, 0, 'nothing overwritten yet');
  for (let i = 10; i < 15; i++) ring.push(traceRecords([ev(i)]), 1);
  index.sync();
  // The ring now holds 5..14: the matches 0, 2 and 4 are gone, and row 0 is what was row 3.
  assert.equal(index.dropped, 3);
  assert.equal(index.at(0)!.size, '6');
  // Events that never matched do not count; a new filter does not either.
  index.setFilter(filter({ comm: 'bash', minSize: '10' }));
  assert.equal(index.dropped, 3);
  for (let i = 15; i < 23; i++) ring.push(traceRecords([ev(i)]), 1);
  index.sync();
  assert.equal(index.dropped, 5, 'the matches 10 and 12 fell off');
  assert.deepEqual(sizes(index), ['14', '16', '18', '20', '22']);
});

test('size bounds hold across the 32-bit boundary and up to 2^64 - 1, and comm folds ASCII letters only', () => {
  const sizes = [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 32n + 1n, 2n ** 53n + 1n, 2n ** 64n - 1n];
  const comms = ['Cat', 'CAT', 'bash', 'Äpfel', 'äpfel', 'x'];
  const ring = new EventRing(100);
  const events = sizes.flatMap((s, i) => comms.map((comm, j) => ({ ...ev(i * 10 + j), comm, size: s.toString() })));
  for (const e of events) ring.push(traceRecords([e]), 1);
  const shown = (input: Partial<TraceFilterInput>): string[] => {
    const view = new FilteredIndex(ring, filter(input));
    return Array.from({ length: view.length }, (_, i) => `${view.at(i)!.comm}:${view.at(i)!.size}`);
  };
  // The oracle: BigInt bounds, and the comm with only A-Z lowered.
  const fold = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const want = (min: bigint | null, max: bigint | null, comm = ''): string[] => events
    .filter((e) => (min === null || BigInt(e.size) >= min) && (max === null || BigInt(e.size) <= max) && fold(e.comm).includes(fold(comm)))
    .map((e) => `${e.comm}:${e.size}`);
  for (const [min, max] of [[2n ** 32n, null], [null, 2n ** 32n - 1n], [2n ** 32n - 1n, 2n ** 32n + 1n], [2n ** 64n - 1n, null], [1n, 1n]] as const) {
    assert.deepEqual(shown({ minSize: min?.toString() ?? '', maxSize: max?.toString() ?? '' }), want(min, max), `${min}..${max}`);
  }
  assert.deepEqual(shown({ comm: 'cAt' }), want(null, null, 'cat'), 'ASCII letters in any case');
  assert.deepEqual(shown({ comm: 'äpf' }), want(null, null, 'äpf'), 'other letters exactly: äpfel, not Äpfel');
  assert.equal(shown({ comm: 'äpf' }).length, sizes.length);
});
