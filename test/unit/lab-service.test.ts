// The app backend (src/backend/lab-service.ts) over a fake helper: the helper
// state a UI sees, live frames coalesced to at most 60 a second whatever the
// push rate, a bounded queue whose overflow is counted, and what happens to
// sessions when the helper dies or is restarted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { LabService } from '../../src/backend/lab-service.js';
import { MAX_QUEUED_EVENTS } from '../../src/backend/live-frames.js';
import { LabError } from '../../src/shared/errors.js';
import type { LiveEvent } from '../../src/shared/lab-api.js';
import { FakeHelper } from './fake-helper.js';

const launch = { via: 'pkexec' as const, command: '/usr/bin/pkexec', args: ['/x'] };

async function running(): Promise<{ service: LabService; helper: FakeHelper; events: LiveEvent[] }> {
  const helper = new FakeHelper();
  const service = new LabService({ launch, startHelper: () => Promise.resolve(helper.asClient()) });
  const events: LiveEvent[] = [];
  service.subscribe((e) => events.push(e));
  await service.start();
  return { service, helper, events };
}

const startTrace = { mode: 'trace' as const, probe: { kind: 'catalog' as const, id: 'write' as const }, layout: 'seed', intervalMs: 2000 };

test('the helper state goes from starting to ready, with its kernel and the privilege mode', async () => {
  const { service, events } = await running();
  const states = events.flatMap((e) => (e.type === 'status' ? [e.status.helper.state] : []));
  assert.deepEqual(states, ['starting', 'ready']);
  const { helper } = service.status();
  assert.equal(helper.state === 'ready' && helper.kernel.release, '6.18.0-test');
  assert.equal(helper.privilege, 'pkexec');
});

test('a helper that cannot start is a stopped state with the reason, and calls fail with it', async () => {
  const service = new LabService({ launch, startHelper: () => Promise.reject(new LabError('auth-cancelled', 'dismissed')) });
  await service.start();
  const { helper } = service.status();
  assert.deepEqual(helper, { state: 'stopped', privilege: 'pkexec', error: { code: 'auth-cancelled', message: 'dismissed' } });
  await assert.rejects(service.handle('lab:probes', {}), (e: LabError) => e.code === 'auth-cancelled');
});

test('a trace flood reaches subscribers in frames no more often than 60 a second, every event accounted for', async () => {
  const { service, helper, events } = await running();
  await service.handle('lab:start', startTrace);
  const t0 = Date.now();
  for (let i = 0; i < 50; i++) {
    helper.trace(1, 100, i);
    await sleep(2);
  }
  await sleep(40);
  const frames = events.filter((e) => e.type === 'frame');
  const elapsed = Date.now() - t0;
  assert.ok(frames.length >= 2, `${frames.length} frames`);
  assert.ok(frames.length <= Math.ceil(elapsed / (1000 / 60)) + 1, `${frames.length} frames in ${elapsed} ms`);
  const batches = frames.flatMap((f) => f.traces);
  assert.equal(batches.reduce((n, b) => n + b.count, 0), 5000);
  assert.equal(batches.at(-1)?.lost, 49);
  assert.equal(batches.at(-1)?.passed, 5000);
  assert.deepEqual(batches.map((b) => b.passed), batches.map((_, i) => batches.slice(0, i + 1)
    .reduce((n, b) => n + b.count, 0)), 'each batch counts everything up to itself');
});

test('the queue waiting for a frame is bounded, and what overflows still counts as passed', async () => {
  const { service, helper, events } = await running();
  await service.handle('lab:start', startTrace);
  helper.trace(1, MAX_QUEUED_EVENTS - 10);
  helper.trace(1, 25);
  await sleep(40);
  const batch = events.flatMap((e) => (e.type === 'frame' ? e.traces : []))[0]!;
  assert.equal(batch.count, MAX_QUEUED_EVENTS);
  assert.equal(batch.passed, MAX_QUEUED_EVENTS + 15, 'a subscriber can tell the 15 it never got');
});

test('pushes for sessions the service does not know are ignored', async () => {
  const { helper, events } = await running();
  helper.trace(3, 10);
  helper.push({ v: 3, type: 'histogram', session: 3, counts: [1], total: 1, missed: 0 });
  await sleep(40);
  assert.equal(events.filter((e) => e.type === 'frame').length, 0);
});

test('stop flushes what is pending, then ends the session with its result', async () => {
  const { service, helper, events } = await running();
  await service.handle('lab:start', startTrace);
  helper.trace(1, 3);
  await service.handle('lab:stop', { session: 1 });
  const tail = events.slice(-3).map((e) => e.type);
  assert.deepEqual(tail, ['frame', 'ended', 'status']);
  assert.deepEqual(service.status().sessions, []);
  await assert.rejects(service.handle('lab:stop', { session: 1 }), (e: LabError) => e.code === 'no-session');
});

