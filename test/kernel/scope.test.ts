/**
 * A caller who is not root sees only their own processes (helper/caller.ts, and the check of
 * each hit's task in bpf/size_source.h, ptrace's rule). The helper is the real one, started as
 * pkexec would start it for user A (PKEXEC_UID, and the gid its root parent names); the oracle
 * workloads run as A, as B and as root, and as A through setuid and setgid copies, each writing
 * sizes of its own, so that exact counts show whose writes were counted.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { HelperClient } from '../../src/backend/helper-client.js';
import { GatedChild } from '../../src/cli/gated-child.js';
import { directLaunch } from '../../src/backend/launch.js';
import type { LabError } from '../../src/shared/errors.js';
import { recordEvent } from '../../src/shared/trace-frame.js';
import { callerEnv, expectedCounts, needsRoot, ORACLE_STATIC, ourPrograms } from './harness.js';

// Users with no other process on this machine, so that A's counts are the oracle's alone.
const A = 54321;
const B = 54322;
const OWN_ONLY = /^Only your own processes are counted/;

async function helperFor(t: TestContext, uid: number): Promise<HelperClient> {
  const client = await HelperClient.start({ ...directLaunch(), env: callerEnv(uid) });
  t.after(() => client.close());
  return client;
}

/** The oracle workload as this user, to its end. */
function oracleAs(uid: number, sizes: string[]): void {
  const r = spawnSync(ORACLE_STATIC, ['write', ...sizes], { uid, gid: uid, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

/** A process of this user that waits until killed. */
function sleeperAs(t: TestContext, uid: number): ChildProcess {
  const child = spawn('/bin/sleep', ['60'], { uid, gid: uid, stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  return child;
}

/**
 * `bpf-lab stat write -- PROGRAM write SIZES...` as user uid: the CLI's own gated child (run as
 * uid, gid uid), armed on its exec, so only PROGRAM's writes can count. The histogram's counts.
 */
async function commandAs(client: HelperClient, uid: number, program: string, sizes: string[]): Promise<number[]> {
  const child = new GatedChild([program, 'write', ...sizes], { uid, gid: uid });
  // A refused start must not leave the gated child waiting: it would keep this test's process alive.
  const started = await client.request('start', { session: 8, mode: 'stat', probe: { kind: 'catalog', id: 'write' },
    layout: 'seed', intervalMs: 0, pid: child.pid, armOnExec: true }).catch((e: unknown) => {
    child.kill();
    throw e;
  });
  child.release();
  assert.equal(await child.exited, 0, `${program} as ${uid}`);
  return (await client.request('stop', { session: started.session })).histogram!.counts;
}

/** A copy of the static oracle, root's, with this mode and group, in a directory every user can enter, on a filesystem that honours setuid. */
function oracleCopy(t: TestContext, mode: number, gid = 0): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpf-lab-setid-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.chmodSync(dir, 0o755);
  const mount = spawnSync('findmnt', ['-n', '-o', 'OPTIONS', '-T', dir], { encoding: 'utf8' });
  assert.doesNotMatch(mount.stdout, /\bnosuid\b/, `${dir} is on a nosuid mount: the copy would not change ids`);
  const file = path.join(dir, 'oracle-static');
  fs.copyFileSync(ORACLE_STATIC, file);
  fs.chownSync(file, 0, gid);
  fs.chmodSync(file, mode); // after chown, which clears the setuid and setgid bits
  return file;
}

const refusal = (client: HelperClient, params: Record<string, unknown>): Promise<LabError> =>
  client.request('start', { session: 1, mode: 'stat', layout: 'seed', intervalMs: 0, ...params } as never)
    .then(() => assert.fail(`${JSON.stringify(params)} was accepted`), (e: LabError) => e);

describe('a caller who is not root sees only their own processes', () => {
  it('stat with no pid counts exactly A\'s writes, none of B\'s or root\'s', async (t) => {
    if (!needsRoot(t)) return;
    const client = await helperFor(t, A);
    const started = await client.request('start', { session: 2, mode: 'stat', probe: { kind: 'catalog', id: 'write' }, layout: 'seed', intervalMs: 0 });
    assert.ok(started.notices.some((n) => OWN_ONLY.test(n)), started.notices.join('\n'));
    oracleAs(A, ['7x3', '300x2']);
    oracleAs(B, ['100x5']);
    oracleAs(0, ['900x4']);
    const stopped = await client.request('stop', { session: started.session });
    assert.deepEqual(stopped.histogram!.counts, expectedCounts('seed', ['7x3', '300x2']));
  });

  it('a command A runs counts by ptrace\'s rule: a setuid-root, a setgid or an execute-only copy of the writer counts 0, the plain one exactly', async (t) => {
    if (!needsRoot(t)) return;
    const sizes = ['7x3', '300x2', '5000'];
    // Each run in a helper of its own: five arm-on-exec starts in one would pass the work budget (20 loads per 10 s).
    const asA = async (program: string): Promise<number[]> => {
      const client = await HelperClient.start({ ...directLaunch(), env: callerEnv(A) });
      try {
        return await commandAs(client, A, program, sizes);
      } finally {
        await client.close();
      }
    };
    const exact = expectedCounts('seed', sizes);
    const none = exact.map(() => 0);
    assert.deepEqual(await asA(ORACLE_STATIC), exact, 'A\'s plain writer: every write, exactly');
    // Runs as root (euid and saved uid 0), and is not dumpable: perf and ptrace refuse it to A.
    assert.deepEqual(await asA(oracleCopy(t, 0o4755)), none, 'setuid root');
    // Runs with B's group, which A is not in (egid and saved gid B).
    assert.deepEqual(await asA(oracleCopy(t, 0o2755, B)), none, 'setgid B');
    // Every id A's, but A may not read the file, so the kernel makes the process undumpable (would_dump).
    assert.deepEqual(await asA(oracleCopy(t, 0o711)), none, 'execute-only: not dumpable');
    // The copies did write: root counts them all.
    const root = await HelperClient.start(directLaunch());
    t.after(() => root.close());
    assert.deepEqual(await commandAs(root, A, oracleCopy(t, 0o4755), sizes), exact, 'root counts the setuid copy\'s writes');
    assert.deepEqual(await asA(ORACLE_STATIC), exact, 'and A\'s plain writer still counts exactly');
  });

  it('trace with no pid lists only A\'s events', async (t) => {
    if (!needsRoot(t)) return;
    const client = await helperFor(t, A);
    const sizes: string[] = [];
    client.onPush((push) => {
      if (push.type !== 'trace') return;
      for (let i = 0; i < push.count; i++) sizes.push(recordEvent(push.records, push.view, i).size);
    });
    const started = await client.request('start', { session: 3, mode: 'trace', probe: { kind: 'catalog', id: 'write' }, layout: 'seed', intervalMs: 0 });
    oracleAs(B, ['100x5']);
    oracleAs(A, ['11x2', '4000']);
    oracleAs(0, ['900x4']);
    const stopped = await client.request('stop', { session: started.session });
    assert.equal(stopped.trace!.seen, 3);
    assert.deepEqual(sizes.sort(), ['11', '11', '4000']);
  });

  it('refuses B\'s and root\'s processes, and a libc uprobe with no process; takes A\'s own', async (t) => {
    if (!needsRoot(t)) return;
    const client = await helperFor(t, A);
    const write = { kind: 'catalog', id: 'write' };
    for (const pid of [sleeperAs(t, B).pid!, process.pid]) {
      const e = await refusal(client, { probe: write, pid });
      assert.equal(e.code, 'not-authorized');
      assert.match(e.message, new RegExp(`^Process ${pid} is not yours`));
    }
    // The probes answer says the same before any start: kmalloc works here, but not for A.
    const probes = new Map((await client.request('probes', {})).probes.map((p) => [p.id, p]));
    assert.equal(probes.get('kmalloc')!.available, false);
    assert.equal(probes.get('kmalloc')!.reasons[0]!.code, 'needs-root');
    assert.equal(probes.get('read')!.available, true);
    assert.doesNotMatch(String(probes.get('auto')!.via), /^memcpy/);
    for (const id of ['kmalloc', 'memcpy']) {
      const e = await refusal(client, { probe: { kind: 'catalog', id } });
      assert.equal(e.code, 'not-authorized');
      assert.match(e.message, new RegExp(`^${id} also counts work the kernel does in interrupts`));
    }
    const libc = await refusal(client, { probe: { kind: 'catalog', id: 'libc-memcpy' } });
    assert.equal(libc.code, 'not-authorized');
    assert.match(libc.message, /^libc-memcpy probes a library in user space/);
    assert.deepEqual(ourPrograms(), [], 'nothing was loaded for a refused start');
    const own = sleeperAs(t, A).pid!;
    for (const probe of [write, { kind: 'catalog', id: 'libc-memcpy' }]) {
      const started = await client.request('start', { session: 4, mode: 'stat', probe, layout: 'seed', intervalMs: 0, pid: own } as never);
      await client.request('stop', { session: started.session });
    }
    assert.deepEqual(ourPrograms(), []);
  });

  it('withholds the program\'s run counts, which the kernel keeps for every run, other users\' too', async (t) => {
    if (!needsRoot(t)) return;
    const runs = async (client: HelperClient): Promise<{ sampled: number; inspected: number; kernel: number; withheld: string[] }> => {
      const started = await client.request('start', { session: 5,
        mode: 'stat', probe: { kind: 'catalog', id: 'write' }, layout: 'seed', intervalMs: 0, stats: true,
      });
      oracleAs(B, ['100x5']);
      const sampled = (await client.request('sample', { session: started.session })).cost.runCnt;
      const inspection = await client.request('inspect', { session: started.session });
      // What the kernel counted, as bpftool reads it (run_cnt shows while statistics are on).
      const shown = spawnSync('bpftool', ['-j', 'prog', 'show', 'id', String(inspection.program.id)], { encoding: 'utf8' });
      const kernel = Number((JSON.parse(shown.stdout) as { run_cnt?: number }).run_cnt ?? 0);
      await client.request('stop', { session: started.session });
      return { sampled, inspected: inspection.program.runCnt, kernel, withheld: inspection.withheld };
    };
    // Root holds the kernel's run statistics on (a session with stats) while A's session runs: A's
    // own start may not turn them on, but every program is timed while anyone holds them.
    const root = await HelperClient.start(directLaunch());
    t.after(() => root.close());
    await root.request('start', { session: 1, mode: 'stat', probe: { kind: 'catalog', id: 'read' }, layout: 'seed', intervalMs: 0, stats: true });
    const mine = await runs(await helperFor(t, A));
    assert.ok(mine.kernel >= 5, `the kernel counted ${mine.kernel} runs of A's program, B's five writes among them`);
    assert.deepEqual([mine.sampled, mine.inspected], [0, 0], 'and A is shown none of them');
    assert.ok(mine.withheld.some((w) => /^Run counts and times/.test(w)), mine.withheld.join(' | '));
    // For root the same counters move with B's writes.
    const roots = await runs(root);
    assert.ok(roots.sampled >= 5 && roots.inspected >= 5, JSON.stringify(roots));
    await root.request('stop', { session: 1 });
  });

  it('an instructor (the second polkit action\'s launcher sets BPF_LAB_SCOPE) counts every user\'s writes', async (t) => {
    if (!needsRoot(t)) return;
    const client = await HelperClient.start({ ...directLaunch(), env: { ...callerEnv(A), BPF_LAB_SCOPE: 'system' } });
    t.after(() => client.close());
    assert.equal((await client.request('hello', {})).scope, 'every-process');
    const started = await client.request('start', { session: 6, mode: 'stat', probe: { kind: 'catalog', id: 'write' }, layout: 'seed', intervalMs: 0 });
    assert.ok(!started.notices.some((n) => OWN_ONLY.test(n)));
    oracleAs(B, ['100x5']);
    const stopped = await client.request('stop', { session: started.session });
    assert.ok(stopped.histogram!.counts[2]! >= 5, 'B\'s five writes of 100 bytes are counted');
    // Still not root: custom probes stay root's.
    const custom = await refusal(client, { probe: { kind: 'tracepoint', category: 'syscalls', event: 'sys_enter_write', field: 'count' } });
    assert.equal(custom.code, 'not-authorized');
  });

  it('root counts every user\'s writes', async (t) => {
    if (!needsRoot(t)) return;
    const client = await HelperClient.start(directLaunch());
    t.after(() => client.close());
    const started = await client.request('start', { session: 7, mode: 'stat', probe: { kind: 'catalog', id: 'write' }, layout: 'seed', intervalMs: 0 });
    assert.ok(!started.notices.some((n) => OWN_ONLY.test(n)));
    oracleAs(A, ['7x3']);
    oracleAs(B, ['100x5']);
    const stopped = await client.request('stop', { session: started.session });
    const counts = stopped.histogram!.counts;
    const oracle = expectedCounts('seed', ['7x3', '100x5']);
    // Other processes write too (this test's own output, for one): at least the oracles' counts.
    oracle.forEach((n, i) => assert.ok(counts[i]! >= n, `bucket ${i}: ${counts[i]} < ${n}`));
  });
});
