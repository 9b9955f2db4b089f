/**
 * A stat session: hist.bpf.o attached to one probe, its per-CPU counts read and
 * pushed every interval. Stopping detaches first, so the final read is exact.
 */
import { bucketCount, parseLayout } from '../src/shared/buckets.js';
import { PROTOCOL_VERSION, type HistogramPush, type Result, type StartParams } from '../src/shared/protocol.js';
import { attachSpec, type Target } from './attach.js';
import { encodeHistConfig, sizeSource } from './bpf-config.js';
import type { BpfObject } from './bpf-object.js';
import type { Kernel } from './kernel.js';
import { PerCpuReader } from './percpu.js';
import type { RecordedCalls } from './call-recorder.js';
import type { Loaded, Session, SessionSink } from './session.js';

export class HistSession implements Session {
  readonly mode = 'stat';
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly reader: PerCpuReader;
  readonly loaded: Loaded;

  private constructor(
    readonly id: number,
    private readonly object: BpfObject,
    private readonly program: string,
    private readonly nbuckets: number,
    intervalMs: number,
    sink: SessionSink,
    via: string,
    calls: RecordedCalls | null,
    runsShown: boolean,
  ) {
    this.loaded = { object, program, via, calls, runsShown };
    this.reader = new PerCpuReader(object.mapFd('counts'));
    // intervalMs 0: no live snapshots, only the final one (a snapshot nobody prints costs map reads).
    // A snapshot refused under backpressure loses nothing: counts are cumulative, the next one has it all.
    this.timer = intervalMs > 0 ? setInterval(() => sink(this.snapshot(), true), intervalMs) : undefined;
  }

  static start(id: number, kernel: Kernel, params: StartParams, target: Target, sink: SessionSink): [HistSession, Result<'start'>] {
    const layout = parseLayout(params.layout);
    const nbuckets = bucketCount(layout);
    const { object, program, plan, notices, calls } = attachSpec(kernel, 'hist', params.probe, (obj, p) => {
      obj.setRodata(encodeHistConfig(sizeSource(p, target), layout));
      obj.setMaxEntries('counts', nbuckets);
    }, target);
    let session: HistSession;
    try {
      session = new HistSession(id, object, program, nbuckets, params.intervalMs, sink, plan.via, calls, target.owner === undefined);
    } catch (e) {
      object.dispose();
      throw e;
    }
    return [session, {
      session: id, mode: 'stat', probe: plan.probe, via: plan.via, layout: params.layout, notices,
    }];
  }

  /** Every bucket in one read; the total is their sum (the kernel keeps no separate total). */
  snapshot(): HistogramPush {
    const slots = this.reader.slots(this.nbuckets).map(Number);
    let total = 0;
    for (const c of slots) total += c;
    // The program's own counters, where they may be shown (Loaded.runsShown): one read of its info.
    const runs = this.loaded.runsShown ? this.object.runStats(this.program) : null;
    return {
      v: PROTOCOL_VERSION, type: 'histogram', session: this.id, counts: slots, total, missed: runs?.recursionMisses ?? 0,
      ...(runs && this.object.timed ? { cost: { runCnt: runs.runCnt, runTimeNs: runs.runTimeNs } } : {}),
    };
  }

  stop(): Result<'stop'> {
    try {
      clearInterval(this.timer);
      this.object.detach();
      const { counts, total, missed } = this.snapshot();
      return { session: this.id, histogram: { session: this.id, counts, total, missed } };
    } finally {
      this.dispose();
    }
  }

  dispose(): void {
    clearInterval(this.timer);
    this.object.dispose();
  }
}
