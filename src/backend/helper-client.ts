/**
 * The client side of the helper protocol, for every Node-side user (the CLI and
 * Electron main): starts the helper, sends typed requests, validates every
 * reply and push, and turns error replies back into LabErrors.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import type { z } from 'zod';
import { LabError } from '../shared/errors.js';
import { encodeFrame, FrameDecoder } from '../shared/framing.js';
import {
  describeIssue, HELPER_EXIT_NOT_PRIVILEGED, MAX_FRAME_BYTES, PROTOCOL_VERSION, replySchema, requestSchema,
  resultSchemas, type Method, type Push, type Request, type Result,
} from '../shared/protocol.js';

/** Params as a caller writes them: fields with defaults may be left out. */
export type ParamsInput<M extends Method> = Extract<z.input<typeof requestSchema>, { method: M }>['params'];

/** The compiled helper entry point, next to this build. */
export function helperScript(): string {
  return fileURLToPath(new URL('../../helper/main.js', import.meta.url));
}

/** How to start the helper: the CLI runs it directly as root; the app goes through pkexec. */
export interface Launch {
  command: string;
  args: string[];
}

export function directLaunch(verbose = false): Launch {
  return { command: process.execPath, args: [helperScript(), ...(verbose ? ['--verbose'] : [])] };
}

interface Pending {
  method: Method;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

type Child = ChildProcessByStdio<Writable, Readable, Readable>;

export class HelperClient {
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(push: Push) => void>();
  private readonly decoder = new FrameDecoder(MAX_FRAME_BYTES);
  private readonly exited: Promise<number>;
  private nextId = 1;
  private stderrTail = '';
  private closed: LabError | null = null;
  private markEnded: (error: LabError) => void = () => undefined;
  /** Settles when the helper can no longer serve (it exited or broke the protocol), with the reason. */
  readonly ended = new Promise<LabError>((resolve) => { this.markEnded = resolve; });

  private constructor(private readonly child: Child) {
    child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-2000);
    });
    child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        this.fail(exitError(code, signal, this.stderrTail));
        resolve(code ?? 128);
      });
      child.on('error', (e) => this.fail(new LabError('internal', `cannot start the helper: ${e.message}`)));
    });
  }

  /** Starts the helper and checks that it speaks our protocol version. */
  static async start(launch: Launch): Promise<HelperClient> {
    // Its own process group: the terminal's Ctrl-C is for bpf-lab, which then stops sessions in order.
    const child = spawn(launch.command, launch.args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const client = new HelperClient(child);
    await client.request('hello', {});
    return client;
  }

  /** Sends one request; resolves with its validated result or rejects with a LabError. */
  request<M extends Method>(method: M, params: ParamsInput<M>): Promise<Result<M>> {
    if (this.closed) return Promise.reject(this.closed);
    const id = this.nextId++;
    const message = { v: PROTOCOL_VERSION, id, method, params };
    const checked = requestSchema.safeParse(message);
    if (!checked.success) return Promise.reject(new LabError('bad-request', describeIssue(checked.error)));
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve: resolve as (r: unknown) => void, reject });
      this.child.stdin.write(encodeFrame(checked.data satisfies Request));
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

  /** Closes stdin, which makes the helper detach everything and exit; resolves with its status. */
  async close(): Promise<number> {
    this.child.stdin.end();
    return this.exited;
  }

  private receive(chunk: Buffer): void {
    for (const frame of this.decoder.push(chunk)) {
      if (!frame.ok) {
        this.fail(new LabError('internal', `unreadable frame from the helper: ${frame.error}`));
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
      else for (const listener of this.listeners) listener(r);
    }
  }

  private settle(id: number, result: unknown, error: LabError | null): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    if (error) return pending.reject(error);
    const checked = (resultSchemas[pending.method] as z.ZodType).safeParse(result);
    if (checked.success) pending.resolve(checked.data);
    else pending.reject(new LabError('internal', `bad ${pending.method} result: ${describeIssue(checked.error)}`));
  }

  private settleError(id: number | null, error: LabError): void {
    if (id !== null) this.settle(id, null, error);
    else for (const listener of this.listeners) {
      listener({ v: PROTOCOL_VERSION, type: 'log', level: 'error', message: error.message });
    }
  }

  /** Rejects everything in flight; later requests fail at once with the same error. */
  private fail(error: LabError): void {
    if (!this.closed) this.markEnded(error);
    this.closed ??= error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}

function exitError(code: number | null, signal: NodeJS.Signals | null, stderr: string): LabError {
  if (code === HELPER_EXIT_NOT_PRIVILEGED) {
    return new LabError('not-root', 'BPF Lab needs root to load BPF programs: run it with sudo (or as root).');
  }
  const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
  // Node's crash output ends with a stack and its version; the Error line says the most.
  const lines = stderr.trim().split('\n').filter((l) => l.trim() && !/^Node\.js v/.test(l));
  const tail = (lines.find((l) => /^\w*Error\b/.test(l)) ?? lines.at(-1) ?? '').trim();
  return new LabError('internal', `the helper ${how}${tail ? `: ${tail}` : ''}`);
}
