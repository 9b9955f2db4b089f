/**
 * Why a caller scoped to their own processes may not use memcpy or kmalloc (helper/caller.ts):
 * both also fire in interrupt work, which runs on whichever task was interrupted, and a uid check
 * cannot tell that work from the task's own. The oracle sends K datagrams to itself over
 * loopback, as user A. The kernel takes each one in (net:netif_receive_skb) in a softirq on A's
 * time: root, watching A's process, counts them there, and so does a program scoped to A, exactly
 * as many. Had they been another user's packets, A would have counted them.
 *
 * The sessions are started below the caller policy (which keeps custom tracepoints for root),
 * with the same target a scoped start gets (targetOf), so that any tracepoint can show the rule.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { it } from 'node:test';
import { targetOf, type Owner } from '../../helper/attach.js';
import { HistSession } from '../../helper/hist-session.js';
import { Kernel } from '../../helper/kernel.js';
import type { ProbeSpec } from '../../src/shared/probes.js';
import { needsRoot, ORACLE_STATIC, ourPrograms } from './harness.js';

const A = 54323;
const K = 200;

it('a program scoped to a user\'s uid counts the softirq work done on their time: interrupt work passes a uid check', async (t) => {
  if (!needsRoot(t)) return;
  // The oracle as A, held before its exec until every session is attached (each arms on that exec).
  const gate = spawn('/bin/sh', ['-c', 'read go && exec "$0" udp "$1"', ORACLE_STATIC, `100x${K}`],
    { uid: A, gid: A, stdio: ['pipe', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => gate.on('close', resolve));
  const kernel = new Kernel();
  let id = 0;
  const start = (probe: ProbeSpec, owner: Owner | null): HistSession => {
    const params = {
      session: ++id, mode: 'stat' as const, probe, layout: 'seed', intervalMs: 0, pid: gate.pid!, armOnExec: true,
      stats: false, verifierLog: false, calls: false,
    };
    return HistSession.start(id, kernel, params, targetOf(params, owner), () => true)[0];
  };
  const received: ProbeSpec = { kind: 'tracepoint', category: 'net', event: 'netif_receive_skb', field: 'len' };
  const sent: ProbeSpec = { kind: 'tracepoint', category: 'syscalls', event: 'sys_enter_sendto', field: 'len' };
  const sessions = [start(received, null), start(received, { uid: A, gid: A }), start(sent, { uid: A, gid: A })];
  try {
    gate.stdin.end('go\n');
    assert.equal(await exited, 0);
    const [rootReceived, scopedReceived, scopedSent] = sessions.map((s) => s.stop().histogram!.total);
    assert.equal(scopedSent, K, 'scoped to A: every send of A\'s own');
    // Nearly always all K; a receive the kernel hands to ksoftirqd (root's) counts for neither.
    assert.ok(rootReceived! > K / 2, `root saw ${rootReceived} of the ${K} datagrams taken in on A's time`);
    assert.equal(scopedReceived, rootReceived, 'the owner check passes every one: that work ran in a softirq, on A\'s time');
  } finally {
    for (const s of sessions) s.dispose();
    gate.kill('SIGKILL');
  }
  assert.deepEqual(ourPrograms(), []);
});
