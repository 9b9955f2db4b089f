/**
 * Oracle workloads on this host's kernel (tracepoints and uprobes; no kprobes):
 * known sizes go in through the real CLI, exact bucket counts must come out, and
 * nothing of ours may stay loaded afterwards.
 */
import assert from 'node:assert/strict';
import { isSkippedProbeNotice } from '../../src/shared/probes.js';
import { afterEach, describe, it } from 'node:test';
import {
  cli, expectedCounts, finalHistogram, needsRoot, ORACLE_DYNAMIC, ORACLE_STATIC, ourPrograms, records,
} from './harness.js';

const SIZES = ['0', '1', '64', '65', '128', '129', '1024', '1025x3', '4096', '70000'];

function statExact(t: import('node:test').TestContext, probe: string[], layout: string, mode: string,
  oracle = ORACLE_STATIC): void {
  if (!needsRoot(t)) return;
  const run = cli(['stat', ...probe, '--buckets', layout, '--json', '--', oracle, mode, ...SIZES]);
  assert.equal(run.status, 0, run.stderr);
  const h = finalHistogram(run.stdout);
  const want = expectedCounts(layout, SIZES);
  assert.deepEqual(h.buckets.map((b) => b.count), want);
  assert.equal(h.total, want.reduce((a, b) => a + b, 0));
}

describe('stat with an oracle workload', () => {
  afterEach(() => assert.deepEqual(ourPrograms(), [], 'a BPF program of ours is still loaded'));

  it('counts read() sizes exactly in the seed layout', (t) => {
    if (!needsRoot(t)) return;
    const run = cli(['stat', '--probe', 'read', '--json', '--', ORACLE_STATIC, 'read', ...SIZES]);
    assert.equal(run.status, 0, run.stderr);
    const h = finalHistogram(run.stdout);
    // Worked by hand: 0 | 1, 64 | 65, 128 | 129 | 1024, 1025 x3, 4096, 70000 folded into the last row.
    const want = [1, 2, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6];
    assert.deepEqual(h.buckets.map((b) => b.count), want);
    assert.equal(h.total, 12);
    assert.deepEqual(h.buckets[16], { low: 961, high: null, count: 6 });
    assert.equal(h.probe, 'read');
  });

  it('counts write() sizes exactly in log2 buckets', (t) => statExact(t, ['--probe', 'write'], 'log2', 'write'));

  it('counts write() sizes exactly in linear buckets with underflow and overflow',
    (t) => statExact(t, ['--probe', 'write'], 'linear:64:1088:128', 'write'));

  it('counts libc memcpy sizes exactly through the IFUNC-resolved uprobe',
    (t) => statExact(t, ['--probe', 'libc-memcpy'], 'seed', 'memcpy', ORACLE_DYNAMIC));

  it('counts a custom tracepoint field', (t) =>
    statExact(t, ['--tracepoint', 'syscalls:sys_enter_read:count'], 'log2', 'read'));

  it('counts a custom uprobe on a libc symbol', (t) =>
    statExact(t, ['--uprobe', '/lib/x86_64-linux-gnu/libc.so.6:write:3'], 'seed', 'write', ORACLE_DYNAMIC));

  it('falls back from memcpy under auto and says why', (t) => {
    if (!needsRoot(t)) return;
    const run = cli(['stat', '--json', '--', ORACLE_STATIC, 'read', ...SIZES]);
    assert.equal(run.status, 0, run.stderr);
    const notices = records(run.stdout).filter((r) => r.type === 'notice').map((r) => String(r.message));
    assert.ok(notices.some((n) => n.includes('.noinstr.text')), notices.join('\n'));
    assert.ok(notices.some((n) => n.startsWith('Using read for auto')), notices.join('\n'));
    // The app folds the reasons under Why? and says the choice in the open: it tells them apart by this rule.
    assert.equal(notices.filter(isSkippedProbeNotice)[0]?.split(' ')[0], 'memcpy', notices.join('\n'));
    assert.deepEqual(notices.filter((n) => !isSkippedProbeNotice(n)).map((n) => n.split(' ')[0]), ['Using'], notices.join('\n'));
    assert.deepEqual(finalHistogram(run.stdout).buckets.map((b) => b.count), expectedCounts('seed', SIZES));
  });

  it('prints the seed table and exits with the command\'s status', (t) => {
    if (!needsRoot(t)) return;
    const run = cli(['stat', '--probe', 'read', '--', ORACLE_STATIC, 'read', '100x2', 'oops']);
    assert.equal(run.status, 2, 'the oracle exits 2 on a bad size and bpf-lab passes that on');
    const lines = run.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'read sizes, final: counted until the probe was detached');
    assert.equal(lines[1], '        Size            Count');
    assert.equal(lines[4], '  65 -  128             2');
    assert.equal(lines[18], ' 961 - 1024*            0');
    assert.equal(lines[19], '* also counts every size above 1024');
  });
});

