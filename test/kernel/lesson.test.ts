/**
 * The classic BPF lesson against the kernel: known counts of IPv4 and IPv6 datagrams go in,
 * and the exact counts come out, from the sockets and from the kernel's packet statistics.
 * The helper ends where it started: in its own network namespace, with no socket left open.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { HelperClient } from '../../src/backend/helper-client.js';
import { directLaunch } from '../../src/backend/launch.js';
import { ARTICLE_FILTER, runClassic } from '../../src/shared/classic-bpf.js';
import type { LabError } from '../../src/shared/errors.js';
import { cli, needsRoot } from './harness.js';

/** The helper's open sockets, and the network namespace of its main thread. */
function helperState(pid: number): { sockets: number; netns: string } {
  const fds = fs.readdirSync(`/proc/${pid}/fd`).map((fd) => { try { return fs.readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { return ''; } });
  return { sockets: fds.filter((l) => l.startsWith('socket:')).length, netns: fs.readlinkSync(`/proc/${pid}/task/${pid}/ns/net`) };
}

const bytes = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g)!, (b) => parseInt(b, 16));

describe('the classic BPF lesson', () => {
  it('counts exactly: 7 IPv4 and 4 IPv6 datagrams, each seen twice, IPv4 accepted and IPv6 dropped', async (t) => {
    if (!needsRoot(t)) return;
    const client = await HelperClient.start(directLaunch());
    try {
      const before = helperState(client.pid!);
      const l = await client.request('lesson', { lesson: 'classic-bpf', ipv4: 7, ipv6: 4 });
      assert.deepEqual(l.filter, ARTICLE_FILTER, 'the kernel holds the article\'s four instructions');
      assert.deepEqual(l.sent, { ipv4: 7, ipv6: 4 });
      assert.deepEqual(l.delivered, { ipv4: 7, ipv6: 4 });
      assert.deepEqual(l.seen, { ipv4: 14, ipv6: 8, other: 0 });
      assert.deepEqual(l.accepted, { ipv4: 14, ipv6: 0, other: 0 });
      assert.deepEqual(l.kernel, { passed: 14, noRoom: 0 });
      assert.deepEqual(l.notices, []);
      // The machine's verdict on real packets is the kernel's: IPv4 kept, IPv6 dropped.
      assert.equal(l.samples.length, 4);
      for (const s of l.samples) {
        assert.equal(bytes(s.bytes).subarray(12, 14).join(), s.family === 'ipv4' ? '8,0' : '134,221', 'the Ethernet type');
        assert.equal(runClassic(l.filter, bytes(s.bytes)).verdict, s.family === 'ipv4' ? 0xffffffff : 0);
      }
      assert.deepEqual(helperState(client.pid!), before, 'back in its namespace, every socket closed');
      // The largest lesson is exact too.
      const big = await client.request('lesson', { lesson: 'classic-bpf', ipv4: 1000, ipv6: 1000 });
      assert.deepEqual([big.seen, big.accepted, big.kernel], [{ ipv4: 2000, ipv6: 2000, other: 0 }, { ipv4: 2000, ipv6: 0, other: 0 },
        { passed: 2000, noRoom: 0 }]);
      assert.deepEqual(helperState(client.pid!), before);
    } finally {
      await client.close();
    }
  });

  it('one lesson at a time (sizes beyond the limit are refused by the helper: helper.test.ts)', async (t) => {
    if (!needsRoot(t)) return;
    const client = await HelperClient.start(directLaunch());
    try {
      const [first, second] = await Promise.allSettled([
        client.request('lesson', { lesson: 'classic-bpf', ipv4: 1000, ipv6: 1000 }),
        client.request('lesson', { lesson: 'classic-bpf', ipv4: 1, ipv6: 1 }),
      ]);
      assert.equal(first.status, 'fulfilled');
      assert.equal(second.status === 'rejected' && (second.reason as LabError).code, 'busy');
      assert.deepEqual((await client.request('lesson', { lesson: 'classic-bpf', ipv4: 2, ipv6: 0 })).accepted, { ipv4: 4, ipv6: 0, other: 0 });
    } finally {
      await client.close();
    }
  });

  it('bpf-lab lesson classic-bpf prints the filter, the counts and the steps; --json gives the same counts', (t) => {
    if (!needsRoot(t)) return;
    const text = cli(['lesson', 'classic-bpf', '--ipv4', '3', '--ipv6', '2']);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^ {2}\(000\) ldh \[12\] +A = the 16 bits at byte 12 of the packet: the Ethernet type/m);
    assert.match(text.stdout, /^ {2}seen \(no filter\) +6 +4 +0$/m);
    assert.match(text.stdout, /^ {2}accepted by the filter +6 +0 +0$/m);
    assert.match(text.stdout, /^ {2}dropped by the filter +0 +4 +0$/m);
    assert.match(text.stdout, /^ {2}\(003\) ret #0 +dropped$/m);
    const json = cli(['lesson', 'classic-bpf', '--ipv4', '3', '--ipv6', '2', '--json']);
    assert.equal(json.status, 0, json.stderr);
    const doc = JSON.parse(json.stdout) as { type: string; accepted: object; filter: Array<{ text: string }>; samples: Array<{ family: string; verdict: number }> };
    assert.equal(doc.type, 'lesson');
    assert.deepEqual(doc.accepted, { ipv4: 6, ipv6: 0, other: 0 });
    assert.deepEqual(doc.filter.map((f) => f.text), ['ldh [12]', 'jeq #0x800 jt 2 jf 3', 'ret #-1', 'ret #0']);
    assert.ok(doc.samples.every((s) => (s.family === 'ipv4') === (s.verdict > 0)));
  });
});
