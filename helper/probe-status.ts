/**
 * The catalog as this kernel sees it: for each probe, whether it works, how it
 * attaches and, if it does not, why. "Works" means a real load and attach
 * succeeded and was undone, not a guess from static checks.
 */
import { bucketCount, type Layout } from '../src/shared/buckets.js';
import { LabError } from '../src/shared/errors.js';
import type { CatalogId } from '../src/shared/probes.js';
import type { KernelInfo, ProbeStatus, Reason } from '../src/shared/protocol.js';
import { attachSpec } from './attach.js';
import { encodeHistConfig, sizeSource } from './bpf-config.js';
import { AUTO_ORDER, CATALOG, INTERRUPT_PROBES, interruptProbeReason } from './catalog.js';
import type { Kernel } from './kernel.js';
import { libbpf } from './libbpf.js';
import { checkSpec, uniqueReasons } from './resolve.js';

const SEED: Layout = { kind: 'seed' };

const AUTO = {
  title: 'Best available (default)',
  description: 'Kernel memcpy where it can be probed; otherwise the closest probe that works: '
    + 'usercopy, then read().',
};

export function kernelInfo(kernel: Kernel): KernelInfo {
  return {
    release: kernel.release, arch: kernel.arch, kprobes: kernel.hasKprobes, uprobes: kernel.hasUprobes,
    btf: kernel.hasBtf, tracefs: kernel.tracefsMounted, libbpf: `${libbpf.majorVersion()}.${libbpf.minorVersion()}`,
  };
}

function status(kernel: Kernel, id: CatalogId, title: string, description: string): ProbeStatus {
  const spec = { kind: 'catalog', id } as const;
  const reasons: Reason[] = uniqueReasons(checkSpec(kernel, spec).flatMap((c) => (c.ok ? [] : c.reasons)));
  try {
    // Attached to this process only: a trial uprobe must not touch every process's libc.
    const target = { pid: process.pid };
    const { object, plan } = attachSpec(kernel, 'hist', spec, (obj, p) => {
      obj.setRodata(encodeHistConfig(sizeSource(p, target), SEED));
      obj.setMaxEntries('counts', bucketCount(SEED));
    }, target);
    object.dispose();
    return { id, title, description, available: true, via: plan.via, reasons };
  } catch (e) {
    if (!(e instanceof LabError)) throw e;
    const attachFailure = reasons.length === 0 ? [{ code: e.code, message: e.message }] : [];
    return { id, title, description, available: false, reasons: [...reasons, ...attachFailure] };
  }
}

/** What `auto` resolves to, derived from the statuses of the probes it would try. */
function autoStatus(statuses: ProbeStatus[]): ProbeStatus {
  const tried = AUTO_ORDER.map((id) => statuses.find((s) => s.id === id)!);
  const chosen = tried.find((s) => s.available);
  const skipped = tried.slice(0, chosen ? tried.indexOf(chosen) : tried.length);
  return {
    id: 'auto', ...AUTO, available: chosen !== undefined,
    ...(chosen ? { via: `${chosen.id}: ${chosen.via}` } : {}),
    reasons: uniqueReasons(skipped.flatMap((s) => s.reasons)),
  };
}

/**
 * The answer as a caller scoped to their own processes may use it: the probes that also fire in
 * interrupts need root (CallerPolicy), and `auto` is what it resolves to without them.
 */
export function forOwnProcesses(result: { kernel: KernelInfo; probes: ProbeStatus[]; checkedAt: number }): typeof result {
  const probes = result.probes.filter((s) => s.id !== 'auto').map((s): ProbeStatus => (INTERRUPT_PROBES.has(s.id)
    ? { ...s, available: false, reasons: [interruptProbeReason(s.id), ...s.reasons] }
    : s));
  return { ...result, probes: withAuto(probes) };
}

/** The catalog's statuses with what follows from them: memcpy's stand-ins when it cannot work, and `auto` first. */
function withAuto(statuses: ProbeStatus[]): ProbeStatus[] {
  // The demo's memcpy: when it cannot work, name the stand-ins that do, as auto would try them.
  const memcpy = statuses.find((s) => s.id === 'memcpy')!;
  if (!memcpy.available) {
    memcpy.alternatives = AUTO_ORDER.filter((id) => id !== 'memcpy' && statuses.find((s) => s.id === id)?.available);
  }
  return [autoStatus(statuses), ...statuses];
}

/** Every catalog probe, `auto` first, each tried for real on this kernel. */
export function probeStatuses(kernel: Kernel): ProbeStatus[] {
  return withAuto(CATALOG.map((e) => status(kernel, e.id, e.title, e.description)));
}
