// Pins down how the renderer's lab model (src/renderer/lab-controller.ts) copes
// with a live stream that is out of step with call replies: batches after the
// stop reply, a first lab:status older than the stream's, notices that must or
// must not outlive a status, and a session that ended while disconnected.
import { traceRecords } from './trace-frames.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LabStatus, LiveEvent, SessionInfo } from '../../src/shared/lab-api.js';
import { CONNECTION_RETRYING } from '../../src/renderer/connection-notices.js';
import { ENDED_WHILE_DISCONNECTED, LabController } from '../../src/renderer/lab-controller.js';

const kernel = { release: '6.1.0', arch: 'x64', kprobes: true, uprobes: true, btf: true, tracefs: true, libbpf: '1.1' };

function info(session: number, mode: 'stat' | 'trace'): SessionInfo {
  return { session, mode, probe: 'write', via: 'tracepoint:syscalls:sys_enter_write', layout: 'seed', intervalMs: 1000, notices: [], startedAt: 0 };
}

function status(sessions: SessionInfo[], state: 'ready' | 'starting' = 'ready'): LabStatus {
  return state === 'ready'
    ? { helper: { state, privilege: 'root', version: '0.1.0', kernel, scope: 'every-process' }, sessions }
    : { helper: { state, privilege: 'root' }, sessions };
}

/** passed: the session's cumulative count that reached the backend, this batch included. */
function trace(session: number, n: number, at: number, passed = n): LiveEvent {
  const events = Array.from({ length: n }, (_, i) => ({ tsUs: i, cpu: 0, pid: 1, tid: 1, comm: 'dd', size: '1' }));
  return { type: 'frame', histograms: [], traces: [{ session, count: n, records: traceRecords(events), lost: 0, passed, at }] };
}

function histogram(session: number, counts: number[], at: number): LiveEvent {
  return { type: 'frame', histograms: [{ session, counts, total: counts.reduce((a, b) => a + b, 0), missed: 0, at }], traces: [] };
}

function started(lab: LabController, session: SessionInfo): void {
  lab.beginStart();
  lab.started(session);
}

test('trace batches that arrive after the stop reply still count: received + dropped + not received = seen', () => {
  const lab = new LabController();
  started(lab, info(1, 'trace'));
  lab.handle(trace(1, 100, 10));
  lab.end(1, { result: { session: 1, trace: { seen: 300, lost: 0, missed: 0 } } });
  lab.handle(trace(1, 200, 20, 300));
  const store = lab.getState().session!.trace!;
  assert.equal(store.received, 300);
  assert.equal(store.received + store.dropped + store.notReceived, store.final!.seen);
  assert.equal(store.rate(), null, 'over: no rate');
});

test('events not received without a later frame are counted from the ended event\'s final count, in either order', () => {
  for (const order of ['reply first', 'event first'] as const) {
    const lab = new LabController();
    started(lab, info(1, 'trace'));
    lab.handle(trace(1, 100, 10));
    const result = { session: 1, trace: { seen: 350, lost: 0, missed: 0 } };
    const ended: LiveEvent = { type: 'ended', session: 1, result, passed: 350 };
    if (order === 'reply first') {
      lab.end(1, { result });
      lab.handle(ended);
    } else {
      lab.handle(ended);
      lab.end(1, { result });
    }
    const store = lab.getState().session!.trace!;
    assert.equal(store.notReceived, 250, order);
    assert.equal(store.received + store.dropped + store.notReceived, 350, order);
  }
});

test('a session this window started counts everything it missed; one it joined counts from its first batch', () => {
  const mine = new LabController();
  started(mine, info(1, 'trace'));
  mine.handle(trace(1, 100, 10, 100));
  mine.handle({ type: 'log', level: 'error', message: CONNECTION_RETRYING });
  mine.setStatus(status([info(1, 'trace')]));
  mine.handle(trace(1, 100, 20, 700));
  assert.equal(mine.getState().session!.trace!.notReceived, 500, 'the 500 that passed while the stream reconnected');

  const joined = new LabController();
  joined.setStatus(status([info(1, 'trace')]));
  joined.handle(trace(1, 100, 10, 5000));
  joined.handle(trace(1, 100, 20, 5150));
  assert.equal(joined.getState().session!.info.session, 1, 'it shows the running session');
  assert.equal(joined.getState().session!.trace!.notReceived, 50, 'not the 4,900 from before it joined');
});

