/**
 * What the running kernel offers, read from /proc and /sys: kprobe and uprobe
 * support, BTF, kernel symbols and the ranges kprobes refuse, and tracepoint
 * formats. Read once per helper; the answers do not change while it runs.
 */
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';

const TRACEFS = '/sys/kernel/tracing';
const DEBUGFS = '/sys/kernel/debug';

export interface TracepointField {
  name: string;
  type: string;
  offset: number;
  size: number;
  signed: boolean;
}

interface Symbols {
  /** Text and weak symbols (t/T/w/W) and their addresses; 0n when kptr_restrict hides them. */
  text: Map<string, bigint>;
  /** The first text symbol at each address, static functions that share a name included. */
  byAddress: Map<bigint, string>;
  noinstr: { start: bigint; end: bigint } | null;
}

/** mount(8) by absolute path: never one that a caller's PATH names. usrmerge puts it in /usr/bin. */
const MOUNT = fs.existsSync('/usr/bin/mount') ? '/usr/bin/mount' : '/bin/mount';

/** Mounts tracefs or debugfs where the boot did not, as perf and bpftrace users do by hand. */
function ensureMounted(type: 'tracefs' | 'debugfs', where: string, probe: string): boolean {
  if (fs.existsSync(`${where}/${probe}`)) return true;
  try {
    execFileSync(MOUNT, ['-t', type, 'nodev', where], { stdio: 'ignore', env: {} });
  } catch {
    return false;
  }
  return fs.existsSync(`${where}/${probe}`);
}

export class Kernel {
  private symbols: Symbols | null = null;
  private blacklist: Set<string> | null = null;
  private ftrace: Set<string> | null = null;
  private mountedTracefs: boolean | null = null;
  private mountedDebugfs: boolean | null = null;

  /**
   * Whether tracefs is there, mounting it the first time a probe needs it (its tracepoints'
   * formats, ftrace's function list): never at start, nor for a request that is refused first.
   */
  get tracefs(): boolean {
    return this.mountedTracefs ??= ensureMounted('tracefs', TRACEFS, 'events');
  }

  /** Whether tracefs is mounted now, without mounting it (what hello reports). */
  get tracefsMounted(): boolean {
    return this.mountedTracefs ?? fs.existsSync(`${TRACEFS}/events`);
  }

  /** Whether debugfs is there (for the kprobe blacklist), mounting it the first time a kprobe needs it. */
  get debugfs(): boolean {
    return this.mountedDebugfs ??= ensureMounted('debugfs', DEBUGFS, 'tracing') || fs.existsSync(`${DEBUGFS}/kprobes`);
  }

  get release(): string {
    return fs.readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  }

  get arch(): string {
    return process.arch;
  }

  /** kprobes exist when the kprobe PMU is registered or the legacy tracefs interface is there. */
  get hasKprobes(): boolean {
    return fs.existsSync('/sys/bus/event_source/devices/kprobe') || fs.existsSync(`${TRACEFS}/kprobe_events`);
  }

  get hasUprobes(): boolean {
    return fs.existsSync('/sys/bus/event_source/devices/uprobe') || fs.existsSync(`${TRACEFS}/uprobe_events`);
  }

  get hasBtf(): boolean {
    return fs.existsSync('/sys/kernel/btf/vmlinux');
  }

  /** The address of a kernel text symbol, or undefined when no such function exists. */
  functionAddress(name: string): bigint | undefined {
    return this.loadSymbols().text.get(name);
  }

  /**
   * The kernel function at exactly this address (the first name kallsyms gives it), or undefined.
   * A helper call in a loaded program is an offset from __bpf_call_base; this names it.
   */
  symbolAt(addr: bigint): string | undefined {
    return addr === 0n ? undefined : this.loadSymbols().byAddress.get(addr);
  }

  /** Whether the function sits in .noinstr.text, where instrumentation of any kind is refused. */
  inNoinstr(name: string): boolean {
    const { text, noinstr } = this.loadSymbols();
    const at = text.get(name);
    if (!noinstr || at === undefined || at === 0n) return false;
    return at >= noinstr.start && at < noinstr.end;
  }

