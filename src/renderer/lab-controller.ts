/**
 * The renderer's model of the lab, outside React: the helper's status, the
 * session on screen and its live data, fed by LiveEvents and call replies.
 * React reads one immutable snapshot (useSyncExternalStore); trace events go
 * straight into the session's mutable TraceStore, never into React state.
 */
import { cpuPercent } from './cost.js';
import { parseLayout, type Layout } from '../shared/buckets.js';
import type { HistogramSnapshot, LabStatus, LiveEvent, SessionInfo, TraceBatch } from '../shared/lab-api.js';
import { isRetryingNotice } from './connection-notices.js';
import type { Ending, LabState, LogLine, SessionView } from './lab-state.js';
import { RateMeter } from './rate.js';
import { TraceStore } from './trace-store.js';

export type { Ending, HistogramData, LabState, LogLine, SessionView } from './lab-state.js';

type Item =
  | { kind: 'histogram'; session: number; snapshot: HistogramSnapshot }
  | { kind: 'trace'; session: number; batch: TraceBatch }
  | { kind: 'ended'; session: number; ending: Ending };

const MAX_LOG = 200;
/** Live items kept for a session whose start reply has not arrived yet (about 10 s of frames). */
const MAX_EARLY = 600;
/** Shown for a session that was running when the stream dropped and was gone when it came back. */
export const ENDED_WHILE_DISCONNECTED = 'Ended while disconnected: this page missed its end, so the counts shown '
  + 'are the last ones received, not the final ones.';

export class LabController {
  private state: LabState = { status: null, session: null, starting: false, log: [], notice: null };
  private readonly listeners = new Set<() => void>();
  /** While a start is in flight: items for a session we do not know yet, probably the new one. */
  private early: Item[] | null = null;
  private readonly endedIds = new Set<number>();
  private readonly histogramRate = new RateMeter(0);
  private nextLogId = 1;
  /** A status has come over the live stream: the first lab:status reply may be older than it. */
  private liveStatusSeen = false;
  /** The transport said the stream dropped; the next status is the reconnect's. */
  private reconnecting = false;

  getState = (): LabState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  handle(event: LiveEvent): void {
    switch (event.type) {
      case 'status':
        this.liveStatusSeen = true;
        return this.setStatus(event.status);
      case 'frame':
        for (const snapshot of event.histograms) this.route({ kind: 'histogram', session: snapshot.session, snapshot });
        for (const batch of event.traces) this.route({ kind: 'trace', session: batch.session, batch });
        return;
      case 'ended': return this.route({ kind: 'ended', session: event.session, ending: { result: event.result, error: event.error, passed: event.passed } });
      case 'log': return this.log(event.level, event.message);
    }
  }

  /** The reply to the first lab:status; the live stream's own status (sent first on subscribe) wins if it came sooner. */
  initialStatus(status: LabStatus): void {
    if (!this.liveStatusSeen) this.setStatus(status);
  }

  setStatus(status: LabStatus): void {
    const { session } = this.state;
    // A status proves the stream works: the transport's own "lost" notice is over; other warnings stay.
    const notice = this.state.notice && isRetryingNotice(this.state.notice.message) ? null : this.state.notice;
    this.set({ status, notice });
    const live = session && !session.ended ? session : null;
    if (live && status.helper.state === 'stopped') {
      this.end(live.info.session, { error: status.helper.error });
    } else if (live && this.reconnecting && this.early === null
      && !status.sessions.some((s) => s.session === live.info.session)) {
      // Back after an outage, and the session we showed as running is gone.
      this.end(live.info.session, { note: ENDED_WHILE_DISCONNECTED });
    }
    this.reconnecting = false;
    // Show a session this window did not start (another window, or before a reload).
    const current = this.state.session;
    if (this.early === null && (!current || current.ended)) {
      const other = status.sessions.find((s) => !this.endedIds.has(s.session) && s.session !== current?.info.session);
      if (other) this.show(other, false);
    }
  }

  /** A start is on its way: hold on to live data for sessions not known yet; older warnings are stale now. */
  beginStart(): void {
    this.early = [];
    const { notice } = this.state;
    this.set({ starting: true, notice: notice && isRetryingNotice(notice.message) ? notice : null });
  }

