// Who the root helper serves (helper/caller.ts): its stdin and stdout must be
// pipes its parent holds; pkexec's PKEXEC_UID names the caller; and a caller
// that is not root may not trace a custom probe's raw values or make root
// open a file that is not the system's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type fs from 'node:fs';
import { CallerPolicy, clientProblem, pipeInode, pkexecCaller } from '../../helper/caller.js';
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
  assert.equal(pkexecCaller({ PKEXEC_UID: '1000; rm' }), null);
});

const start = (probe: StartParams['probe'], mode: 'stat' | 'trace' = 'stat'): StartParams =>
  ({ mode, probe, layout: 'seed', armOnExec: false, intervalMs: 2000 });
const stats = (table: Record<string, { uid: number; mode: number }>) => (file: string): fs.Stats => {
  const s = table[file];
  if (!s) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  return s as unknown as fs.Stats;
};
const libc = { kind: 'uprobe' as const, path: '/usr/lib/libc.so.6', symbol: 'write', arg: 3 };
const mine = { kind: 'uprobe' as const, path: '/home/ann/a.out', symbol: 'f', arg: 1 };
const system = stats({ '/usr/lib/libc.so.6': { uid: 0, mode: 0o100755 }, '/usr/lib': { uid: 0, mode: 0o40755 },
  '/home/ann/a.out': { uid: 1000, mode: 0o100755 }, '/home/ann': { uid: 1000, mode: 0o40755 },
  '/tmp/x': { uid: 0, mode: 0o100755 }, '/tmp': { uid: 0, mode: 0o41777 } });

test('root, and a caller that ran the helper directly, may start anything', () => {
  for (const uid of [null, 0]) {
    const policy = new CallerPolicy(uid);
    policy.check(start({ kind: 'kprobe', func: 'vfs_read', arg: 2 }, 'trace'), system);
    policy.check(start(mine, 'trace'), system);
  }
});

test('a user may trace catalog probes and histogram custom ones, but not trace raw custom values', () => {
  const policy = new CallerPolicy(1000);
  policy.check(start({ kind: 'catalog', id: 'write' }, 'trace'), system);
  policy.check(start({ kind: 'kprobe', func: 'vfs_read', arg: 3 }), system);
  policy.check(start(libc), system);
  assert.throws(() => policy.check(start({ kind: 'kprobe', func: 'vfs_read', arg: 2 }, 'trace'), system),
    (e: { code: string; message: string }) => e.code === 'not-authorized' && /kernel addresses/.test(e.message));
  assert.throws(() => policy.check(start({ kind: 'tracepoint', category: 'a', event: 'b', field: 'c' }, 'trace'), system));
});

test('a user\'s uprobe must name a system file in a system folder', () => {
  const policy = new CallerPolicy(1000);
  assert.throws(() => policy.check(start(mine), system), (e: { message: string }) => /^\/home\/ann\/a\.out is not a system file/.test(e.message));
  assert.throws(() => policy.check(start({ ...libc, path: '/tmp/x' }), system), (e: { message: string }) => /^\/tmp is not a system file/.test(e.message));
  policy.check(start({ ...libc, path: '/usr/lib/missing.so' }), system); // attach reports it as bad-probe
});