test('when the helper dies, its sessions end with the reason and the state says stopped', async () => {
  const { service, helper, events } = await running();
  await service.handle('lab:start', startTrace);
  helper.kill();
  await sleep(0);
  const ended = events.find((e) => e.type === 'ended');
  assert.equal(ended?.type === 'ended' && ended.error?.message, 'the helper was killed by SIGKILL');
  const { helper: state, sessions } = service.status();
  assert.equal(state.state, 'stopped');
  assert.deepEqual(sessions, []);
});

test('a start the old helper answers after a restart shows no session and says the helper was restarted', async () => {
  const helpers = [new FakeHelper(), new FakeHelper()];
  helpers[0]!.holdStarts = true;
  let n = 0;
  const service = new LabService({ launch, startHelper: () => Promise.resolve(helpers[n++]!.asClient()) });
  const events: LiveEvent[] = [];
  service.subscribe((e) => events.push(e));
  await service.start();
  const starting = service.handle('lab:start', startTrace);
  await sleep(0);
  await service.handle('lab:restart', {});
  helpers[0]!.releaseStarts();
  await assert.rejects(starting, (e: LabError) => e.code === 'disconnected');
  assert.deepEqual(service.status().sessions, [], 'no ghost of the old helper\'s session');
  assert.ok(events.every((e) => e.type !== 'status' || e.status.sessions.length === 0), 'and no status ever showed one');
});

test('restart closes the old helper and starts a new one', async () => {
  const helpers = [new FakeHelper(), new FakeHelper()];
  let n = 0;
  const service = new LabService({ launch, startHelper: () => Promise.resolve(helpers[n++]!.asClient()) });
  await service.start();
  const status = await service.handle('lab:restart', {});
  assert.equal(helpers[0]!.closed, true);
  assert.equal(status.helper.state, 'ready');
  assert.equal(n, 2);
  await service.dispose();
  assert.equal(helpers[1]!.closed, true);
});

test('session ids are the service\'s own, unique across restarts, and the helper uses them; an old helper\'s pushes are ignored', async () => {
  const helpers = [new FakeHelper(), new FakeHelper()];
  let n = 0;
  const service = new LabService({ launch, startHelper: () => Promise.resolve(helpers[n++]!.asClient()) });
  const events: LiveEvent[] = [];
  service.subscribe((e) => events.push(e));
  await service.start();
  const first = await service.handle('lab:start', startTrace);
  await service.handle('lab:restart', {});
  const second = await service.handle('lab:start', startTrace);
  assert.notEqual(second.session, first.session);
  assert.deepEqual(helpers.map((h) => (h.requests.find(([m]) => m === 'start')![1] as { session: number }).session),
    [first.session, second.session], 'each helper runs the session under the service\'s id');
  helpers[0]!.push({ v: 3, type: 'histogram', session: first.session, counts: [999], total: 999, missed: 0 });
  helpers[1]!.trace(second.session, 2);
  await sleep(40);
  const frames = events.filter((e) => e.type === 'frame');
  assert.deepEqual(frames.flatMap((f) => f.histograms), [], 'the old helper is not believed');
  assert.deepEqual(frames.flatMap((f) => f.traces.map((t) => t.session)), [second.session]);
  const stopped = await service.handle('lab:stop', { session: second.session });
  assert.equal(stopped.session, second.session);
  assert.deepEqual(helpers[1]!.requests.at(-1), ['stop', { session: second.session }], 'the helper is asked with the same id');
});

test('a helper that breaks the protocol is told to go when it is given up', async () => {
  const { service, helper } = await running();
  helper.kill();
  await sleep(0);
  assert.equal(helper.closed, true);
  assert.equal(service.status().helper.state, 'stopped');
});

test('dispose during a start closes the helper the start brings', async () => {
  const helper = new FakeHelper();
  let arrive: (h: FakeHelper) => void = () => undefined;
  const service = new LabService({ launch, startHelper: () => new Promise((r) => { arrive = (h) => r(h.asClient()); }) });
  void service.start();
  await sleep(0); // the start is on its way: the helper is being asked for
  const disposed = service.dispose();
  arrive(helper);
  await disposed;
  assert.equal(helper.closed, true);
  assert.notEqual(service.status().helper.state, 'ready');
});

test('a stop the helper refuses still ends the session here', async () => {
  const { service, helper, events } = await running();
  const info = await service.handle('lab:start', startTrace);
  helper.failStop = true;
  await assert.rejects(service.handle('lab:stop', { session: info.session }), /fake helper: stop/);
  assert.deepEqual(service.status().sessions, []);
  const ended = events.find((e) => e.type === 'ended');
  assert.equal(ended?.type === 'ended' && ended.error?.message, 'fake helper: stop');
});
