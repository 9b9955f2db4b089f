/**
 * `inspect`: a running session's program as the kernel holds it (bpf_prog_info), its maps
 * (bpf_map_info), and its translated instructions decoded and tied to their lines of C through
 * the program's line info. Decoded once per request, here, where kallsyms can name the helpers
 * the calls reach; what leaves holds names, never kernel addresses.
 */
import fs from 'node:fs';
import { disassemble, HIDDEN_ADDRESS, hideKernelAddresses } from '../src/shared/ebpf-disasm.js';
import { clipTail } from '../src/shared/errors.js';
import { processedInsns } from '../src/shared/verifier-log.js';

/** The most of a verifier log an inspection carries: its end, where the totals are. */
const MAX_VERIFIER_LOG = 256 * 1024;
import { INSPECT_VERSION, JIT_BYTES_WITHHELD, RUNS_WITHHELD, type Inspection, type Sample, type SourceLine } from '../src/shared/inspect.js';
import { disassembleJit, jitLineOffsets } from './jit-disasm.js';
import type { Kernel } from './kernel.js';
import { ownSourceName, SourceFiles } from './bpf-source.js';
import { readMapValues } from './map-values.js';
import { readMapIds, readMapInfo, readProgInfo, type LineInfo, type MapInfo } from './prog-info.js';
import type { ObjectName } from './bpf-object.js';
import type { RecordedCalls } from './call-recorder.js';
import type { Loaded } from './session.js';

/** Whether the kernel JIT-compiles BPF programs (net.core.bpf_jit_enable; always on with CONFIG_BPF_JIT_ALWAYS_ON). */
export function jitEnabled(): boolean {
  try {
    return fs.readFileSync('/proc/sys/net/core/bpf_jit_enable', 'utf8').trim() !== '0';
  } catch {
    return false;
  }
}

/** The line each instruction belongs to: the last record that starts at or before it. */
function lineOf(lines: readonly LineInfo[]): (index: number) => SourceLine | undefined {
  return (index) => {
    let found: LineInfo | undefined;
    for (const l of lines) {
      if (l.insn > index) break;
      found = l;
    }
    return found && { file: found.file, line: found.line, column: found.column, source: found.source };
  };
}

/**
 * The inspection of one session. `rootCaller` false (a user through pkexec): what would carry a
 * kernel address (a map's address in the machine code) is replaced, and withheld says so.
 */
/** Each of our source files the program's line info names, whole, with the lines it uses. */
function sourcesUsed(files: SourceFiles, lines: readonly LineInfo[]): Inspection['sources'] {
  const used = new Map<string, Set<number>>();
  for (const l of lines) if (l.line > 0 && ownSourceName(l.file)) used.set(l.file, (used.get(l.file) ?? new Set()).add(l.line));
  return [...used].flatMap(([file, set]) => {
    const text = files.lines(file);
    return text ? [{ file, text: text.join('\n'), usedLines: [...set].sort((a, b) => a - b) }] : [];
  });
}

/**
 * insn_cnt of the BPF_PROG_LOAD that made this program (the one that returned its fd), when the
 * calls were recorded. libbpf's own count (bpf_program__insn_cnt) may change after the load.
 */
function submitted(calls: RecordedCalls | null, fd: number): number | null {
  if (!calls || !('calls' in calls)) return null;
  const load = calls.calls.find((c) => c.cmd === 'BPF_PROG_LOAD' && c.ret === fd);
  return typeof load?.attrs.insn_cnt === 'number' ? load.attrs.insn_cnt : null;
}

/** The kept log, bounded (its end says the most) and, for a caller who is not root, without kernel addresses. */
function verifierView(log: string | null, rootCaller: boolean, withheld: string[]): Inspection['verifier'] {
  if (log === null) return null;
  const bounded = clipTail(log, MAX_VERIFIER_LOG);
  const shown = rootCaller ? { text: bounded, hidden: false } : hideKernelAddresses(bounded);
  if (shown.hidden) withheld.push(`Kernel addresses in the verifier's log, shown as ${HIDDEN_ADDRESS}: to root only.`);
  return { log: shown.text, processedInsns: processedInsns(log) };
}

/**
 * The machine code, disassembled; tried a second time if the disassembler's WebAssembly traps
 * (seen once, under qemu's emulated CPU), and otherwise left out with the reason.
 */
function disassembleOnce(code: NonNullable<ReturnType<typeof readProgInfo>['jited']>, names: Parameters<typeof disassembleJit>[1],
  withheld: string[]): ReturnType<typeof disassembleJit> {
  for (let attempt = 1; ; attempt++) {
    try {
      return disassembleJit(code, names);
    } catch (e) {
      if (attempt < 2) continue;
      withheld.push(`Machine code: the disassembler failed (${e instanceof Error ? e.message : String(e)}).`);
      return [];
    }
  }
}

