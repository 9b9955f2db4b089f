/**
 * Everything the trace view shows, kept outside React: a bounded ring of the
 * newest events, the filtered view of it, pause, and the counters. Batches are
 * appended as they arrive (up to 60 a second, thousands of events each);
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
  private lostSoFar = 0;
  private droppedSoFar = 0;
  final: TraceFinal | null = null;
  ended = false;
  /** Grows on every change, so a view can tell whether to redraw. */
  version = 0;
  /** Grows only when what view() shows may have changed: not for batches that arrive while paused. */
  viewVersion = 0;

  constructor(readonly capacity = TRACE_CAPACITY, private readonly now: () => number = () => Date.now()) {
    this.ring = new EventRing(capacity);
    this.live = new FilteredIndex(this.ring, this.filter);
  }

  /** Takes one batch; counts always move, even while the list is paused. */
  append(batch: TraceBatch): void {
    for (const event of batch.events) this.ring.push(event);
    this.live.sync();
    this.received += batch.events.length;
    this.lostSoFar = Math.max(this.lostSoFar, batch.lost);
    this.droppedSoFar = Math.max(this.droppedSoFar, batch.dropped);
    // The rate is of what reached the backend: received here plus what it dropped for this window.
    this.meter.add(this.received + this.droppedSoFar, batch.at);
    this.lastBatch = this.now();
    this.changed(!this.frozen);
  }

  /** The backend's final count of events it dropped for this window (they may never have reached a frame). */
  settleDropped(dropped: number): void {
    this.droppedSoFar = Math.max(this.droppedSoFar, dropped);
    this.changed(false);
  }

  /** The session is over: keep the events, stop the rate, remember the helper's final count. */
  finish(final: TraceFinal | undefined): void {
    if (final) this.final = final;
    this.ended = true;
    this.meter.reset();
    this.lastBatch = -Infinity;
    this.changed(false);
  }

  /** Lost in the kernel and the helper, plus what the backend dropped for this window. */
  get lost(): number {
    return Math.max(this.lostSoFar, this.final?.lost ?? 0) + this.droppedSoFar;
  }

  /**
   * Events per second that reached the backend (received plus dropped for this window), over about
   * the last second; 0 when batches stopped coming, null when unknown or over.
   */
  rate(): number | null {
    if (this.ended) return null;
    if (this.now() - this.lastBatch > STALE_MS) return this.received + this.droppedSoFar > 0 ? 0 : null;
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
