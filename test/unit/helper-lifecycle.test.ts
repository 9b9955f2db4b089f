// The helper's lifecycle in the app's backend (src/backend/helper-lifecycle.ts, through
// LabService): starts and restarts never interleave, no helper is replaced without being
// closed, and dispose closes every helper ever started. The race from the attack on serve,
// then a property-based storm of restarts, starts, stops, deaths and a final dispose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { LabService } from '../../src/backend/lab-service.js';
import { LabError } from '../../src/shared/errors.js';
import { FakeHelper } from './fake-helper.js';

const launch = { via: 'direct' as const, command: '/usr/bin/node', args: ['helper.js'] };
const startRead = { mode: 'stat' as const, probe: { kind: 'catalog' as const, id: 'read' as const }, layout: 'seed', intervalMs: 2000 };

/** A service whose helpers are fakes made by `make`; `helpers` lists every one it started. */
function service(make: () => FakeHelper, startDelayMs = () => 0): { service: LabService; helpers: FakeHelper[] } {
  const helpers: FakeHelper[] = [];
  const s = new LabService({
    launch,
    startHelper: async (_launch, signal) => {
      await sleep(startDelayMs());
      if (signal?.aborted) throw new LabError('disconnected', 'cancelled');
      const h = make();
      helpers.push(h);
      return h.asClient();
    },
  });
  return { service: s, helpers };
}

const unclosed = (helpers: FakeHelper[]): number => helpers.filter((h) => !h.closed).length;

test('two overlapping restarts while the old helper is busy start one new helper, and dispose closes them all', async () => {
  const { service: s, helpers } = service(() => Object.assign(new FakeHelper(), { closeDelayMs: 300, probesDelayMs: 250 }));
  await s.start();
  const calls = Array.from({ length: 8 }, () => s.handle('lab:probes', {}).catch(() => undefined));
  await sleep(50);
  const first = s.handle('lab:restart', {});
  await sleep(100);
  const second = s.handle('lab:restart', {});
  const started = s.handle('lab:start', startRead).catch((e: LabError) => e);
  await Promise.all([first, second, ...calls]);
  await started;
  assert.equal(helpers.length, 2, 'the second restart joined the first');
  assert.equal(unclosed(helpers), 1);
  assert.equal(s.helpersRunning, 1);
  await s.dispose();
  assert.equal(unclosed(helpers), 0, 'every helper ever started is closed');
  assert.equal(s.helpersRunning, 0);
});

test('eight probes calls in flight cost the helper one request', async () => {
  const { service: s, helpers } = service(() => Object.assign(new FakeHelper(), { probesDelayMs: 30 }));
  await s.start();
  await Promise.all(Array.from({ length: 8 }, () => s.handle('lab:probes', {})));
  assert.equal(helpers[0]!.requests.filter(([m]) => m === 'probes').length, 1);
  await s.handle('lab:probes', {});
  assert.equal(helpers[0]!.requests.filter(([m]) => m === 'probes').length, 2, 'a later call asks again');
  await s.dispose();
});

test('a refresh does not take the kept answer in flight: it is its own request, which other refreshes share', async () => {
  const { service: s, helpers } = service(() => Object.assign(new FakeHelper(), { probesDelayMs: 30 }));
  await s.start();
  await Promise.all([
    s.handle('lab:probes', {}), s.handle('lab:probes', { refresh: false }),
    s.handle('lab:probes', { refresh: true }), s.handle('lab:probes', { refresh: true }),
  ]);
  assert.deepEqual(helpers[0]!.requests.filter(([m]) => m === 'probes').map(([, p]) => p), [{ refresh: false }, { refresh: true }]);
  await s.dispose();
});

test('dispose gives up a start in flight and leaves nothing running', async () => {
  const { service: s, helpers } = service(() => new FakeHelper(), () => 200);
  const starting = s.start();
  await sleep(20);
  await s.dispose();
  await starting;
  assert.equal(helpers.length, 0, 'the aborted start brought no helper');
  assert.notEqual(s.status().helper.state, 'ready');
});

test('dispose while a restart closes the busy old helper starts nothing new, even under a prompt that never answers', async () => {
  const helpers: FakeHelper[] = [];
  let asked = 0;
  const s = new LabService({
    launch,
    startHelper: (_launch, signal) => {
      asked++;
      if (asked === 1) {
        const h = Object.assign(new FakeHelper(), { closeDelayMs: 100 });
        helpers.push(h);
        return Promise.resolve(h.asClient());
      }
      // Like pkexec waiting for a password: it settles only when given up.
      return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new LabError('disconnected', 'x'))));
    },
  });
  await s.start();
  const restarted = s.handle('lab:restart', {});
  await sleep(20);
  await s.dispose();
  await restarted;
  assert.equal(asked, 1, 'no helper was asked for after dispose');
  assert.equal(unclosed(helpers), 0);
});

test('a restart while the first start is on its way joins it: one helper, one prompt', async () => {
  const { service: s, helpers } = service(() => new FakeHelper(), () => 30);
  const started = s.start();
  await sleep(5);
  await s.handle('lab:restart', {});
  await started;
  assert.equal(helpers.length, 1);
  await s.dispose();
});

type Op = { op: 'restart' | 'start' | 'session' | 'stop' | 'probes' | 'die' | 'dispose'; wait: number };

test('a storm of restarts, starts, stops and deaths leaves one helper or none, and dispose closes every one', async () => {
  const op = fc.record({
    op: fc.constantFrom<Op['op']>('restart', 'start', 'session', 'stop', 'probes', 'die', 'dispose'),
    wait: fc.nat(6),
  });
  await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), fc.nat(6), fc.nat(6),
    async (ops, closeMs, startMs) => {
      const { service: s, helpers } = service(() => Object.assign(new FakeHelper(), { closeDelayMs: closeMs }), () => startMs);
      void s.start();
      const inFlight: Promise<unknown>[] = [];
      let disposed = false;
      for (const { op: name, wait } of ops) {
        await sleep(wait);
        const sessions = s.status().sessions;
        if (name === 'restart') inFlight.push(s.handle('lab:restart', {}));
        else if (name === 'start') inFlight.push(s.start());
        else if (name === 'session') inFlight.push(s.handle('lab:start', startRead).catch(() => undefined));
        else if (name === 'stop' && sessions.length) inFlight.push(s.handle('lab:stop', { session: sessions[0]!.session }).catch(() => undefined));
        else if (name === 'probes') inFlight.push(s.handle('lab:probes', {}).catch(() => undefined));
        else if (name === 'die') helpers.at(-1)?.kill();
        else if (name === 'dispose') {
          disposed = true;
          inFlight.push(s.dispose());
        }
      }
      await Promise.all(inFlight);
      if (disposed) {
        // Whatever was in flight, dispose leaves nothing running and nothing starts after it.
        const started = helpers.length;
        await sleep(startMs + closeMs + 10);
        assert.equal(unclosed(helpers), 0, 'a helper outlived dispose');
        assert.equal(helpers.length, started, 'a helper was started after dispose');
        return;
      }
      await s.start();
      await sleep(closeMs + 5);
      const ready = s.status().helper.state === 'ready';
      assert.equal(unclosed(helpers), ready ? 1 : 0, `state ${s.status().helper.state}, ${helpers.length} started`);
      assert.equal(s.helpersRunning, unclosed(helpers));
      await s.dispose();
      assert.equal(unclosed(helpers), 0, 'dispose closed every helper ever started');
      assert.equal(s.helpersRunning, 0);
    }), { numRuns: 60 });
});
