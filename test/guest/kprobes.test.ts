/**
 * Runs inside Debian's stock kernel under qemu (see test/vm/), where kprobes
 * exist: kprobe oracle workloads with exact counts, the refusal of kernel
 * memcpy with its explanation, and kprobes gone once bpf-lab exits.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { HelperClient } from '../../src/backend/helper-client.js';
import { directLaunch } from '../../src/backend/launch.js';
import { callerEnv, cli, expectedCounts, finalHistogram, ORACLE_STATIC, records } from '../kernel/harness.js';

const KPROBES = '/sys/kernel/debug/kprobes/list';
const SIZES = ['0', '1', '64', '65', '128', '129', '1024', '1025x3', '4096', '70000'];

function registeredKprobes(): string[] {
  return fs.readFileSync(KPROBES, 'utf8').split('\n').filter(Boolean);
}

describe('on a kernel with kprobes', () => {
  it('reports kprobes, refuses memcpy for the right reason, and picks usercopy for auto', () => {
    const run = cli(['probes', '--json']);
    assert.equal(run.status, 0, run.stderr);
    const recs = records(run.stdout);
    assert.equal(recs.find((r) => r.type === 'kernel')!.kprobes, true);
    const probes = new Map(recs.filter((r) => r.type === 'probe').map((r) => [r.id, r]));
    const memcpy = probes.get('memcpy')!;
    assert.equal(memcpy.available, false);
    assert.deepEqual((memcpy.reasons as Array<{ code: string }>).map((r) => r.code), ['noinstr']);
    assert.deepEqual(memcpy.alternatives, ['usercopy', 'read']);
    for (const id of ['usercopy', 'vfs-read', 'read', 'kmalloc']) assert.equal(probes.get(id)!.available, true, id);
    assert.match(String(probes.get('auto')!.via), /^usercopy: kprobe __check_object_size\(\), argument 2/);
  });

  it('refuses kernel memcpy with a plain explanation', () => {
    for (const probe of [['--probe', 'memcpy'], ['--kprobe', 'memcpy:3']]) {
      const run = cli(['stat', ...probe, '--count', '1']);
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, /memcpy\(\) sits in \.noinstr\.text, code the kernel must run without instrumentation/);
      assert.match(run.stderr, /since Linux 5\.8/);
    }
    assert.deepEqual(registeredKprobes(), []);
  });

  it('counts vfs_read() sizes exactly through a kprobe', () => {
    const run = cli(['stat', '--probe', 'vfs-read', '--json', '--', ORACLE_STATIC, 'read', ...SIZES]);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(finalHistogram(run.stdout).buckets.map((b) => b.count), expectedCounts('seed', SIZES));
  });

  it('counts the kernel\'s user copies exactly (sethostname sizes through __check_object_size)', () => {
    // A process's start makes a few checked copies of its own (the kernel fills in its auxiliary
    // vector and such), so the oracle is the difference from the same program making no calls.
    const counts = (sizes: string[]): number[] => {
      const run = cli(['stat', '--probe', 'usercopy', '--buckets', 'log2', '--json', '--', ORACLE_STATIC, 'hostname', ...sizes]);
      assert.equal(run.status, 0, run.stderr);
      return finalHistogram(run.stdout).buckets.map((b) => b.count);
    };
    const sizes = ['1', '2x2', '3', '7', '8x3', '33', '64x2'];
    const baseline = counts([]);
    assert.ok(baseline.reduce((a, b) => a + b, 0) > 0, 'a process start makes checked copies');
    assert.deepEqual(counts(sizes).map((n, i) => n - baseline[i]!), expectedCounts('log2', sizes));
  });

  it('traces vfs_read() events through a kprobe', () => {
    const run = cli(['trace', '--probe', 'vfs-read', '--json', '--', ORACLE_STATIC, 'read', '11', '22', '33']);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(records(run.stdout).filter((r) => r.type === 'event').map((e) => e.size), [11, 22, 33]);
  });

  it('a caller who is not root counts exactly their own vfs_read() sizes through a kprobe, and usercopy loads for them', async () => {
    // The scoped kprobe programs check the task's ids and dumpable mode on every hit (bpf/size_source.h, CO-RE): this kernel's verifier and BTF take that too.
    const A = 54321;
    const client = await HelperClient.start({ ...directLaunch(), env: callerEnv(A) });
    try {
      const starts = ['vfs-read', 'usercopy'] as const;
      for (const [i, id] of starts.entries()) {
        await client.request('start', { session: i + 1, mode: 'stat', probe: { kind: 'catalog', id }, layout: 'seed', intervalMs: 0 });
      }
      // A copy A may run: the guest's tree is root's alone.
      const mine = fs.mkdtempSync('/tmp/oracle-');
      fs.chmodSync(mine, 0o755);
      fs.copyFileSync(ORACLE_STATIC, `${mine}/oracle-static`);
      fs.chmodSync(`${mine}/oracle-static`, 0o755);
      const oracle = spawnSync(`${mine}/oracle-static`, ['read', ...SIZES], { uid: A, gid: A, cwd: '/', encoding: 'utf8' });
      fs.rmSync(mine, { recursive: true });
      assert.equal(oracle.status, 0, `${oracle.error?.message ?? ''} ${oracle.stderr}`);
      const [vfs] = await Promise.all(starts.map((_, i) => client.request('stop', { session: i + 1 })));
      assert.deepEqual(vfs!.histogram!.counts, expectedCounts('seed', SIZES));
    } finally {
      await client.close();
    }
  });

  it('registers its kprobe while running and leaves none behind', () => {
    const run = cli(['stat', '--probe', 'vfs-read', '--', '/bin/cat', KPROBES]);
    assert.equal(run.status, 0, run.stderr);
    // 6.12 with IBT puts a kprobe on a function's entry after its ENDBR64 (4 bytes in).
    assert.match(run.stdout, /vfs_read\+0x[04]\b/);
    assert.deepEqual(registeredKprobes(), []);
  });
});

describe('the helper\'s exit paths, with a kprobe attached', () => {
  for (const how of ['stdin closing', 'SIGTERM'] as const) {
    it(`detaches on ${how}`, async () => {
      const client = await HelperClient.start(directLaunch());
      await client.request('start', { session: 1, mode: 'trace', probe: { kind: 'catalog', id: 'vfs-read' } });
      assert.equal(registeredKprobes().length, 1);
      if (how === 'SIGTERM') process.kill(client.pid!, 'SIGTERM');
      assert.equal(await client.close(), 0);
      assert.deepEqual(registeredKprobes(), []);
    });
  }
});
