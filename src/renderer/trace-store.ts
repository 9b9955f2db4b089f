/**
 * Everything the trace view shows, kept outside React: a bounded ring of the
 * newest records (bytes, as the helper sent them), the filtered view of it,
 * pause, and the counters. Batches are appended as they arrive (up to 60 a
 * second, thousands of records each, copied in one block);
 * the view subscribes and redraws at most once per animation frame.
 */
import type { StopResult, TraceBatch } from '../shared/lab-api.js';
import { EventRing } from './event-ring.js';
import { FilteredIndex, type TraceView } from './filtered-index.js';
import { RateMeter } from './rate.js';
import { NO_FILTER, type TraceFilter } from './trace-filter.js';

/** How many of the newest events the renderer keeps; older ones are still counted. */
export const TRACE_CAPACITY = 50_000;
/** With no batch for this long, nothing is arriving: the rate shows 0. */
const STALE_MS = 1500;

export type TraceFinal = NonNullable<StopResult['trace']>;

export interface TraceStoreOptions {
  /** This window has followed the session since it started (it started it); else it joined later. */
  fromStart?: boolean;
  capacity?: number;
  now?: () => number;
}

export class TraceStore {
  private readonly ring: EventRing;
  private readonly live: FilteredIndex;
  private frozen: FilteredIndex | null = null;
  private filter: TraceFilter = NO_FILTER;
  private readonly meter = new RateMeter(1000);
  private lastBatch = -Infinity;
  private listeners = new Set<() => void>();
  /** Events received in this renderer, including those the ring no longer holds. */
  received = 0;
  private droppedSoFar = 0;
  /** For a window that joined a running session: what was dropped before it did, not counted here. */
  private droppedBefore = 0;
  /** The session's TraceBatch.passed, as far as this window knows. */
  private passedSoFar = 0;
  /**
   * Events of the session from before this window followed it: 0 for a session it started, else
   * learnt from its first batch. They are neither received nor counted as not received here.
   */
  private before: number | null;
  final: TraceFinal | null = null;
  ended = false;
  /** Grows on every change, so a view can tell whether to redraw. */
  version = 0;
  /** Grows only when what view() shows may have changed: not for batches that arrive while paused. */
  viewVersion = 0;

  readonly capacity: number;
  private readonly now: () => number;

  constructor({ fromStart = true, capacity = TRACE_CAPACITY, now = () => Date.now() }: TraceStoreOptions = {}) {
    this.capacity = capacity;
    this.now = now;
    this.before = fromStart ? 0 : null;
    this.ring = new EventRing(capacity);
    this.live = new FilteredIndex(this.ring, this.filter);
  }

  /** Takes one batch; counts always move, even while the list is paused. */
  append(batch: TraceBatch): void {
    this.ring.push(batch.records, batch.count);
    this.live.sync();
    this.received += batch.count;
    this.droppedSoFar = Math.max(this.droppedSoFar, batch.lost);
    if (this.before === null) {
      this.before = batch.passed - batch.count;
      this.droppedBefore = batch.lost;
    }
    this.passedSoFar = Math.max(this.passedSoFar, batch.passed);
    // The rate is of what reached the backend: received here, and not received on the way.
    this.meter.add(this.reached, batch.at);
    this.lastBatch = this.now();
    this.changed(!this.frozen);
  }

  /** The ended event's final TraceBatch.passed: events not received after the last batch count too. */
  settlePassed(passed: number): void {
    this.passedSoFar = Math.max(this.passedSoFar, passed);
    this.changed(false);
  }

  /** Events that reached the backend since this window followed the session. */
  private get reached(): number {
    return Math.max(this.received, this.passedSoFar - (this.before ?? this.passedSoFar));
  }

  /**
   * Not received: events that reached the backend but not this window (a full queue, a window
   * too slow for its frames, or a live stream that reconnected).
   */
  get notReceived(): number {
    return this.reached - this.received;
  }

  /** The session is over: keep the events, stop the rate, remember the helper's final count. */
  finish(final: TraceFinal | undefined): void {
    if (final) this.final = final;
    this.ended = true;
    this.meter.reset();
    this.lastBatch = -Infinity;
    this.changed(false);
  }

  /**
   * Dropped: recorded by the program but never out of the helper (the kernel's ring buffer or
   * the helper's pipe was full). Seen = received + dropped + not received.
   */
  get dropped(): number {
    return Math.max(this.droppedSoFar, this.final?.lost ?? 0) - this.droppedBefore;
  }

  /**
   * Events per second that reached the backend (received, and not received here), over about
   * the last second; 0 when batches stopped coming, null when unknown or over.
   */
  rate(): number | null {
    if (this.ended) return null;
    if (this.now() - this.lastBatch > STALE_MS) return this.reached > 0 ? 0 : null;
    return this.meter.rate();
  }

  setFilter(filter: TraceFilter): void {
    this.filter = filter;
    this.live.setFilter(filter);
    this.frozen?.setFilter(filter);
    this.changed();
  }

  get paused(): boolean {
    return this.frozen !== null;
  }

  /** Freezes what the list shows; events keep arriving into the ring behind it. */
  pause(): void {
    if (this.frozen) return;
    this.frozen = this.live.freeze();
    this.changed();
  }

  resume(): void {
    if (!this.frozen) return;
    this.frozen = null;
    this.changed();
  }

  togglePause(): void {
    if (this.frozen) this.resume();
    else this.pause();
  }

  /** The events to draw: the frozen copy while paused, else the live filtered ring. */
  view(): TraceView {
    return this.frozen ?? this.live;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(viewChanged = true): void {
    this.version += 1;
    if (viewChanged) this.viewVersion += 1;
    for (const listener of this.listeners) listener();
  }
}
