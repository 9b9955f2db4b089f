/**
 * The app's backend, with no Electron in it: owns the one helper (start,
 * notice its death, restart), the running sessions, and the live stream. Both
 * Electron main (IPC) and `bpf-lab serve` (HTTP) drive it through handle().
 * Helper pushes are coalesced into at most LIVE_FRAMES_PER_SECOND frames a
 * second, and the queue of trace events waiting for a frame is bounded.
 */
import { LabError } from '../shared/errors.js';
import {
  LIVE_FRAMES_PER_SECOND, type Channel, type ChannelReply, type ChannelRequestParsed, type HelperState,
  type HistogramSnapshot, type LabStatus, type LiveEvent, type PrivilegeMode, type SessionInfo, type TraceBatch,
} from '../shared/lab-api.js';
import type { Push, TraceEvent } from '../shared/protocol.js';
import { HelperClient, type Launch } from './helper-client.js';

/** The most trace events one session may have waiting for the next frame; the rest are counted as dropped. */
export const MAX_QUEUED_EVENTS = 50_000;
const FRAME_MS = Math.ceil(1000 / LIVE_FRAMES_PER_SECOND);

interface Pending {
  events: TraceEvent[];
  lost: number;
}

export interface LabServiceOptions {
  launch: Launch;
  /** How a helper is started; tests pass their own. */
  startHelper?: (launch: Launch) => Promise<HelperClient>;
}

export class LabService {
  private helper: HelperClient | null = null;
  private state: HelperState;
  private readonly sessions = new Map<number, SessionInfo>();
  private readonly listeners = new Set<(event: LiveEvent) => void>();
  private readonly histograms = new Map<number, HistogramSnapshot>();
  private readonly traces = new Map<number, Pending>();
  private readonly dropped = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  private lastFrame = 0;
  private starting: Promise<void> | null = null;
  private readonly privilege: PrivilegeMode;
  private readonly startHelper: (launch: Launch) => Promise<HelperClient>;

  constructor(private readonly options: LabServiceOptions) {
    this.privilege = options.launch.via === 'pkexec' ? 'pkexec' : 'root';
    this.state = { state: 'starting', privilege: this.privilege };
    this.startHelper = options.startHelper ?? ((launch) => HelperClient.start(launch));
  }

  /** Starts the helper (once; later calls wait for the same start). Never rejects: failure is a state. */
  start(): Promise<void> {
    this.starting ??= this.launch().finally(() => { this.starting = null; });
    return this.starting;
  }

  status(): LabStatus {
    return { helper: this.state, sessions: [...this.sessions.values()] };
  }

