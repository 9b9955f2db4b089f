/**
 * The helper's protocol under generated input (fast-check): valid requests, valid requests with
 * one thing changed, random JSON, random bytes, binary frames and oversized frames, 120,000 in
 * all, sent to the real helper as root and as a caller who is not root (PKEXEC_UID). Every frame
 * gets exactly one reply, every malformed one an error; the helpers never crash, stay within a
 * bounded memory, exit cleanly, and leave no program loaded.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { describe, it, type TestContext } from 'node:test';
import fc from 'fast-check';
import { BINARY_FRAME, encodeFrame } from '../../src/shared/framing.js';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION, requestSchema } from '../../src/shared/protocol.js';
import { callerEnv, needsRoot, ourPrograms } from './harness.js';
import { killStarted, RawHelper, type Reply } from './raw-helper.js';

const FRAMES_PER_HELPER = 60_000;
const BATCH = 1000;
/** A user with no process on this machine (scope.test.ts uses it too). */
const NOT_ROOT = callerEnv(54321);

/** One generated frame: its bytes, and the id its reply must carry (null: the helper cannot tell). */
interface Case { bytes: Uint8Array; replyId: number | null; malformed: boolean; start?: boolean }

const session = fc.integer({ min: 1, max: 12 });
const cheap = fc.oneof(
  fc.constant({ method: 'hello', params: {} }),
  fc.record({ method: fc.constant('probes'), params: fc.record({ refresh: fc.boolean() }, { requiredKeys: [] }) }),
  fc.record({ method: fc.constantFrom('stop', 'inspect', 'sample'), params: fc.record({ session }) }),
);
/**
 * A start: each loads a program (or is refused as busy at 8 sessions), so they are few. Each
 * watches one idle process: system-wide, root's trace sessions would hold as much as the
 * machine happens to do, and the memory bound below would measure the machine, not the helper.
 */
const start = (pid: number): fc.Arbitrary<object> => fc.record({
  method: fc.constant('start'),
  params: fc.record({
    // Often one a running session holds: refused, with nothing loaded.
    session,
    mode: fc.constantFrom('stat', 'trace'),
    // libc-memcpy only with a pid: with none, root's would trap in every process of the machine.
    probe: fc.record({ kind: fc.constant('catalog'), id: fc.constantFrom('auto', 'read', 'write', 'kmalloc', 'memcpy', 'vfs-read', 'libc-memcpy') }),
    layout: fc.constantFrom('seed', 'log2', 'linear:0:1024:16', 'linear:5:1:1'),
    intervalMs: fc.constantFrom(0, 100, 2000, 50),
    stats: fc.boolean(),
    pid: fc.constant(pid),
  }, { requiredKeys: ['session', 'mode', 'probe', 'pid'] }),
});
const badId = fc.constantFrom(0, -1, 1.5, '7', null, 2 ** 53, [1]);
type Mutation = (request: Record<string, unknown>) => unknown;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constantFrom('v', 'id', 'method', 'params').map((key): Mutation => (r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== key))),
  fc.tuple(fc.constantFrom('v', 'method', 'params'), fc.jsonValue()).map(([key, value]): Mutation => (r) => ({ ...r, [key]: value })),
  fc.tuple(fc.string({ maxLength: 8 }), fc.jsonValue()).map(([key, value]): Mutation => (r) => ({ ...r, [`x${key}`]: value })),
  fc.tuple(fc.string({ maxLength: 12 }), fc.jsonValue()).map(([key, value]): Mutation => (r) => ({
    ...r, params: { ...(r['params'] as object), [key]: value },
  })),
  badId.map((id): Mutation => (r) => ({ ...r, id })),
);

type Kind = { valid: object } | { mutated: [object, Mutation] } | { json: unknown } | { bytes: Uint8Array; binary: boolean }
  | { oversized: number };
const kind = (pid: number): fc.Arbitrary<Kind> => fc.oneof(
  { weight: 3000, arbitrary: cheap.map((valid) => ({ valid })) },
  { weight: 3, arbitrary: start(pid).map((valid) => ({ valid })) },
  { weight: 3000, arbitrary: fc.tuple(fc.oneof(cheap, start(pid)), mutation).map((mutated) => ({ mutated })) },
  { weight: 1500, arbitrary: fc.jsonValue().map((json) => ({ json })) },
  { weight: 1500, arbitrary: fc.uint8Array({ maxLength: 96 }).map((bytes) => ({ bytes, binary: false })) },
  { weight: 300, arbitrary: fc.uint8Array({ maxLength: 96 }).map((bytes) => ({ bytes, binary: true })) },
  { weight: 1, arbitrary: fc.integer({ min: MAX_FRAME_BYTES + 1, max: MAX_FRAME_BYTES + 4096 }).map((oversized) => ({ oversized })) },
);

function header(length: number, binary: boolean): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, (length | (binary ? BINARY_FRAME : 0)) >>> 0, false);
  return bytes;
}

/** What the helper can read of an id: a positive safe integer, or nothing. */
function idOf(message: unknown): number | null {
  const id = typeof message === 'object' && message !== null && 'id' in message ? message.id : undefined;
  return Number.isSafeInteger(id) && (id as number) > 0 ? id as number : null;
}

