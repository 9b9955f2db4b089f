// Pins down the renderer's trace store (src/renderer/trace-store.ts and the
// ring under it): it keeps only the newest events, filters by comm, pid and
// size range, pause freezes the view while the counts go on, and the rate
// counts what reached the backend. The filtered index has its own file.
import { traceRecords } from './trace-frames.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TraceBatch } from '../../src/shared/lab-api.js';
import type { TraceEvent } from '../../src/shared/protocol.js';
import { EventRing } from '../../src/renderer/event-ring.js';
import type { TraceView } from '../../src/renderer/filtered-index.js';
import { NO_FILTER, parseTraceFilter, type TraceFilterInput } from '../../src/renderer/trace-filter.js';
import { TRACE_CAPACITY, TraceStore } from '../../src/renderer/trace-store.js';

function ev(i: number, over: Partial<TraceEvent> = {}): TraceEvent {
  return { tsUs: 1_000_000 + i, cpu: i % 4, pid: 100 + (i % 3), tid: 100 + (i % 3), comm: i % 2 ? 'cat' : 'bash', size: String(i), ...over };
}

/** passed: the session's cumulative count that reached the backend (0: the test does not care). */
function batch(events: TraceEvent[], at: number, lost = 0, passed = 0): TraceBatch {
  return { session: 1, count: events.length, records: traceRecords(events), lost, passed, at };
}

function sizes(view: TraceView): string[] {
  return Array.from({ length: view.length }, (_, i) => view.at(i)!.size);
}

function filter(input: Partial<TraceFilterInput>) {
  return parseTraceFilter({ comm: '', pid: '', minSize: '', maxSize: '', ...input }).filter;
}

test('the renderer keeps the newest 50,000 events', () => {
  assert.equal(TRACE_CAPACITY, 50_000);
  assert.equal(new TraceStore().capacity, 50_000);
});

test('the ring keeps only the newest events, in order, and forgets overwritten ones', () => {
  const ring = new EventRing(4);
  for (let i = 0; i < 10; i++) ring.push(traceRecords([ev(i)]), 1);
  assert.equal(ring.size, 4);
  assert.equal(ring.oldestSeq, 6);
  assert.equal(ring.nextSeq, 10);
  assert.deepEqual([6, 7, 8, 9].map((s) => ring.event(s)!.size), ['6', '7', '8', '9']);
  assert.equal(ring.event(5), undefined);
  assert.equal(ring.event(10), undefined);
});

test('the store is bounded but counts every event it received', () => {
  const store = new TraceStore({ capacity: 100 });
  store.append(batch(Array.from({ length: 250 }, (_, i) => ev(i)), 1000));
  store.append(batch(Array.from({ length: 30 }, (_, i) => ev(250 + i)), 1016));
  assert.equal(store.received, 280);
  const shown = sizes(store.view());
  assert.equal(shown.length, 100);
  assert.equal(shown[0], '180');
  assert.equal(shown[99], '279');
});

test('filters by comm substring (any case), pid, and size range', () => {
  const store = new TraceStore({ capacity: 1000 });
  store.append(batch([
    ev(1, { comm: 'nginx', pid: 7, size: '10' }),
    ev(2, { comm: 'NGINX-worker', pid: 8, size: '4096' }),
    ev(3, { comm: 'bash', pid: 7, size: '64' }),
    ev(4, { comm: 'nginx', pid: 7, size: '18446744073709551615' }),
  ], 1));
  store.setFilter(filter({ comm: 'ngin' }));
  assert.deepEqual(sizes(store.view()), ['10', '4096', '18446744073709551615']);
  store.setFilter(filter({ pid: '7' }));
  assert.deepEqual(sizes(store.view()), ['10', '64', '18446744073709551615']);
  store.setFilter(filter({ minSize: '64', maxSize: '4096' }));
  assert.deepEqual(sizes(store.view()), ['4096', '64']);
  // u64 sizes compare exactly, beyond what a double can hold.
  store.setFilter(filter({ minSize: '18446744073709551614' }));
  assert.deepEqual(sizes(store.view()), ['18446744073709551615']);
  store.setFilter(filter({ comm: 'nginx', pid: '7', maxSize: '100' }));
  assert.deepEqual(sizes(store.view()), ['10']);
  store.setFilter(NO_FILTER);
  assert.equal(store.view().length, 4);
});

test('bad filter fields are reported and constrain nothing', () => {
  const { filter: f, errors } = parseTraceFilter({ comm: '', pid: 'x1', minSize: '-5', maxSize: '99999999999999999999' });
  assert.deepEqual(f, NO_FILTER);
  assert.ok(errors.pid && errors.minSize && errors.maxSize, JSON.stringify(errors));
  const crossed = parseTraceFilter({ comm: '', pid: '', minSize: '100', maxSize: '10' });
  assert.equal(crossed.filter.min, '100');
  assert.equal(crossed.filter.max, null);
  assert.match(crossed.errors.maxSize!, /Min size/);
});

