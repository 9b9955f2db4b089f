/** Reads array maps in one batch where the kernel can, and sums per-CPU slots over every possible CPU. */
import { libbpf } from './libbpf.js';

const ENOENT = 2;

export class PerCpuReader {
  private readonly key = new Uint8Array(4);
  private readonly value: Uint8Array;
  private readonly ncpus: number;

  constructor(private readonly fd: number) {
    this.ncpus = libbpf.numPossibleCpus();
    if (this.ncpus < 1) throw new Error(`libbpf_num_possible_cpus failed: ${this.ncpus}`);
    this.value = new Uint8Array(8 * this.ncpus);
  }

  /** The sum over CPUs of slot `index` (u64 values). */
  slot(index: number): bigint {
    new DataView(this.key.buffer).setUint32(0, index, true);
    const err = libbpf.mapLookupElem(this.fd, this.key, this.value);
    if (err < 0) throw new Error(`reading slot ${index} of map fd ${this.fd} failed: ${err}`);
    return this.sum(new DataView(this.value.buffer), 0);
  }

  /**
   * Slots 0..count-1, summed over CPUs, in one batch syscall where the kernel has it
   * (5.6+): each map read briefly keeps BPF programs off that CPU, so fewer is better.
   */
  slots(count: number): bigint[] {
    const values = lookupSlots(this.fd, count, 8 * this.ncpus);
    if (!values) return Array.from({ length: count }, (_, i) => this.slot(i));
    const view = new DataView(values.buffer);
    return Array.from({ length: count }, (_, i) => this.sum(view, i * 8 * this.ncpus));
  }

  private sum(view: DataView, at: number): bigint {
    let total = 0n;
    for (let cpu = 0; cpu < this.ncpus; cpu++) total += view.getBigUint64(at + cpu * 8, true);
    return total;
  }
}

/**
 * The values of an array map's slots 0..count-1 (each `valueBytes` long; for a per-CPU map,
 * every CPU's value rounded up to 8 bytes) in one batch syscall, or null where the kernel
 * has no batch operations for the map (before 5.6) and the caller must look up each key.
 */
export function lookupSlots(fd: number, count: number, valueBytes: number): Uint8Array | null {
  const values = new Uint8Array(valueBytes * count);
  const n = [count];
  const err = libbpf.mapLookupBatch(fd, null, new Uint8Array(4), new Uint8Array(4 * count), values, n, null);
  return (err < 0 && err !== -ENOENT) || n[0] !== count ? null : values;
}
