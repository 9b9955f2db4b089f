/**
 * The split lifecycle of one of the project's BPF objects: open, configure
 * .rodata and map sizes, load (verifier log captured), attach through fd-based
 * links, then dispose() releases every link and the object in one place.
 */
import { fileURLToPath } from 'node:url';
import { LabError } from '../src/shared/errors.js';
import { readRejection } from '../src/shared/verifier-log.js';
import {
  allocNative, closeFd, errorText, freeNative, lastErrno, libbpf, mapShared, readCString, UPROBE_OPTS_SIZE, type Pointer,
} from './libbpf.js';

/** The only objects the helper will ever load: names, never paths, come from clients. */
export type ObjectName = 'hist' | 'trace' | 'calls' | 'loads';

const VERIFIER_LOG_SIZE = 1 << 20;
/** BPF_LOG_LEVEL1 | BPF_LOG_STATS: every instruction checked, then the totals. */
const LOG_LEVEL_ALL_WITH_STATS = 1 | 4;
/** enum bpf_stats_type: the only kind there is, run time and run count. */
const BPF_STATS_RUN_TIME = 0;
const ENOENT = 2;
/** sizeof(struct bpf_prog_info) and the offsets of its run counters in the kernel UAPI (linux/bpf.h). */
const PROG_INFO_SIZE = 232;
const RUN_TIME_NS_OFFSET = 192;
const RUN_CNT_OFFSET = 200;
const RECURSION_MISSES_OFFSET = 208;

/** What the kernel counts of a program's runs (bpf_prog_info); the first two only while statistics are on. */
export interface RunStats {
  runCnt: number;
  runTimeNs: number;
  /** Hits skipped because another BPF program was running on that CPU (Linux 5.12+; 0 where unknown). */
  recursionMisses: number;
}

/** Where the verifier stopped and why, as a sentence to add to a refusal; '' when the log does not say. */
function refusal(log: string): string {
  if (!log) return '';
  const r = readRejection(log);
  const where = r.insn ? ` at instruction ${r.insn.index} (${r.insn.text})` : '';
  const line = r.line ? `, from ${r.line.file} line ${r.line.line}${r.line.source ? `: ${r.line.source}` : ''}` : '';
  return ` The verifier stopped${where}${line}: ${r.message}.${r.explanation ? ` ${r.explanation}` : ''}`;
}

/** Where the compiled objects sit: resources/bpf, found from this file, never from input. */
export function objectPath(name: ObjectName): string {
  return fileURLToPath(new URL(`../../resources/bpf/${name}.bpf.o`, import.meta.url));
}

export class BpfObject {
  private obj: Pointer | null;
  private readonly links: Pointer[] = [];
  private readonly programs = new Map<string, Pointer>();
  private readonly logs = new Map<string, string>();
  private statsFd = -1;
  private readonly mappings: Array<() => void> = [];
  /** What the user should know about how this object was set up (a feature this kernel lacks). */
  readonly notes: string[] = [];

  private constructor(obj: Pointer, readonly name: ObjectName) {
    this.obj = obj;
  }

  /** One of the project's objects, by name: the only way the protocol reaches. */
  static open(name: ObjectName): BpfObject {
    return BpfObject.fromFile(objectPath(name), name);
  }

  /** Any object file. Tests only (a test-only object the verifier refuses); no request leads here. */
  static fromFile(path: string, name: ObjectName): BpfObject {
    const obj = libbpf.objectOpenFile(path, null);
    if (!obj) {
      throw new LabError('bpf-open', `cannot open ${name}.bpf.o: ${errorText(lastErrno())}`);
    }
    return new BpfObject(obj, name);
  }

  private get handle(): Pointer {
    if (!this.obj) throw new LabError('internal', `${this.name}: object already disposed`);
    return this.obj;
  }

  /** Writes the object's single .rodata variable (its config struct); sizes must match exactly. */
  setRodata(bytes: Uint8Array): void {
    const map = this.map('.rodata');
    const size = [0];
    if (!libbpf.mapInitialValue(map, size) || size[0] !== bytes.length) {
      throw new LabError('internal', `${this.name}: .rodata is ${size[0]} bytes, config is ${bytes.length}`);
    }
    this.check(libbpf.mapSetInitialValue(map, bytes, bytes.length), 'set .rodata');
  }

