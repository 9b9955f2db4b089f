/**
 * The client side of the helper protocol, for every Node-side user (the CLI and
 * Electron main): starts the helper, sends typed requests, validates every
 * reply and push, and turns error replies back into LabErrors.
 */
import { readTraceFrame } from '../shared/trace-frame.js';
import { spawn, type ChildProcessByStdio, type SpawnOptions } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { z } from 'zod';
import { LabError } from '../shared/errors.js';
import { encodeFrame, FrameDecoder } from '../shared/framing.js';
import { helperEnv, PKEXEC, type Launch } from './launch.js';
import {
  describeIssue, HELPER_EXIT_INSPECTOR, HELPER_EXIT_LIMITS, HELPER_EXIT_NOT_PRIVILEGED, HELPER_EXIT_TOO_MANY, HELPER_EXIT_WRONG_CLIENT, MAX_FRAME_BYTES,
  MAX_HELPERS_PER_USER, PROTOCOL_VERSION, replySchema, requestSchema, resultSchemas, type Method, type Push, type Request, type Result,
} from '../shared/protocol.js';

/** Params as a caller writes them: fields with defaults may be left out. */
export type ParamsInput<M extends Method> = Extract<z.input<typeof requestSchema>, { method: M }>['params'];

/** child_process.spawn's shape, so tests can check the exact arguments without starting anything. */
export type Spawn = (command: string, args: string[], options: SpawnOptions) => Child;

interface Pending {
  method: Method;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  /** Runs as the reply is read, before any later frame, with the result (null for an error). */
  settled?: (result: unknown) => void;
}

/** What a session pushes: its histogram snapshots or its trace records. */
export type SessionPush = Exclude<Push, { type: 'log' }>;
/** Reads one session's pushes; `startSession`'s `begin` makes it from the start's result. */
export type SessionReader = (push: SessionPush) => void;

type Child = ChildProcessByStdio<Writable, Readable, Readable>;

export class HelperClient {
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(push: Push) => void>();
  /** Each running session's reader, by the id this client chose for it. */
  private readonly readers = new Map<number, SessionReader>();
  private readonly decoder = new FrameDecoder(MAX_FRAME_BYTES);
  private readonly exited: Promise<number>;
  private nextId = 1;
  private stderrTail = '';
  private closed: LabError | null = null;
  private markEnded: (error: LabError) => void = () => undefined;
  /** Settles when the helper can no longer serve (it exited or broke the protocol), with the reason. */
  readonly ended = new Promise<LabError>((resolve) => { this.markEnded = resolve; });

  /** What the helper said in its hello: its version and the kernel it sees. */
  info: Result<'hello'> | null = null;

