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
import { directLaunch, HelperClient } from '../../src/backend/helper-client.js';
import type { Inspection } from '../../src/shared/inspect.js';
import { cli, expectedCounts, needsRoot, ORACLE_STATIC, ourPrograms } from './harness.js';

function bpftool<T>(args: string[]): T {
  const r = spawnSync('bpftool', ['-j', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

interface ToolProg { type: string; name: string; tag: string; bytes_xlated: number; bytes_jited: number; map_ids: number[]; jited: boolean }
interface ToolMap { id: number; name: string; type: string; flags: number; bytes_key: number; bytes_value: number; max_entries: number }

/** bpftool's text for one instruction, with the decoder's two substitutions. */
function normalize(text: string, mapNames: Map<number, string>): string {
  return text.replace(/^(\(85\) call [^#]+)#.*$/, '$1').replace(/map\[id:(\d+)\]/g, (_, id: string) => `map[${mapNames.get(Number(id))}]`);
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
  assert.equal(i.program.jitEnabled, prog.jited);
  assert.deepEqual(i.program.mapIds, prog.map_ids);
  assert.ok(i.program.verifiedInsns > 0 && i.program.insnsSubmitted > 0);
  const maps = prog.map_ids.map((m) => bpftool<ToolMap>(['map', 'show', 'id', String(m)]));
  assert.deepEqual(i.maps.map((m) => [m.id, m.name, m.type, m.keySize, m.valueSize, m.maxEntries, m.flags]),
    maps.map((m) => [m.id, m.name, m.type, m.bytes_key, m.bytes_value, m.max_entries, m.flags]));
  const names = new Map(maps.map((m) => [m.id, m.name]));
  const dump = bpftool<Array<{ disasm: string }>>(['prog', 'dump', 'xlated', 'id', id]);
  assert.deepEqual(i.xlated.map((x) => x.text), dump.map((d) => normalize(d.disasm, names)));
  // Lines: bpftool's linum dump starts each line's group; ours carries that line on every instruction of the group.
  const linum = spawnSync('bpftool', ['prog', 'dump', 'xlated', 'id', id, 'linum'], { encoding: 'utf8' }).stdout;
  let current = '';
  const want: string[] = [];
  for (const l of linum.split('\n')) {
    const m = /^; .*\[file:(\S+) line_num:(\d+) line_col:(\d+)\]$/.exec(l);
    if (m) current = `${m[1]}:${m[2]}:${m[3]}`;
    else if (/^\s+\d+: /.test(l)) want.push(current);
  }
  assert.deepEqual(i.xlated.map((x) => (x.line ? `${x.line.file}:${x.line.line}:${x.line.column}` : '')), want);
}

describe('inspect shows what the kernel holds', () => {
  afterEach(() => assert.deepEqual(ourPrograms(), [], 'a BPF program of ours is still loaded'));

  for (const mode of ['stat', 'trace'] as const) {
    it(`a ${mode} session's program, maps and instructions equal bpftool's`, async (t) => {
      if (!needsRoot(t)) return;
      const client = await HelperClient.start(directLaunch());
      try {
        const started = await client.request('start', { mode, probe: { kind: 'catalog', id: 'read' }, intervalMs: 0 });
        matchesBpftool(await client.request('inspect', { session: started.session }));
        await client.request('stop', { session: started.session });
        const gone = await client.request('inspect', { session: started.session }).catch((e: { code: string }) => e.code);
        assert.equal(gone, 'no-session');
      } finally {
        await client.close();
      }
    });
  }

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
      /^Instructions as loaded \(xlated\)$/m, /^Histogram \(final\)$/m, /^ {2}; .*\[bpf\/hist\.bpf\.c:\d+\]$/m, /^ +0: \(bf\) r6 = r1$/m]) {
      assert.match(run.stdout, heading);
    }
  });
});