  /** Live events for one subscriber, starting with the current status; returns the unsubscribe function. */
  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.listeners.add(listener);
    listener({ type: 'status', status: this.status() });
    return () => this.listeners.delete(listener);
  }

  /** One validated call from a client. */
  async handle<C extends Channel>(channel: C, request: ChannelRequestParsed<C>): Promise<ChannelReply<C>> {
    type R = ChannelReply<C>;
    switch (channel) {
      case 'lab:status': return this.status() as R;
      case 'lab:probes': return await this.ready().request('probes', {}) as R;
      case 'lab:start': return await this.startSession(request as ChannelRequestParsed<'lab:start'>) as R;
      case 'lab:stop': return await this.stopSession((request as ChannelRequestParsed<'lab:stop'>).session) as R;
      case 'lab:restart': return await this.restart() as R;
    }
    throw new LabError('bad-request', `unknown channel ${String(channel)}`);
  }

  /** Stops every session and the helper; for app exit. */
  async dispose(): Promise<void> {
    this.listeners.clear();
    if (this.timer) clearTimeout(this.timer);
    const helper = this.helper;
    this.helper = null;
    await helper?.close();
  }

  private ready(): HelperClient {
    if (this.helper && this.state.state === 'ready') return this.helper;
    if (this.state.state === 'stopped') throw LabError.fromData(this.state.error);
    throw new LabError('disconnected', 'The helper is still starting; try again in a moment.');
  }

  private async launch(): Promise<void> {
    this.setState({ state: 'starting', privilege: this.privilege });
    try {
      const helper = await this.startHelper(this.options.launch);
      const info = helper.info!;
      this.helper = helper;
      helper.onPush((push) => this.receive(push));
      void helper.ended.then((error) => this.lost(helper, error));
      this.setState({ state: 'ready', privilege: this.privilege, version: info.version, kernel: info.kernel });
    } catch (e) {
      this.setState({ state: 'stopped', privilege: this.privilege, error: LabError.toData(e) });
    }
  }

  private async restart(): Promise<LabStatus> {
    const old = this.helper;
    this.helper = null;
    if (old) {
      this.endAll(new LabError('disconnected', 'The helper was restarted.'));
      await old.close();
    }
    await this.start();
    return this.status();
  }

  /** The helper died or broke the protocol: every session ends with its reason. */
  private lost(helper: HelperClient, error: LabError): void {
    if (this.helper !== helper) return;
    this.helper = null;
    this.endAll(error);
    this.setState({ state: 'stopped', privilege: this.privilege, error: error.toData() });
  }

  private endAll(error: LabError): void {
    this.flush();
    for (const session of [...this.sessions.keys()]) this.forget(session, { error: error.toData() });
  }

  private async startSession(request: ChannelRequestParsed<'lab:start'>): Promise<SessionInfo> {
    const started = await this.ready().request('start', {
      mode: request.mode, probe: request.probe, layout: request.layout, intervalMs: request.intervalMs,
      ...(request.pid === undefined ? {} : { pid: request.pid }),
    });
    const info: SessionInfo = {
      session: started.session, mode: started.mode, probe: started.probe, via: started.via, layout: started.layout,
      intervalMs: request.intervalMs, notices: started.notices, startedAt: Date.now(),
      ...(request.pid === undefined ? {} : { pid: request.pid }),
    };
    this.sessions.set(info.session, info);
    this.emit({ type: 'status', status: this.status() });
    return info;
  }

  private async stopSession(session: number): Promise<ChannelReply<'lab:stop'>> {
    if (!this.sessions.has(session)) throw new LabError('no-session', `No session ${session} is running.`);
    const result = await this.ready().request('stop', { session });
    this.flush();
    this.forget(session, { result });
    return result;
  }

  private forget(session: number, end: { result?: ChannelReply<'lab:stop'>; error?: LiveEventError }): void {
    this.sessions.delete(session);
    this.histograms.delete(session);
    this.traces.delete(session);
    this.dropped.delete(session);
    this.emit({ type: 'ended', session, ...end });
    this.emit({ type: 'status', status: this.status() });
  }

  private receive(push: Push): void {
    if (push.type === 'log') {
      if (push.level === 'error' || push.level === 'warn') this.emit({ type: 'log', level: push.level, message: push.message });
      return;
    }
    if (!this.sessions.has(push.session)) return;
    if (push.type === 'histogram') {
      this.histograms.set(push.session, {
        session: push.session, counts: push.counts, total: push.total, missed: push.missed, at: Date.now(),
      });
    } else {
      const pending = this.traces.get(push.session) ?? { events: [], lost: 0 };
      const room = Math.max(0, MAX_QUEUED_EVENTS - pending.events.length);
      for (let i = 0; i < Math.min(room, push.events.length); i++) pending.events.push(push.events[i]!);
      if (push.events.length > room) {
        this.dropped.set(push.session, (this.dropped.get(push.session) ?? 0) + push.events.length - room);
      }
      pending.lost = push.lost;
      this.traces.set(push.session, pending);
    }
    this.schedule();
  }

  /** Sends a frame now if the last one is old enough, else once it is. */
  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastFrame + FRAME_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, wait);
  }

  private flush(): void {
    if (this.histograms.size === 0 && this.traces.size === 0) return;
    const at = Date.now();
    const traces: TraceBatch[] = [...this.traces].map(([session, p]) => ({
      session, events: p.events, lost: p.lost, dropped: this.dropped.get(session) ?? 0, at,
    }));
    const histograms = [...this.histograms.values()];
    this.histograms.clear();
    this.traces.clear();
    this.lastFrame = at;
    this.emit({ type: 'frame', histograms, traces });
  }

  private setState(state: HelperState): void {
    if (JSON.stringify(state) === JSON.stringify(this.state)) return;
    this.state = state;
    this.emit({ type: 'status', status: this.status() });
  }

  private emit(event: LiveEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

type LiveEventError = Extract<LiveEvent, { type: 'ended' }>['error'];
