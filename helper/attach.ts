/**
 * Loads a program for the first workable plan of a spec and attaches it. Static
 * checks rule out what cannot work; a real attach is the final word, so a
 * refused attach falls through to the next candidate. Every skip becomes a
 * notice that says what was chosen and why.
 */
import { LabError } from '../src/shared/errors.js';
import { probeName, skippedProbeNotice, type CatalogId, type ProbeSpec } from '../src/shared/probes.js';
import type { Reason, StartParams } from '../src/shared/protocol.js';
import { BpfObject, type ObjectName } from './bpf-object.js';
import { INTERRUPT_PROBES } from './catalog.js';
import { recordingCalls, type RecordedCalls } from './call-recorder.js';
import type { Kernel } from './kernel.js';
import { withElf } from './elf-file.js';
import { checkSpec, MISSING_CODES, uniqueMessages, type AttachPlan } from './resolve.js';

export interface Attached {
  object: BpfObject;
  /** The program that records hits (as opposed to the exec-arming one). */
  program: string;
  plan: AttachPlan;
  notices: string[];
  /** The system calls that loaded and attached it, when the target asked for them. */
  calls: RecordedCalls | null;
}

/** Sets .rodata and map sizes on a freshly opened object for one plan. */
export type Configure = (object: BpfObject, plan: AttachPlan) => void;

/** A caller who is not root, as the programs check them on every hit (bpf/size_source.h). */
export interface Owner {
  /** PKEXEC_UID. */
  uid: number;
  /** The real gid of the client that ran pkexec (helper/caller.ts, callerGid). */
  gid: number;
}

/** Whose events count: one process (`pid`), and with `armOnExec` only from its next exec on. */
export interface Target {
  pid?: number | undefined;
  armOnExec?: boolean | undefined;
  /** Count only the tasks of this caller, by ptrace's rule (CallerPolicy.scope): a caller who is not root. */
  owner?: Owner | undefined;
  /** Count and time every run from the first one on (BpfObject.enableStats). */
  stats?: boolean | undefined;
  /** Keep the verifier's log of the load (BpfObject.load). */
  verifierLog?: boolean | undefined;
  /** Record the bpf(), perf_event_open() and perf ioctl() calls of the load and attach (call-recorder.ts). */
  calls?: boolean | undefined;
}

/** What a start asks of the attach, with whose events count: owner from CallerPolicy.scope. */
export function targetOf(params: StartParams, owner: Owner | null): Target {
  // Scoped: no run statistics, which count every run of the program, before its owner check.
  const { pid, armOnExec, stats, verifierLog, calls } = params;
  return { pid, armOnExec, stats: owner === null && stats, verifierLog, calls, ...(owner === null ? {} : { owner }) };
}

function attachPoint(object: BpfObject, program: string, plan: AttachPlan, pid: number | undefined): void {
  const p = plan.point;
  switch (p.kind) {
    case 'kprobe': return object.attachKprobe(program, p.func);
    case 'tracepoint': return object.attachTracepoint(program, p.category, p.event);
    // libbpf and the kernel get the file that was checked, held open (elf-file.ts); notices keep p.path.
    case 'uprobe': return withElf(p.path, (opened) => object.attachUprobe(program, p.path, p.offset, pid ?? -1, opened));
    case 'uprobe-symbol':
      return withElf(p.path, (opened) => object.attachUprobeSymbol(program, p.path, p.symbol, pid ?? -1, opened));
  }
}

/**
 * One plan, loaded and attached, with the system calls that made it when the target asks for
 * them: recorded per plan, so a plan that failed leaves nothing in the list of the one that works.
 */
function tryPlan(name: ObjectName, plan: AttachPlan, configure: Configure, target: Target): [BpfObject, RecordedCalls | null] {
  return recordingCalls(target.calls === true, () => loadAndAttach(name, plan, configure, target));
}

