/**
 * `inspect` against an independent source of truth: for the very program a session holds,
 * every figure and every instruction must equal what bpftool reports for the same program id.
 * The decoder's two deliberate differences from bpftool's text are applied to bpftool's side
 * from bpftool's own data: helper calls lose their raw offsets (`call NAME#274304` reads
 * `call NAME`) and maps are named (`map[id:12]` reads `map[counts]`).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, it } from 'node:test';
import { HelperClient } from '../../src/backend/helper-client.js';
import { directLaunch } from '../../src/backend/launch.js';
import { GatedChild } from '../../src/cli/gated-child.js';
import type { Inspection } from '../../src/shared/inspect.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli, expectedCounts, needsRoot, ORACLE_STATIC, ourPrograms } from './harness.js';

const JIT_BYTES = fileURLToPath(new URL('../../workloads/jit-bytes', import.meta.url));

/** objdump's disassembly of bytes read by the test-only reader: [offset, mnemonic] per instruction. */
function objdumpOf(progId: number): Array<[number, string]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpf-lab-jit-'));
  try {
    const file = path.join(dir, 'code.bin');
    const read = spawnSync(JIT_BYTES, [String(progId), file], { encoding: 'utf8' });
    assert.equal(read.status, 0, read.stderr);
    const r = spawnSync('objdump', ['-D', '-b', 'binary', '-mi386:x86-64', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split('\n').flatMap((l) => {
      const m = /^\s+([0-9a-f]+):\t(?:[0-9a-f]{2} )+\s*\t(\S+)/.exec(l);
      return m ? [[parseInt(m[1]!, 16), m[2]!] as [number, string]] : [];
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}


function bpftool<T>(args: string[]): T {
  const r = spawnSync('bpftool', ['-j', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

interface ToolProg { type: string; name: string; tag: string; bytes_xlated: number; bytes_jited: number; map_ids: number[]; jited: boolean }
interface ToolMap { id: number; name: string; type: string; flags: number; bytes_key: number; bytes_value: number; max_entries: number }

interface ToolInsn { disasm: string; opcodes: { code: string; off: string[] } }

/**
 * bpftool's text for one instruction, with the decoder's two substitutions. And one more:
 * Debian's bpftool 7.1 predates the kernel's per-CPU move (`bf` with off -1, which the verifier
 * writes when it inlines a per-CPU lookup) and prints it as a plain `rA = rB`; its raw opcode
 * bytes must then say so, and the kernel's current form is expected.
 */
function normalize(insn: ToolInsn, mapNames: Map<number, string>): string {
  const text = insn.disasm.replace(/^(\(85\) call [^#]+)#.*$/, '$1')
    .replace(/map\[id:(\d+)\]/g, (_, id: string) => `map[${mapNames.get(Number(id))}]`);
  const percpu = /^\(bf\) r(\d+) = r(\d+)$/.exec(text);
  if (percpu && insn.opcodes.code === '0xbf' && insn.opcodes.off.join() === '0xff,0xff') {
    return `(bf) r${percpu[1]} = &(void __percpu *)(r${percpu[2]})`;
  }
  return text;
}

/** Checks one inspection against bpftool, field by field and instruction by instruction. */
function matchesBpftool(i: Inspection): void {
  const id = String(i.program.id);
  const prog = bpftool<ToolProg>(['prog', 'show', 'id', id]);
  assert.equal(i.program.type, prog.type);
  assert.ok(prog.name.startsWith(i.program.name), `${prog.name} / ${i.program.name}`);
  assert.equal(i.program.tag, prog.tag);
  assert.equal(i.program.insnsXlated * 8, prog.bytes_xlated);
  assert.equal(i.program.jitedBytes, prog.bytes_jited);
  assert.equal(i.program.jitedBytes > 0, prog.jited);
  assert.deepEqual(i.program.mapIds, prog.map_ids);
  assert.ok(i.program.verifiedInsns > 0);
  assert.equal(i.program.insnsSubmitted, null, 'known from the recorded BPF_PROG_LOAD only (inspect-calls.test.ts)');
  const maps = prog.map_ids.map((m) => bpftool<ToolMap>(['map', 'show', 'id', String(m)]));
  assert.deepEqual(i.maps.map((m) => [m.id, m.name, m.type, m.keySize, m.valueSize, m.maxEntries, m.flags]),
    maps.map((m) => [m.id, m.name, m.type, m.bytes_key, m.bytes_value, m.max_entries, m.flags]));
  const names = new Map(maps.map((m) => [m.id, m.name]));
  const dump = bpftool<ToolInsn[]>(['prog', 'dump', 'xlated', 'id', id, 'opcodes']);
  assert.deepEqual(i.xlated.map((x) => x.text), dump.map((d) => normalize(d, names)));
  // Lines: bpftool's linum dump starts each line's group; ours carries that line on every instruction of the group.
  const linum = spawnSync('bpftool', ['prog', 'dump', 'xlated', 'id', id, 'linum'], { encoding: 'utf8' }).stdout;
  let current = '';
  const want: string[] = [];
  for (const l of linum.split('\n')) {
    const m = /^; .*\[file:(\S+) line_num:(\d+) line_col:(\d+)\]$/.exec(l);
    // The compiler names a header bpf/./size_source.h; the Lab names the shipped file.
    if (m) current = `${m[1]!.replaceAll('/./', '/')}:${m[2]}:${m[3]}`;
    else if (/^\s+\d+: /.test(l)) want.push(current);
  }
  assert.deepEqual(i.xlated.map((x) => (x.line ? `${x.line.file}:${x.line.line}:${x.line.column}` : '')), want);
  // The Source view: the files bpftool's line info names, the lines it names, and their text from the checkout.
  const used = new Map<string, Set<number>>();
  for (const w of want) {
    const [file, line] = w.split(':');
    if (file && Number(line) > 0) used.set(file, (used.get(file) ?? new Set()).add(Number(line)));
  }
  assert.deepEqual(new Map(i.sources.map((f) => [f.file, new Set(f.usedLines)])), used);
  for (const f of i.sources) assert.equal(f.text, fs.readFileSync(fileURLToPath(new URL(`../../../${f.file}`, import.meta.url)), 'utf8'));
  for (const x of i.xlated.filter((x) => x.line && x.line.line > 0)) {
    const text = i.sources.find((f) => f.file === x.line!.file)!.text.split('\n')[x.line!.line - 1]!.trim();
    assert.equal(x.line!.source, text, `instruction ${x.index}`);
  }
  // The machine code: the same instruction boundaries and mnemonics as objdump finds in the same bytes.
  assert.equal(i.jited.reduce((n, j) => n + j.bytes.split(' ').length, 0), i.program.jitedBytes, 'every byte is in one instruction');
  assert.deepEqual(i.jited.map((j) => [j.offset, j.text.split(' ')[0]]), objdumpOf(i.program.id));
  assert.ok(i.jited.some((j) => /^call bpf_\w+$/.test(j.text)), 'calls out of the program are named');
  assert.ok(i.jited.some((j) => j.line !== undefined), 'machine code is tied to lines of C through jited_line_info');
}

describe('inspect shows what the kernel holds', () => {
  afterEach(() => assert.deepEqual(ourPrograms(), [], 'a BPF program of ours is still loaded'));

  for (const mode of ['stat', 'trace'] as const) {
    it(`a ${mode} session's program, maps and instructions equal bpftool's`, async (t) => {
      if (!needsRoot(t)) return;
      const client = await HelperClient.start(directLaunch());
      try {
        const started = await client.request('start', { session: 1, mode, probe: { kind: 'catalog', id: 'read' }, intervalMs: 0 });
        const inspection = await client.request('inspect', { session: started.session });
        matchesBpftool(inspection);
        // Per hit, the tracepoint's field is read in place, and the pid is asked for once.
        const calls = inspection.xlated.flatMap((x) => /\bcall (\w+)/.exec(x.text)?.[1] ?? []).map((c) => c.replace(/#\d+$/, ''));
        assert.ok(!calls.some((c) => c.startsWith('bpf_probe_read')), calls.join(', '));
        assert.equal(calls.filter((c) => c === 'bpf_get_current_pid_tgid').length, 1, calls.join(', '));
        if (mode === 'stat') assert.ok(calls.every((c) => ['bpf_get_current_pid_tgid', 'bpf_map_lookup_elem', 'percpu_array_map_lookup_elem'].includes(c)), calls.join(', '));
        await client.request('stop', { session: started.session });
        const gone = await client.request('inspect', { session: started.session }).catch((e: { code: string }) => e.code);
        assert.equal(gone, 'no-session');
      } finally {
        await client.close();
      }
    });
  }

  it('the maps\' contents equal bpftool\'s dump: each CPU\'s counts, the .rodata settings field by field', async (t) => {
    if (!needsRoot(t)) return;
    const sizes = ['3', '64x2', '65', '5000x3'];
    const client = await HelperClient.start(directLaunch());
    const gate = new GatedChild([ORACLE_STATIC, 'read', ...sizes]);
    try {
      const started = await client.request('start', { session: 2,
        mode: 'stat', probe: { kind: 'catalog', id: 'read' }, intervalMs: 0, pid: gate.pid, armOnExec: true,
      });
      gate.release();
      assert.equal(await gate.exited, 0);
      const i = await client.request('inspect', { session: started.session });
      const byName = new Map(i.maps.map((m) => [m.name, m]));
      // counts: the oracle's exact buckets, one slot each, and nothing after them (the total is their sum).
      const counts = byName.get('counts')!.values!;
      assert.ok(counts.kind === 'array' && counts.perCpu);
      const want = expectedCounts('seed', sizes);
      const sums = new Map(counts.entries.map((e) => [e.key, Number(e.sum)]));
      want.forEach((n, key) => assert.equal(sums.get(key) ?? 0, n, `bucket ${key}`));
      assert.equal(byName.get('counts')!.maxEntries, want.length, 'one slot per bucket');
      assert.equal([...sums.values()].reduce((a, b) => a + b, 0), 7, 'they add up to every read');
      for (const m of i.maps.filter((m) => m.values?.kind === 'array')) {
        const v = m.values as Extract<typeof m.values, { kind: 'array' }>;
        const dump = bpftool<Array<{ key: string[]; value?: string[]; values?: Array<{ cpu: number; value: string[] }> }>>(
          ['map', 'dump', 'id', String(m.id)]);
        const le = (bytes: string[]): string => BigInt(`0x${[...bytes].reverse().map((b) => b.slice(2)).join('')}`).toString();
        const theirs = dump.map((d) => ({ key: Number(le(d.key)), perCpu: d.values ? d.values.map((c) => le(c.value)) : [le(d.value!)] }))
          .filter((d) => d.perCpu.some((x) => x !== '0'));
        assert.deepEqual(v.entries.map((e) => ({ key: e.key, perCpu: e.perCpu })), theirs, m.name);
      }
      // .rodata, as bpftool formats it from the program's BTF.
      const rodata = byName.get('hist.rodata')!;
      const formatted = bpftool<Array<{ formatted: { value: { '.rodata': Array<{ cfg: Record<string, unknown> }> } } }>>(
        ['map', 'dump', 'id', String(rodata.id)])[0]!.formatted.value['.rodata'][0]!.cfg;
      const flat = (o: Record<string, unknown>, prefix = ''): Array<[string, string]> => Object.entries(o).flatMap(([k, v]) =>
        (typeof v === 'object' && v !== null ? flat(v as Record<string, unknown>, `${prefix}${k}.`) : [[`${prefix}${k}`, String(v)]]));
      assert.ok(rodata.values?.kind === 'config');
      assert.deepEqual(rodata.values.fields.map((f) => [f.name, f.value]), flat(formatted));
      assert.ok(rodata.values.fields.some((f) => f.name === 'src.target_tgid' && f.value === String(gate.pid)));
      await client.request('stop', { session: started.session });
    } finally {
      gate.kill();
      await client.close();
    }
  });

  it('a trace session\'s ring buffer shows its size and how much is waiting to be read', async (t) => {
    if (!needsRoot(t)) return;
    const client = await HelperClient.start(directLaunch());
    try {
      const started = await client.request('start', { session: 3, mode: 'trace', probe: { kind: 'catalog', id: 'read' }, intervalMs: 0 });
      const ring = (await client.request('inspect', { session: started.session })).maps.find((m) => m.type === 'ringbuf')!;
      assert.ok(ring.values?.kind === 'ring');
      assert.equal(ring.values.size, ring.maxEntries);
      assert.ok(ring.values.used !== null && ring.values.used >= 0 && ring.values.used <= ring.values.size);
      await client.request('stop', { session: started.session });
    } finally {
      await client.close();
    }
  });

  it('bpf-lab inspect --json runs CMD to its end, then gives the program and the exact histogram', (t) => {
    if (!needsRoot(t)) return;
    const sizes = ['0', '64', '65', '1025x3'];
    const run = cli(['inspect', '--probe', 'read', '--json', '--', ORACLE_STATIC, 'read', ...sizes]);
    assert.equal(run.status, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as {
      program: { type: string; insns_xlated: number; verified_insns: number; jited_bytes: number; run_cnt: number };
      maps: Array<{ name: string; type: string }>; xlated: Array<{ index: number; text: string; line: unknown }>;
      histogram: { type: string; final: boolean; buckets: Array<{ count: number }> };
    };
    assert.equal(doc.program.type, 'tracepoint');
    assert.ok(doc.program.insns_xlated > 0 && doc.program.verified_insns > 0);
    assert.ok(doc.maps.some((m) => m.name === 'counts' && m.type === 'percpu_array'));
    assert.ok(doc.xlated.some((x) => x.text.includes('map[counts]')), 'the histogram map is named where it is used');
    assert.equal(doc.histogram.final, true);
    assert.deepEqual(doc.histogram.buckets.map((b) => b.count), expectedCounts('seed', sizes));
  });

  it('bpf-lab inspect prints every view in text, with each instruction under its line', (t) => {
    if (!needsRoot(t)) return;
    const run = cli(['inspect', '--probe', 'write', '--', ORACLE_STATIC, 'write', '7']);
    assert.equal(run.status, 0, run.stderr);
    for (const heading of [/^Program hist_tracepoint \(id \d+, type tracepoint, tag [0-9a-f]{16}\)$/m, /^Maps$/m,
      /^Instructions as loaded \(xlated\)$/m, /^write sizes, final: counted until the probe was detached$/m, /^ {2}; .*\[bpf\/hist\.bpf\.c:\d+\]$/m, /^ +0: \(bf\) r6 = r1$/m]) {
      assert.match(run.stdout, heading);
    }
  });
});
