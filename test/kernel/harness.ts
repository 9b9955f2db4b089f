/**
 * Shared pieces of the kernel tests: run the real CLI as a child, the oracle
 * workloads, and a look at which of our BPF programs the kernel still holds.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { bucketCount, bucketIndex, parseLayout } from '../../src/shared/buckets.js';

const root = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

export const CLI = root('build/src/cli/main.js');
export const ORACLE_STATIC = root('build/workloads/oracle-static');
export const ORACLE_DYNAMIC = root('build/workloads/oracle-dynamic');

/** Kernel tests need root. In CI (where we are root) a skip would hide a failure, so it fails instead. */
export function needsRoot(t: TestContext): boolean {
  if (process.getuid?.() === 0) return true;
  if (process.env.CI) throw new Error('kernel tests must run as root in CI');
  t.skip('needs root: run the suite with sudo to test against the kernel');
  return false;
}

/**
 * The helper's environment for a caller who is not root, as a root test starts it: pkexec's
 * PKEXEC_UID, and the gid that a root parent names (helper/caller.ts, callerGid). The test users
 * have no passwd entry; their processes run with gid = uid.
 */
export function callerEnv(uid: number): Record<string, string> {
  return { PKEXEC_UID: String(uid), BPF_LAB_CALLER_GID: String(uid) };
}

export interface Run {
  status: number | null;
  /** The signal that ended it (status is then null). */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], timeoutMs = 60_000): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 28 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** NDJSON records of a --json run. */
export function records(stdout: string): Array<Record<string, unknown>> {
  return stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** `1025x3` is three calls of 1025 bytes, as the oracle workload reads it. */
export function expandSizes(specs: string[]): bigint[] {
  return specs.flatMap((s) => {
    const [size, count] = s.split('x');
    return Array.from({ length: Number(count ?? 1) }, () => BigInt(size!));
  });
}

/** The counts an exact tracer must report for these oracle sizes. */
export function expectedCounts(layout: string, specs: string[]): number[] {
  const l = parseLayout(layout);
  const counts = new Array<number>(bucketCount(l)).fill(0);
  for (const size of expandSizes(specs)) counts[bucketIndex(l, size)]! += 1;
  return counts;
}

interface HistogramRecord {
  type: 'histogram';
  probe: string;
  layout: string;
  buckets: Array<{ low: number; high: number | null; count: number }>;
  total: number;
  final: boolean;
}

/** The final histogram record of a --json stat run. */
export function finalHistogram(stdout: string): HistogramRecord {
  const h = records(stdout).filter((r) => r.type === 'histogram') as unknown as HistogramRecord[];
  const last = h[h.length - 1];
  if (!last?.final) throw new Error(`no final histogram in:\n${stdout}`);
  return last;
}

/** Names of the project's BPF programs (hist_*, trace_*) the kernel currently holds. */
export function ourPrograms(): string[] {
  const r = spawnSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bpftool failed: ${r.stderr}`);
  const progs = JSON.parse(r.stdout) as Array<{ name?: string }>;
  return progs.map((p) => p.name ?? '').filter((n) => /^(hist|trace|calls)_/.test(n));
}
