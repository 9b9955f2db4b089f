/**
 * What the kernel says about a loaded program and its maps: struct bpf_prog_info and struct
 * bpf_map_info (linux/bpf.h), read with bpf_obj_get_info_by_fd, and the program's line info
 * resolved through its BTF. This is the TypeScript mirror of those structs, next to its reader.
 * Everything here comes from the running kernel, never from what we meant to load.
 */
import { LabError } from '../src/shared/errors.js';
import { allocNative, closeFd, errorText, freeNative, libbpf, nativeAddress, nativeBytes, type Pointer } from './libbpf.js';

/** Offsets in struct bpf_prog_info (232 bytes on every kernel this runs on; older ones fill less). */
const P = {
  size: 232, type: 0, id: 4, tag: 8, jitedLen: 16, xlatedLen: 20, jitedInsns: 24, xlatedInsns: 32, loadTime: 40,
  nrMapIds: 52, mapIds: 56, name: 64, nrJitedKsyms: 104, nrJitedFuncLens: 108, jitedKsyms: 112, jitedFuncLens: 120,
  btfId: 128, nrLineInfo: 148, lineInfo: 152, jitedLineInfo: 160, nrJitedLineInfo: 168, lineInfoRecSize: 172,
  jitedLineInfoRecSize: 176, runTimeNs: 192, runCnt: 200, verifiedInsns: 216,
} as const;
/** Offsets in struct bpf_map_info. */
const M = { size: 88, type: 0, id: 4, keySize: 8, valueSize: 12, maxEntries: 16, flags: 20, name: 24 } as const;
/** struct bpf_line_info: insn_off, file_name_off, line_off, line_col (line << 10 | column). */
const LINE_RECORD = 16;

export interface LineInfo {
  /** The first instruction this line covers (in the translated program). */
  insn: number;
  file: string;
  line: number;
  column: number;
  /** The line of C itself, as the compiler stored it in BTF. */
  source: string;
}

/** The machine code the JIT made: one image per function of the program, one after the other. */
export interface JitedCode {
  bytes: Uint8Array;
  /** Each function's start address (its kernel symbol) and length, in the order of `bytes`. */
  funcs: Array<{ address: bigint; length: number }>;
  /** For each line info record, the address of its first machine instruction (0 when unknown). */
  lineAddresses: bigint[];
}

export interface ProgInfo {
  type: number;
  typeName: string;
  id: number;
  tag: string;
  name: string;
  jitedBytes: number;
  /** The machine code, or null when the kernel keeps it from us (not JITed, or raw dumps hidden). */
  jited: JitedCode | null;
  /** The translated (xlated) instructions, 8 bytes each (empty when hidden). */
  xlated: Uint8Array;
  /** The kernel kept the instructions from us (a hardened JIT where raw dumps are not allowed). */
  xlatedHidden: boolean;
  /** Nanoseconds since boot. */
  loadTimeNs: number;
  mapIds: number[];
  btfId: number;
  lines: LineInfo[];
  runTimeNs: number;
  runCnt: number;
  verifiedInsns: number;
}

export interface MapInfo {
  id: number;
  name: string;
  type: number;
  typeName: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
}

function cString(bytes: Uint8Array, at: number, max: number): string {
  const field = bytes.subarray(at, at + max);
  const end = field.indexOf(0);
  return new TextDecoder().decode(end < 0 ? field : field.subarray(0, end));
}

function getInfo(fd: number, info: Uint8Array, what: string): DataView {
  const len = [info.length];
  const err = libbpf.objGetInfoByFd(fd, info, len);
  if (err < 0) throw new LabError('internal', `cannot read the ${what}'s info: ${errorText(err)}`);
  return new DataView(info.buffer, info.byteOffset, info.byteLength);
}

/** Native buffers the kernel fills, copied out once the call returns and then freed. */
class NativeBuffers {
  private readonly held: Array<{ ptr: unknown; size: number }> = [];

  /** A buffer of `size` bytes; writes its address into `info` at `at`. */
  add(info: DataView, at: number, size: number): number {
    const ptr = allocNative(Math.max(1, size));
    info.setBigUint64(at, nativeAddress(ptr), true);
    return this.held.push({ ptr, size }) - 1;
  }

