/**
 * The helper's request loop over stdio. Every frame is validated; anything
 * malformed gets an error reply, never a crash. Sessions are owned here and
 * released on stop, on stdin close, on signals and on fatal errors alike.
 */
import { LabError } from '../src/shared/errors.js';
import { encodeFrame, FrameDecoder, FrameTooLarge } from '../src/shared/framing.js';
import {
  describeIssue, MAX_FRAME_BYTES, MAX_SESSIONS, PROTOCOL_VERSION, requestSchema,
  type Push, type Request, type Result,
} from '../src/shared/protocol.js';
import { targetOf } from './attach.js';
import { CallerPolicy, OWN_PROCESSES_NOTICE } from './caller.js';
import { HistSession } from './hist-session.js';
import { classicLesson } from './classic-lesson.js';
import { inspect, sample } from './inspect.js';
import type { Kernel } from './kernel.js';
import { forOwnProcesses, kernelInfo, probeStatuses } from './probe-status.js';
import type { Session } from './session.js';
import { keepable, probeCacheKey, type ProbeCache } from './probe-cache.js';
import { RingWaiter } from './ring-waiter.js';
import { TraceSession } from './trace-session.js';
import { LoadBudget } from './load-budget.js';
import { LESSON_LOADS, PROBE_TRIAL_LOADS, startLoads, WorkBudget } from './work-budget.js';
import { CATALOG } from './catalog.js';

/**
 * How long a trial of the probes is reused, even for a refresh. Each trial loads and attaches
 * every catalog probe (about a second here), so a queue of refreshes would hold up a stop behind
 * it; requests that come within this time of the last trial get its answer.
 */
export const PROBES_FRESH_MS = 2000;

/** Above this many unsent bytes, droppable pushes are refused (and counted by their session). */
const STDOUT_HIGH_WATER = 8 << 20;

export interface Transport {
  write(bytes: Uint8Array): void;
  /** Bytes written but not yet taken by the reader. */
  backlog(): number;
}

export class Server {
  private readonly sessions = new Map<number, Session>();
  private readonly decoder = new FrameDecoder(MAX_FRAME_BYTES);
  private probes: { at: number; result: Result<'probes'>; keep: boolean } | null = null;
  private lessonRunning = false;
  /** What a caller who is not root may load per window (work-budget.ts). */
  private readonly budget: LoadBudget;
  /** Waits for every trace session's ring buffer; made with the first trace session. */
  private waiter: RingWaiter | null = null;

  constructor(
    private readonly kernel: Kernel,
    private readonly out: Transport,
    private readonly version: string,
    /** What a caller that is not root may not start (helper/caller.ts). */
    private readonly policy: CallerPolicy = new CallerPolicy(null),
    /** Where the probes answer is kept for the boot (the real helpers'); none in tests of fake kernels. */
    private readonly probeCache: ProbeCache | null = null,
  ) {
    this.budget = new LoadBudget(new WorkBudget(!policy.root), !policy.root,
      (what, loads, used) => this.log('debug', `budget: ${what} charged ${loads} program loads; ${used} in the last 10 s`));
  }

  /** Feeds bytes from stdin; replies go out through the transport. */
  receive(chunk: Uint8Array): void {
    for (const frame of this.decoder.push(chunk)) {
      if (!frame.ok) {
        this.replyError(null, new LabError('bad-request', frame.error));
        continue;
      }
      if (!('message' in frame)) {
        this.replyError(null, new LabError('bad-request', 'a request is JSON: binary frames only go from the helper to its client'));
        continue;
      }
      this.handle(frame.message);
    }
  }

  private handle(message: unknown): void {
    const parsed = requestSchema.safeParse(message);
    if (!parsed.success) {
      const id = typeof message === 'object' && message !== null && 'id' in message
        && Number.isSafeInteger(message.id) && (message.id as number) > 0 ? message.id as number : null;
      this.replyError(id, new LabError('bad-request', describeIssue(parsed.error)));
      return;
    }
    const request = parsed.data;
    if (request.method === 'lesson') {
      this.lesson(request.id, request.params);
      return;
    }
    try {
      const result = this.dispatch(request);
      if (!this.send({ v: PROTOCOL_VERSION, type: 'response', id: request.id, result }) && request.method === 'start') {
        // The client was told the start failed: the session must not stay attached behind its back.
        const session = (result as Result<'start'>).session;
        this.sessions.get(session)?.dispose();
        this.sessions.delete(session);
      }
    } catch (e) {
      this.replyError(request.id, e);
    }
  }

  /** The classic BPF lesson waits for its packets to arrive, so it answers later; one at a time. */
  private lesson(id: number, params: Extract<Request, { method: 'lesson' }>['params']): void {
    if (this.lessonRunning) {
      this.replyError(id, new LabError('busy', 'a classic BPF lesson is already running; wait for its result'));
      return;
    }
    try {
      this.budget.charge(LESSON_LOADS, 'the lesson');
    } catch (e) {
      this.replyError(id, e);
      return;
    }
    this.lessonRunning = true;
    classicLesson(params).then((result) => this.send({ v: PROTOCOL_VERSION, type: 'response', id, result }),
      (e: unknown) => this.replyError(id, e)).finally(() => {
      this.lessonRunning = false;
    });
  }