test('a snapshot after the end still lands when no final counts came, but never replaces them', () => {
  const lab = new LabController();
  started(lab, info(2, 'stat'));
  lab.handle(histogram(2, [1, 1], 1000));
  lab.end(2, { error: { code: 'disconnected', message: 'gone' } });
  lab.handle(histogram(2, [4, 5], 2000));
  let h = lab.getState().session!.histogram!;
  assert.equal(h.total, 9);
  assert.equal(h.rate, null);
  lab.end(2, { result: { session: 2, histogram: { session: 2, counts: [5, 5], total: 10, missed: 0 } } });
  lab.handle(histogram(2, [0, 0], 3000));
  h = lab.getState().session!.histogram!;
  assert.deepEqual([h.total, h.final], [10, true]);
});

test('the first lab:status reply does not overwrite a status the stream already delivered', () => {
  const lab = new LabController();
  lab.handle({ type: 'status', status: status([]) });
  lab.initialStatus(status([], 'starting'));
  assert.equal(lab.getState().status?.helper.state, 'ready');
  const fresh = new LabController();
  fresh.initialStatus(status([], 'starting'));
  assert.equal(fresh.getState().status?.helper.state, 'starting', 'with no live status yet, the reply is used');
});

test('a status clears only the transport\'s "lost the connection" notice; helper warnings stay', () => {
  const lab = new LabController();
  lab.handle({ type: 'log', level: 'warn', message: 'libbpf: BTF is missing' });
  lab.handle({ type: 'log', level: 'info', message: 'attached' });
  lab.handle({ type: 'status', status: status([]) });
  assert.equal(lab.getState().notice?.message, 'libbpf: BTF is missing', 'neither info lines nor a status remove it');
  lab.handle({ type: 'log', level: 'error', message: CONNECTION_RETRYING });
  assert.equal(lab.getState().notice?.message, CONNECTION_RETRYING);
  lab.handle({ type: 'status', status: status([]) });
  assert.equal(lab.getState().notice, null);
  assert.equal(lab.getState().log.length, 3, 'the log keeps every line');
});

test('a new start clears an old helper warning but not a lost connection', () => {
  const lab = new LabController();
  lab.handle({ type: 'log', level: 'warn', message: 'old warning' });
  lab.beginStart();
  assert.equal(lab.getState().notice, null);
  lab.startFailed();
  lab.handle({ type: 'log', level: 'error', message: CONNECTION_RETRYING });
  lab.beginStart();
  assert.equal(lab.getState().notice?.message, CONNECTION_RETRYING);
});

test('after a reconnect, a running session the backend no longer has is marked ended while disconnected', () => {
  const lab = new LabController();
  started(lab, info(4, 'trace'));
  lab.handle(trace(4, 10, 1));
  lab.handle({ type: 'log', level: 'error', message: CONNECTION_RETRYING });
  lab.handle({ type: 'status', status: status([]) });
  const s = lab.getState().session!;
  assert.equal(s.info.session, 4);
  assert.equal(s.ended?.note, ENDED_WHILE_DISCONNECTED);
  assert.equal(s.ended?.result, undefined);
  assert.equal(s.trace!.ended, true);
  assert.equal(s.trace!.received, 10, 'what arrived is kept');
});

test('after a reconnect, a session still running stays running; without an outage nothing is reconciled', () => {
  const lab = new LabController();
  started(lab, info(5, 'stat'));
  lab.handle({ type: 'log', level: 'error', message: CONNECTION_RETRYING });
  lab.handle({ type: 'status', status: status([info(5, 'stat')]) });
  assert.equal(lab.getState().session!.ended, null);
  // A status that merely lags the start reply (no outage) must not end the session.
  lab.handle({ type: 'status', status: status([]) });
  assert.equal(lab.getState().session!.ended, null);
});