/** One map as inspect and sample show it: the kernel's description and what it holds now. */
function mapView(m: MapInfo, object: ObjectName): Inspection['maps'][number] {
  return {
    id: m.id, name: m.name, type: m.typeName, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags,
    values: readMapValues(m, object),
  };
}

/** What changes while the session runs (its maps' contents, its cost), read again; nothing is decoded. */
export function sample({ object, program, runsShown }: Loaded): Sample {
  const { runCnt, runTimeNs } = runsShown ? object.runStats(program) : { runCnt: 0, runTimeNs: 0 };
  return { cost: { runCnt, runTimeNs }, maps: readMapIds(object.programFd(program)).map((id) => mapView(readMapInfo(id), object.name)) };
}

/** rootCaller: kernel addresses may be shown. */
export function inspect(kernel: Kernel, { object, program, via, calls, runsShown }: Loaded, rootCaller: boolean): Inspection {
  const info = readProgInfo(object.programFd(program));
  const maps = info.mapIds.map(readMapInfo);
  const mapNames = new Map(maps.map((m) => [m.id, m.name]));
  const callBase = kernel.functionAddress('__bpf_call_base');
  const withheld: string[] = [];
  const xlated = disassemble(info.xlated, {
    map: (id) => mapNames.get(id) ?? null,
    call: (insn) => (callBase ? kernel.symbolAt(callBase + BigInt(insn.imm)) ?? null : null),
    hideAddresses: !rootCaller,
  });
  if (info.xlatedHidden) withheld.push('Instructions: the kernel hides this program\'s instructions here (kptr_restrict with hardened JIT).');
  if (!callBase && xlated.some((i) => i.text.endsWith('call unknown'))) {
    withheld.push('Helper names: this kernel hides its symbol addresses (kptr_restrict), so calls cannot be named.');
  }
  // Line info names files as the compiler saw them; our shipped sources give the text of each line.
  const files = new SourceFiles();
  const lines = info.lines.map((l) => {
    const own = ownSourceName(l.file);
    return { ...l, file: own ?? l.file, source: l.source || (own ? files.line(own, l.line) : '') };
  });
  const line = lineOf([...lines].sort((a, b) => a.insn - b.insn));
  const sourceLines = lines.map((l) => ({ file: l.file, line: l.line, column: l.column, source: l.source }));
  const jitNames = info.jited && {
    symbolAt: (address: bigint) => kernel.symbolAt(address) ?? null,
    lineAt: jitLineOffsets(info.jited, sourceLines),
    hideAddresses: !rootCaller,
  };
  const jited = info.jited && jitNames ? disassembleOnce(info.jited, jitNames, withheld) : [];
  if (!info.jited) {
    withheld.push(info.jitedBytes === 0
      ? 'Machine code: this program is not JIT-compiled; the kernel interprets its eBPF instructions.'
      : 'Machine code: the kernel hides raw dumps of BPF programs here (kptr_restrict), so the JIT\'s code cannot be shown.');
  }
  if (!runsShown) withheld.push(RUNS_WITHHELD);
  if (!rootCaller && jited.some((j) => j.bytes === '')) withheld.push(JIT_BYTES_WITHHELD);
  if (!rootCaller && [...xlated, ...jited].some((j) => j.text.includes(HIDDEN_ADDRESS))) {
    withheld.push(`Kernel addresses (where maps and per-CPU data sit in kernel memory), shown as ${HIDDEN_ADDRESS}: to root only.`);
  }
  return {
    version: INSPECT_VERSION,
    program: {
      id: info.id, name: info.name, type: info.typeName, tag: info.tag, attach: via,
      insnsSubmitted: submitted(calls, object.programFd(program)), insnsXlated: info.xlated.length / 8, verifiedInsns: info.verifiedInsns,
      jitEnabled: jitEnabled(), jitedBytes: info.jitedBytes, loadTimeNs: info.loadTimeNs, mapIds: info.mapIds,
      // Counted for every run, before the program's uid check: other users' too.
      runCnt: runsShown ? info.runCnt : 0, runTimeNs: runsShown ? info.runTimeNs : 0,
    },
    maps: maps.map((m) => mapView(m, object.name)),
    xlated: xlated.map((i) => {
      const at = line(i.index);
      return at ? { ...i, line: at } : i;
    }),
    jited,
    verifier: verifierView(object.verifierLog(program), rootCaller, withheld),
    sources: sourcesUsed(files, lines),
    syscalls: calls && 'calls' in calls ? calls : null,
    withheld: calls && 'unavailable' in calls ? [...withheld, `bpf() calls: ${calls.unavailable}.`] : withheld,
  };
}