  /**
   * The answer kept for this boot unless refresh is asked for; a refresh within PROBES_FRESH_MS
   * of the last trial reuses it, so that no caller can keep the helper loading programs. An
   * answer that may be kept but could not be written is kept by this helper for its life; one
   * with a failed load or attach in it (which may pass) only for PROBES_FRESH_MS.
   */
  private probeStatuses(refresh: boolean): Result<'probes'> {
    const last = this.probes;
    if (last && (performance.now() - last.at < PROBES_FRESH_MS || (!refresh && last.keep))) return last.result;
    const kernel = kernelInfo(this.kernel);
    const key = this.probeCache ? probeCacheKey(this.version, kernel) : null;
    const kept = key && !refresh ? this.probeCache!.read(key) : null;
    if (kept) {
      // Kept here too, as a trial of this helper's would be (at: no refresh may reuse it).
      this.probes = { at: -Infinity, result: kept, keep: true };
      return kept;
    }
    // A trial loads and attaches each catalog probe.
    const probes = this.budget.run(PROBE_TRIAL_LOADS * CATALOG.length, 'checking every probe', () => probeStatuses(this.kernel));
    const result = { kernel, probes, checkedAt: Date.now() };
    const keep = keepable(result);
    this.probes = { at: performance.now(), result, keep };
    if (keep && key) this.probeCache!.write(key, result);
    return result;
  }

  private dispatch(request: Exclude<Request, { method: 'lesson' }>): Result<Request['method']> {
    switch (request.method) {
      case 'hello':
        return { protocol: PROTOCOL_VERSION, version: this.version, kernel: kernelInfo(this.kernel), scope: this.policy.everyProcess ? 'every-process' : 'own-processes' };
      case 'probes': {
        const all = this.probeStatuses(request.params.refresh === true);
        return this.policy.everyProcess ? all : forOwnProcesses(all);
      }
      case 'start':
        return this.start(request.params);
      case 'stop': {
        const session = this.session(request.params.session);
        this.sessions.delete(session.id);
        return session.stop();
      }
      case 'inspect':
        return inspect(this.kernel, this.session(request.params.session).loaded, this.policy.root);
      case 'sample':
        return sample(this.session(request.params.session).loaded);
    }
  }

  private session(id: number): Session {
    const session = this.sessions.get(id);
    if (!session) throw new LabError('no-session', `no session ${id}`);
    return session;
  }

  private start(params: Extract<Request, { method: 'start' }>['params']): Result<'start'> {
    if (this.sessions.size >= MAX_SESSIONS) {
      throw new LabError('busy', `at most ${MAX_SESSIONS} sessions may run at once; stop one first`);
    }
    const id = params.session;
    if (this.sessions.has(id)) throw new LabError('bad-request', `session ${id} is already running; start each session under an id of its own`);
    const target = targetOf(params, this.policy.scope(params));
    const [session, result] = this.budget.run(startLoads(params), 'this start', () => params.mode === 'stat'
      ? HistSession.start(id, this.kernel, params, target, (push, droppable) => this.push(push, droppable))
      : TraceSession.start(id, this.kernel, params, target, (frame) => this.pushBinary(frame), this.waiter ??= new RingWaiter()));
    this.sessions.set(id, session);
    return target.owner === undefined ? result : { ...result, notices: [...result.notices, OWN_PROCESSES_NOTICE] };
  }

  /** Sends a push unless it is droppable and the reader has fallen behind; false when it was not sent. */
  push(push: Push, droppable: boolean): boolean {
    if (droppable && this.out.backlog() > STDOUT_HIGH_WATER) return false;
    return this.send(push);
  }

  /** Sends a binary frame (trace records) unless the reader has fallen behind; false when it was not sent. */
  pushBinary(frame: Uint8Array): boolean {
    if (this.out.backlog() > STDOUT_HIGH_WATER) return false;
    this.out.write(frame);
    return true;
  }

  log(level: 'error' | 'warn' | 'info' | 'debug', message: string): void {
    this.push({ v: PROTOCOL_VERSION, type: 'log', level, message }, level === 'debug');
  }

  private replyError(id: number | null, e: unknown): void {
    this.send({ v: PROTOCOL_VERSION, type: 'error', id, error: LabError.toData(e) });
  }

  /**
   * Writes one frame; false when the message itself was not sent. A message too large for the
   * client's frame limit never is: a reply becomes an error reply to the same id, and a push is
   * refused (its session counts it).
   */
  private send(message: Push | { v: number; type: 'response' | 'error'; id: number | null; [key: string]: unknown }): boolean {
    try {
      this.out.write(encodeFrame(message));
      return true;
    } catch (e) {
      if (!(e instanceof FrameTooLarge)) throw e;
      if (message.type !== 'response' && message.type !== 'error') return false;
      const error = new LabError('internal', `the reply would be ${e.bytes} bytes, over the ${e.limit}-byte frame limit`);
      this.out.write(encodeFrame({ v: PROTOCOL_VERSION, type: 'error', id: message.id, error: error.toData() }));
      return false;
    }
  }

  /** Releases every session; the exit paths all come through here. */
  dispose(): void {
    for (const session of this.sessions.values()) session.dispose();
    this.sessions.clear();
    this.waiter?.close();
    this.waiter = null;
    this.budget.dispose();
  }
}
