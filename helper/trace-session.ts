/**
 * A trace session: trace.bpf.o sends one event per hit through a ring buffer,
 * drained on a timer and pushed in batches. Both queues are bounded: the ring
 * buffer (the kernel counts failed reservations) and the batch (we count).
 */
import { PROTOCOL_VERSION, type Result, type StartParams, type TraceEvent } from '../src/shared/protocol.js';
import { attachSpec } from './attach.js';
import { encodeTraceConfig, sizeSource } from './bpf-config.js';
import type { BpfObject } from './bpf-object.js';
import type { Kernel } from './kernel.js';
import { libbpf, nativeBytes, registerSampleCallback, unregisterCallback, type Pointer } from './libbpf.js';
import { PerCpuReader } from './percpu.js';
import type { RecordedCalls } from './call-recorder.js';
import type { Loaded, Session, SessionSink } from './session.js';
import { decodeTraceEvent, TRACE_EVENT_SIZE } from './trace-reader.js';

const RING_BYTES = 1 << 22;
const DRAIN_MS = 50;
/** The most events held before a batch is pushed; pushes refused under backpressure are counted as lost. */
export const MAX_BATCH = 4096;
/** The most events one drain takes, so a flood cannot stall the helper; the ring buffer keeps the rest. */
const MAX_DRAIN = 4 * MAX_BATCH;
const SEEN = 0;
const DROPPED = 1;

export class TraceSession implements Session {
  readonly mode = 'trace';
  private readonly timer: NodeJS.Timeout;
  private readonly counters: PerCpuReader;
  private readonly callback: unknown;
  private ring: Pointer | null;
  private batch: TraceEvent[] = [];
  private drained = 0;
  private userDropped = 0;
  readonly loaded: Loaded;

  private constructor(
    readonly id: number, private readonly object: BpfObject, private readonly program: string,
    private readonly sink: SessionSink, via: string, calls: RecordedCalls | null,
  ) {
    this.loaded = { object, program, via, calls };
    this.counters = new PerCpuReader(object.mapFd('counters'));
    this.callback = registerSampleCallback((data, size) => this.take(data, size));
    this.ring = libbpf.ringBufferNew(object.mapFd('events'), this.callback, null, null);
    if (!this.ring) {
      unregisterCallback(this.callback);
      throw new Error('ring_buffer__new failed');
    }
    this.timer = setInterval(() => this.drain(), DRAIN_MS);
  }

  static start(id: number, kernel: Kernel, params: StartParams, sink: SessionSink): [TraceSession, Result<'start'>] {
    const target = { pid: params.pid, armOnExec: params.armOnExec, stats: params.stats, verifierLog: params.verifierLog, calls: params.calls };
    const { object, program, plan, notices, calls } = attachSpec(kernel, 'trace', params.probe, (obj, p) => {
      obj.setRodata(encodeTraceConfig(sizeSource(p, target)));
      obj.setMaxEntries('events', RING_BYTES);
    }, target);
    try {
      const session = new TraceSession(id, object, program, sink, plan.via, calls);
      return [session, { session: id, mode: 'trace', probe: plan.probe, via: plan.via, layout: params.layout, notices }];
    } catch (e) {
      object.dispose();
      throw e;
    }
  }

  /** One ring buffer sample; false stops this drain. */
  private take(data: unknown, size: number): boolean {
    if (size < TRACE_EVENT_SIZE) this.userDropped++; // not from our program: counted, never decoded
    else this.batch.push(decodeTraceEvent(nativeBytes(data, TRACE_EVENT_SIZE)));
    if (this.batch.length >= MAX_BATCH) this.flush();
    return ++this.drained < MAX_DRAIN;
  }

  /** Events that reached the program but not the client: failed reservations and refused batches. */
  private get lost(): number {
    return Number(this.counters.slot(DROPPED)) + this.userDropped;
  }

  /** Consumes up to MAX_DRAIN events from the ring buffer and pushes them; true if it stopped at the cap. */
  private drain(): boolean {
    this.drained = 0;
    if (this.ring) libbpf.ringBufferConsume(this.ring);
    this.flush();
    return this.drained >= MAX_DRAIN;
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    const events = this.batch;
    this.batch = [];
    if (!this.sink({ v: PROTOCOL_VERSION, type: 'trace', session: this.id, events, lost: this.lost }, true)) {
      this.userDropped += events.length;
    }
  }

  stop(): Result<'stop'> {
    try {
      clearInterval(this.timer);
      this.object.detach();
      while (this.drain());
      const [seen, missed] = [Number(this.counters.slot(SEEN)), this.object.runStats(this.program).recursionMisses];
      return { session: this.id, trace: { seen, lost: this.lost, missed } };
    } finally {
      this.dispose();
    }
  }

  dispose(): void {
    clearInterval(this.timer);
    if (this.ring) {
      libbpf.ringBufferFree(this.ring);
      unregisterCallback(this.callback);
      this.ring = null;
    }
    this.object.dispose();
  }
}
