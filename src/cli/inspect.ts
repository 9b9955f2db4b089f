/**
 * `bpf-lab inspect`: attaches the probe as stat does (with `-- CMD`, runs CMD to its end first),
 * asks the helper what the kernel holds for it, stops the session and prints every view once:
 * the program, its maps, its instructions as loaded with their lines of C, and the final
 * histogram. Text for people, or one JSON document with --json (notices and logs then go to stderr).
 */
import type { HelperClient } from '../backend/helper-client.js';
import type { Inspection, MapValues, SourceLine } from '../shared/inspect.js';
import { escapeTerminal } from '../shared/safe-text.js';
import { formatTable } from '../shared/table.js';
import { parseLayout } from '../shared/buckets.js';
import type { Command } from './args.js';
import { endSignal } from './end-signal.js';
import { GatedChild } from './gated-child.js';
import { SESSION } from './session.js';
import { histogramRecord, ndjson, tableTitle } from './output.js';

type InspectCommand = Extract<Command, { name: 'inspect' }>;
type Write = (text: string) => void;

/** Runs `bpf-lab inspect` on a started helper; resolves with the exit status (CMD's, when there is one). */
export async function runInspect(client: HelperClient, cmd: InspectCommand, out: Write, err: Write): Promise<number> {
  const child = cmd.run ? new GatedChild(cmd.run) : null;
  const pid = child?.pid ?? cmd.pid ?? undefined;
  let started;
  try {
    started = await client.request('start', {
      session: SESSION, mode: 'stat', probe: cmd.probe, layout: cmd.layout, intervalMs: 0, stats: true, verifierLog: true, calls: true,
      ...(pid === undefined ? {} : { pid, armOnExec: child !== null }),
    });
  } catch (e) {
    child?.kill();
    throw e;
  }
  try {
    const status = child ? await runToEnd(client, child) : 0;
    const inspection = await client.request('inspect', { session: SESSION });
    const { histogram } = await client.request('stop', { session: SESSION });
    const final = histogramRecord(started.probe, started.layout, histogram!, true);
    if (cmd.json) {
      out(`${ndjson(inspectDocument(inspection, final, started.notices))}\n`);
    } else {
      if (!cmd.quiet) for (const notice of started.notices) err(escapeTerminal(`bpf-lab: ${notice}\n`));
      out(escapeTerminal(formatInspection(inspection)));
      out(`\n${escapeTerminal(tableTitle(started.probe, true, new Date()))}\n${formatTable(parseLayout(started.layout), histogram!.counts)}\n`);
    }
    return status;
  } catch (e) {
    child?.terminate();
    throw e;
  }
}

/**
 * Lets CMD run to its end and returns its status. Meanwhile Ctrl-C is for CMD (it shares our
 * process group) and SIGTERM is passed on to it (endSignal); a helper that dies ends the wait at once.
 */
async function runToEnd(client: HelperClient, child: GatedChild): Promise<number> {
  const end = endSignal(child);
  try {
    child.release();
    const broke = await Promise.race([end.done.then(() => null), client.ended]);
    if (broke) throw broke;
    return await child.exited;
  } finally {
    end.cleanup();
  }
}

/** The --json document: snake_case keys, as the rest of the CLI's JSON. */
export function inspectDocument(i: Inspection, histogram: object, notices: string[]): object {
  const p = i.program;
  return {
    type: 'inspection',
    version: i.version,
    program: {
      id: p.id, name: p.name, type: p.type, tag: p.tag, attach: p.attach, insns_submitted: p.insnsSubmitted,
      insns_xlated: p.insnsXlated, verified_insns: p.verifiedInsns, jit_enabled: p.jitEnabled, jited_bytes: p.jitedBytes,
      load_time_ns: p.loadTimeNs, map_ids: p.mapIds, run_cnt: p.runCnt, run_time_ns: p.runTimeNs,
    },
    maps: i.maps.map((m) => ({
      id: m.id, name: m.name, type: m.type, key_size: m.keySize, value_size: m.valueSize, max_entries: m.maxEntries, flags: m.flags,
      values: jsonValues(m.values),
    })),
    xlated: i.xlated.map((x) => ({ index: x.index, code: x.code, text: x.text, line: x.line ?? null })),
    jited: i.jited.map((j) => ({ offset: j.offset, bytes: j.bytes, text: j.text, line: j.line ?? null })),
    verifier: i.verifier && { log: i.verifier.log, processed_insns: i.verifier.processedInsns },
    sources: i.sources.map((f) => ({ file: f.file, text: f.text, used_lines: f.usedLines })),
    syscalls: i.syscalls?.calls ?? null,
    syscalls_dropped: i.syscalls?.dropped ?? 0,
    histogram,
    notices,
    withheld: i.withheld,
  };
}

/** A map's values with snake_case keys, as the rest of the document. */
function jsonValues(v: MapValues | null): object | null {
  if (v?.kind !== 'array') return v;
  return { kind: v.kind, per_cpu: v.perCpu, cpus: v.cpus, non_zero: v.nonZero,
    entries: v.entries.map((e) => ({ key: e.key, per_cpu: e.perCpu, sum: e.sum })) };
}