describe('trace with an oracle workload', () => {
  afterEach(() => assert.deepEqual(ourPrograms(), [], 'a BPF program of ours is still loaded'));

  it('emits one event per call, in order, with the process identity', (t) => {
    if (!needsRoot(t)) return;
    const run = cli(['trace', '--probe', 'write', '--json', '--', ORACLE_STATIC, 'write', '5', '6', '7', '70000']);
    assert.equal(run.status, 0, run.stderr);
    const recs = records(run.stdout);
    const events = recs.filter((r) => r.type === 'event');
    assert.deepEqual(events.map((e) => e.size), [5, 6, 7, 70000]);
    assert.ok(events.every((e) => e.comm === 'oracle-static' && e.pid === events[0]!.pid && e.probe === 'write'));
    assert.deepEqual(recs.filter((r) => r.type === 'summary').at(-1), { type: 'summary', probe: 'write', seen: 4, dropped: 0, skipped: 0 });
  });

  it('prints lines shaped like the demo\'s', (t) => {
    if (!needsRoot(t)) return;
    const run = cli(['trace', '--probe', 'libc-memcpy', '--', ORACLE_DYNAMIC, 'memcpy', '13', '2']);
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^oracle-dynamic-\d+ \[\d{3}\] \d+\.\d{6}: libc-memcpy size 13$/);
    assert.match(lines[1]!, /: libc-memcpy size 2$/);
  });

  it('accounts for every event of a flood: received + dropped = seen', (t) => {
    if (!needsRoot(t)) return;
    const run = cli(['trace', '--probe', 'write', '--json', '--', ORACLE_STATIC, 'write', '1x200000'], 120_000);
    assert.equal(run.status, 0, run.stderr);
    const recs = records(run.stdout);
    const received = recs.filter((r) => r.type === 'event').length;
    const summary = recs.filter((r) => r.type === 'summary').at(-1)!;
    assert.equal(summary.seen, 200_000);
    assert.equal(received + Number(summary.dropped), 200_000);
  });

  it('stops after --count events and still ends with the command\'s status', (t) => {
    if (!needsRoot(t)) return;
    const run = cli(['trace', '--probe', 'write', '--count', '3', '--json', '--', ORACLE_STATIC, 'write', '1x50', 'oops']);
    assert.equal(run.status, 2, run.stderr);
    assert.equal(records(run.stdout).filter((r) => r.type === 'event').length, 3);
  });
});

describe('--pid', () => {
  afterEach(() => assert.deepEqual(ourPrograms(), [], 'a BPF program of ours is still loaded'));

  it('keeps only the given process\'s events', async (t) => {
    if (!needsRoot(t)) return;
    // A shell whose builtin echo writes 3 bytes to /dev/null, forever, from one pid.
    const { spawn } = await import('node:child_process');
    const writer = spawn('/bin/sh', ['-c', 'while :; do echo hi; done >/dev/null'], { stdio: 'ignore' });
    try {
      const run = cli(['trace', '--probe', 'write', '--pid', String(writer.pid), '--count', '20', '--json']);
      assert.equal(run.status, 0, run.stderr);
      const events = records(run.stdout).filter((r) => r.type === 'event');
      assert.equal(events.length, 20);
      assert.ok(events.every((e) => e.pid === writer.pid && e.size === 3), JSON.stringify(events[0]));
    } finally {
      writer.kill('SIGKILL');
    }
  });
});

describe('the kernel\'s bucket math at the 64-bit edges', () => {
  afterEach(() => assert.deepEqual(ourPrograms(), [], 'a BPF program of ours is still loaded'));

  // Values no read() can have, passed to a function of the oracle's own through a uprobe.
  const EDGES = ['0', '1', '2', '3', '4', '64', '65', '1024', '1025', '2147483648', '4294967295', '4294967296',
    '9223372036854775807', '9223372036854775808', '18446744073709551614', '18446744073709551615'];
  const probe = ['--uprobe', `${ORACLE_DYNAMIC}:oracle_value:1`];
  for (const layout of ['seed', 'log2', 'linear:0:18446744073709551615:1229782938247303441', 'linear:64:1088:64']) {
    it(`matches the TypeScript twin for ${layout}`, (t) => {
      if (!needsRoot(t)) return;
      const run = cli(['stat', ...probe, '--buckets', layout, '--json', '--', ORACLE_DYNAMIC, 'value', ...EDGES]);
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(finalHistogram(run.stdout).buckets.map((b) => b.count), expectedCounts(layout, EDGES));
    });
  }
});