  started(info: SessionInfo): void {
    const early = this.early ?? [];
    this.early = null;
    this.set({ starting: false });
    this.show(info, true);
    for (const item of early) if (item.session === info.session) this.route(item);
  }

  startFailed(): void {
    this.early = null;
    this.set({ starting: false });
  }

  /** A session is over, from the ended event or the lab:stop reply, whichever comes first. */
  end(session: number, ending: Ending): void {
    this.route({ kind: 'ended', session, ending });
  }

  log(level: LogLine['level'], message: string): void {
    const line = { id: this.nextLogId++, level, message };
    if (isRetryingNotice(message)) this.reconnecting = true;
    const notice = level === 'error' || level === 'warn' ? line : this.state.notice;
    this.set({ log: [...this.state.log.slice(-(MAX_LOG - 1)), line], notice });
  }

  /** fromStart: this window started the session, so it has seen it from its first event. */
  private show(info: SessionInfo, fromStart: boolean): void {
    let layout: Layout;
    try {
      layout = parseLayout(info.layout);
    } catch {
      layout = { kind: 'seed' };
    }
    this.histogramRate.reset();
    // Snapshots count from the start, so the first one's rate is measured from there.
    if (info.mode === 'stat') this.histogramRate.add(0, info.startedAt);
    const histogram = info.mode === 'stat'
      ? { counts: [], total: 0, missed: 0, rate: null, snapshots: 0, final: false, cost: null, cpuPercent: null } : null;
    this.set({ session: { info, layout, histogram, trace: info.mode === 'trace' ? new TraceStore({ fromStart }) : null, ended: null } });
  }

  private route(item: Item): void {
    const session = this.state.session;
    if (!session || session.info.session !== item.session) {
      if (this.early && !this.endedIds.has(item.session)) {
        this.early.push(item);
        if (this.early.length > MAX_EARLY) this.early.shift();
      }
      if (item.kind === 'ended') this.endedIds.add(item.session);
      return;
    }
    if (item.kind === 'trace') {
      // Even after the end: in a browser the stop reply can overtake the stream's last batches,
      // and received + dropped + not received must still add up to the helper's final count.
      session.trace?.append(item.batch);
    } else if (item.kind === 'histogram') {
      this.snapshot(session, item.snapshot);
    } else {
      this.finish(session, item.ending);
    }
  }

  private snapshot(session: SessionView, snapshot: HistogramSnapshot): void {
    const previous = session.histogram;
    // A late snapshot may still improve on the last one, but never replaces the exact final counts.
    if (!previous || previous.final) return;
    const { counts, total, missed, at } = snapshot;
    let rate: number | null = null;
    if (!session.ended) {
      this.histogramRate.add(total, at);
      rate = this.histogramRate.rate();
    }
    const cost = snapshot.cost ? { cost: snapshot.cost, at } : null;
    const cpu = cost ? cpuPercent(previous.cost, cost) : null;
    const histogram = {
      counts, total, missed, rate, snapshots: previous.snapshots + 1, final: false, cost, cpuPercent: cpu ?? previous.cpuPercent,
    };
    this.set({ session: { ...session, histogram } });
  }

  private finish(session: SessionView, ending: Ending): void {
    this.endedIds.add(session.info.session);
    const previous = session.ended;
    // Whichever comes first, the ended event's count of what reached the backend is the last word on drops.
    if (ending.passed !== undefined) session.trace?.settlePassed(ending.passed);
    // The final result is the last word: later endings (the stop reply after the event) add nothing.
    if (previous?.result) return;
    const final = ending.result?.histogram;
    // Over: no rate any more, and the exact final counts (when there are some) replace the last snapshot.
    const histogram = session.histogram && {
      ...session.histogram,
      rate: null,
      cpuPercent: null,
      ...(final ? { counts: final.counts, total: final.total, missed: final.missed, final: true } : {}),
    };
    session.trace?.finish(ending.result?.trace);
    const result = ending.result ?? previous?.result;
    const ended = {
      result, error: ending.error ?? previous?.error, note: result ? undefined : ending.note ?? previous?.note,
    };
    this.set({ session: { ...session, histogram, ended } });
  }

  private set(patch: Partial<LabState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }
}
