/**
 * What tracing costs, from the kernel's run counters (bpf_prog_info's run_cnt and run_time_ns,
 * counted while the session holds BPF_ENABLE_STATS): nanoseconds per run over the whole
 * session, and the share of one CPU the program took between two readings. Pure, so it is
 * tested on fixed numbers.
 */
import type { Cost } from '../shared/inspect.js';

export interface CostReading {
  cost: Cost;
  /** Wall-clock milliseconds when it was read. */
  at: number;
}

/** Average nanoseconds per run so far; null before the first run. */
export function nsPerRun(cost: Cost): number | null {
  return cost.runCnt > 0 ? cost.runTimeNs / cost.runCnt : null;
}

/**
 * Percent of one CPU the program ran for between two readings: its run time over the wall
 * time between them. Null without an earlier reading, or when the counters went back.
 */
export function cpuPercent(previous: CostReading | null, current: CostReading): number | null {
  if (!previous) return null;
  const wallNs = (current.at - previous.at) * 1e6;
  const ran = current.cost.runTimeNs - previous.cost.runTimeNs;
  if (wallNs <= 0 || ran < 0) return null;
  return (ran / wallNs) * 100;
}

export function formatNs(ns: number | null): string {
  if (ns === null) return '—';
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(1)} ms`;
  return ns >= 10_000 ? `${(ns / 1000).toFixed(1)} µs` : `${Math.round(ns)} ns`;
}

export function formatPercent(p: number | null): string {
  if (p === null) return '—';
  return p < 0.01 && p > 0 ? '< 0.01 %' : `${p.toFixed(p < 10 ? 2 : 1)} %`;
}
