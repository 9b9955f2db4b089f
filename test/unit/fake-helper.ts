// A stand-in for HelperClient in unit tests of the LabService: it answers
// start and stop like the helper, lets the test push histograms and trace
// batches, and can die. Kernel-facing behaviour is tested against the real
// helper in test/kernel and test/e2e.
import type { HelperClient, SessionReader } from '../../src/backend/helper-client.js';
import { LabError } from '../../src/shared/errors.js';
import type { Push, Result, TraceEvent } from '../../src/shared/protocol.js';
import { traceFrame } from './trace-frames.js';

export class FakeHelper {
  readonly info = {
    protocol: 3 as const, version: '9.9.9', scope: 'own-processes' as const,
    kernel: { release: '6.18.0-test', arch: 'x86_64', kprobes: false, uprobes: true, btf: true, tracefs: true, libbpf: '1.1' },
  };
  readonly requests: Array<[string, unknown]> = [];
  closed = false;
  /** How long close() takes, as for a helper busy with queued requests. */
  closeDelayMs = 0;
  /** How long a probes request takes (a real one loads programs). */
  probesDelayMs = 0;
  /** The records of each trace frame pushed, as sent. */
  readonly sentRecords: Uint8Array[] = [];
  /** Makes the next stop fail, as a helper that lost the session would. */
  failStop = false;
  private listeners = new Set<(push: Push) => void>();
  /** The readers startSession was given, by session id, as HelperClient keeps them. */
  private readers = new Map<number, SessionReader>();
  private die: (e: LabError) => void = () => undefined;
  readonly ended = new Promise<LabError>((resolve) => { this.die = resolve; });

  onPush(listener: (push: Push) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts wait for releaseStarts() instead of being answered at once. */
  holdStarts = false;
  private held: Array<() => void> = [];

  /** Answers as the reply is read (at once, unless held): begin's reader gets the session's later pushes. */
  startSession(session: number, params: { mode: 'stat' | 'trace' }, begin: (started: Result<'start'>) => SessionReader): Promise<Result<'start'>> {
    this.requests.push(['start', { ...params, session }]);
    const started = { session, mode: params.mode, probe: 'write', via: 'tracepoint:syscalls:sys_enter_write', layout: 'seed', notices: [] };
    const answer = (): Result<'start'> => {
      this.readers.set(session, begin(started));
      return started;
    };
    if (!this.holdStarts) return Promise.resolve(answer());
    return new Promise((resolve) => this.held.push(() => resolve(answer())));
  }

  /** Answers the held starts now, as a helper still answers what it read before it was told to close. */
  releaseStarts(): void {
    for (const answer of this.held.splice(0)) answer();
  }

  request(method: string, params: unknown): Promise<unknown> {
    this.requests.push([method, params]);
    if (method === 'stop') this.readers.delete((params as { session: number }).session);
    if (method === 'stop' && !this.failStop) return Promise.resolve({ session: (params as { session: number }).session, trace: { seen: 0, lost: 0, missed: 0 } });
    if (method === 'probes') {
      return new Promise((resolve) => setTimeout(() => resolve({ kernel: this.info.kernel, probes: [], checkedAt: 0 }), this.probesDelayMs));
    }
    return Promise.reject(new LabError('internal', `fake helper: ${method}`));
  }

  push(push: Push): void {
    if (push.type !== 'log') this.readers.get(push.session)?.(push);
    for (const l of this.listeners) l(push);
  }

  trace(session: number, count: number, lost = 0): void {
    const events: TraceEvent[] = Array.from({ length: count }, (_, i) => ({ tsUs: i, cpu: 0, pid: 7, tid: 7, comm: 'oracle', size: String(i) }));
    const frame = traceFrame(session, events, { kernel: lost, helper: 0 });
    this.sentRecords.push(frame.records.slice());
    this.push(frame);
  }

  kill(): void {
    this.die(new LabError('internal', 'the helper was killed by SIGKILL'));
  }

  close(): Promise<number> {
    if (this.closeDelayMs === 0) {
      this.closed = true;
      return Promise.resolve(0);
    }
    return new Promise((resolve) => setTimeout(() => {
      this.closed = true;
      resolve(0);
    }, this.closeDelayMs));
  }

  asClient(): HelperClient {
    return this as unknown as HelperClient;
  }
}
