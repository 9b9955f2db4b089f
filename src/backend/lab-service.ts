/**
 * The app's backend, with no Electron in it: owns the one helper (start,
 * notice its death, restart), the running sessions, and the live stream. Both
 * Electron main (IPC) and `bpf-lab serve` (HTTP) drive it through handle().
 * Session ids are the service's own, unique across helper restarts; pushes
 * are believed only from the current helper, and are coalesced by LiveFrames.
 */
import { LabError } from '../shared/errors.js';
import type {
  Channel, ChannelReply, ChannelRequestParsed, HelperState, LabStatus, LiveEvent, PrivilegeMode, SessionInfo, StopResult,
} from '../shared/lab-api.js';
import type { Push } from '../shared/protocol.js';
import { HelperClient, type Launch } from './helper-client.js';
import { LiveFrames } from './live-frames.js';

/** Pushes kept while a start is in flight, for a session the helper announced before its reply arrived. */
const MAX_EARLY_PUSHES = 256;

interface Running {
  info: SessionInfo;
  helper: HelperClient;
  /** The helper's own id for the session. */
  remote: number;
}

export interface LabServiceOptions {
  launch: Launch;
  /** How a helper is started; tests pass their own. */
  startHelper?: (launch: Launch) => Promise<HelperClient>;
}

export class LabService {
  private helper: HelperClient | null = null;
  private state: HelperState;
  private readonly sessions = new Map<number, Running>();
  /** The current helper's session ids → ours. */
  private readonly byRemote = new Map<number, number>();
  private readonly listeners = new Set<(event: LiveEvent) => void>();
  private readonly frames = new LiveFrames((frame) => this.emit(frame));
  private early: Push[] = [];
  private startsInFlight = 0;
  private nextSession = 1;
  private starting: Promise<void> | null = null;
  private disposed = false;
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
      case 'lab:probes': return await this.ready().request('probes', {}) as R;
      case 'lab:start': return await this.startSession(request as ChannelRequestParsed<'lab:start'>) as R;
      case 'lab:stop': return await this.stopSession((request as ChannelRequestParsed<'lab:stop'>).session) as R;
      case 'lab:restart': return await this.restart() as R;
    }
    throw new LabError('bad-request', `unknown channel ${String(channel)}`);
  }

  /** Stops the helper, which detaches everything; for app exit. A start in flight is waited for and closed too. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.listeners.clear();
    this.frames.dispose();
    await this.starting;
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
    let helper: HelperClient;
    try {
      helper = await this.startHelper(this.options.launch);
    } catch (e) {
      this.setState({ state: 'stopped', privilege: this.privilege, error: LabError.toData(e) });
      return;
    }
    if (this.disposed) {
      await helper.close();
      return;
    }
    const info = helper.info!;
    this.helper = helper;
    this.byRemote.clear();
    helper.onPush((push) => { if (this.helper === helper) this.receive(push); });
    void helper.ended.then((error) => this.lost(helper, error));
    this.setState({ state: 'ready', privilege: this.privilege, version: info.version, kernel: info.kernel });
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

  /** The helper died or broke the protocol: every session ends with its reason, and it is told to go. */
  private lost(helper: HelperClient, error: LabError): void {
    if (this.helper !== helper) return;
    this.helper = null;
    void helper.close();
    this.endAll(error);
    this.setState({ state: 'stopped', privilege: this.privilege, error: error.toData() });
  }

  private endAll(error: LabError): void {
    this.frames.flush();
    for (const session of [...this.sessions.keys()]) this.forget(session, { error: error.toData() });
  }

  private async startSession(request: ChannelRequestParsed<'lab:start'>): Promise<SessionInfo> {
    const helper = this.ready();
    this.startsInFlight++;
    try {
      const started = await helper.request('start', {
        mode: request.mode, probe: request.probe, layout: request.layout, intervalMs: request.intervalMs,
        ...(request.pid === undefined ? {} : { pid: request.pid }),
      });
      if (this.helper !== helper) throw new LabError('disconnected', 'The helper was restarted while the session started.');
      const info: SessionInfo = {
        session: this.nextSession++, mode: started.mode, probe: started.probe, via: started.via, layout: started.layout,
        intervalMs: request.intervalMs, notices: started.notices, startedAt: Date.now(),
        ...(request.pid === undefined ? {} : { pid: request.pid }),
      };
      this.sessions.set(info.session, { info, helper, remote: started.session });
      this.byRemote.set(started.session, info.session);
      this.emit({ type: 'status', status: this.status() });
      // Pushes that came in the same read as the reply, before the session was known here.
      const early = this.early.filter((p) => p.type !== 'log' && p.session === started.session);
      early.forEach((p) => this.receive(p));
      return info;
    } finally {
      if (--this.startsInFlight === 0) this.early = [];
    }
  }

  private async stopSession(session: number): Promise<StopResult> {
    const running = this.sessions.get(session);
    if (!running) throw new LabError('no-session', `No session ${session} is running.`);
    let result: StopResult;
    try {
      result = await running.helper.request('stop', { session: running.remote });
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
    if (running && this.byRemote.get(running.remote) === session) this.byRemote.delete(running.remote);
    this.sessions.delete(session);
    const passed = this.frames.passedOf(session);
    this.frames.forget(session);
    this.emit({ type: 'ended', session, ...end, ...(running?.info.mode === 'trace' ? { passed } : {}) });
    this.emit({ type: 'status', status: this.status() });
  }

  private receive(push: Push): void {
    if (push.type === 'log') {
      if (push.level === 'error' || push.level === 'warn') this.emit({ type: 'log', level: push.level, message: push.message });
      return;
    }
    const session = this.byRemote.get(push.session);
    if (session === undefined) {
      if (this.startsInFlight > 0 && this.early.length < MAX_EARLY_PUSHES) this.early.push(push);
      return;
    }
    if (push.type === 'histogram') this.frames.histogram(session, push);
    else this.frames.trace(session, push.events, push.lost);
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
