// Who the root helper serves (helper/caller.ts): its stdin and stdout must be
// pipes its parent holds; pkexec's PKEXEC_UID names the caller, and the parent
// (the client that ran pkexec) their gid; and a caller that is not root is
// scoped to their own processes, may not use custom probes, and
// may not put a libc uprobe on every process. Whose process a pid names is
// tested against real processes in test/kernel/scope.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { callerGid, CallerPolicy, clientProblem, pipeInode, pkexecCaller } from '../../helper/caller.js';
import type { StartParams } from '../../src/shared/protocol.js';

test('pipe inodes are read from /proc fd links, and nothing else is a pipe', () => {
  assert.equal(pipeInode('pipe:[4026532]'), '4026532');
  assert.equal(pipeInode('socket:[4026532]'), null);
  assert.equal(pipeInode('/dev/null'), null);
  assert.equal(pipeInode(''), null);
});

test('the client must be the parent: its pipes held by it, or its sockets peered with it', () => {
  const fds = (facts: Record<number, [string, number | null]>) => (n: number) => ({ link: facts[n]?.[0] ?? '', peerPid: facts[n]?.[1] ?? null });
  const held = (...inodes: string[]) => () => new Set(inodes);
  assert.equal(clientProblem(10, fds({ 0: ['pipe:[1]', null], 1: ['pipe:[2]', null] }), held('1', '2', '9')), null);
  assert.equal(clientProblem(10, fds({ 0: ['socket:[5]', 10], 1: ['socket:[5]', 10] }), held()), null);
  assert.match(clientProblem(10, fds({ 0: ['/dev/null', null], 1: ['pipe:[2]', null] }), held('2'))!, /^stdin is neither a pipe nor a socket/);
  assert.match(clientProblem(10, fds({ 0: ['pipe:[1]', null], 1: ['anon_inode:[eventfd]', null] }), held('1'))!, /^stdout is neither/);
  assert.match(clientProblem(10, fds({ 0: ['pipe:[1]', null], 1: ['pipe:[2]', null] }), held('1'))!,
    /^stdout is not connected to the process that started it \(pid 10\)$/);
  assert.match(clientProblem(10, fds({ 0: ['socket:[5]', 11], 1: ['socket:[5]', 10] }), held())!, /^stdin is not connected/);
  assert.match(clientProblem(10, fds({ 0: ['socket:[5]', null], 1: ['socket:[5]', 10] }), held())!, /^stdin is not connected/);
});

test('PKEXEC_UID names the caller; without it the caller ran the helper itself', () => {
  assert.equal(pkexecCaller({ PKEXEC_UID: '1000' }), 1000);
  assert.equal(pkexecCaller({ PKEXEC_UID: '0' }), 0);
  assert.equal(pkexecCaller({}), null);
  for (const bad of ['1000; rm', '', '-1', '4294967295', '99999999999']) {
    assert.throws(() => pkexecCaller({ PKEXEC_UID: bad }), /^Error: PKEXEC_UID is no user id/, bad);
  }
});