  copy(index: number): Uint8Array {
    const { ptr, size } = this.held[index]!;
    return size === 0 ? new Uint8Array(0) : new Uint8Array(nativeBytes(ptr, size));
  }

  free(): void {
    for (const { ptr } of this.held.splice(0)) freeNative(ptr);
  }
}

/** The ids of the maps the program behind `fd` uses, and nothing else: for what is read again while it runs. */
export function readMapIds(fd: number): number[] {
  const nrMaps = getInfo(fd, new Uint8Array(P.size), 'program').getUint32(P.nrMapIds, true);
  const info = new Uint8Array(P.size);
  const ask = new DataView(info.buffer);
  const buffers = new NativeBuffers();
  try {
    ask.setUint32(P.nrMapIds, nrMaps, true);
    const maps = buffers.add(ask, P.mapIds, nrMaps * 4);
    const v = getInfo(fd, info, 'program');
    const ids = new DataView(buffers.copy(maps).buffer);
    return Array.from({ length: Math.min(nrMaps, v.getUint32(P.nrMapIds, true)) }, (_, i) => ids.getUint32(i * 4, true));
  } finally {
    buffers.free();
  }
}

/** The program behind `fd`: two calls, one for the sizes and one that fills our buffers. */
export function readProgInfo(fd: number): ProgInfo {
  const first = getInfo(fd, new Uint8Array(P.size), 'program');
  const xlatedLen = first.getUint32(P.xlatedLen, true);
  const nrMaps = first.getUint32(P.nrMapIds, true);
  const nrLines = first.getUint32(P.nrLineInfo, true);
  const jitedLen = first.getUint32(P.jitedLen, true);
  const nrKsyms = first.getUint32(P.nrJitedKsyms, true);
  const nrFuncLens = first.getUint32(P.nrJitedFuncLens, true);
  const nrJitedLines = first.getUint32(P.nrJitedLineInfo, true);
  const info = new Uint8Array(P.size);
  const ask = new DataView(info.buffer);
  const buffers = new NativeBuffers();
  try {
    ask.setUint32(P.xlatedLen, xlatedLen, true);
    const xlated = buffers.add(ask, P.xlatedInsns, xlatedLen);
    ask.setUint32(P.nrMapIds, nrMaps, true);
    const maps = buffers.add(ask, P.mapIds, nrMaps * 4);
    ask.setUint32(P.nrLineInfo, nrLines, true);
    ask.setUint32(P.lineInfoRecSize, LINE_RECORD, true);
    const lines = buffers.add(ask, P.lineInfo, nrLines * LINE_RECORD);
    ask.setUint32(P.jitedLen, jitedLen, true);
    const code = buffers.add(ask, P.jitedInsns, jitedLen);
    ask.setUint32(P.nrJitedKsyms, nrKsyms, true);
    const ksyms = buffers.add(ask, P.jitedKsyms, nrKsyms * 8);
    ask.setUint32(P.nrJitedFuncLens, nrFuncLens, true);
    const funcLens = buffers.add(ask, P.jitedFuncLens, nrFuncLens * 4);
    ask.setUint32(P.nrJitedLineInfo, nrJitedLines, true);
    ask.setUint32(P.jitedLineInfoRecSize, 8, true);
    const jitedLines = buffers.add(ask, P.jitedLineInfo, nrJitedLines * 8);
    const v = getInfo(fd, info, 'program');
    const mapIdBytes = buffers.copy(maps);
    const mapView = new DataView(mapIdBytes.buffer);
    const type = v.getUint32(P.type, true);
    const btfId = v.getUint32(P.btfId, true);
    return {
      type, typeName: libbpf.progTypeName(type) ?? `type ${type}`,
      id: v.getUint32(P.id, true),
      tag: [...info.subarray(P.tag, P.tag + 8)].map((b) => b.toString(16).padStart(2, '0')).join(''),
      name: cString(info, P.name, 16),
      jitedBytes: v.getUint32(P.jitedLen, true),
      // The kernel zeroes the pointers it did not fill (raw dumps hidden by kptr_restrict).
      jited: v.getBigUint64(P.jitedInsns, true) === 0n || v.getBigUint64(P.jitedKsyms, true) === 0n ? null : jitedCode(buffers.copy(code), buffers.copy(ksyms), buffers.copy(funcLens), buffers.copy(jitedLines),
        Math.min(nrKsyms, v.getUint32(P.nrJitedKsyms, true)), Math.min(nrFuncLens, v.getUint32(P.nrJitedFuncLens, true)),
        Math.min(nrJitedLines, v.getUint32(P.nrJitedLineInfo, true))),
      xlated: v.getBigUint64(P.xlatedInsns, true) === 0n ? new Uint8Array(0) : buffers.copy(xlated),
      xlatedHidden: xlatedLen > 0 && v.getBigUint64(P.xlatedInsns, true) === 0n,
      loadTimeNs: Number(v.getBigUint64(P.loadTime, true)),
      mapIds: Array.from({ length: Math.min(nrMaps, v.getUint32(P.nrMapIds, true)) }, (_, i) => mapView.getUint32(i * 4, true)),
      btfId,
      lines: resolveLines(buffers.copy(lines), Math.min(nrLines, v.getUint32(P.nrLineInfo, true)), btfId),
      runTimeNs: Number(v.getBigUint64(P.runTimeNs, true)),
      runCnt: Number(v.getBigUint64(P.runCnt, true)),
      verifiedInsns: v.getUint32(P.verifiedInsns, true),
    };
  } finally {
    buffers.free();
  }
}

