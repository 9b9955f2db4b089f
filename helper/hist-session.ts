/**
 * A stat session: hist.bpf.o attached to one probe, its per-CPU counts read and
 * pushed every interval. Stopping detaches first, so the final read is exact.
 */
import { bucketCount, parseLayout } from '../src/shared/buckets.js';
import type { HistogramPush, Result, StartParams } from '../src/shared/protocol.js';
import { attachSpec } from './attach.js';
import { encodeHistConfig, sizeSource } from './bpf-config.js';
import type { BpfObject } from './bpf-object.js';
import type { Kernel } from './kernel.js';
import { PerCpuReader } from './percpu.js';
import type { Session, SessionSink } from './session.js';

export class HistSession implements Session {
  readonly mode = 'stat';
  private readonly timer: NodeJS.Timeout;
  private readonly reader: PerCpuReader;

  private constructor(
    readonly id: number,
    private readonly object: BpfObject,
    private readonly nbuckets: number,
    intervalMs: number,
    sink: SessionSink,
  ) {
    this.reader = new PerCpuReader(object.mapFd('counts'));
    this.timer = setInterval(() => sink(this.snapshot(), true), intervalMs);
  }

  static start(id: number, kernel: Kernel, params: StartParams, sink: SessionSink): [HistSession, Result<'start'>] {
    const layout = parseLayout(params.layout);
    const nbuckets = bucketCount(layout);
    const target = { pid: params.pid, armOnExec: params.armOnExec };
    const { object, plan, notices } = attachSpec(kernel, 'hist', params.probe, (obj, p) => {
      obj.setRodata(encodeHistConfig(sizeSource(p, target), layout));
      obj.setMaxEntries('counts', nbuckets + 1);
    }, target);
    const session = new HistSession(id, object, nbuckets, params.intervalMs, sink);
    return [session, {
      session: id, mode: 'stat', probe: plan.probe, via: plan.via, layout: params.layout, notices,
    }];
  }

  /** Buckets, then the total: the kernel bumps the total first, so a live total may lead by in-flight hits. */
  snapshot(): HistogramPush {
    const counts = this.reader.slots(this.nbuckets).map(Number);
    const total = Number(this.reader.slot(this.nbuckets));
    return { v: 1, type: 'histogram', session: this.id, counts, total };
  }

  stop(): Result<'stop'> {
    clearInterval(this.timer);
    this.object.detach();
    const { counts, total } = this.snapshot();
    this.object.dispose();
    return { session: this.id, histogram: { session: this.id, counts, total } };
  }

  dispose(): void {
    clearInterval(this.timer);
    this.object.dispose();
  }
}