function asCase(k: Kind, id: number): Case {
  if ('oversized' in k) {
    // A lying length: the helper refuses the frame from its header and skips that many bytes.
    const bytes = new Uint8Array(4 + k.oversized);
    bytes.set(header(k.oversized, false));
    return { bytes, replyId: null, malformed: true };
  }
  if ('bytes' in k) {
    const bytes = new Uint8Array(4 + k.bytes.length);
    bytes.set(header(k.bytes.length, k.binary));
    bytes.set(k.bytes, 4);
    if (k.binary) return { bytes, replyId: null, malformed: true };
    let message: unknown;
    try {
      message = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(k.bytes));
    } catch {
      return { bytes, replyId: null, malformed: true };
    }
    // Random bytes that happen to be JSON (a number, say): judged like any message.
    return { bytes, replyId: idOf(message), malformed: !requestSchema.safeParse(message).success };
  }
  const message = 'valid' in k ? { v: PROTOCOL_VERSION, id, ...k.valid }
    : 'mutated' in k ? k.mutated[1]({ v: PROTOCOL_VERSION, id, ...k.mutated[0] }) : k.json;
  const parsed = requestSchema.safeParse(message);
  return { bytes: encodeFrame(message), replyId: idOf(message), malformed: !parsed.success, start: parsed.data?.method === 'start' };
}

/** A process that waits until the test ends, as this user: what the generated starts watch. */
function idle(t: TestContext, uid = 0): number {
  const child = spawn('/bin/sleep', ['600'], { uid, gid: uid, stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  return child.pid!;
}

function residentKiB(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s*(\\d+) kB`, 'm').exec(status)![1]);
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

/** What a run showed: starts that loaded a program, and the helper's memory (KiB). */
interface Outcome { started: number; rss: number; peak: number }

async function fuzz(env: Record<string, string>, seed: number, pid: number): Promise<Outcome> {
  const h = new RawHelper(env);
  const cases = fc.sample(kind(pid), { numRuns: FRAMES_PER_HELPER, seed }).map((k, i) => asCase(k, i + 1));
  let baseline = 0;
  let started = 0;
  for (let at = 0; at < cases.length; at += BATCH) {
    const batch = cases.slice(at, at + BATCH);
    for (const c of batch) h.raw(c.bytes);
    const replies: Reply[] = [];
    for (const c of batch) {
      // A frame with no reply would hang the test: name it instead.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no reply to frame ${at + replies.length + 1}: ${Buffer.from(c.bytes.subarray(0, 200)).toString()}`)), 30_000);
      });
      replies.push(await Promise.race([h.next(), late]).finally(() => clearTimeout(timer)));
    }
    // Replies come in the order of the frames, except a lesson's, which none of these is.
    batch.forEach((c, i) => {
      const reply = replies[i]!;
      assert.equal(reply.id ?? null, c.replyId, `frame ${at + i + 1}: a reply to each frame, in order`);
      if (c.malformed) {
        assert.equal(reply.type, 'error', `frame ${at + i + 1} is malformed: ${JSON.stringify(reply)}`);
        assert.equal(reply.error?.code, 'bad-request', `frame ${at + i + 1}: ${JSON.stringify(reply)}`);
      }
      if (c.start && reply.type === 'response') started++;
    });
    if (at === 10 * BATCH) baseline = residentKiB(h.child.pid!).rss;
  }
  const hello = await h.call(FRAMES_PER_HELPER + 1, 'hello');
  assert.deepEqual([hello.type, hello.id], ['response', FRAMES_PER_HELPER + 1], 'the helper still serves');
  const memory = residentKiB(h.child.pid!);
  assert.ok(memory.rss - baseline < 64 << 10, `resident memory grew from ${baseline} to ${memory.rss} KiB`);
  assert.ok(memory.peak < 512 << 10, `peak resident memory ${memory.peak} KiB`);
  h.child.stdin.end();
  assert.equal(await h.exit(), 0, 'the helper exits cleanly when its client goes');
  // Loads really happened (and were cleaned up): the fuzz reached the kernel, not only the parser.
  assert.ok(started > 0, 'some generated starts loaded a program');
  return { started, ...memory };
}

describe('the helper under 120,000 generated frames', () => {
  it('as root', { timeout: 300_000 }, async (t) => {
    if (!needsRoot(t)) return;
    try {
      const o = await fuzz({}, 20261130, idle(t));
      t.diagnostic(`${o.started} starts loaded a program; resident ${o.rss} KiB, peak ${o.peak} KiB`);
    } finally {
      await killStarted();
    }
    assert.deepEqual(ourPrograms(), []);
  });

  it('as a caller who is not root', { timeout: 300_000 }, async (t) => {
    if (!needsRoot(t)) return;
    try {
      const o = await fuzz(NOT_ROOT, 20261201, idle(t, Number(NOT_ROOT.PKEXEC_UID)));
      t.diagnostic(`${o.started} starts loaded a program; resident ${o.rss} KiB, peak ${o.peak} KiB`);
    } finally {
      await killStarted();
    }
    assert.deepEqual(ourPrograms(), []);
  });
});
