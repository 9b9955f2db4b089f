/**
 * The app's backend, with no Electron in it: the helper (through HelperLifecycle, which owns
 * every helper process), the running sessions, and the live stream. Both
 * Electron main (IPC) and `bpf-lab serve` (HTTP) drive it through handle().
 * Session ids are the service's own, unique across helper restarts, and the
 * helper runs each session under the same id; pushes are believed only from
 * the current helper, and are coalesced by LiveFrames.
 */
import { LabError } from '../shared/errors.js';
import type {
  Channel, ChannelReply, ChannelRequestParsed, HelperState, LabStatus, LiveEvent, SessionInfo, StopResult,
} from '../shared/lab-api.js';
import type { Inspection } from '../shared/inspect.js';
import type { Push, Result } from '../shared/protocol.js';
import { HelperClient, type SessionPush } from './helper-client.js';
import { type Launch } from './launch.js';
import { HelperLifecycle, type StartHelper } from './helper-lifecycle.js';
import { LiveFrames } from './live-frames.js';

interface Running {
  info: SessionInfo;
  helper: HelperClient;
  /** Its inspection, once asked for. */
  inspection?: Promise<Inspection> | undefined;
}

export interface LabServiceOptions {
  launch: Launch;
  /** How a helper is started; tests pass their own. */
  startHelper?: StartHelper;
}

export class LabService {
  private state: HelperState;
  private readonly lifecycle: HelperLifecycle;
  private readonly sessions = new Map<number, Running>();
  private readonly listeners = new Set<(event: LiveEvent) => void>();
  private readonly frames = new LiveFrames((frame) => this.emit(frame));
  private nextSession = 1;
  /** The probes requests in flight, by refresh, which later callers share (a trial costs the helper real loads). */
  private readonly probes = new Map<boolean, { helper: HelperClient; result: Promise<Result<'probes'>> }>();

  constructor(options: LabServiceOptions) {
    this.state = { state: 'starting', privilege: options.launch.via === 'pkexec' ? 'pkexec' : 'root' };
    this.lifecycle = new HelperLifecycle(options.launch, options.startHelper ?? ((launch, signal) => HelperClient.start(launch, undefined, signal)), {
      state: (state) => this.setState(state),
      ready: (helper) => {
        helper.onPush((push) => { if (push.type === 'log' && this.lifecycle.helper === helper) this.log(push); });
      },
      ended: (_helper, error) => this.endAll(error),
    });
  }

  /** Starts the helper unless it is ready or on its way. Never rejects: failure is a state. */
  start(): Promise<void> {
    return this.lifecycle.start();
  }

