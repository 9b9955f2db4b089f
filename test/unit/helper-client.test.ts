// A session's pushes reach the reader its start made, from the first one, even when they come in
// the same read as the start's reply: the client chose the session's id before it asked, and the
// reader is made as the reply is read. Nothing is held back anywhere. Over a fake child process
// that answers as the helper does (test/unit/fake-child.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HelperClient, type SessionPush } from '../../src/backend/helper-client.js';
import type { LabError } from '../../src/shared/errors.js';
import { encodeFrame, FrameDecoder } from '../../src/shared/framing.js';
import { PROTOCOL_VERSION } from '../../src/shared/protocol.js';
import { fakeSpawn, type FakeChild } from './fake-child.js';
import { traceFrameBody } from './trace-frames.js';

const v = PROTOCOL_VERSION;
const kernel = { release: 'r', arch: 'x86_64', kprobes: true, uprobes: true, btf: true, tracefs: true, libbpf: '1' };

const histogram = (session: number, total: number): Uint8Array =>
  encodeFrame({ v, type: 'histogram', session, counts: [total], total, missed: 0 });

function traceBytes(session: number): Uint8Array {
  const body = traceFrameBody(session, [{ tsUs: 1, cpu: 0, pid: 7, tid: 7, comm: 'oracle', size: '64' }]);
  const frame = new Uint8Array(4 + body.length);
  new DataView(frame.buffer).setUint32(0, (0x80000000 | body.length) >>> 0, false);
  frame.set(body, 4);
  return frame;
}

/** A helper that answers hello, and every other request with `answer`'s bytes, all in one write. */
async function client(answer: (request: { id: number; method: string; params: { session?: number } }) => Uint8Array[]): Promise<{ c: HelperClient; asked: unknown[] }> {
  const asked: unknown[] = [];
  const { spawn } = fakeSpawn((child: FakeChild) => {
    const decoder = new FrameDecoder(1 << 20);
    child.stdin.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        if (!frame.ok || !('message' in frame)) continue;
        const request = frame.message as { id: number; method: string; params: { session?: number } };
        asked.push(request);
        if (request.method === 'hello') continue; // answered below, unasked
        child.stdout.write(Buffer.concat(answer(request)));
      }
    });
    child.stdout.write(encodeFrame({ v, type: 'response', id: 1, result: { protocol: v, version: '0', scope: 'every-process', kernel } }));
  });
  return { c: await HelperClient.start({ via: 'direct', command: '/x', args: [] }, spawn), asked };
}

const started = (id: number, session: number): Uint8Array =>
  encodeFrame({ v, type: 'response', id, result: { session, mode: 'stat', probe: 'read', via: 'tracepoint', layout: 'seed', notices: [] } });

test('pushes in the same read as the start reply go to the session\'s reader, in order, and only its own', async () => {
  const { c, asked } = await client((r) => (r.method === 'start'
    ? [started(r.id, r.params.session!), histogram(r.params.session!, 1), traceBytes(r.params.session!), histogram(99, 5), histogram(r.params.session!, 2)]
    : [encodeFrame({ v, type: 'response', id: r.id, result: { session: r.params.session } })]));
  const seen: string[] = [];
  const all: string[] = [];
  c.onPush((p) => all.push(p.type));
  const result = await c.startSession(42, { mode: 'stat', probe: { kind: 'catalog', id: 'read' } }, (s) => {
    seen.push(`begin ${s.session}`);
    return (p: SessionPush) => seen.push(p.type === 'histogram' ? `histogram ${p.total}` : `trace ${p.count}`);
  });
  assert.equal(result.session, 42);
  assert.equal((asked.at(-1) as { params: { session: number } }).params.session, 42, 'the client chose the id');
  assert.deepEqual(seen, ['begin 42', 'histogram 1', 'trace 1', 'histogram 2'], 'the other session\'s push is not this reader\'s');
  assert.deepEqual(all, ['histogram', 'trace', 'histogram', 'histogram'], 'every push still reaches the general listeners');
  await c.close(10);
});

test('a session\'s id cannot be used twice at once, and its reader goes when its stop is answered', async () => {
  // The stop's reply comes between two pushes: the last snapshot, and one a real helper never sends.
  const { c, asked } = await client((r) => (r.method === 'start' ? [started(r.id, r.params.session!)]
    : [histogram(r.params.session!, 6), encodeFrame({ v, type: 'response', id: r.id, result: { session: r.params.session } }),
      histogram(r.params.session!, 7)]));
  const seen: number[] = [];
  const reader = (): ((p: SessionPush) => void) => (p) => seen.push(p.type === 'histogram' ? p.total : -1);
  await c.startSession(1, { mode: 'stat', probe: { kind: 'catalog', id: 'read' } }, reader);
  const sent = asked.length;
  await assert.rejects(c.startSession(1, { mode: 'stat', probe: { kind: 'catalog', id: 'read' } }, reader),
    (e: LabError) => e.code === 'bad-request' && /session 1 is already running/.test(e.message));
  assert.equal(asked.length, sent, 'the refused start was never sent');
  await c.request('stop', { session: 1 });
  assert.deepEqual(seen, [6], 'the push before the stop reply was read; the one after it reaches no reader');
  assert.equal((await c.startSession(1, { mode: 'stat', probe: { kind: 'catalog', id: 'read' } }, reader)).session, 1, 'the id is free again');
  await c.close(10);
});

test('a start the helper refuses leaves no reader behind', async () => {
  const { c } = await client((r) => [encodeFrame({ v, type: 'error', id: r.id, error: { code: 'busy', message: 'no' } }), histogram(r.params.session!, 3)]);
  let made = 0;
  const begin = (): ((p: SessionPush) => void) => {
    made++;
    return () => undefined;
  };
  await assert.rejects(c.startSession(5, { mode: 'stat', probe: { kind: 'catalog', id: 'read' } }, begin), (e: LabError) => e.code === 'busy');
  await assert.rejects(c.startSession(5, { mode: 'stat', probe: { kind: 'catalog', id: 'read' } }, begin), (e: LabError) => e.code === 'busy',
    'asked again, not refused here as a session still running');
  assert.equal(made, 0);
  await c.close(10);
});

test('a helper of another protocol version is a setup problem, not a bug', async () => {
  const { spawn } = fakeSpawn((child: FakeChild) => {
    child.stdout.write(encodeFrame({ v: v - 1, type: 'response', id: 1, result: { protocol: v - 1, version: '0', scope: 'every-process', kernel } }));
  });
  await assert.rejects(HelperClient.start({ via: 'direct', command: '/x', args: [] }, spawn), (e: LabError) =>
    e.code === 'setup' && e.message.includes(`protocol version ${v - 1}`) && e.message.includes('the same version of both'));
});
