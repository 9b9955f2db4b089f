/**
 * Runs inside Debian's stock kernel under qemu (see test/vm/): inspect on a kprobe. This
 * kernel is older than the host's and has kprobes, so the program type, the decoded
 * instructions, the JIT's code, the verifier's figures and the run count all come from
 * another kernel version than the host tests see.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cli, expectedCounts, ORACLE_STATIC } from '../kernel/harness.js';

const SIZES = ['0', '64', '65x2', '4096'];

describe('inspect on a kernel with kprobes', () => {
  it('shows a kprobe program whole: type, instructions, machine code, verifier, maps and an exact histogram', () => {
    const run = cli(['inspect', '--probe', 'vfs-read', '--json', '--', ORACLE_STATIC, 'read', ...SIZES]);
    assert.equal(run.status, 0, `status ${run.status}, signal ${run.signal}: ${run.stderr}`);
    const doc = JSON.parse(run.stdout) as {
      program: { type: string; insns_xlated: number; verified_insns: number; jited_bytes: number; run_cnt: number; attach: string };
      maps: Array<{ name: string; values: { kind: string } | null }>;
      xlated: Array<{ text: string; line: { file: string } | null }>;
      jited: Array<{ bytes: string; text: string }>;
      verifier: { processed_insns: number } | null;
      histogram: { buckets: Array<{ count: number }> };
      syscalls: Array<{ syscall: string; cmd: string; attrs: Record<string, unknown>; ret: number }> | null;
      withheld: string[];
    };
    assert.equal(doc.program.type, 'kprobe');
    assert.match(doc.program.attach, /^kprobe vfs_read\(\)/);
    assert.equal(doc.xlated.length > 0 && doc.xlated.every((x) => !x.text.includes('BUG_')), true, 'every instruction decodes');
    assert.ok(doc.xlated.some((x) => /call bpf_get_current_pid_tgid$/.test(x.text)), 'helper calls are named');
    assert.ok(doc.xlated.some((x) => x.line?.file.endsWith('.bpf.c')), 'instructions carry their lines');
    assert.equal(doc.jited.reduce((n, j) => n + j.bytes.split(' ').length, 0), doc.program.jited_bytes);
    assert.equal(doc.verifier?.processed_insns, doc.program.verified_insns);
    assert.ok(doc.program.run_cnt >= SIZES.length, `ran ${doc.program.run_cnt} times`);
    assert.ok(doc.maps.some((m) => m.name === 'counts' && m.values?.kind === 'array'));
    assert.deepEqual(doc.histogram.buckets.map((b) => b.count), expectedCounts('seed', SIZES));
    // The attach as the kernel received it: a kprobe perf event on vfs_read, then a link from the program to it.
    assert.ok(doc.syscalls, doc.withheld.join(' '));
    const load = doc.syscalls.find((c) => c.cmd === 'BPF_PROG_LOAD' && c.attrs.prog_name === 'hist_kprobe' && c.ret >= 0);
    assert.equal(load?.attrs.prog_type, 'BPF_PROG_TYPE_KPROBE');
    const open = doc.syscalls.find((c) => c.cmd === 'PERF_TYPE_KPROBE' && c.attrs.function === 'vfs_read');
    assert.ok(open && open.ret >= 0, JSON.stringify(doc.syscalls.map((c) => c.cmd)));
    assert.ok(doc.syscalls.some((c) => c.cmd === 'BPF_LINK_CREATE' && c.attrs.prog_fd === load.ret && c.attrs.target_fd === open.ret));
  });
});
