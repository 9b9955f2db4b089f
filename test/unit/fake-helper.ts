// A stand-in for HelperClient in unit tests of the LabService: it answers
// start and stop like the helper, lets the test push histograms and trace
// batches, and can die. Kernel-facing behaviour is tested against the real
// helper in test/kernel and test/e2e.
import type { HelperClient } from '../../src/backend/helper-client.js';
import { LabError } from '../../src/shared/errors.js';
import type { Push, TraceEvent } from '../../src/shared/protocol.js';
import { traceFrame } from './trace-frames.js';

export class FakeHelper {
  readonly info = {
    protocol: 2 as const, version: '9.9.9', scope: 'own-processes' as const,
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
  private die: (e: LabError) => void = () => undefined;
  readonly ended = new Promise<LabError>((resolve) => { this.die = resolve; });

  onPush(listener: (push: Push) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  request(method: string, params: unknown): Promise<unknown> {
    this.requests.push([method, params]);
    if (method === 'start') {
      return Promise.resolve({ session: 1, mode: (params as { mode: string }).mode, probe: 'write', via: 'tracepoint:syscalls:sys_enter_write', layout: 'seed', notices: [] });
    }
    if (method === 'stop' && !this.failStop) return Promise.resolve({ session: 1, trace: { seen: 0, lost: 0, missed: 0 } });
    if (method === 'probes') {
      return new Promise((resolve) => setTimeout(() => resolve({ kernel: this.info.kernel, probes: [], checkedAt: 0 }), this.probesDelayMs));
    }
    return Promise.reject(new LabError('internal', `fake helper: ${method}`));
  }

  push(push: Push): void {
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