  /**
   * After load, the object's global variables (its .bss) as the kernel's map holds them, mapped
   * into this process: reads and writes reach the running programs at once. Valid until dispose().
   */
  mappedGlobals(): Uint8Array {
    const size = [0];
    libbpf.mapInitialValue(this.map('.bss'), size);
    const mapped = size[0] ? mapShared(this.mapFd('.bss'), size[0]) : null;
    if (!mapped) throw new LabError('internal', `${this.name}: cannot map .bss: ${errorText(lastErrno())}`);
    this.mappings.push(mapped.unmap);
    return mapped.bytes;
  }

  setMaxEntries(mapName: string, entries: number): void {
    this.check(libbpf.mapSetMaxEntries(this.map(mapName), entries), `size map ${mapName}`);
  }

  /** Loads only the named programs; the object's others are not loaded at all. */
  selectPrograms(wanted: string[], all: string[]): void {
    for (const name of all) {
      const prog = libbpf.findProgram(this.handle, name);
      if (!prog) throw new LabError('internal', `${this.name}: no program ${name}`);
      if (wanted.includes(name)) this.programs.set(name, prog);
      else libbpf.programSetAutoload(prog, false);
    }
  }

  /**
   * Loads into the kernel. With `keepLog`, the verifier logs every load (level 1, with its
   * statistics) and the log is kept for the Lab (verifierLog). On failure the log becomes the
   * error's detail, and the message says where the verifier stopped and why, in plain words.
   */
  load(keepLog = false): void {
    // One buffer per program: libbpf loads them one after the other.
    const logs = new Map([...this.programs].map(([name, prog]) => [name, { prog, buf: allocNative(VERIFIER_LOG_SIZE) }]));
    try {
      for (const { prog, buf } of logs.values()) {
        libbpf.programSetLogBuf(prog, buf, VERIFIER_LOG_SIZE);
        if (keepLog) libbpf.programSetLogLevel(prog, LOG_LEVEL_ALL_WITH_STATS);
      }
      const err = libbpf.objectLoad(this.handle);
      const text = new Map([...logs].map(([name, { buf }]) => [name, readCString(buf, VERIFIER_LOG_SIZE).trim()]));
      if (err < 0) {
        // libbpf loads the programs in order and stops at the one refused: the last log written is its.
        const verifier = [...text.values()].filter(Boolean).at(-1) ?? '';
        throw new LabError('bpf-load', `The kernel refused ${this.name}.bpf.o: ${errorText(err)}.${refusal(verifier)}`,
          verifier || undefined);
      }
      if (keepLog) for (const [name, log] of text) this.logs.set(name, log);
    } finally {
      for (const { prog, buf } of logs.values()) {
        libbpf.programSetLogBuf(prog, null, 0);
        freeNative(buf);
      }
    }
  }

  /** The verifier's log of this program's load, when it was kept. */
  verifierLog(program: string): string | null {
    return this.logs.get(program) ?? null;
  }

  attachKprobe(program: string, func: string): void {
    this.keep(libbpf.attachKprobe(this.selected(program), false, func), `kprobe ${func}`);
  }

  attachTracepoint(program: string, category: string, event: string): void {
    this.keep(libbpf.attachTracepoint(this.selected(program), category, event), `tracepoint ${category}:${event}`);
  }

  /**
   * pid -1 traces every process that maps `path`. libbpf and the kernel open `opened`, the
   * checked file held open as /proc/self/fd/N (elf-file.ts); `path` is what the user named.
   */
  attachUprobe(program: string, path: string, offset: number, pid: number, opened = path): void {
    this.keep(libbpf.attachUprobe(this.selected(program), false, pid, opened, offset),
      `uprobe ${path}:0x${offset.toString(16)}`);
  }

