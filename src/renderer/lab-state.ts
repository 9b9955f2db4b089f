/**
 * The shapes of the renderer's lab model: what LabController hands React as
 * one immutable snapshot. Kept apart from the controller so components can
 * import the types without the logic.
 */
import type { Layout } from '../shared/buckets.js';
import type { ErrorData } from '../shared/errors.js';
import type { LabStatus, SessionInfo, StopResult } from '../shared/lab-api.js';
import type { CostReading } from './cost.js';
import type { TraceStore } from './trace-store.js';

export interface HistogramData {
  counts: readonly number[];
  total: number;
  missed: number;
  /** Events per second between the last two snapshots (the first: since the session started). */
  rate: number | null;
  snapshots: number;
  /** The exact counts read after the probe was detached. */
  final: boolean;
  /** The program's run counters at the last snapshot, when the helper sent them. */
  cost: CostReading | null;
  /** Percent of one CPU the program ran for between the last two snapshots. */
  cpuPercent: number | null;
}

export interface Ending {
  result?: StopResult | undefined;
  error?: ErrorData | undefined;
  /** Why it is shown as over when neither a result nor an error says so (it ended while disconnected). */
  note?: string | undefined;
  /** Every trace event of the session that reached the backend (the ended event's TraceBatch.passed). */
  passed?: number | undefined;
}

export interface SessionView {
  info: SessionInfo;
  layout: Layout;
  histogram: HistogramData | null;
  trace: TraceStore | null;
  ended: Ending | null;
}

export interface LogLine {
  /** Grows with every line: a stable key for lists. */
  id: number;
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
}

export interface LabState {
  status: LabStatus | null;
  session: SessionView | null;
  /** Set while a lab:start is in flight. */
  starting: boolean;
  log: readonly LogLine[];
  /**
   * The latest warning or error. The transport's "lost the connection" notice
   * goes when the stream is back; helper and libbpf warnings stay until a newer
   * one replaces them or the next start.
   */
  notice: LogLine | null;
}
