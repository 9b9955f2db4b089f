// The UI contract (src/shared/lab-api.ts, lab-client.ts): the IPC channel list
// matches the schema map, requests are checked before they leave, error data
// comes back as a real LabError, bad replies and bad live events are caught,
// and the serving side answers unknown channels and bad payloads with errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabError } from '../../src/shared/errors.js';
import { CALL_CHANNELS } from '../../src/shared/ipc-channels.js';
import { channels, startRequestSchema, type Envelope, type LabTransport, type LiveEvent } from '../../src/shared/lab-api.js';
import { startParamsSchema } from '../../src/shared/protocol.js';
import { createLabApi, serveCall } from '../../src/shared/lab-client.js';

function transport(reply: (channel: string, payload: unknown) => unknown, live: unknown[] = []): LabTransport & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    calls,
    invoke: (channel, payload) => {
      calls.push([channel, payload]);
      return Promise.resolve(reply(channel, payload) as Envelope);
    },
    subscribe: (listener) => {
      live.forEach(listener);
      return () => undefined;
    },
  };
}

const status = { helper: { state: 'starting', privilege: 'root' }, sessions: [] };

test('the preload channel list is exactly the schema map', () => {
  assert.deepEqual([...CALL_CHANNELS].sort(), Object.keys(channels).sort());
});

test('a call sends the validated request, with defaults, and returns the validated reply', async () => {
  const t = transport(() => ({
    ok: true,
    value: { session: 4, mode: 'stat', probe: 'write', via: 'tracepoint:syscalls:sys_enter_write', layout: 'seed',
      intervalMs: 2000, notices: [], startedAt: 1 },
  }));
  const info = await createLabApi(t).call('lab:start', { mode: 'stat', probe: { kind: 'catalog', id: 'write' } });
  assert.equal(info.session, 4);
  assert.deepEqual(t.calls, [['lab:start', { mode: 'stat', probe: { kind: 'catalog', id: 'write' }, layout: 'seed', intervalMs: 2000 }]]);
});

test('a bad request is refused before it leaves', async () => {
  const t = transport(() => assert.fail('sent'));
  const api = createLabApi(t);
  await assert.rejects(api.call('lab:start', { mode: 'stat', probe: { kind: 'catalog', id: 'write' }, layout: 'linear:1:2:3' }),
    (e: LabError) => e.code === 'bad-request' && /layout/.test(e.message));
  await assert.rejects(api.call('lab:stop', { session: 0 }), (e: LabError) => e.code === 'bad-request');
  assert.equal(t.calls.length, 0);
});

test('error data comes back as a LabError with its code and detail', async () => {
  const api = createLabApi(transport(() => ({ ok: false, error: { code: 'bpf-load', message: 'verifier said no', detail: 'log' } })));
  await assert.rejects(api.call('lab:probes', {}), (e: unknown) =>
    e instanceof LabError && e.code === 'bpf-load' && e.message === 'verifier said no' && e.detail === 'log');
});

test('a reply that breaks the contract is an internal error, not a value', async () => {
  await assert.rejects(createLabApi(transport(() => ({ ok: true, value: { helper: {} } }))).call('lab:status', {}),
    (e: LabError) => e.code === 'internal' && /lab:status/.test(e.message));
  await assert.rejects(createLabApi(transport(() => 'nonsense')).call('lab:status', {}), (e: LabError) => e.code === 'internal');
});

test('live events are validated; a bad one becomes an error log event', () => {
  const got: LiveEvent[] = [];
  createLabApi(transport(() => null, [{ type: 'status', status }, { type: 'frame', histograms: 3 }])).subscribe((e) => got.push(e));
  assert.equal(got[0]?.type, 'status');
  assert.equal(got[1]?.type, 'log');
  assert.match(got[1]?.type === 'log' ? got[1].message : '', /bad live event: histograms/);
});

test('serveCall refuses unknown channels and bad payloads, and turns throws into error data', async () => {
  const never = (): never => assert.fail('handled');
  assert.deepEqual(await serveCall('lab:format-disk', {}, never),
    { ok: false, error: { code: 'bad-request', message: 'unknown channel lab:format-disk' } });
  assert.deepEqual(await serveCall('__proto__', {}, never),
    { ok: false, error: { code: 'bad-request', message: 'unknown channel __proto__' } });
  const bad = await serveCall('lab:stop', { session: 'x' }, never);
  assert.equal(bad.ok, false);
  assert.equal(!bad.ok && bad.error.code, 'bad-request');
  assert.deepEqual(await serveCall('lab:status', {}, () => Promise.reject(new LabError('busy', 'full'))),
    { ok: false, error: { code: 'busy', message: 'full' } });
  assert.deepEqual(await serveCall('lab:status', {}, () => Promise.resolve(status as never)), { ok: true, value: status });
});

test('the app\'s start request is the helper\'s start parameters, narrowed: one definition, no drift', () => {
  const app = Object.keys(startRequestSchema.shape).sort();
  const helper = Object.keys(startParamsSchema.shape);
  assert.deepEqual(app, ['intervalMs', 'layout', 'mode', 'pid', 'probe']);
  assert.ok(app.every((k) => helper.includes(k)), 'every field the app sends is one the helper takes');
  // Whatever the app accepts, the helper accepts as it is.
  for (const request of [
    { mode: 'stat', probe: { kind: 'catalog', id: 'read' } },
    { mode: 'trace', probe: { kind: 'tracepoint', category: 'syscalls', event: 'sys_enter_write', field: 'count' }, pid: 42, intervalMs: 100 },
    { mode: 'stat', probe: { kind: 'catalog', id: 'write' }, layout: 'linear:0:1024:64', intervalMs: 60_000 },
  ]) {
    const parsed = startRequestSchema.parse(request);
    assert.ok(startParamsSchema.safeParse(parsed).success, JSON.stringify(request));
  }
  // The app asks for live snapshots always; the helper also takes 0 (the CLI's "final table only").
  assert.equal(startRequestSchema.safeParse({ mode: 'stat', probe: { kind: 'catalog', id: 'read' }, intervalMs: 0 }).success, false);
  assert.equal(startParamsSchema.safeParse({ mode: 'stat', probe: { kind: 'catalog', id: 'read' }, intervalMs: 0 }).success, true);
});