  private constructor(private readonly child: Child, private readonly launch: Launch) {
    child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-2000);
    });
    child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        this.fail(exitError(launch, code, signal, this.stderrTail));
        resolve(code ?? 128);
      });
      child.on('error', (e: NodeJS.ErrnoException) => {
        this.fail(spawnError(launch, e));
        resolve(127);
      });
    });
  }

  /**
   * Starts the helper and checks that it speaks our protocol version. When `signal` aborts
   * first (the app is quitting while pkexec asks for a password, say), it gives up at once:
   * the start rejects, and the child is told to go as close() does.
   */
  static async start(launch: Launch, spawnChild: Spawn = spawn as Spawn, signal?: AbortSignal): Promise<HelperClient> {
    if (signal?.aborted) throw cancelled();
    // Its own process group: the terminal's Ctrl-C is for bpf-lab, which then stops sessions in order.
    // It still exits with us: it ends when its stdin (our pipe) closes.
    const child = spawnChild(launch.command, launch.args, {
      stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: helperEnv(launch.env),
    });
    const client = new HelperClient(child, launch);
    const giveUp = (): void => client.fail(cancelled());
    signal?.addEventListener('abort', giveUp, { once: true });
    try {
      client.info = await client.request('hello', {});
    } catch (e) {
      // A helper that will not say hello (wrong version, bad reply) is not left running. Given up
      // (cancelled), it is told to go without waiting: a pkexec prompt may never be answered.
      if (signal?.aborted) void client.close();
      else await client.close();
      throw e;
    } finally {
      signal?.removeEventListener('abort', giveUp);
    }
    return client;
  }

  /**
   * Starts a session under an id the caller chose (one of its running sessions must not hold it).
   * `begin` gets the start's result as soon as the reply is read and returns the session's reader.
   * The helper sends a session's pushes only after its start reply, so from the first push on
   * each goes straight to that reader: nothing waits for the caller's `await` to resume. The
   * reader stays until the session's stop is answered. A start that cannot get its reader (`begin`
   * threw, or the helper named another session) is stopped again and rejects.
   */
  startSession(session: number, params: Omit<ParamsInput<'start'>, 'session'>,
    begin: (started: Result<'start'>) => SessionReader): Promise<Result<'start'>> {
    if (this.readers.has(session)) return Promise.reject(new LabError('bad-request', `session ${session} is already running`));
    return this.send('start', { ...params, session }, (started) => {
      if (!started) return;
      try {
        if (started.session !== session) throw new LabError('internal', `the helper started session ${started.session}, not ${session}`);
        this.readers.set(session, begin(started));
      } catch (e) {
        void this.send('stop', { session }).catch(() => undefined);
        throw e;
      }
    });
  }

  /**
   * Sends one request; resolves with its validated result or rejects with a LabError. A `start`
   * sent this way gets its reply only: its pushes reach onPush's listeners, not a reader of its own.
   */
  request<M extends Method>(method: M, params: ParamsInput<M>): Promise<Result<M>> {
    if (method !== 'stop') return this.send(method, params);
    // Once a session's stop is answered, or refused (the helper forgets it either way), its reader goes.
    const { session } = params as ParamsInput<'stop'>;
    return this.send(method, params, () => this.readers.delete(session));
  }

  private send<M extends Method>(method: M, params: ParamsInput<M>, settled?: (result: Result<M> | null) => void): Promise<Result<M>> {
    if (this.closed) return Promise.reject(this.closed);
    const id = this.nextId++;
    const message = { v: PROTOCOL_VERSION, id, method, params };
    const checked = requestSchema.safeParse(message);
    if (!checked.success) return Promise.reject(new LabError('bad-request', describeIssue(checked.error)));
    let frame: Uint8Array;
    try {
      frame = encodeFrame(checked.data satisfies Request);
    } catch (e) {
      return Promise.reject(new LabError('bad-request', (e as Error).message));
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve: resolve as (r: unknown) => void, reject, ...(settled ? { settled: settled as (r: unknown) => void } : {}) });
      this.child.stdin.write(frame);
    });
  }

  /** Subscribes to pushes (histograms, trace batches, logs); returns the unsubscribe function. */
  onPush(listener: (push: Push) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The helper's process id (for diagnostics and signals). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Closes stdin, which makes the helper detach everything and exit; resolves with its status.
   * A helper that has not exited after timeoutMs is killed when we started it directly (its
   * links are fd-based, so the kernel detaches them). Under pkexec it runs as root and cannot be
   * signalled: we stop waiting (resolving null), and stdin's EOF still ends it once it reads again.
   */
  async close(timeoutMs = 3000): Promise<number | null> {
    this.child.stdin.end();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), timeoutMs); });
    const status = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (status !== null || this.launch.via === 'pkexec') return status;
    this.child.kill('SIGKILL');
    return this.exited;
  }

  private receive(chunk: Buffer): void {
    for (const frame of this.decoder.push(chunk)) {
      if (this.closed) return; // after a protocol failure nothing more is believed
      if (!frame.ok) {
        this.fail(new LabError('internal', `unreadable frame from the helper: ${frame.error}`));
        continue;
      }
      if ('binary' in frame) {
        // Trace records: the header and length are checked once here, never each record.
        const trace = readTraceFrame(frame.binary);
        if (typeof trace === 'string') this.fail(new LabError('internal', `bad trace frame from the helper: ${trace}`));
        else this.deliver(trace);
        continue;
      }
      const v = (frame.message as { v?: unknown } | null)?.v;
      if (v !== PROTOCOL_VERSION) {
        // An installed helper of another version (the command line or the app updated without it).
        this.fail(new LabError('setup', `the helper speaks protocol version ${String(v)}, and this BPF Lab speaks `
          + `${PROTOCOL_VERSION}: install the same version of both (the package installs them together).`));
        continue;
      }
      const reply = replySchema.safeParse(frame.message);
      if (!reply.success) {
        this.fail(new LabError('internal', `bad reply from the helper: ${describeIssue(reply.error)}`));
        continue;
      }
      const r = reply.data;
      if (r.type === 'response') this.settle(r.id, r.result, null);
      else if (r.type === 'error') this.settleError(r.id, LabError.fromData(r.error));
      else this.deliver(r);
    }
  }

  private deliver(push: Push): void {
    if (push.type !== 'log') this.readers.get(push.session)?.(push);
    for (const listener of this.listeners) listener(push);
  }

  private settle(id: number, result: unknown, error: LabError | null): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    const checked = error ? null : (resultSchemas[pending.method] as z.ZodType).safeParse(result);
    try {
      pending.settled?.(checked?.success ? checked.data : null);
    } catch (e) {
      return pending.reject(e as Error);
    }
    if (error) pending.reject(error);
    else if (checked!.success) pending.resolve(checked!.data);
    else pending.reject(new LabError('internal', `bad ${pending.method} result: ${describeIssue(checked!.error)}`));
  }

  private settleError(id: number | null, error: LabError): void {
    if (id !== null) this.settle(id, null, error);
    else for (const listener of this.listeners) {
      listener({ v: PROTOCOL_VERSION, type: 'log', level: 'error', message: error.message });
    }
  }

  /** Rejects everything in flight; later requests fail at once with the same error. */
  private fail(error: LabError): void {
    if (!this.closed) {
      this.markEnded(error);
      // A helper that broke the protocol is told to go: EOF makes it detach and exit.
      this.child.stdin.end();
    }
    this.closed ??= error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    this.readers.clear();
  }
}

