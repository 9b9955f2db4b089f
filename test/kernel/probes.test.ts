/**
 * What this host's kernel offers, as bpf-lab reports it, and how the CLI treats
 * bad input: one line on stderr, exit status 2 (1 for a probe that exists but
 * cannot be used), and nothing left loaded.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { cli, CLI, needsRoot, ourPrograms, records } from './harness.js';

describe('bpf-lab probes on this host', () => {
  it('reports every catalog probe, with the real reason for the ones that cannot work', (t) => {
    if (!needsRoot(t)) return;
    const run = cli(['probes', '--json', '--refresh']);
    assert.equal(run.status, 0, run.stderr);
    const recs = records(run.stdout);
    const kernel = recs.find((r) => r.type === 'kernel')!;
    assert.equal(kernel.kprobes, false, 'this host kernel is built without kprobes');
    const probes = new Map(recs.filter((r) => r.type === 'probe').map((r) => [r.id, r]));
    assert.deepEqual([...probes.keys()],
      ['auto', 'memcpy', 'usercopy', 'libc-memcpy', 'kmalloc', 'read', 'write', 'vfs-read']);
    const codes = (id: string): string[] => (probes.get(id)!.reasons as Array<{ code: string }>).map((r) => r.code);
    assert.equal(probes.get('memcpy')!.available, false);
    assert.deepEqual(codes('memcpy'), ['noinstr', 'no-kprobes']);
    assert.deepEqual(probes.get('memcpy')!.alternatives, ['read'], 'usercopy needs kprobes; read is what works');
    assert.equal(probes.get('vfs-read')!.available, false);
    assert.deepEqual(codes('vfs-read'), ['no-kprobes']);
    for (const id of ['libc-memcpy', 'kmalloc', 'read', 'write', 'auto']) assert.equal(probes.get(id)!.available, true, id);
    assert.match(String(probes.get('auto')!.via), /^read: tracepoint syscalls:sys_enter_read/);
    assert.deepEqual(ourPrograms(), []);
  });

  it('prints a readable table', (t) => {
    if (!needsRoot(t)) return;
    const run = cli(['probes']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^memcpy {7}no {3}Kernel memcpy/m);
    assert.match(run.stdout, /memcpy\(\) sits in \.noinstr\.text/);
    assert.match(run.stdout, /^ {18}Closest that works here: read\.$/m);
  });
});

describe('bad input to the CLI', () => {
  afterEach(() => assert.deepEqual(ourPrograms(), []));

  const usage: Array<[string, string[], RegExp]> = [
    ['an unknown probe id', ['stat', '--probe', 'nope'], /^bpf-lab: unknown probe "nope"/],
    ['bad buckets', ['stat', '--buckets', 'linear:0:100:7'], /^bpf-lab: bad buckets "linear:0:100:7"/],
    ['a malformed kprobe', ['stat', '--kprobe', 'vfs_read'], /^bpf-lab: bad --kprobe "vfs_read"/],
    ['two probes', ['trace', '--probe', 'read', '--kprobe', 'vfs_read:3'], /^bpf-lab: choose one probe/],
    ['an unknown command', ['frobnicate'], /^bpf-lab: unknown command "frobnicate"/],
  ];
  for (const [what, args, message] of usage) {
    it(`rejects ${what} with exit status 2`, () => {
      const run = cli(args);
      assert.equal(run.status, 2);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
    });
  }

  const missing: Array<[string, string[], RegExp]> = [
    ['a kernel function that does not exist', ['--kprobe', 'no_such_function_xyz:1'], /no function named no_such_function_xyz/],
    ['a tracepoint that does not exist', ['--tracepoint', 'syscalls:sys_enter_nope:count'], /no tracepoint syscalls:sys_enter_nope/],
    ['a field that does not exist', ['--tracepoint', 'syscalls:sys_enter_read:bytes'], /has no field bytes; unsigned numeric fields: fd, count\./],
    ['a binary that does not exist', ['--uprobe', '/no/such/file:main:1'], /\/no\/such\/file is not a file/],
  ];
  for (const [what, probe, message] of missing) {
    it(`rejects ${what} with exit status 2 and says why`, (t) => {
      if (!needsRoot(t)) return;
      const run = cli(['stat', ...probe, '--count', '1']);
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, message);
    });
  }

  it('rejects a --uprobe file that is not an ELF binary with exit status 2 and says so', (t) => {
    if (!needsRoot(t)) return;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpf-lab-not-elf-'));
    try {
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'just text\n');
      fs.writeFileSync(path.join(dir, 'sparse'), '');
      fs.truncateSync(path.join(dir, 'sparse'), 64 * 2 ** 30);
      assert.equal(spawnSync('mkfifo', [path.join(dir, 'fifo')]).status, 0);
      const cases: Array<[string, RegExp]> = [
        ['/proc/self/mem', /is not an ELF executable or library/],
        [path.join(dir, 'notes.txt'), /is not an ELF executable or library/],
        [path.join(dir, 'sparse'), /is not an ELF executable or library/],
        [path.join(dir, 'fifo'), /is not a file/],
      ];
      for (const [file, message] of cases) {
        const run = cli(['stat', '--uprobe', `${file}:main:1`, '--count', '1'], 20_000);
        assert.equal(run.status, 2, `${file}: ${run.stderr}`);
        assert.match(run.stderr, message, file);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses kernel memcpy with the .noinstr.text explanation and exit status 1', (t) => {
    if (!needsRoot(t)) return;
    const run = cli(['stat', '--probe', 'memcpy', '--count', '1']);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^bpf-lab: memcpy cannot be probed here\. memcpy\(\) sits in \.noinstr\.text/);
    assert.match(run.stderr, /since Linux 5\.8/);
    assert.match(run.stderr, /The default probe, auto, picks the closest one that works/);
  });

  it('says clearly that it needs root', (t) => {
    if (!needsRoot(t)) return;
    // Root with an empty capability bounding set has no more power than any user.
    const r = spawnSync('setpriv', ['--bounding-set=-all', '--inh-caps=-all', process.execPath, CLI, 'probes'],
      { encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^bpf-lab: BPF Lab needs root to load BPF programs: run it with sudo/);
  });
});

describe('libbpf\'s own log', () => {
  it('is captured and shown with --verbose, and kept quiet without it', (t) => {
    if (!needsRoot(t)) return;
    const args = ['stat', '--probe', 'read', '--count', '1', '--interval', '0.1'];
    const verbose = cli([...args, '--verbose']);
    assert.equal(verbose.status, 0, verbose.stderr);
    assert.match(verbose.stderr, /^bpf-lab: debug: libbpf: loading object from .*hist\.bpf\.o$/m);
    const quiet = cli(args);
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stderr, /libbpf:/);
  });
});