function loadAndAttach(name: ObjectName, plan: AttachPlan, configure: Configure, target: Target): BpfObject {
  const object = BpfObject.open(name);
  const [main, arm] = [`${name}_${plan.program}`, `${name}_arm`];
  const arming = Boolean(target.pid && target.armOnExec);
  try {
    configure(object, plan);
    object.selectPrograms(arming ? [main, arm] : [main], [`${name}_kprobe`, `${name}_tracepoint`, arm]);
    object.load(target.verifierLog === true);
    const noStats = target.stats ? object.enableStats() : null;
    if (noStats) object.note(`This kernel cannot count what the program's runs cost (BPF_ENABLE_STATS: ${noStats}), so no cost is shown.`);
    if (arming) object.attachTracepoint(arm, 'sched', 'sched_process_exec');
    attachPoint(object, main, plan, target.pid);
    return object;
  } catch (e) {
    object.dispose();
    throw e;
  }
}

interface Skip { probe: string; via: string; why: string }

/** A refused kprobe on a function ftrace cannot hook is usually inlined away or marked notrace. */
function ftraceHint(kernel: Kernel, plan: AttachPlan): string {
  if (plan.point.kind !== 'kprobe' || kernel.ftraceable(plan.point.func) !== false) return '';
  return ` (${plan.point.func}() is not in available_filter_functions: it may be inlined or marked notrace.)`;
}

function notices(spec: ProbeSpec, plan: AttachPlan, skipped: Skip[], target: Target): string[] {
  // One line per skipped probe, however many of its candidates were tried.
  const whys = new Map<string, Set<string>>();
  for (const s of skipped) whys.set(s.probe, (whys.get(s.probe) ?? new Set()).add(s.why));
  const out = [...whys].map(([probe, why]) => skippedProbeNotice(probe, [...why].join(' ')));
  if (skipped.length || (spec.kind === 'catalog' && spec.id === 'auto')) {
    const which = plan.probe === probeName(spec) ? plan.probe : `${plan.probe} for ${probeName(spec)}`;
    out.push(`Using ${which}: ${plan.via}.`);
  }
  if (plan.point.kind.startsWith('uprobe') && !target.pid) {
    out.push('This uprobe fires in every process that uses the library, which slows them all; '
      + 'give it one process to watch.');
  }
  return out;
}

/** Opens, configures, loads and attaches; throws a LabError that explains every refusal. */
export function attachSpec(
  kernel: Kernel, name: ObjectName, spec: ProbeSpec, configure: Configure, target: Target = {},
): Attached {
  const skipped: Skip[] = [];
  const reasons: Reason[] = [];
  let firstError: LabError | null = null;
  // Scoped to one user, auto skips the probes that fire in interrupts (CallerPolicy refuses them by name).
  const checks = checkSpec(kernel, spec)
    .filter((c) => target.owner === undefined || !INTERRUPT_PROBES.has((c.ok ? c.plan.probe : c.probe) as CatalogId));
  for (const check of checks) {
    if (!check.ok) {
      skipped.push({ probe: check.probe, via: check.via, why: uniqueMessages(check.reasons) });
      reasons.push(...check.reasons);
      continue;
    }
    try {
      const [object, calls] = tryPlan(name, check.plan, configure, target);
      return {
        object, program: `${name}_${check.plan.program}`, plan: check.plan,
        notices: [...notices(spec, check.plan, skipped, target), ...object.notes], calls,
      };
    } catch (e) {
      if (!(e instanceof LabError) || !['bpf-attach', 'bpf-load'].includes(e.code)) throw e;
      firstError ??= e;
      skipped.push({ probe: check.plan.probe, via: check.plan.via, why: e.message + ftraceHint(kernel, check.plan) });
    }
  }
  if (firstError && skipped.length === 1) {
    throw new LabError(firstError.code, `${probeName(spec)} cannot be probed here. ${skipped[0]!.why}`, firstError.detail);
  }
  const missing = reasons.length > 0 && reasons.every((r) => MISSING_CODES.has(r.code) || r.code === 'no-kprobes')
    && reasons.some((r) => MISSING_CODES.has(r.code));
  const why = skipped.map((s) => (skipped.length > 1 ? `${s.probe} (${s.via}): ${s.why}` : s.why)).join(' ');
  const hint = spec.kind === 'catalog' && spec.id === 'memcpy'
    ? ' The default probe, auto, picks the closest one that works here.' : '';
  throw new LabError(missing ? 'bad-probe' : 'not-probeable', `${probeName(spec)} cannot be probed here. ${why}${hint}`,
    firstError?.detail);
}
