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
import type { HistogramPush } from '../shared/protocol.js';
import { TRACE_RECORD_STRIDE, type TraceFrame } from '../shared/trace-frame.js';

/** The most trace events one session may have waiting for the next frame. */
export const MAX_QUEUED_EVENTS = 50_000;
const FRAME_MS = Math.ceil(1000 / LIVE_FRAMES_PER_SECOND);

type Frame = Extract<LiveEvent, { type: 'frame' }>;

export class LiveFrames {
  private readonly histograms = new Map<number, HistogramSnapshot>();
  /** Per session: the records waiting for the next frame (views of the helper's frames, each its own buffer), in arrival order. */
  private readonly traces = new Map<number, { parts: Uint8Array[]; count: number; lost: number }>();
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

  /** Queues what fits of a frame of trace records, as bytes: nothing is decoded here. */
  trace(session: number, frame: TraceFrame): void {
    const pending = this.traces.get(session) ?? { parts: [], count: 0, lost: 0 };
    const taken = Math.min(Math.max(0, MAX_QUEUED_EVENTS - pending.count), frame.count);
    if (taken > 0) pending.parts.push(frame.records.subarray(0, taken * TRACE_RECORD_STRIDE));
    pending.count += taken;
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
      session, count: p.count, records: join(p.parts, p.count * TRACE_RECORD_STRIDE), lost: p.lost, passed: this.passedOf(session), at,
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
    this.timer = setTimeout(() => {
      this.timer = null;
      // Timers keep a monotonic clock in whole ms, and Date.now() may be a ms behind it: never
      // send two frames closer than FRAME_MS by the clock that stamps them.
      if (Date.now() < this.lastFrame + FRAME_MS) this.schedule();
      else this.flush();
    }, wait);
  }
}

/**
 * The parts as one block of its own: one copy, which also keeps a structured clone (Electron IPC)
 * from copying the whole frame buffer a part is a view of.
 */
function join(parts: Uint8Array[], bytes: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