  /** Whether the kernel's kprobe blacklist names the function (null when the list cannot be read). */
  blacklisted(name: string): boolean | null {
    if (this.blacklist === null) {
      const path = `${DEBUGFS}/kprobes/blacklist`;
      if (!this.debugfs || !fs.existsSync(path)) return null;
      this.blacklist = new Set(fs.readFileSync(path, 'utf8').split('\n')
        .map((line) => line.trim().split(/\s+/)[1] ?? '').filter(Boolean));
    }
    return this.blacklist.has(name);
  }

  /**
   * Whether ftrace can hook the function (available_filter_functions), or null if unknown.
   * kprobes work without it, through a breakpoint, so this only helps explain a refusal.
   */
  ftraceable(name: string): boolean | null {
    if (this.ftrace === null) {
      const path = `${TRACEFS}/available_filter_functions`;
      if (!this.tracefs || !fs.existsSync(path)) return null;
      this.ftrace = new Set(fs.readFileSync(path, 'utf8').split('\n').map((l) => l.split(/\s+/)[0] ?? ''));
    }
    return this.ftrace.has(name);
  }

  /** The fields of a tracepoint's record, or null when the tracepoint does not exist. */
  tracepointFields(category: string, event: string): TracepointField[] | null {
    const path = `${TRACEFS}/events/${category}/${event}/format`;
    if (!this.tracefs || !fs.existsSync(path)) return null;
    return parseFormat(fs.readFileSync(path, 'utf8'));
  }

  private loadSymbols(): Symbols {
    if (!this.symbols) this.symbols = parseKallsyms(fs.readFileSync('/proc/kallsyms', 'utf8'));
    return this.symbols;
  }
}

/** kallsyms entries that are not module code: JITed BPF programs, ftrace and kprobe trampolines. */
const PSEUDO_MODULES = /^\[(bpf|__builtin__\w+)\]$/;

/** Parses /proc/kallsyms into text symbols and the .noinstr.text range. */
export function parseKallsyms(text: string): Symbols {
  const syms = new Map<string, bigint>();
  const byAddress = new Map<bigint, string>();
  const modules = new Set<string>();
  for (const line of text.split('\n')) {
    const [addr, type, name, module] = line.split(/\s+/);
    // t/T: text; w/W: weak symbols, which is how 6.1 lists memmove and memset. Module functions
    // ([xfs] ...) can be kprobed too, but never shadow a vmlinux function of the same name.
    if (!addr || !name || !type || !'tTwW'.includes(type) || PSEUDO_MODULES.test(module ?? '')) continue;
    const at = BigInt(`0x${addr}`);
    if (!byAddress.has(at)) byAddress.set(at, name);
    if (!syms.has(name) || (!module && modules.has(name))) {
      syms.set(name, BigInt(`0x${addr}`));
      if (module) modules.add(name);
      else modules.delete(name);
    }
  }
  const start = syms.get('__noinstr_text_start');
  const end = syms.get('__noinstr_text_end');
  const noinstr = start !== undefined && end !== undefined && end > start ? { start, end } : null;
  return { text: syms, byAddress, noinstr };
}

/** Parses a tracefs `format` file's field lines, common_* fields included. */
export function parseFormat(text: string): TracepointField[] {
  const fields: TracepointField[] = [];
  const re = /^\s*field:(.+?);\s*offset:(\d+);\s*size:(\d+);\s*signed:(\d);/;
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (!m) continue;
    const decl = m[1]!.trim();
    // "unsigned long args[6]": type "unsigned long[6]", name "args".
    const parts = /^(.*?)([A-Za-z_][A-Za-z0-9_]*)\s*(\[[^\]]*\])?$/.exec(decl);
    const name = parts?.[2] ?? decl;
    fields.push({
      name,
      type: `${(parts?.[1] ?? '').trim()}${parts?.[3] ?? ''}`,
      offset: Number(m[2]),
      size: Number(m[3]),
      signed: m[4] === '1',
    });
  }
  return fields;
}
