/**
 * Coalesces what the helper streams into live frames: the newest histogram
 * snapshot and the trace events of each session since the last frame, sent
 * at most LIVE_FRAMES_PER_SECOND times a second. Events waiting for a frame
 * are bounded per session; each batch carries how many events of its session
 * have passed through here in all, so a subscriber can tell what it missed
 * (the overflow included) from what it received.
 */
import {
  LIVE_FRAMES_PER_SECOND, type HistogramSnapshot, type LiveEvent, type TraceBatch,
} from '../shared/lab-api.js';
import type { HistogramPush, TraceEvent } from '../shared/protocol.js';
import { traceEvents, type TraceFrame } from '../shared/trace-frame.js';

/** The most trace events one session may have waiting for the next frame. */
export const MAX_QUEUED_EVENTS = 50_000;
const FRAME_MS = Math.ceil(1000 / LIVE_FRAMES_PER_SECOND);

type Frame = Extract<LiveEvent, { type: 'frame' }>;

export class LiveFrames {
  private readonly histograms = new Map<number, HistogramSnapshot>();
  private readonly traces = new Map<number, { events: TraceEvent[]; lost: number }>();
  private readonly passed = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  private lastFrame = 0;

  constructor(private readonly send: (frame: Frame) => void) {}

  histogram(session: number, push: Pick<HistogramPush, 'counts' | 'total' | 'missed' | 'cost'>): void {
    this.histograms.set(session, {
      session, counts: push.counts, total: push.total, missed: push.missed, ...(push.cost ? { cost: push.cost } : {}), at: Date.now(),
    });
    this.schedule();
  }

  /** Queues what fits of a frame of trace records; only those records are decoded. */
  trace(session: number, frame: TraceFrame): void {
    const pending = this.traces.get(session) ?? { events: [], lost: 0 };
    const room = Math.max(0, MAX_QUEUED_EVENTS - pending.events.length);
    // Until the app reads trace records as columns, its frames carry them as events.
    for (const event of traceEvents(frame, 0, Math.min(room, frame.count))) pending.events.push(event);
    this.passed.set(session, this.passedOf(session) + frame.count);
    pending.lost = frame.lost.kernel + frame.lost.helper;
    this.traces.set(session, pending);
    this.schedule();
  }

  /** Events of this session that came through here so far, queued or not. */
  passedOf(session: number): number {
    return this.passed.get(session) ?? 0;
  }

  /** Sends what is pending now (before a session's end, so nothing of it comes after). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.histograms.size === 0 && this.traces.size === 0) return;
    const at = Date.now();
    const traces: TraceBatch[] = [...this.traces].map(([session, p]) => ({
      session, events: p.events, lost: p.lost, passed: this.passedOf(session), at,
    }));
    const histograms = [...this.histograms.values()];
    this.histograms.clear();
    this.traces.clear();
    this.lastFrame = at;
    this.send({ type: 'frame', histograms, traces });
  }

  forget(session: number): void {
    this.histograms.delete(session);
    this.traces.delete(session);
    this.passed.delete(session);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastFrame + FRAME_MS - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }
}
