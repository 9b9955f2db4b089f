/**
 * A fixed-size ring of trace events. Every event gets a sequence number (its
 * position in the stream), so filtered views can refer to events by number
 * and notice when the ring has overwritten them.
 */
import type { TraceEvent } from '../shared/protocol.js';

export class EventRing {
  private readonly slots: (TraceEvent | undefined)[];
  private next = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`bad ring capacity ${capacity}`);
    this.slots = new Array<TraceEvent | undefined>(capacity);
  }

  /** The sequence number the next event will get; also how many were ever pushed. */
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

  push(event: TraceEvent): void {
    this.slots[this.next % this.capacity] = event;
    this.next += 1;
  }

  /** The event with this sequence number; undefined once the ring has overwritten it. */
  get(seq: number): TraceEvent | undefined {
    if (seq < this.oldestSeq || seq >= this.next) return undefined;
    return this.slots[seq % this.capacity];
  }

  /** A copy that keeps the same sequence numbers, for a view that must not change (pause). */
  freeze(): EventRing {
    const copy = new EventRing(this.capacity);
    copy.next = this.next;
    for (let seq = this.oldestSeq; seq < this.next; seq++) copy.slots[seq % this.capacity] = this.slots[seq % this.capacity];
    return copy;
  }
}
