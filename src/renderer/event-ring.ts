/**
 * A fixed-size ring of trace records, kept as the helper sent them (trace-frame.ts): one block
 * of bytes, written a batch at a time, with no object per event. Every record gets a sequence
 * number (its position in the stream), so filtered views can refer to records by number and
 * notice when the ring has overwritten them. A record becomes an object only when a row on
 * screen asks for it (event()).
 */
import { recordEvent, TRACE_RECORD_STRIDE, type TraceEvent } from '../shared/trace-frame.js';

export class EventRing {
  /** The records: capacity × TRACE_RECORD_STRIDE bytes, record `seq` in slot seq % capacity. */
  readonly bytes: Uint8Array;
  readonly view: DataView;
  private next = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`bad ring capacity ${capacity}`);
    this.bytes = new Uint8Array(capacity * TRACE_RECORD_STRIDE);
    this.view = new DataView(this.bytes.buffer);
  }

  /** The sequence number the next record will get; also how many were ever pushed. */
  get nextSeq(): number {
    return this.next;
  }

  /** The oldest sequence number still held. */
  get oldestSeq(): number {
    return Math.max(0, this.next - this.capacity);
  }

  get size(): number {
    return this.next - this.oldestSeq;
  }

  /** Appends `count` records (a batch's bytes), in at most two copies; beyond capacity only the newest stay. */
  push(records: Uint8Array, count: number): void {
    let i = Math.max(0, count - this.capacity);
    this.next += i;
    while (i < count) {
      const slot = this.next % this.capacity;
      const n = Math.min(count - i, this.capacity - slot);
      this.bytes.set(records.subarray(i * TRACE_RECORD_STRIDE, (i + n) * TRACE_RECORD_STRIDE), slot * TRACE_RECORD_STRIDE);
      i += n;
      this.next += n;
    }
  }

  /** Whether the ring still holds this record. */
  has(seq: number): boolean {
    return seq >= this.oldestSeq && seq < this.next;
  }

  /** The slot of a record the ring holds, for the trace-frame.ts readers over `view` and `bytes`. */
  slot(seq: number): number {
    return seq % this.capacity;
  }

  /** The record with this sequence number, decoded; undefined once the ring has overwritten it. */
  event(seq: number): TraceEvent | undefined {
    return this.has(seq) ? recordEvent(this.bytes, this.view, this.slot(seq)) : undefined;
  }

  /** A copy that keeps the same sequence numbers, for a view that must not change (pause). */
  freeze(): EventRing {
    const copy = new EventRing(this.capacity);
    copy.next = this.next;
    copy.bytes.set(this.bytes);
    return copy;
  }
}
