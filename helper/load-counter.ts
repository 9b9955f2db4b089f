/**
 * Counts the BPF programs this process asks the kernel to load: loads.bpf.o sits on the
 * syscalls:sys_enter_bpf tracepoint and counts every bpf(BPF_PROG_LOAD) of this process (all its
 * threads), refused ones too. The work budget (work-budget.ts) charges what it counts, so that a
 * start is charged its libbpf feature checks, its call recorder and its second program as well.
 */
import { BpfObject } from './bpf-object.js';

/** struct load_count in bpf/loads.h: tgid (u32), pad, loads (u64). */
const LOAD_COUNT_SIZE = 16;
const TGID = 0;
const LOADS = 8;

/**
 * The BPF_PROG_LOADs of the counter's own start, made before it counts: its program, libbpf's
 * check that programs load at all, and the feature checks (program names, global data, perf
 * links, memory accounting) that libbpf 1.1 makes once per process, at its first load and attach.
 * Measured with strace (test/kernel/load-budget.test.ts holds it to that count).
 */
export const COUNTER_OWN_LOADS = 6;

export class LoadCounter {
  private constructor(private readonly object: BpfObject, private readonly count: DataView) {}

  /** Loads the counter for this process; it counts only while `watch` runs work. */
  static start(): LoadCounter {
    const object = BpfObject.open('loads');
    try {
      object.selectPrograms(['loads_enter'], ['loads_enter']);
      object.load();
      const globals = object.mappedGlobals();
      if (globals.length !== LOAD_COUNT_SIZE) throw new Error(`loads.bpf.o: .bss is ${globals.length} bytes, not ${LOAD_COUNT_SIZE}`);
      const count = new DataView(globals.buffer, globals.byteOffset, globals.byteLength);
      count.setUint32(TGID, process.pid, true);
      return new LoadCounter(object, count);
    } catch (e) {
      object.dispose();
      throw e;
    }
  }

  /**
   * Runs work with the counter attached, and tells `counted` how many programs it asked to load,
   * whether it returned or threw. Attached only meanwhile: while any syscalls tracepoint is on,
   * every system call of every process on the machine takes the kernel's slower traced path, and
   * a student's helper may sit idle for hours.
   */
  watch<T>(work: () => T, counted: (loads: number) => void): T {
    const before = this.count.getBigUint64(LOADS, true);
    this.object.attachTracepoint('loads_enter', 'syscalls', 'sys_enter_bpf');
    try {
      return work();
    } finally {
      this.object.detach();
      counted(Number(this.count.getBigUint64(LOADS, true) - before));
    }
  }

  /** Detaches and unloads the counter. */
  dispose(): void {
    this.object.dispose();
  }
}
