/**
 * The root helper trusts nothing from its client: malformed, oversized and
 * invalid messages get error replies (never a crash), sessions are bounded, and
 * every exit path detaches everything it attached.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, it } from 'node:test';
import { directLaunch } from '../../src/backend/launch.js';
import { encodeFrame } from '../../src/shared/framing.js';
import { MAX_FRAME_BYTES, MAX_SESSIONS } from '../../src/shared/protocol.js';
import { needsRoot, ORACLE_DYNAMIC, ORACLE_STATIC, ourPrograms } from './harness.js';
import { killStarted, RawHelper, type Reply } from './raw-helper.js';

const errorCode = (r: Reply): string | undefined => r.error?.code;
/** The ids of the loaded hist_* programs (bpftool). */
function histogramIds(): number[] {
  const progs = JSON.parse(spawnSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' }).stdout) as Array<{ id: number; name?: string }>;
  return progs.filter((p) => p.name?.startsWith('hist_')).map((p) => p.id);
}
const startRead = { session: 1, mode: 'stat', probe: { kind: 'catalog', id: 'read' } };

describe('the helper protocol', () => {
  afterEach(async () => {
    await killStarted();
    assert.deepEqual(ourPrograms(), [], 'the helper left a program loaded');
  });

  it('answers malformed and invalid messages with errors and keeps serving', async (t) => {
    if (!needsRoot(t)) return;
    const h = new RawHelper();
    h.raw(new Uint8Array([0, 0, 0, 3, 0x7b, 0x7b, 0x7b]));
    assert.equal(errorCode(await h.next()), 'bad-request');
    const bad: Array<[unknown, RegExp]> = [
      [{ v: 2, id: 1, method: 'hello', params: {} }, /^v:/],
      [{ v: 3, id: 2, method: 'format-disk', params: {} }, /^method:/],
      [{ v: 3, id: 3, method: 'start', params: { ...startRead, layout: 'linear:0:10:3' } }, /^params\.layout:/],
      [{ v: 3, id: 4, method: 'start', params: { session: 1, mode: 'stat', probe: { kind: 'kprobe', func: '../x', arg: 1 } } }, /^params\.probe\.func:/],
      [{ v: 3, id: 5, method: 'start', params: { session: 1, mode: 'stat', probe: { kind: 'uprobe', path: 'rel/lib.so', symbol: 'f', arg: 1 } } }, /^params\.probe\.path:/],
      [{ v: 3, id: 6, method: 'start', params: { ...startRead, pid: 0 } }, /^params\.pid:/],
      [{ v: 3, id: 7, method: 'start', params: { ...startRead, extra: true } }, /^params:/],
      [{ v: 3, id: 9, method: 'start', params: { mode: 'stat', probe: { kind: 'catalog', id: 'read' } } }, /^params\.session:/],
      [{ v: 3, id: 8, method: 'stop', params: { session: 'all' } }, /^params\.session:/],
      [{ v: 3, id: 11, method: 'lesson', params: { lesson: 'classic-bpf', ipv4: 1001 } }, /^params\.ipv4:/],
      [{ v: 3, id: 12, method: 'lesson', params: { lesson: 'classic-bpf', ipv6: -1 } }, /^params\.ipv6:/],
      [{ v: 3, id: 13, method: 'lesson', params: { lesson: '../ebpf' } }, /^params\.lesson:/],
      ['just a string', /^message:/],
    ];
    for (const [message, path] of bad) {
      h.send(message);
      const r = await h.next();
      assert.equal(errorCode(r), 'bad-request', JSON.stringify(message));
      assert.match(r.error!.message, path);
    }
    assert.equal(errorCode(await h.call(9, 'stop', { session: 12345 })), 'no-session');
    assert.equal((await h.call(10, 'hello')).type, 'response');
    h.child.stdin.end();
    assert.equal(await h.exit(), 0);
  });

  it('skips an oversized frame whole and stays in sync', async (t) => {
    if (!needsRoot(t)) return;
    const h = new RawHelper();
    const size = MAX_FRAME_BYTES + 10;
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint32(0, size, false);
    h.raw(header);
    for (let sent = 0; sent < size; sent += 65536) h.raw(new Uint8Array(Math.min(65536, size - sent)).fill(0x20));
    const r = await h.next();
    assert.equal(errorCode(r), 'bad-request');
    assert.match(r.error!.message, /over the \d+-byte limit/);
    assert.equal((await h.call(1, 'hello')).type, 'response');
    h.child.stdin.end();
    assert.equal(await h.exit(), 0);
  });

  it('answers a frame of exactly the limit, which quotes a huge unknown key, with a reply the client can read', async (t) => {
    if (!needsRoot(t)) return;
    const h = new RawHelper();
    const shell = JSON.stringify({ v: 3, id: 1, method: 'hello', params: { K: 1 } });
    const key = 'k'.repeat(MAX_FRAME_BYTES - shell.length + 1);
    const frame = encodeFrame({ v: 3, id: 1, method: 'hello', params: { [key]: 1 } });
    assert.equal(frame.length, 4 + MAX_FRAME_BYTES, 'the request is exactly at the limit');
    h.raw(frame);
    const r = await h.next();
    assert.equal(errorCode(r), 'bad-request', JSON.stringify(r).slice(0, 300));
    assert.equal(r.id, 1);
    assert.match(r.error!.message, /^params: Unrecognized key: "kkk/);
    assert.ok(r.error!.message.length < 400, `${r.error!.message.length} characters`);
    assert.equal((await h.call(2, 'hello')).type, 'response');
    h.child.stdin.end();
    assert.equal(await h.exit(), 0);
  });

  it('a queue of probes requests costs one round of loads, so a stop behind it is not held up', async (t) => {
    if (!needsRoot(t)) return;
    const h = new RawHelper();
    // Program ids only grow: the id a new session's program gets tells how many programs were
    // loaded since the last one (each probes round loads every catalog candidate once).
    const session = async (id: number): Promise<[number, number]> => {
      const r = await h.call(id, 'start', { ...startRead, session: id });
      const s = (r.result as { session: number }).session;
      return [s, Math.max(...histogramIds())];
    };
    const [s1, a] = await session(1);
    assert.equal((await h.call(2, 'probes')).type, 'response');
    const [s2, b] = await session(3);
    const oneRound = b - a;
    assert.ok(oneRound > 1, `one probes round loaded ${oneRound - 1} programs`);
    const burst = new Uint8Array(await new Blob([
      ...Array.from({ length: 40 }, (_, i) => encodeFrame({ v: 3, id: 100 + i, method: 'probes', params: {} })),
      encodeFrame({ v: 3, id: 200, method: 'stop', params: { session: s1 } }),
    ]).arrayBuffer());
    h.raw(burst);
    const replies: Reply[] = [];
    while (replies.length < 41) replies.push(await h.next());
    assert.deepEqual(replies.map((r) => r.type), Array(41).fill('response'));
    assert.ok((replies.at(-1)!.result as { histogram?: unknown }).histogram, 'the stop was answered');
    const [, c] = await session(4);
    assert.ok(c - b <= oneRound, `40 queued probes requests loaded ${c - b - 1} programs, one round loads ${oneRound - 1}`);
    await h.call(5, 'stop', { session: s2 });
    h.child.stdin.end();
    assert.equal(await h.exit(), 0);
  });

  it('bounds the number of sessions', async (t) => {
    if (!needsRoot(t)) return;
    const h = new RawHelper();
    for (let i = 1; i <= MAX_SESSIONS; i++) assert.equal((await h.call(i, 'start', { ...startRead, session: i })).type, 'response');
    const r = await h.call(99, 'start', { ...startRead, session: 99 });
    assert.equal(errorCode(r), 'busy');
    assert.equal(ourPrograms().length, MAX_SESSIONS);
    h.child.stdin.end();
    assert.equal(await h.exit(), 0);
  });

  it('runs each session under the id its client chose, and refuses one a running session holds', async (t) => {
    if (!needsRoot(t)) return;
    const h = new RawHelper();
    const first = await h.call(1, 'start', { ...startRead, session: 7 });
    assert.equal((first.result as { session: number }).session, 7);
    const again = await h.call(2, 'start', { ...startRead, session: 7, mode: 'trace' });
    assert.equal(errorCode(again), 'bad-request');
    assert.match(again.error!.message, /session 7 is already running/);
    assert.deepEqual(ourPrograms(), ['hist_tracepoint'], 'nothing was loaded for the refused start');
    assert.equal((await h.call(3, 'stop', { session: 7 })).type, 'response', 'the first one still runs');
    assert.equal((await h.call(4, 'start', { ...startRead, session: 7 })).type, 'response', 'a stopped session\'s id is free again');
    h.child.stdin.end();
    assert.equal(await h.exit(), 0);
  });

  it('detaches everything on SIGTERM', async (t) => {
    if (!needsRoot(t)) return;
    const h = new RawHelper();
    assert.equal((await h.call(1, 'start', { ...startRead, session: 1 })).type, 'response');
    assert.equal((await h.call(2, 'start', { ...startRead, session: 2, mode: 'trace' })).type, 'response');
    assert.deepEqual(ourPrograms().sort(), ['hist_tracepoint', 'trace_tracepoint']);
    h.child.kill('SIGTERM');
    assert.equal(await h.exit(), 0);
  });

  it('refuses a probe this kernel lacks, with nothing loaded', async (t) => {
    if (!needsRoot(t)) return;
    const h = new RawHelper();
    const r = await h.call(1, 'start', { session: 1, mode: 'trace', probe: { kind: 'catalog', id: 'vfs-read' } });
    assert.equal(errorCode(r), 'not-probeable');
    assert.match(r.error!.message, /without kprobes/);
    assert.deepEqual(ourPrograms(), [], 'checked while the helper still runs');
    h.child.stdin.end();
    assert.equal(await h.exit(), 0);
  });

  it('unloads the program when the attach fails after a successful load', async (t) => {
    if (!needsRoot(t)) return;
    const h = new RawHelper();
    const probe = { kind: 'uprobe', path: ORACLE_DYNAMIC, symbol: 'no_such_function', arg: 1 };
    const r = await h.call(1, 'start', { session: 1, mode: 'stat', probe });
    assert.equal(errorCode(r), 'bad-probe');
    assert.match(r.error!.message, /has no function no_such_function/);
    assert.deepEqual(ourPrograms(), [], 'the loaded program was not released');
    assert.equal((await h.call(2, 'hello')).type, 'response');
    h.child.stdin.end();
    assert.equal(await h.exit(), 0);
  });

  it('loses nothing at a rate the trace benchmark shows as safe: received = seen, in order, none skipped', async (t) => {
    if (!needsRoot(t)) return;
    const h = new RawHelper();
    // 100k one-byte writes a second for 2 s: under a quarter of what bench/trace.ts delivered whole.
    const writer = spawn(process.execPath, [new URL('../e2e/paced-writes.js', import.meta.url).pathname, '100000', '2'],
      { stdio: ['pipe', 'ignore', 'inherit'] });
    const r = await h.call(1, 'start', { session: 1, mode: 'trace', probe: { kind: 'catalog', id: 'write' }, pid: writer.pid });
    assert.equal(r.type, 'response');
    writer.stdin.write('go\n');
    await once(writer, 'exit');
    const stop = await h.call(2, 'stop', { session: (r.result as { session: number }).session });
    const { seen, lost } = (stop.result as { trace: { seen: number; lost: number } }).trace;
    assert.ok(seen >= 200_000, `seen ${seen}`);
    assert.deepEqual({ received: h.events, lost, gaps: h.gaps }, { received: seen, lost: 0, gaps: 0 });
    h.child.stdin.end();
    assert.equal(await h.exit(), 0);
  });

  it('counts what a client that stops reading misses: received + lost = seen', async (t) => {
    if (!needsRoot(t)) return;
    const h = new RawHelper();
    const r = await h.call(1, 'start', { session: 1, mode: 'trace', probe: { kind: 'catalog', id: 'write' } });
    assert.equal(r.type, 'response');
    h.child.stdout.pause();
    const flood = spawnSync(ORACLE_STATIC, ['write', '1x300000']);
    assert.equal(flood.status, 0);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    h.child.stdout.resume();
    const stop = await h.call(2, 'stop', { session: (r.result as { session: number }).session });
    const { seen, lost } = (stop.result as { trace: { seen: number; lost: number } }).trace;
    assert.ok(seen >= 300_000, `seen ${seen}`);
    assert.ok(lost > 0, 'a stalled client must lose events, and they must be counted');
    assert.equal(h.events + lost, seen);
    h.child.stdin.end();
    assert.equal(await h.exit(), 0);
  });
});

describe('who the helper serves', () => {
  const helper = [directLaunch().command, ...directLaunch().args];
  const run = (shell: string): ReturnType<typeof spawnSync> =>
    spawnSync('/bin/sh', ['-c', shell, 'sh', ...helper], { encoding: 'utf8', timeout: 20_000, input: '' });

  it('refuses a stdin that is neither a pipe nor a socket', (t) => {
    if (!needsRoot(t)) return;
    const r = run('exec "$@" </dev/null');
    assert.equal(r.status, 78);
    assert.match(String(r.stderr), /^bpf-lab-helper: stdin is neither a pipe nor a socket/);
  });

  it('refuses pipes its parent does not hold (handed over by another process)', (t) => {
    if (!needsRoot(t)) return;
    // The shell starts the helper on copies of its own pipes, then closes every copy it holds:
    // the helper's parent (the shell) no longer holds the other ends; its grandparent (this test) does.
    const r = run('exec 3<&0 4>&1; "$@" <&3 >&4 3<&- 4>&- & exec 0<&- 1>&- 3<&- 4>&-; wait');
    assert.equal(r.status, 0, 'the shell itself');
    assert.match(String(r.stderr), /bpf-lab-helper: stdin is not connected to the process that started it/);
  });

  it('refuses to run when it is not root, even with the tracing capabilities', (t) => {
    if (!needsRoot(t)) return;
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=+bpf,+perfmon,+sys_admin',
      '--ambient-caps=+bpf,+perfmon,+sys_admin', ...helper], { encoding: 'utf8', input: '' });
    assert.equal(r.status, 77, r.stderr);
    assert.match(r.stderr, /needs root/);
  });
});