  status(): LabStatus {
    return { helper: this.state, sessions: [...this.sessions.values()].map((s) => s.info) };
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
      case 'lab:probes': return await this.probeStatuses((request as ChannelRequestParsed<'lab:probes'>).refresh === true) as R;
      case 'lab:start': return await this.startSession(request as ChannelRequestParsed<'lab:start'>) as R;
      case 'lab:stop': return await this.stopSession((request as ChannelRequestParsed<'lab:stop'>).session) as R;
      case 'lab:restart': return await this.lifecycle.restart().then(() => this.status()) as R;
      case 'lab:inspect': return await this.inspection((request as ChannelRequestParsed<'lab:inspect'>).session) as R;
      case 'lab:sample': {
        const session = (request as ChannelRequestParsed<'lab:sample'>).session;
        return await this.running(session).helper.request('sample', { session }) as R;
      }
      case 'lab:lesson': return await this.ready().request('lesson', request as ChannelRequestParsed<'lab:lesson'>) as R;
    }
    throw new LabError('bad-request', `unknown channel ${String(channel)}`);
  }

  /** Closes every helper this service started, which detaches everything; for app exit. */
  async dispose(): Promise<void> {
    this.listeners.clear();
    this.frames.dispose();
    await this.lifecycle.dispose();
  }

  /** How many helper processes are running (one when ready; more only while a restart closes the old one). */
  get helpersRunning(): number {
    return this.lifecycle.running;
  }

  private ready(): HelperClient {
    const helper = this.lifecycle.helper;
    if (helper && this.state.state === 'ready') return helper;
    if (this.state.state === 'stopped') throw LabError.fromData(this.state.error);
    throw new LabError('disconnected', 'The helper is still starting; try again in a moment.');
  }

  /**
   * Callers that ask while a probes request of the same kind (kept answer, or refresh) is in
   * flight share its answer, so a queue of them costs one.
   */
  private probeStatuses(refresh: boolean): Promise<Result<'probes'>> {
    const helper = this.ready();
    const shared = this.probes.get(refresh);
    if (shared?.helper === helper) return shared.result;
    const mine = { helper, result: helper.request('probes', { refresh }) };
    this.probes.set(refresh, mine);
    const done = (): void => { if (this.probes.get(refresh) === mine) this.probes.delete(refresh); };
    mine.result.then(done, done);
    return mine.result;
  }

  /** A session's inspection, asked of the helper once and shared by every window that asks (it costs a decode). */
  private inspection(session: number): Promise<Inspection> {
    const running = this.running(session);
    if (!running.inspection) {
      running.inspection = running.helper.request('inspect', { session });
      running.inspection.catch(() => { running.inspection = undefined; }); // a failure may be tried again
    }
    return running.inspection;
  }

  /** One of our running sessions, with the helper that runs it (under the same id). */
  private running(session: number): Running {
    const running = this.sessions.get(session);
    if (!running) throw new LabError('no-session', `No session ${session} is running.`);
    return running;
  }

  private endAll(error: LabError): void {
    this.frames.flush();
    for (const session of [...this.sessions.keys()]) this.forget(session, { error: error.toData() });
  }

  private async startSession(request: ChannelRequestParsed<'lab:start'>): Promise<SessionInfo> {
    const helper = this.ready();
    const session = this.nextSession++;
    // The app is a lab: every session keeps what its Inside view shows (cost, verifier log, bpf() calls).
    const params = {
      mode: request.mode, probe: request.probe, layout: request.layout, intervalMs: request.intervalMs,
      stats: true, verifierLog: true, calls: true,
      ...(request.pid === undefined ? {} : { pid: request.pid }),
    };
    // Known here as the reply is read, so its first pushes (which may come in the same read) are its own.
    await helper.startSession(session, params, (started) => {
      // Restarted while this start was on its way: the old helper's session is not shown (it is closing).
      if (this.lifecycle.helper !== helper) return () => undefined;
      const info: SessionInfo = {
        session, mode: started.mode, probe: started.probe, via: started.via, layout: started.layout,
        intervalMs: request.intervalMs, notices: started.notices, startedAt: Date.now(),
        ...(request.pid === undefined ? {} : { pid: request.pid }),
      };
      this.sessions.set(session, { info, helper });
      this.emit({ type: 'status', status: this.status() });
      return (push) => { if (this.lifecycle.helper === helper && this.sessions.has(session)) this.receive(session, info.mode, push); };
    });
    const running = this.sessions.get(session);
    if (!running || this.lifecycle.helper !== helper) throw new LabError('disconnected', 'The helper was restarted while the session started.');
    return running.info;
  }

  private async stopSession(session: number): Promise<StopResult> {
    const running = this.sessions.get(session);
    if (!running) throw new LabError('no-session', `No session ${session} is running.`);
    let result: StopResult;
    try {
      result = await running.helper.request('stop', { session });
    } catch (e) {
      // The helper forgets a session before it stops it, so a failed stop ends it here too.
      if (this.sessions.has(session)) this.forget(session, { error: LabError.toData(e) });
      throw e;
    }
    this.frames.flush();
    const ours = { ...result, session };
    this.forget(session, { result: ours });
    return ours;
  }

  private forget(session: number, end: Pick<Extract<LiveEvent, { type: 'ended' }>, 'result' | 'error'>): void {
    const running = this.sessions.get(session);
    this.sessions.delete(session);
    const passed = this.frames.passedOf(session);
    this.frames.forget(session);
    this.emit({ type: 'ended', session, ...end, ...(running?.info.mode === 'trace' ? { passed } : {}) });
    this.emit({ type: 'status', status: this.status() });
  }

  private log(push: Extract<Push, { type: 'log' }>): void {
    if (push.level === 'error' || push.level === 'warn') this.emit({ type: 'log', level: push.level, message: push.message });
  }

  private receive(session: number, mode: SessionInfo['mode'], push: SessionPush): void {
    // Each kind of push only for a session of its mode: a confused helper cannot mix them.
    if (push.type === 'histogram' && mode === 'stat') this.frames.histogram(session, push);
    else if (push.type === 'trace' && mode === 'trace') this.frames.trace(session, push);
  }

  private setState(state: HelperState): void {
    if (JSON.stringify(state) === JSON.stringify(this.state)) return;
    this.state = state;
    this.emit({ type: 'status', status: this.status() });
  }

  private emit(event: LiveEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // One broken subscriber (a closed window) must not starve the others.
      }
    }
  }
}
