/** What the server needs of a running session, whatever its mode. */
import type { HistogramPush, Result } from '../src/shared/protocol.js';
import type { BpfObject } from './bpf-object.js';
import type { RecordedCalls } from './call-recorder.js';

/** Where a histogram session sends its snapshots; a `droppable` one may be dropped under backpressure (false). */
export type SessionSink = (push: HistogramPush, droppable: boolean) => boolean;

export interface Loaded {
  object: BpfObject;
  program: string;
  via: string;
  /** The system calls of its load and attach, when the start asked for them. */
  calls: RecordedCalls | null;
  /**
   * Whether its own counters (runs, their time, the hits the kernel skipped) may reach the
   * caller: not for one scoped to their own processes, as the kernel counts every run, before
   * the program's uid check, so they would time other users' activity (RUNS_WITHHELD).
   */
  runsShown: boolean;
}

export interface Session {
  readonly id: number;
  readonly mode: 'stat' | 'trace';
  /** What `inspect` looks at: the loaded object, the program that records hits, and how it is attached. */
  readonly loaded: Loaded;
  /** Detaches, delivers what is left, releases everything. */
  stop(): Result<'stop'>;
  /** Releases everything at once, on exit paths. Idempotent. */
  dispose(): void;
}
