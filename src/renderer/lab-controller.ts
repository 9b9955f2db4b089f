/**
 * The renderer's model of the lab, outside React: the helper's status, the
 * session on screen and its live data, fed by LiveEvents and call replies.
 * React reads one immutable snapshot (useSyncExternalStore); trace events go
 * straight into the session's mutable TraceStore, never into React state.
 */
import { parseLayout, type Layout } from '../shared/buckets.js';
import type { ErrorData } from '../shared/errors.js';
import type {
  HistogramSnapshot, LabStatus, LiveEvent, SessionInfo, StopResult, TraceBatch,
} from '../shared/lab-api.js';
import { RateMeter } from './rate.js';
import { TraceStore } from './trace-store.js';

export interface HistogramData {
  counts: readonly number[];
  total: number;
  missed: number;
  /** Events per second between the last two snapshots. */
  rate: number | null;
  snapshots: number;
  /** The exact counts read after the probe was detached. */
  final: boolean;
}

export interface Ending {
  result?: StopResult | undefined;
  error?: ErrorData | undefined;
}

export interface SessionView {
  info: SessionInfo;
  layout: Layout;
  histogram: HistogramData | null;
  trace: TraceStore | null;
  ended: Ending | null;
}

export interface LogLine {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
}

export interface LabState {
  status: LabStatus | null;
  session: SessionView | null;
  /** Set while a lab:start is in flight. */
  starting: boolean;
  log: readonly LogLine[];
  /** The latest warning or error, until the next status event shows the stream is working again. */
  notice: LogLine | null;
}

type Item =
  | { kind: 'histogram'; session: number; snapshot: HistogramSnapshot }
  | { kind: 'trace'; session: number; batch: TraceBatch }
  | { kind: 'ended'; session: number; ending: Ending };

const MAX_LOG = 200;
/** Live items kept for a session whose start reply has not arrived yet (about 10 s of frames). */
const MAX_EARLY = 600;

export class LabController {
  private state: LabState = { status: null, session: null, starting: false, log: [], notice: null };
  private readonly listeners = new Set<() => void>();
  /** While a start is in flight: items for a session we do not know yet, probably the new one. */
  private early: Item[] | null = null;
  private readonly endedIds = new Set<number>();
  private readonly histogramRate = new RateMeter(0);

  getState = (): LabState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  handle(event: LiveEvent): void {
    switch (event.type) {
      case 'status': return this.setStatus(event.status);
      case 'frame':
        for (const snapshot of event.histograms) this.route({ kind: 'histogram', session: snapshot.session, snapshot });
        for (const batch of event.traces) this.route({ kind: 'trace', session: batch.session, batch });
        return;
      case 'ended': return this.route({ kind: 'ended', session: event.session, ending: { result: event.result, error: event.error } });
      case 'log': return this.log(event.level, event.message);
    }
  }

  setStatus(status: LabStatus): void {
    const { session } = this.state;
    this.set({ status, notice: null });
    if (session && !session.ended && status.helper.state === 'stopped') {
      this.end(session.info.session, { error: status.helper.error });
    }
    // Show a session this window did not start (another window, or before a reload).
    const current = this.state.session;
    if (this.early === null && (!current || current.ended)) {
      const other = status.sessions.find((s) => !this.endedIds.has(s.session) && s.session !== current?.info.session);
      if (other) this.show(other);
    }
  }

  /** A start is on its way: hold on to live data for sessions not known yet. */
  beginStart(): void {
    this.early = [];
    this.set({ starting: true });
  }

  started(info: SessionInfo): void {
    const early = this.early ?? [];
    this.early = null;
    this.set({ starting: false });
    this.show(info);
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
    const line = { level, message };
    const notice = level === 'error' || level === 'warn' ? line : this.state.notice;
    this.set({ log: [...this.state.log.slice(-(MAX_LOG - 1)), line], notice });
  }

  private show(info: SessionInfo): void {
    let layout: Layout;
    try {
      layout = parseLayout(info.layout);
    } catch {
      layout = { kind: 'seed' };
    }
    this.histogramRate.reset();
    const histogram = info.mode === 'stat'
      ? { counts: [], total: 0, missed: 0, rate: null, snapshots: 0, final: false } : null;
    this.set({ session: { info, layout, histogram, trace: info.mode === 'trace' ? new TraceStore() : null, ended: null } });
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
      if (!session.ended) session.trace?.append(item.batch);
    } else if (item.kind === 'histogram') {
      if (session.ended || !session.histogram) return;
      const { counts, total, missed, at } = item.snapshot;
      this.histogramRate.add(total, at);
      const histogram = { counts, total, missed, rate: this.histogramRate.rate(), snapshots: session.histogram.snapshots + 1, final: false };
      this.set({ session: { ...session, histogram } });
    } else {
      this.finish(session, item.ending);
    }
  }

  private finish(session: SessionView, ending: Ending): void {
    this.endedIds.add(session.info.session);
    const previous = session.ended;
    // The final result is the last word: later endings (the stop reply after the event) add nothing.
    if (previous?.result) return;
    const final = ending.result?.histogram;
    // Over: no rate any more, and the exact final counts (when there are some) replace the last snapshot.
    const histogram = session.histogram && {
      ...session.histogram,
      rate: null,
      ...(final ? { counts: final.counts, total: final.total, missed: final.missed, final: true } : {}),
    };
    session.trace?.finish(ending.result?.trace);
    const ended = { result: ending.result ?? previous?.result, error: ending.error ?? previous?.error };
    this.set({ session: { ...session, histogram, ended } });
  }

  private set(patch: Partial<LabState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }
}
