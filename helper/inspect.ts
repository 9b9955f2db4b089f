/**
 * `inspect`: a running session's program as the kernel holds it (bpf_prog_info), its maps
 * (bpf_map_info), and its translated instructions decoded and tied to their lines of C through
 * the program's line info. Decoded once per request, here, where kallsyms can name the helpers
 * the calls reach; what leaves holds names, never kernel addresses.
 */
import fs from 'node:fs';
import { disassemble } from '../src/shared/ebpf-disasm.js';
import { INSPECT_VERSION, type Inspection, type SourceLine } from '../src/shared/inspect.js';
import type { Kernel } from './kernel.js';
import { readMapInfo, readProgInfo, type LineInfo } from './prog-info.js';
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

export function inspect(kernel: Kernel, { object, program, via }: Loaded): Inspection {
  const info = readProgInfo(object.programFd(program));
  const maps = info.mapIds.map(readMapInfo);
  const mapNames = new Map(maps.map((m) => [m.id, m.name]));
  const callBase = kernel.functionAddress('__bpf_call_base');
  const withheld: string[] = [];
  const xlated = disassemble(info.xlated, {
    map: (id) => mapNames.get(id) ?? null,
    call: (insn) => (callBase ? kernel.symbolAt(callBase + BigInt(insn.imm)) ?? null : null),
  });
  if (!callBase && xlated.some((i) => i.text.endsWith('call unknown'))) {
    withheld.push('Helper names: this kernel hides its symbol addresses (kptr_restrict), so calls cannot be named.');
  }
  const line = lineOf([...info.lines].sort((a, b) => a.insn - b.insn));
  return {
    version: INSPECT_VERSION,
    program: {
      id: info.id, name: info.name, type: info.typeName, tag: info.tag, attach: via,
      insnsSubmitted: object.insnCount(program), insnsXlated: info.xlated.length / 8, verifiedInsns: info.verifiedInsns,
      jitEnabled: jitEnabled(), jitedBytes: info.jitedBytes, loadTimeNs: info.loadTimeNs, mapIds: info.mapIds,
      runCnt: info.runCnt, runTimeNs: info.runTimeNs,
    },
    maps: maps.map((m) => ({
      id: m.id, name: m.name, type: m.typeName, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags,
    })),
    xlated: xlated.map((i) => {
      const at = line(i.index);
      return at ? { ...i, line: at } : i;
    }),
    withheld,
  };
}
