/** Reads per-CPU array maps and sums each slot over every possible CPU. */
import { libbpf } from './libbpf.js';

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
    const view = new DataView(this.value.buffer);
    let sum = 0n;
    for (let cpu = 0; cpu < this.ncpus; cpu++) sum += view.getBigUint64(cpu * 8, true);
    return sum;
  }

  /** Slots 0..count-1, summed over CPUs. */
  slots(count: number): bigint[] {
    return Array.from({ length: count }, (_, i) => this.slot(i));
  }
}
