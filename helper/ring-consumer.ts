/**
 * The consumer side of a BPF ring buffer (BPF_MAP_TYPE_RINGBUF), in JavaScript over the
 * map's own memory: no call into C and no object per record.
 *
 * The kernel's layout (kernel/bpf/ringbuf.c): the consumer position on the first page (ours
 * to write), the producer position on the next (read-only), then the data area, mapped twice
 * in a row so that a record that wraps around the end is still contiguous. Each record has an
 * 8-byte header: its length, with a busy bit while the producer writes it and a discard bit
 * when the producer gave it up, and a page offset the kernel uses. Records step by the length
 * plus the header, rounded up to 8 bytes.
 *
 * Runtime-free on purpose: mapRing() in helper/libbpf.ts maps the real ring; the unit test drives this
 * with a producer that follows the kernel's protocol.
 */
import { ringRecordStride } from '../src/shared/trace-frame.js';

const BUSY = 0x80000000;
const DISCARD = 0x40000000;
const LENGTH = 0x3fffffff;

/** The ring's memory, as views over the mappings. */
export interface RingMemory {
  /** The consumer position (u64, the consumer page's first word). */
  consumer: BigUint64Array;
  /** The producer position (u64, the producer page's first word). */
  producer: BigUint64Array;
  /** The data area, mapped twice in a row: 2 × size bytes. */
  data: Uint8Array;
  /** The data area's size, a power of two. */
  size: number;
}

/**
 * A run of whole records, headers included, each `stride` bytes. Valid only during the call:
 * the consumer position moves past them when take() returns, and the kernel reuses the room.
 */
export type OnSpan = (bytes: Uint8Array, count: number) => void;

/** What one take() did. */
export interface Taken {
  /** Records handed over. */
  records: number;
  /** Records of another length than ours, skipped and counted (our programs never write one). */
  odd: number;
}

export class RingConsumer {
  readonly stride: number;
  private readonly headers: Uint32Array;

  constructor(private readonly ring: RingMemory, private readonly recordSize: number) {
    if (ring.size <= 0 || (ring.size & (ring.size - 1)) !== 0) throw new Error(`ring size ${ring.size} is not a power of two`);
    if (ring.data.byteLength < 2 * ring.size) throw new Error('the data area must be mapped twice');
    this.stride = ringRecordStride(recordSize);
    this.headers = new Uint32Array(ring.data.buffer, ring.data.byteOffset, ring.data.byteLength >>> 2);
  }

  /**
   * Hands over up to `max` committed records, in order, as runs of whole records of our size
   * (one onSpan per run, not per record), then moves the consumer position past them once.
   * It stops at the first record still being written. Discarded records are skipped.
   */
  take(max: number, onSpan: OnSpan): Taken {
    const { consumer, producer, data, size } = this.ring;
    const start = Number(Atomics.load(consumer, 0));
    const end = Number(Atomics.load(producer, 0));
    let pos = start;
    let records = 0;
    let odd = 0;
    let spanAt = 0;
    let spanCount = 0;
    const flush = (): void => {
      if (spanCount > 0) onSpan(data.subarray(spanAt, spanAt + spanCount * this.stride), spanCount);
      spanCount = 0;
    };
    while (pos < end && records < max) {
      const at = pos % size;
      const header = Atomics.load(this.headers, at >>> 2);
      if (header & BUSY) break;
      const length = header & LENGTH;
      const step = ringRecordStride(length);
      if (step > end - pos) break; // never from the kernel: a record cannot pass the producer
      if (!(header & DISCARD) && length === this.recordSize) {
        // The double mapping keeps a run contiguous from its first record, wrap or not.
        if (spanCount === 0) spanAt = at;
        spanCount++;
        records++;
      } else {
        flush();
        if (!(header & DISCARD)) odd++;
      }
      pos += step;
    }
    flush();
    if (pos !== start) Atomics.store(consumer, 0, BigInt(pos));
    return { records, odd };
  }

  /** Bytes written or reserved past the consumer position: an upper bound on what take() finds. */
  pending(): number {
    return Number(Atomics.load(this.ring.producer, 0) - Atomics.load(this.ring.consumer, 0));
  }

  /**
   * True when nothing is written or reserved past the consumer position. Read after take()
   * stored the position: a record reserved after this read sees the consumer caught up with
   * it and wakes the ring's waiters when it is committed (the kernel's own rule).
   */
  empty(): boolean {
    return Atomics.load(this.ring.producer, 0) === Atomics.load(this.ring.consumer, 0);
  }
}