/** A map's values as lines of text, under its row in the map table. */
function valueLines(m: Inspection['maps'][number]): string[] {
  const v = m.values;
  const pad = ' '.repeat(9);
  if (!v) return [];
  if (v.kind === 'config') return [`${pad}${v.fields.map((f) => `${f.name}=${f.value}`).join(' ')}`];
  if (v.kind === 'ring') return [`${pad}${v.used === null ? 'fill unknown' : `${v.used} of ${v.size} bytes written and not yet read`}`];
  const rows = v.entries.map((e) => `${pad}[${e.key}] ${v.perCpu ? `${e.perCpu.map((c, cpu) => `cpu${cpu} ${c}`).join(', ')} = ` : ''}${e.sum}`);
  if (v.nonZero > v.entries.length) rows.push(`${pad}… and ${v.nonZero - v.entries.length} more keys that are not 0`);
  return rows.length ? rows : [`${pad}all ${m.maxEntries} values are 0`];
}

/** Appends each item under its line of C, with the line written once where it changes. */
function underLines<T extends { line?: SourceLine | undefined }>(lines: string[], items: readonly T[], show: (item: T) => string): void {
  let last = '';
  for (const item of items) {
    const where = item.line ? `${item.line.file}:${item.line.line}` : '';
    if (item.line && where !== last) lines.push(`  ; ${item.line.source ? `${item.line.source} ` : ''}[${where}]`);
    last = where;
    lines.push(`  ${show(item)}`);
  }
}

/** The bpf() calls that built the probe, one per line, as strace would show them. */
function formatSyscalls({ calls, dropped }: NonNullable<Inspection['syscalls']>): string[] {
  const lines = [`System calls that loaded and attached it (${calls.length}, in order)`];
  for (const c of calls) {
    const attrs = Object.entries(c.attrs).map(([k, v]) => `${k}=${typeof v === 'string' && k.endsWith('name') ? JSON.stringify(v) : v}`);
    const call = c.syscall === 'bpf' ? `bpf(${c.cmd}, {${attrs.join(', ')}})` : `${c.syscall}(${c.cmd}, {${attrs.join(', ')}})`;
    lines.push(`  ${call} = ${c.ret}${c.error ? ` ${c.error}` : ''}`);
  }
  if (dropped) lines.push(`  … and ${dropped} more that did not fit the recorder`);
  return lines;
}

/** The program, its maps and its instructions, as text; each run of instructions under its line of C. */
export function formatInspection(i: Inspection): string {
  const p = i.program;
  const lines = [
    `Program ${p.name} (id ${p.id}, type ${p.type}, tag ${p.tag})`,
    `  attached: ${p.attach}`,
    `  instructions: ${p.insnsSubmitted === null ? '' : `${p.insnsSubmitted} submitted, `}${p.insnsXlated} as loaded (xlated), ${p.verifiedInsns} verified`,
    `  JIT: ${p.jitEnabled ? `on, ${p.jitedBytes} bytes of machine code` : 'off (the kernel interprets it)'}`,
    `  loaded ${(p.loadTimeNs / 1e9).toFixed(6)} s after boot; maps ${p.mapIds.join(', ') || 'none'}`,
    `  cost: ${p.runCnt} runs, ${p.runTimeNs} ns in all${p.runCnt ? `, ${Math.round(p.runTimeNs / p.runCnt)} ns per run` : ''}`,
    '',
    'Maps',
    `  ${'ID'.padEnd(6)} ${'NAME'.padEnd(16)} ${'TYPE'.padEnd(14)} KEY  VALUE  MAX ENTRIES  FLAGS`,
    ...i.maps.flatMap((m) => [`  ${String(m.id).padEnd(6)} ${m.name.padEnd(16)} ${m.type.padEnd(14)} ${String(m.keySize).padEnd(4)} `
      + `${String(m.valueSize).padEnd(6)} ${String(m.maxEntries).padEnd(12)} 0x${m.flags.toString(16)}`, ...valueLines(m)]),
    '',
    'Source (the lines of C the program runs)',
    ...i.sources.flatMap((f) => {
      const text = f.text.split('\n');
      return f.usedLines.map((n) => `  ${`${f.file}:${n}`.padEnd(24)} ${text[n - 1]?.trim() ?? ''}`);
    }),
    '',
    'Instructions as loaded (xlated)',
  ];
  underLines(lines, i.xlated, (x) => `${String(x.index).padStart(4)}: ${x.text}`);
  if (i.jited.length) {
    lines.push('', `Machine code (JIT, x86-64, ${p.jitedBytes} bytes)`);
    underLines(lines, i.jited, (j) => `${j.offset.toString(16).padStart(4, '0')}: ${j.bytes.padEnd(30)} ${j.text}`);
  }
  if (i.verifier) {
    const processed = i.verifier.processedInsns === null ? '' : `: it processed ${i.verifier.processedInsns} instructions`;
    lines.push('', `Verifier log (the program was accepted${processed})`, ...i.verifier.log.trimEnd().split('\n').map((l) => `  ${l}`));
  }
  if (i.syscalls) lines.push('', ...formatSyscalls(i.syscalls));
  for (const w of i.withheld) lines.push(`Withheld: ${w}`);
  return `${lines.join('\n')}\n`;
}