test('the view version stands still while paused, though batches keep counting', () => {
  const store = new TraceStore({ capacity: 10 });
  store.append(batch([ev(0)], 1));
  store.pause();
  const { version, viewVersion } = store;
  store.append(batch([ev(1), ev(2)], 2));
  assert.equal(store.viewVersion, viewVersion, 'the frozen list has nothing new to draw');
  assert.ok(store.version > version, 'the counters have');
  store.resume();
  assert.ok(store.viewVersion > viewVersion);
  store.append(batch([ev(3)], 3));
  assert.equal(store.viewVersion, viewVersion + 2, 'live, each batch may change the list');
});

test('pause freezes the list, counts keep going, resume shows the newest', () => {
  const store = new TraceStore({ capacity: 10 });
  store.append(batch([ev(0), ev(1), ev(2)], 1000, 1, 3));
  store.pause();
  assert.ok(store.paused);
  store.append(batch(Array.from({ length: 20 }, (_, i) => ev(3 + i)), 1100, 4, 25));
  assert.deepEqual(sizes(store.view()), ['0', '1', '2'], 'the paused list still shows what it showed');
  assert.equal(store.received, 23);
  assert.deepEqual([store.dropped, store.notReceived], [4, 2], 'dropped = TraceBatch.lost; not received: the 2 that passed the backend but never came');
  // Filters still apply to the frozen list.
  store.setFilter(filter({ comm: 'cat' }));
  assert.deepEqual(sizes(store.view()), ['1']);
  store.resume();
  assert.equal(store.paused, false);
  assert.deepEqual(sizes(store.view()), ['13', '15', '17', '19', '21']);
});

test('dropped is cumulative: the latest batch counts, not the sum of batches', () => {
  const store = new TraceStore({ capacity: 10 });
  store.append(batch([ev(0)], 1, 5, 2));
  store.append(batch([ev(1)], 2, 7, 3));
  assert.deepEqual([store.dropped, store.notReceived], [7, 1]);
  store.finish({ seen: 20, lost: 9, missed: 0 });
  assert.equal(store.dropped, 9, "the helper's final count replaces a smaller live one");
});

test('rate: events per second from batch times; 0 once batches stop; none after the end', () => {
  let now = 0;
  const store = new TraceStore({ capacity: 100_000, now: () => now });
  assert.equal(store.rate(), null);
  for (let t = 0; t <= 1000; t += 100) store.append(batch(Array.from({ length: 50 }, (_, i) => ev(i)), 5000 + t));
  assert.equal(store.rate(), 500);
  now = 5000;
  assert.equal(store.rate(), 0);
  store.finish(undefined);
  assert.equal(store.rate(), null);
});

test('rate counts what reached the backend: received here, and not received on the way', () => {
  const store = new TraceStore({ capacity: 100_000, now: () => 0 });
  // 50 events a batch reach the page and, by the cumulative count, 50 more a batch were dropped.
  for (let t = 0; t <= 1000; t += 100) store.append(batch(Array.from({ length: 50 }, (_, i) => ev(i)), t, 0, t + 50));
  assert.equal(store.rate(), 1000);
  assert.equal(store.received, 550);
});

test('what passed the backend but never came is not received: skipped frames, a reconnect, events after the last batch', () => {
  const store = new TraceStore({ capacity: 1000 });
  store.append(batch(Array.from({ length: 100 }, (_, i) => ev(i)), 1, 0, 100));
  assert.equal(store.notReceived, 0);
  // The stream reconnected: 200 events passed while this window was away.
  store.append(batch(Array.from({ length: 100 }, (_, i) => ev(i)), 2, 3, 400));
  assert.equal(store.received, 200);
  assert.equal(store.notReceived, 200);
  assert.equal(store.dropped, 3, 'the kernel\'s 3, dropped before they left the helper');
  // A batch that overtakes an older one changes nothing (the counts are cumulative).
  store.append(batch([], 3, 3, 350));
  assert.equal(store.notReceived, 200);
  // The ended event's final count settles drops no later batch could tell.
  store.settlePassed(450);
  assert.equal(store.notReceived, 250);
  assert.equal(store.received + store.dropped + store.notReceived, 453);
});

test('a window that joined a running session counts from its first batch, not from the session\'s start', () => {
  const store = new TraceStore({ capacity: 1000, fromStart: false });
  store.append(batch(Array.from({ length: 10 }, (_, i) => ev(i)), 1, 30, 1000));
  assert.equal(store.dropped, 0, 'the 30 dropped before it joined are not this window\'s');
  assert.equal(store.notReceived, 0, 'the 990 before it joined were neither received nor missed here');
  store.append(batch(Array.from({ length: 50 }, (_, i) => ev(i)), 2, 0, 1100));
  assert.equal(store.notReceived, 50, '100 passed since the first batch, 50 came');
  store.append(batch([], 3, 35, 1100));
  assert.equal(store.dropped, 5);
  const started = new TraceStore({ capacity: 1000 });
  started.append(batch(Array.from({ length: 10 }, (_, i) => ev(i)), 1, 0, 1000));
  assert.equal(started.notReceived, 990, 'a window that started it missed those');
});

test('subscribers hear every change, and the version grows', () => {
  const store = new TraceStore({ capacity: 10 });
  let calls = 0;
  const off = store.subscribe(() => { calls += 1; });
  const before = store.version;
  store.append(batch([ev(0)], 1));
  store.pause();
  store.resume();
  off();
  store.append(batch([ev(1)], 2));
  assert.equal(calls, 3);
  assert.equal(store.version, before + 4);
});
