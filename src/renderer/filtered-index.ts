/**
 * The events of a ring that pass the trace filter, kept up to date
 * incrementally: new events are tested once as they arrive, overwritten ones
 * fall off the front, and a filter that only narrows the previous one
 * re-tests the current matches instead of the whole ring.
 */
import type { TraceEvent } from '../shared/trace-frame.js';
import type { EventRing } from './event-ring.js';
import { matchesRecord, narrows, recordFilter, sameFilter, type RecordFilter, type TraceFilter } from './trace-filter.js';

/** What the list draws: a length and the i-th matching event, oldest first (decoded only when asked). */
export interface TraceView {
  readonly length: number;
  at(index: number): TraceEvent | undefined;
  /**
   * How many matches have fallen off the front since this view was made (the
   * ring overwrote them): a list scrolled up moves back by as many rows to
   * keep the same events in sight.
   */
  readonly dropped: number;
  /** Every event the view's ring holds, matching or not: with none matching, whether the filter hid them. */
  readonly held: number;
}

export class FilteredIndex implements TraceView {
  /** Sequence numbers of matching events, ascending; the live part starts at `head`. */
  private matches: number[] = [];
  private head = 0;
  /** The next sequence number to test. */
  private scanned: number;
  /** How many times the filter has run on an event: lets tests prove the work is incremental. */
  tested = 0;
  /** Matches the ring overwrote, counted as they leave the front (a new filter does not count). */
  dropped = 0;

  private compiled: RecordFilter;

  constructor(private readonly ring: EventRing, private filter: TraceFilter, from?: { matches: number[]; scanned: number }) {
    this.compiled = recordFilter(filter);
    this.scanned = from ? from.scanned : ring.oldestSeq;
    if (from) this.matches = from.matches;
    else this.sync();
  }

  get length(): number {
    return this.matches.length - this.head;
  }

  get held(): number {
    return this.ring.size;
  }

  at(index: number): TraceEvent | undefined {
    if (index < 0 || index >= this.length) return undefined;
    return this.ring.event(this.matches[this.head + index]!);
  }

  /** Tests the events pushed since the last sync and forgets those the ring overwrote. */
  sync(): void {
    const oldest = this.ring.oldestSeq;
    const end = this.ring.nextSeq;
    for (let seq = Math.max(this.scanned, oldest); seq < end; seq++) {
      this.tested += 1;
      if (this.passes(seq)) this.matches.push(seq);
    }
    this.scanned = end;
    while (this.head < this.matches.length && this.matches[this.head]! < oldest) {
      this.head += 1;
      this.dropped += 1;
    }
    if (this.head > 1024 && this.head * 2 > this.matches.length) {
      this.matches = this.matches.slice(this.head);
      this.head = 0;
    }
  }

  setFilter(next: TraceFilter): void {
    if (sameFilter(this.filter, next)) return;
    const narrowing = narrows(this.filter, next);
    this.filter = next;
    this.compiled = recordFilter(next);
    if (narrowing) {
      const kept: number[] = [];
      for (let i = this.head; i < this.matches.length; i++) {
        const seq = this.matches[i]!;
        this.tested += 1;
        if (this.ring.has(seq) && this.passes(seq)) kept.push(seq);
      }
      this.matches = kept;
    } else {
      this.matches = [];
      this.scanned = this.ring.oldestSeq;
    }
    this.head = 0;
    this.sync();
  }

  private passes(seq: number): boolean {
    return matchesRecord(this.compiled, this.ring.bytes, this.ring.view, this.ring.slot(seq));
  }

  /** A copy over a frozen copy of the ring: what the list shows while paused. */
  freeze(): FilteredIndex {
    return new FilteredIndex(this.ring.freeze(), this.filter, { matches: this.matches.slice(this.head), scanned: this.scanned });
  }
}
