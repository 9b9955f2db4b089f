// Pins down the renderer's lab model (src/renderer/lab-controller.ts): which
// session is on screen, how live frames reach it (even those that beat the
// start reply), rates from successive snapshots, and that the final result
// of an ended session replaces the last snapshot.
import { traceRecords } from './trace-frames.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LabStatus, LiveEvent, SessionInfo } from '../../src/shared/lab-api.js';
import { LabController } from '../../src/renderer/lab-controller.js';

const kernel = { release: '6.1.0', arch: 'x64', kprobes: true, uprobes: true, btf: true, tracefs: true, libbpf: '1.1' };

function info(session: number, mode: 'stat' | 'trace' = 'stat', startedAt = 0): SessionInfo {
  return {
    session, mode, probe: 'read', via: 'tracepoint:syscalls:sys_enter_read', layout: 'seed', intervalMs: 1000, notices: [], startedAt,
  };
}

function status(sessions: SessionInfo[], state: 'ready' | 'stopped' = 'ready'): LabStatus {
  return state === 'ready'
    ? { helper: { state, privilege: 'pkexec', version: '0.1.0', kernel, scope: 'own-processes' }, sessions }
    : { helper: { state, privilege: 'pkexec', error: { code: 'disconnected', message: 'The helper exited.' } }, sessions };
}

function histogram(session: number, counts: number[], at: number, missed = 0): LiveEvent {
  const total = counts.reduce((a, b) => a + b, 0);
  return { type: 'frame', histograms: [{ session, counts, total, missed, at }], traces: [] };
}

/** passed: the session's cumulative count that reached the backend, this batch included. */
function trace(session: number, n: number, at: number, passed = n): LiveEvent {
  const events = Array.from({ length: n }, (_, i) => ({ tsUs: i, cpu: 0, pid: 1, tid: 1, comm: 'cat', size: String(i) }));
  return { type: 'frame', histograms: [], traces: [{ session, count: n, records: traceRecords(events), lost: 0, passed, at }] };
}

test('snapshots replace the counts, and the rate comes from successive totals and times', () => {
  const lab = new LabController();
  lab.beginStart();
  lab.started(info(3, 'stat', 8_000));
  lab.handle(histogram(3, [1, 2, 3], 10_000));
  assert.deepEqual(lab.getState().session!.histogram!.counts, [1, 2, 3]);
  assert.equal(lab.getState().session!.histogram!.rate, 3, 'the first snapshot: 6 events in the 2 s since the start');
  lab.handle(histogram(3, [1, 502, 1503], 12_000, 4));
  const h = lab.getState().session!.histogram!;
  assert.equal(h.total, 2006);
  assert.equal(h.missed, 4);
  assert.equal(h.rate, 1000);
  assert.equal(h.snapshots, 2);
});

test('frames for other sessions are ignored', () => {
  const lab = new LabController();
  lab.beginStart();
  lab.started(info(3));
  lab.handle(histogram(9, [100], 1));
  assert.equal(lab.getState().session!.histogram!.total, 0);
});

test('frames that arrive before the start reply are kept for the new session', () => {
  const lab = new LabController();
  lab.beginStart();
  lab.handle(trace(5, 10, 1));
  lab.handle(trace(5, 5, 2, 15));
  assert.equal(lab.getState().starting, true);
  lab.started(info(5, 'trace'));
  assert.equal(lab.getState().starting, false);
  assert.equal(lab.getState().session!.trace!.received, 15);
  assert.deepEqual([lab.getState().session!.trace!.dropped, lab.getState().session!.trace!.notReceived], [0, 0]);
});

test('the final result from the ended event replaces the last snapshot', () => {
  const lab = new LabController();
  lab.beginStart();
  lab.started(info(2));
  lab.handle(histogram(2, [5, 5], 1));
  const result = { session: 2, histogram: { session: 2, counts: [6, 9, 1], total: 16, missed: 1 } };
  lab.handle({ type: 'ended', session: 2, result });
  const s = lab.getState().session!;
  assert.deepEqual(s.histogram!.counts, [6, 9, 1]);
  assert.equal(s.histogram!.total, 16);
  assert.equal(s.histogram!.final, true);
  assert.deepEqual(s.ended?.result, result);
  // Late snapshots cannot overwrite the final counts, nor a later ending the result.
  lab.handle(histogram(2, [0, 0, 0], 5));
  lab.end(2, { error: { code: 'no-session', message: 'No session 2 is running.' } });
  assert.equal(lab.getState().session!.histogram!.total, 16);
  assert.equal(lab.getState().session!.ended?.error, undefined);
});

test('an ended event with an error keeps the counts and records why', () => {
  const lab = new LabController();
  lab.beginStart();
  lab.started(info(4, 'trace'));
  lab.handle(trace(4, 3, 1));
  lab.handle({ type: 'ended', session: 4, error: { code: 'bpf-attach', message: 'detached by the kernel' } });
  const s = lab.getState().session!;
  assert.equal(s.ended?.error?.message, 'detached by the kernel');
  assert.equal(s.trace!.received, 3);
  assert.equal(s.trace!.ended, true);
});

test('a running session started elsewhere is shown; an ended one is not brought back', () => {
  const lab = new LabController();
  lab.setStatus(status([info(7)]));
  assert.equal(lab.getState().session?.info.session, 7);
  lab.handle({ type: 'ended', session: 7 });
  lab.setStatus(status([info(7)]));
  assert.equal(lab.getState().session?.info.session, 7);
  assert.ok(lab.getState().session?.ended, 'still the ended session, not a fresh copy');
  lab.setStatus(status([info(8, 'trace')]));
  assert.equal(lab.getState().session?.info.session, 8);
  assert.equal(lab.getState().session?.ended, null);
});

test('no adoption while a start is in flight', () => {
  const lab = new LabController();
  lab.beginStart();
  lab.setStatus(status([info(11)]));
  assert.equal(lab.getState().session, null);
});

test('when the helper stops, the running session ends with its reason', () => {
  const lab = new LabController();
  lab.beginStart();
  lab.started(info(6));
  lab.setStatus(status([], 'stopped'));
  assert.equal(lab.getState().session?.ended?.error?.message, 'The helper exited.');
});

test('log lines are kept, at most 200, each with its own growing id', () => {
  const lab = new LabController();
  for (let i = 0; i < 250; i++) lab.handle({ type: 'log', level: 'info', message: `line ${i}` });
  const log = lab.getState().log;
  assert.equal(log.length, 200);
  assert.equal(log[199]!.message, 'line 249');
  assert.equal(new Set(log.map((l) => l.id)).size, 200);
  assert.ok(log.every((l, i) => i === 0 || l.id > log[i - 1]!.id));
});
