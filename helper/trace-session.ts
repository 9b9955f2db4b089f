/**
 * A trace session: trace.bpf.o queues one record per hit in a BPF ring buffer, which this
 * session maps and reads itself (ring-consumer.ts), without a call into C or an object per
 * event. The records go to the client as they are, in binary frames (src/shared/trace-frame.ts).
 *
 * When the ring is empty the session waits on its fd (ring-waiter.ts), so an idle session costs
 * nothing; once records flow it drains on a short timer, so a flood wakes it once per drain, not
 * once per event. Both queues are bounded and their losses counted: the ring (the kernel counts
 * failed reservations) and the pipe (frames refused under backpressure, counted here).
 */
import type { Result, StartParams } from '../src/shared/protocol.js';
import { binaryFrameLength, FRAME_HEADER } from '../src/shared/framing.js';
import { TRACE_EVENT_BYTES, TRACE_FRAME_HEADER, TRACE_RECORD_STRIDE, traceFrameHeader } from '../src/shared/trace-frame.js';
import { attachSpec, type Target } from './attach.js';
import { encodeTraceConfig, sizeSource } from './bpf-config.js';
import type { BpfObject } from './bpf-object.js';
import type { Kernel } from './kernel.js';
import { mapRing } from './libbpf.js';
import { PerCpuReader } from './percpu.js';
import type { RecordedCalls } from './call-recorder.js';
import { RingConsumer } from './ring-consumer.js';
import type { RingWaiter } from './ring-waiter.js';
import type { Loaded, Session } from './session.js';

/** Sends one binary frame; false when it was refused (the reader fell behind). */
export type FrameSink = (frame: Uint8Array) => boolean;

const RING_BYTES = 1 << 22;
/** While records flow, the ring is drained this often; a 4 MiB ring holds 80 ms of 1M events/s. */
const DRAIN_MS = 10;
/** The most records in one frame (917 KB, under the 1 MiB frame limit). */
export const MAX_FRAME_RECORDS = 16384;
/** The most frames one drain sends, so a flood cannot hold the helper; the ring keeps the rest. */
const MAX_DRAIN_FRAMES = 8;
const SEEN = 0;
const DROPPED = 1;

export class TraceSession implements Session {
  readonly mode = 'trace';
  private readonly counters: PerCpuReader;
  private readonly ringFd: number;
  private readonly ring: RingConsumer;
  private unmap: (() => void) | null;
  private timer: NodeJS.Timeout | null = null;
  /** Records taken from the ring so far: the sequence number of the next one. */
  private taken = 0;
  /** Records taken but not sent: frames refused under backpressure, and records of a foreign size. */
  private helperLost = 0;
  readonly loaded: Loaded;

  private constructor(
    readonly id: number, private readonly object: BpfObject, private readonly program: string,
    private readonly sink: FrameSink, private readonly waiter: RingWaiter, via: string, calls: RecordedCalls | null,
    runsShown: boolean,
  ) {
    this.loaded = { object, program, via, calls, runsShown };
    this.counters = new PerCpuReader(object.mapFd('counters'));
    this.ringFd = object.mapFd('events');
    const mapped = mapRing(this.ringFd, RING_BYTES);
    if (!mapped) throw new Error('could not map the ring buffer');
    this.unmap = mapped.unmap;
    try {
      this.ring = new RingConsumer({ ...mapped, size: RING_BYTES }, TRACE_EVENT_BYTES);
      waiter.add(id, this.ringFd, () => {
        if (!this.timer) this.drain();
      });
    } catch (e) {
      this.unmap();
      throw e;
    }
  }

  static start(id: number, kernel: Kernel, params: StartParams, target: Target, sink: FrameSink, waiter: RingWaiter): [TraceSession, Result<'start'>] {
    const { object, program, plan, notices, calls } = attachSpec(kernel, 'trace', params.probe, (obj, p) => {
      obj.setRodata(encodeTraceConfig(sizeSource(p, target)));
      obj.setMaxEntries('events', RING_BYTES);
    }, target);
    try {
      const session = new TraceSession(id, object, program, sink, waiter, plan.via, calls, target.owner === undefined);
      return [session, { session: id, mode: 'trace', probe: plan.probe, via: plan.via, layout: params.layout, notices }];
    } catch (e) {
      object.dispose();
      throw e;
    }
  }

  /** Records that reached the program but not the client: failed reservations, and what the helper could not send. */
  private get lost(): number {
    return Number(this.counters.slot(DROPPED)) + this.helperLost;
  }

  /**
   * Takes what the ring holds (up to MAX_DRAIN_FRAMES frames) and sends it. While records flow
   * it comes back on a timer; once the ring is empty, the next record wakes it.
   */
  private drain(): void {
    this.timer = null;
    let frames = 0;
    let records = 0;
    for (let n = -1; n !== 0 && frames < MAX_DRAIN_FRAMES; frames++) records += n = this.sendFrame();
    if (records > 0 || !this.ring.empty()) this.timer = setTimeout(() => this.drain(), DRAIN_MS);
  }

  /** Moves up to MAX_FRAME_RECORDS records from the ring into one frame and sends it; returns how many. */
  private sendFrame(): number {
    // Rounded up, so that a record shorter than ours (never written by our programs) is still consumed.
    const room = Math.min(MAX_FRAME_RECORDS, Math.ceil(this.ring.pending() / TRACE_RECORD_STRIDE));
    if (room === 0) return 0;
    const frame = new Uint8Array(FRAME_HEADER + TRACE_FRAME_HEADER + room * TRACE_RECORD_STRIDE);
    let at = FRAME_HEADER + TRACE_FRAME_HEADER;
    // Copied while the consumer position still holds the records: the kernel reuses them after.
    const { records, odd } = this.ring.take(room, (bytes) => {
      frame.set(bytes, at);
      at += bytes.length;
    });
    this.helperLost += odd;
    if (records === 0) return 0;
    const first = this.taken;
    this.taken += records;
    const body = frame.subarray(FRAME_HEADER, at);
    traceFrameHeader(body, this.id, records, first, Number(this.counters.slot(DROPPED)), this.helperLost);
    binaryFrameLength(frame, body.length);
    if (!this.sink(frame.subarray(0, at))) this.helperLost += records;
    return records;
  }

  /**
   * Everything left in the ring, before the final counts. A program that was running on another
   * CPU as the link went may still be writing its record (busy): wait for it, briefly.
   */
  private drainAfterDetach(): void {
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (let tries = 0; ; tries++) {
      while (this.sendFrame() > 0);
      if (this.ring.empty() || tries >= 100) return;
      Atomics.wait(pause, 0, 0, 1);
    }
  }

  stop(): Result<'stop'> {
    try {
      this.object.detach();
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.drainAfterDetach();
      const seen = Number(this.counters.slot(SEEN));
      const missed = this.loaded.runsShown ? this.object.runStats(this.program).recursionMisses : 0;
      return { session: this.id, trace: { seen, lost: this.lost, missed } };
    } finally {
      this.dispose();
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.waiter.remove(this.id, this.ringFd);
    if (this.unmap) {
      this.unmap();
      this.unmap = null;
    }
    this.object.dispose();
  }
}
