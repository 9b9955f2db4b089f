// Pins down src/shared/protocol.ts: which helper requests validate, the
// defaults a start request gets, which requests are refused, how a refusal is
// described, and that error replies may carry a null id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeIssue, replySchema, requestSchema } from '../../src/shared/protocol.js';

const auto = { kind: 'catalog', id: 'auto' };
const start = (params: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown =>
  ({ v: 3, id: 3, method: 'start', params: { session: 1, mode: 'stat', probe: auto, ...params }, ...extra });

function accepts(message: unknown): unknown {
  const r = requestSchema.safeParse(message);
  assert.ok(r.success, JSON.stringify(message) + (r.success ? '' : ` -> ${describeIssue(r.error)}`));
  return r.data;
}

function rejects(message: unknown, what: string): string {
  const r = requestSchema.safeParse(message);
  assert.equal(r.success, false, `${what} should be refused: ${JSON.stringify(message)}`);
  return r.success ? '' : describeIssue(r.error);
}

test('hello, probes, start and stop requests validate', () => {
  assert.deepEqual(accepts({ v: 3, id: 1, method: 'hello', params: {} }), { v: 3, id: 1, method: 'hello', params: {} });
  accepts({ v: 3, id: 2, method: 'probes', params: {} });
  accepts({ v: 3, id: 4, method: 'stop', params: { session: 1 } });
  accepts({ v: 3, id: Number.MAX_SAFE_INTEGER, method: 'hello', params: {} });
});

test('start fills in layout, intervalMs, armOnExec, stats, verifierLog and calls', () => {
  assert.deepEqual(accepts(start({})), {
    v: 3, id: 3, method: 'start',
    params: { session: 1, mode: 'stat', probe: auto, layout: 'seed', intervalMs: 2000, armOnExec: false, stats: false, verifierLog: false, calls: false },
  });
});

test('start keeps what was given, for every probe kind', () => {
  const probes = [
    { kind: 'catalog', id: 'memcpy' },
    { kind: 'kprobe', func: 'vfs_read', arg: 3 },
    { kind: 'tracepoint', category: 'kmem', event: 'kmalloc', field: 'bytes_req' },
    { kind: 'uprobe', path: '/usr/lib/x86_64-linux-gnu/libc.so.6', symbol: 'memcpy', arg: 3 },
  ];
  for (const probe of probes) {
    const params = { session: 9, mode: 'trace', probe, layout: 'linear:0:1024:64', pid: 4242, armOnExec: true, intervalMs: 500, stats: true, verifierLog: true, calls: true };
    assert.deepEqual(accepts({ v: 3, id: 9, method: 'start', params }), { v: 3, id: 9, method: 'start', params });
  }
  accepts(start({ layout: 'log2', intervalMs: 100 }));
  accepts(start({ intervalMs: 60_000 }));
});

test('refused requests', () => {
  const hello = { v: 3, id: 1, method: 'hello', params: {} };
  rejects({ ...hello, v: 2 }, 'the previous protocol version');
  rejects({ v: 3, id: 3, method: 'start', params: { mode: 'stat', probe: auto } }, 'a start without the session id its client chose');
  rejects({ v: 3, method: 'hello', params: {} }, 'missing id');
  rejects({ ...hello, id: 0 }, 'id 0');
  rejects({ ...hello, id: -1 }, 'negative id');
  rejects({ ...hello, id: 1.5 }, 'non-integer id');
  rejects({ ...hello, id: '1' }, 'string id');
  rejects({ ...hello, method: 'reboot' }, 'unknown method');
  rejects({ ...hello, extra: true }, 'extra top-level key');
  rejects({ ...hello, params: { x: 1 } }, 'extra params key');
  rejects({ v: 3, id: 1, method: 'hello' }, 'missing params');
  rejects({ v: 3, id: 4, method: 'stop', params: { session: 0 } }, 'session 0');
  rejects(start({ session: 2 ** 32 }), 'a session id over the 32 bits a trace frame carries');
  accepts(start({ session: 2 ** 32 - 1 }));
  rejects(start({ extra: 1 }), 'extra start param');
  rejects(start({ probe: { ...auto, extra: 1 } }), 'extra probe key');
  rejects(start({ mode: 'watch' }), 'unknown mode');
  rejects(start({ probe: { kind: 'catalog', id: 'nope' } }), 'unknown catalog id');
  rejects(start({ probe: { kind: 'kprobe', func: '../etc/passwd', arg: 1 } }), 'kprobe path traversal');
  rejects(start({ probe: { kind: 'kprobe', func: 'vfs_read', arg: 7 } }), 'arg 7');
  rejects(start({ probe: { kind: 'kprobe', func: 'vfs_read', arg: 0 } }), 'arg 0');
  rejects(start({ probe: { kind: 'tracepoint', category: 'kmem', event: '../x', field: 'f' } }), 'tracepoint traversal');
  rejects(start({ probe: { kind: 'uprobe', path: 'lib/libc.so.6', symbol: 'memcpy', arg: 3 } }), 'relative uprobe path');
  rejects(start({ probe: { kind: 'uprobe', path: '/lib/libc.so.6', symbol: 'memcpy', arg: 7 } }), 'uprobe arg 7');
  rejects(start({ layout: 'linear:0:10:3' }), 'layout whose STEP does not divide');
  rejects(start({ layout: 'bogus' }), 'unknown layout');
  rejects(start({ pid: 0 }), 'pid 0');
  rejects(start({ pid: 4_194_305 }), 'pid above pid_max');
  rejects(start({ intervalMs: 50 }), 'intervalMs 50');
  rejects(start({ intervalMs: 60_001 }), 'intervalMs above a minute');
  rejects(start({ armOnExec: 'yes' }), 'armOnExec not boolean');
  rejects(null, 'null');
  rejects('hello', 'a string');
});

test('describeIssue is one line naming the path of the problem', () => {
  const cases: [unknown, string][] = [
    [start({ intervalMs: 50 }), 'params.intervalMs'],
    [start({ pid: 0 }), 'params.pid'],
    [start({ layout: 'linear:0:10:3' }), 'params.layout'],
    [start({ probe: { kind: 'kprobe', func: '../etc/passwd', arg: 1 } }), 'params.probe.func'],
    [{ v: 3, id: 0, method: 'hello', params: {} }, 'id'],
  ];
  for (const [message, path] of cases) {
    const text = rejects(message, path);
    assert.ok(text.startsWith(`${path}:`), `${path}: ${text}`);
    assert.ok(!text.includes('\n'), text);
  }
});

test('replySchema accepts an error reply with a null id', () => {
  const reply = { v: 3, type: 'error', id: null, error: { code: 'bad-request', message: 'params: bad' } };
  const r = replySchema.safeParse(reply);
  assert.ok(r.success);
  assert.deepEqual(r.data, reply);
  assert.ok(replySchema.safeParse({ ...reply, id: 5 }).success);
  assert.equal(replySchema.safeParse({ ...reply, error: { code: 'oops', message: 'x' } }).success, false);
  // Only error replies may lack an id: a response always answers a request.
  assert.equal(replySchema.safeParse({ v: 3, type: 'response', id: null, result: {} }).success, false);
  assert.ok(replySchema.safeParse({ v: 3, type: 'response', id: 1, result: {} }).success);
});

test('describeIssue quotes at most a short prefix of the bad input', () => {
  const key = 'k'.repeat(1 << 20);
  const text = rejects({ v: 3, id: 1, method: 'hello', params: { [key]: 1 } }, 'a long unknown key');
  assert.ok(text.length < 400, `${text.length} characters`);
  assert.match(text, /^params: Unrecognized key: "kkkk/);
  const deep = rejects({ v: 3, id: 1, method: 'start', params: { mode: 'stat', probe: { kind: 'catalog', id: 'read', [key]: 1 } } }, 'a long key deep inside');
  assert.ok(deep.length < 400, `${deep.length} characters`);
});