test('the caller\'s gid is the real gid of the parent that ran pkexec, whose real uid must be PKEXEC_UID', (t) => {
  const proc = fs.mkdtempSync(path.join(os.tmpdir(), 'caller-proc-'));
  t.after(() => fs.rmSync(proc, { recursive: true, force: true }));
  const parent = (pid: number, uids: string, gids: string): void => {
    fs.mkdirSync(path.join(proc, String(pid)));
    fs.writeFileSync(path.join(proc, String(pid), 'status'), `Name:\tbpf-lab\nUid:\t${uids}\nGid:\t${gids}\nGroups:\t27 100\n`);
  };
  parent(10, '1000\t1000\t1000\t1000', '1001\t1001\t1001\t1001');
  parent(11, '1002\t1000\t1000\t1000', '1001\t1001\t1001\t1001');
  parent(12, '0\t0\t0\t0', '0\t0\t0\t0');
  const named = { BPF_LAB_CALLER_GID: '1234' };
  assert.equal(callerGid(1000, {}, proc, () => 10), 1001);
  // A root parent is not asked for its gid: it names the caller's, or the helper will not serve.
  assert.equal(callerGid(1000, named, proc, () => 12), 1234);
  assert.equal(callerGid(0, named, proc, () => 12), 0, 'pkexec from root: the parent is the caller');
  assert.throws(() => callerGid(1000, {}, proc, () => 12), /^Error: root started the helper for uid 1000 without naming its gid/);
  assert.throws(() => callerGid(1000, { BPF_LAB_CALLER_GID: '-1' }, proc, () => 12), /without naming its gid/);
  // Only a root parent may name it: a parent that is another user is not the caller.
  assert.throws(() => callerGid(1000, named, proc, () => 11), /^Error: PKEXEC_UID names uid 1000, but the process that started the helper \(pid 11\) runs as uid 1002$/);
  assert.throws(() => callerGid(1000, {}, proc, () => 13), /^Error: cannot read the ids of the process that started the helper \(pid 13\)$/);
  // Reparented while it was read: the status read may be another process's.
  let ppid = 10;
  assert.throws(() => callerGid(1000, {}, proc, () => ppid++), /cannot read the ids/);
});

const start = (probe: StartParams['probe'], mode: 'stat' | 'trace' = 'stat', layout = 'seed'): StartParams =>
  ({ session: 1, mode, probe, layout, armOnExec: false, intervalMs: 2000, stats: false, verifierLog: false, calls: false });
const custom: StartParams['probe'][] = [
  { kind: 'kprobe', func: 'input_event', arg: 3 },
  { kind: 'tracepoint', category: 'kmem', event: 'kmalloc', field: 'call_site' },
  { kind: 'uprobe', path: '/home/ann/a.out', symbol: 'f', arg: 1 },
  { kind: 'uprobe', path: '/usr/lib/x86_64-linux-gnu/libc.so.6', symbol: 'write', arg: 3 },
];

test('root, and a caller that ran the helper directly, may start anything, on every process', () => {
  for (const caller of [null, { uid: 0, gid: 0 }]) {
    for (const probe of custom) assert.equal(new CallerPolicy(caller).scope(start(probe, 'trace')), null);
    assert.equal(new CallerPolicy(caller).scope(start({ kind: 'catalog', id: 'libc-memcpy' }, 'stat')), null);
  }
});

test('a user may use the catalog\'s process-context probes, in every mode and layout, on their own processes only, and no custom probe at all', () => {
  const me = { uid: 1000, gid: 1001 };
  const policy = new CallerPolicy(me);
  for (const id of ['auto', 'write', 'usercopy', 'read', 'vfs-read'] as const) {
    assert.deepEqual(policy.scope(start({ kind: 'catalog', id }, 'trace')), me);
    assert.deepEqual(policy.scope(start({ kind: 'catalog', id }, 'stat', 'linear:0:4096:1')), me);
  }
  // Probes that fire in interrupts would count, as the caller's, work done for whoever was interrupted.
  for (const id of ['memcpy', 'kmalloc'] as const) {
    assert.throws(() => policy.scope(start({ kind: 'catalog', id }, 'stat')),
      (e: { code: string; message: string }) => e.code === 'not-authorized' && new RegExp(`^${id} also counts work the kernel does in interrupts`).test(e.message));
  }
  // A libc uprobe with no process would trap in every process of the machine.
  assert.throws(() => policy.scope(start({ kind: 'catalog', id: 'libc-memcpy' }, 'stat')),
    (e: { code: string; message: string }) => e.code === 'not-authorized' && /^libc-memcpy probes a library in user space/.test(e.message));
  for (const probe of custom) {
    for (const mode of ['stat', 'trace'] as const) {
      // An exact histogram (linear, step 1) of an argument is the argument: keystrokes, addresses.
      assert.throws(() => policy.scope(start(probe, mode, 'linear:0:768:1')),
        (e: { code: string; message: string }) => e.code === 'not-authorized' && /^Custom probes need root/.test(e.message),
        `${probe.kind} ${mode}`);
    }
  }
});