function cancelled(): LabError {
  return new LabError('disconnected', 'The helper\'s start was cancelled.');
}

/** pkexec's own exit statuses (pkexec(1)); anything else is the helper's. */
const PKEXEC_DISMISSED = 126;
const PKEXEC_REFUSED = 127;

function spawnError(launch: Launch, e: NodeJS.ErrnoException): LabError {
  if (launch.via === 'pkexec' && e.code === 'ENOENT') {
    return new LabError('not-authorized', `BPF Lab asks for root through pkexec, and ${PKEXEC} is missing: install polkit (the pkexec package).`);
  }
  return new LabError('setup', `cannot start the helper (${launch.command}): ${e.message}`);
}

function exitError(launch: Launch, code: number | null, signal: NodeJS.Signals | null, stderr: string): LabError {
  if (launch.via === 'pkexec' && code === PKEXEC_DISMISSED) {
    return new LabError('auth-cancelled',
      'The password dialog was dismissed, so BPF Lab cannot load BPF programs. Start again (in the app: Restart) to be asked again.');
  }
  if (launch.via === 'pkexec' && code === PKEXEC_REFUSED && /cannot run program|error accessing/i.test(stderr)) {
    return new LabError('setup', `The BPF Lab helper is not installed where its policy expects it (${launch.args.at(-1)}). `
      + 'Install the package, or install the helper as README.md describes.', stderr.trim());
  }
  if (launch.via === 'pkexec' && code === PKEXEC_REFUSED && /no authentication agent/i.test(stderr)) {
    return new LabError('not-authorized',
      'No polkit authentication agent is running, so BPF Lab cannot ask for your password. '
      + 'Log in to a desktop session (which starts one), or run BPF Lab as root.', stderr.trim());
  }
  // No agent, and pkexec could not make a text one: no terminal (the command line over SSH, say).
  if (launch.via === 'pkexec' && code === PKEXEC_REFUSED && /textual authentication agent/i.test(stderr)) {
    return new LabError('not-authorized',
      'Your account is not authorized to run the BPF Lab helper without a password, and there is no desktop session '
      + 'or terminal here to ask for one. Log in to a desktop session, run BPF Lab with sudo, or ask an administrator '
      + 'to add you to the bpflab group (which needs no password).', stderr.trim());
  }
  if (launch.via === 'pkexec' && code === PKEXEC_REFUSED) {
    return new LabError('not-authorized',
      'Your account is not authorized to run the BPF Lab helper (polkit refused, or authentication failed). '
      + 'An administrator can add you to the bpflab group.', stderr.trim() || undefined);
  }
  if (code === HELPER_EXIT_WRONG_CLIENT) {
    return new LabError('setup', `the helper refused its client: ${stderr.trim().replace(/^bpf-lab-helper: /, '')}`);
  }
  if (code === HELPER_EXIT_TOO_MANY) {
    return new LabError('busy', `You already run ${MAX_HELPERS_PER_USER} BPF Lab helpers, the most one user may. `
      + 'Close another BPF Lab window or bpf-lab serve, then start again (in the app: Restart).', stderr.trim());
  }
  if (code === HELPER_EXIT_INSPECTOR) {
    return new LabError('setup', `the helper refused to run: ${stderr.trim().replace(/^bpf-lab-helper: /, '')}`);
  }
  if (code === HELPER_EXIT_LIMITS) {
    // The launcher's one line says which limit and what to do; nothing of Node ran.
    return new LabError('setup', `the helper cannot start: ${stderr.trim().split('\n').at(-1)!.replace(/^bpf-lab-helper: /, '')}`);
  }
  if (code === HELPER_EXIT_NOT_PRIVILEGED) {
    return new LabError('not-root', 'BPF Lab needs root to load BPF programs: run it with sudo (or as root).');
  }
  if (signal) {
    // While it serves, BPF Lab sends its helper no signal (close() may kill one that hangs, but
    // nobody waits for that error): something outside did. Not a bug of ours, so not 'internal'.
    return new LabError('disconnected', `the helper was killed by ${signal}, from outside BPF Lab (another program, `
      + 'or the system running out of memory). Restart brings it back.', stderr.trim() || undefined);
  }
  const how = `exited with status ${code}`;
  // Node's crash output ends with a stack and its version; the Error line says the most.
  const lines = stderr.trim().split('\n').filter((l) => l.trim() && !/^Node\.js v/.test(l));
  const tail = (lines.find((l) => /^\w*Error\b/.test(l)) ?? lines.at(-1) ?? '').trim();
  return new LabError('internal', `the helper ${how}${tail ? `: ${tail}` : ''}`);
}