/** The JIT's code with its functions and line addresses; null when the kernel gave no code or no symbols. */
function jitedCode(bytes: Uint8Array, ksyms: Uint8Array, lens: Uint8Array, lines: Uint8Array,
  nrKsyms: number, nrLens: number, nrLines: number): JitedCode | null {
  const k = new DataView(ksyms.buffer);
  const l = new DataView(lens.buffer);
  const a = new DataView(lines.buffer);
  const funcs = Array.from({ length: Math.min(nrKsyms, nrLens) }, (_, i) => ({
    address: k.getBigUint64(i * 8, true), length: l.getUint32(i * 4, true),
  }));
  if (bytes.length === 0 || funcs.length === 0 || funcs.some((f) => f.address === 0n)) return null;
  if (funcs.reduce((n, f) => n + f.length, 0) !== bytes.length) return null;
  return { bytes, funcs, lineAddresses: Array.from({ length: nrLines }, (_, i) => a.getBigUint64(i * 8, true)) };
}

/** Line records with their file names and C lines, from the program's BTF strings. */
function resolveLines(records: Uint8Array, count: number, btfId: number): LineInfo[] {
  if (count === 0 || btfId === 0) return [];
  const btf = libbpf.btfLoadById(btfId);
  if (!btf) return [];
  try {
    const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
    return Array.from({ length: count }, (_, i) => {
      const at = i * LINE_RECORD;
      const lineCol = view.getUint32(at + 12, true);
      return {
        insn: view.getUint32(at, true),
        file: libbpf.btfNameByOffset(btf as Pointer, view.getUint32(at + 4, true)) ?? '',
        source: (libbpf.btfNameByOffset(btf as Pointer, view.getUint32(at + 8, true)) ?? '').trim(),
        line: lineCol >>> 10,
        column: lineCol & 0x3ff,
      };
    });
  } finally {
    libbpf.btfFree(btf);
  }
}

/** The map with this id, through an fd of our own that is closed again. */
export function readMapInfo(id: number): MapInfo {
  const fd = libbpf.mapGetFdById(id);
  if (fd < 0) throw new LabError('internal', `cannot open map ${id}: ${errorText(fd)}`);
  try {
    const info = new Uint8Array(M.size);
    const v = getInfo(fd, info, 'map');
    const type = v.getUint32(M.type, true);
    return {
      id: v.getUint32(M.id, true), name: cString(info, M.name, 16), type, typeName: libbpf.mapTypeName(type) ?? `type ${type}`,
      keySize: v.getUint32(M.keySize, true), valueSize: v.getUint32(M.valueSize, true),
      maxEntries: v.getUint32(M.maxEntries, true), flags: v.getUint32(M.flags, true),
    };
  } finally {
    closeFd(fd);
  }
}