  /** Lets libbpf find `symbol` in the ELF file at `path` (it reads the symbol tables of `opened`, as attachUprobe). */
  attachUprobeSymbol(program: string, path: string, symbol: string, pid: number, opened = path): void {
    const opts = { sz: UPROBE_OPTS_SIZE, ref_ctr_offset: 0, bpf_cookie: 0, retprobe: false, func_name: symbol };
    const link = libbpf.attachUprobeOpts(this.selected(program), pid, opened, 0, opts);
    if (!link && lastErrno() === ENOENT) {
      throw new LabError('bad-probe', `${path} has no function ${symbol} in its symbol tables.`);
    }
    this.keep(link, `uprobe ${path}:${symbol}`);
  }

  /**
   * The kernel's counters of this program's runs, in one bpf_prog_info read: its run count and
   * time (while statistics are on), and the hits it skipped because another BPF program was
   * running on that CPU, which are losses. Fields the kernel does not have read 0.
   */
  runStats(program: string): RunStats {
    const info = new Uint8Array(PROG_INFO_SIZE);
    const len = [PROG_INFO_SIZE];
    if (libbpf.objGetInfoByFd(libbpf.programFd(this.selected(program)), info, len) < 0) {
      return { runCnt: 0, runTimeNs: 0, recursionMisses: 0 };
    }
    const v = new DataView(info.buffer);
    const at = (offset: number): number => (len[0]! >= offset + 8 ? Number(v.getBigUint64(offset, true)) : 0);
    return { runCnt: at(RUN_CNT_OFFSET), runTimeNs: at(RUN_TIME_NS_OFFSET), recursionMisses: at(RECURSION_MISSES_OFFSET) };
  }

  note(text: string): void {
    this.notes.push(text);
  }

  /** Whether this object turned the kernel's run statistics on (enableStats). */
  get timed(): boolean {
    return this.statsFd >= 0;
  }

  /** The fd of a loaded program of this object (for bpf_prog_info). */
  programFd(program: string): number {
    return libbpf.programFd(this.selected(program));
  }

  mapFd(mapName: string): number {
    const fd = libbpf.mapFd(this.map(mapName));
    if (fd < 0) throw new LabError('internal', `${this.name}: map ${mapName} is not loaded`);
    return fd;
  }

  /**
   * Turns on the kernel's run counters (run_cnt, run_time_ns) for as long as this object lives,
   * through an fd it holds (BPF_ENABLE_STATS), never the sysctl: they go off when the last
   * holder closes it, however the helper exits. Returns why it could not (before Linux 5.8), or null.
   */
  enableStats(): string | null {
    if (this.statsFd >= 0) return null;
    const fd = libbpf.enableStats(BPF_STATS_RUN_TIME);
    if (fd < 0) return errorText(fd);
    this.statsFd = fd;
    return null;
  }

  /** Destroys every link: the program stops firing, its maps stay readable. */
  detach(): void {
    for (const link of this.links.splice(0)) libbpf.linkDestroy(link);
  }

  /** Detaches, then closes the object (which frees its maps and programs). Idempotent. */
  dispose(): void {
    this.detach();
    for (const unmap of this.mappings.splice(0)) unmap();
    if (this.obj) libbpf.objectClose(this.obj);
    this.obj = null;
    if (this.statsFd >= 0) closeFd(this.statsFd);
    this.statsFd = -1;
  }

  private selected(program: string): Pointer {
    const prog = this.programs.get(program);
    if (!prog) throw new LabError('internal', `${this.name}: program ${program} was not selected`);
    return prog;
  }

  private map(mapName: string): Pointer {
    const map = libbpf.findMap(this.handle, mapName);
    if (!map) throw new LabError('internal', `${this.name}: no map ${mapName}`);
    return map;
  }

  private keep(link: Pointer | null, what: string): void {
    if (!link) throw new LabError('bpf-attach', `Cannot attach ${what}: ${errorText(lastErrno())}`);
    this.links.push(link);
  }

  private check(err: number, what: string): void {
    if (err < 0) throw new LabError('internal', `${this.name}: ${what}: ${errorText(err)}`);
  }
}
