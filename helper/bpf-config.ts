/**
 * Byte layouts of the .rodata config structs in bpf/size_source.h, bpf/hist.h
 * and bpf/trace.h. BpfObject.setRodata() checks the total size against the object.
 */
import { bucketCount, type Layout } from '../src/shared/buckets.js';
import type { Target } from './attach.js';
import type { ObjectName } from './bpf-object.js';
import type { AttachPlan } from './resolve.js';

/** Where the size comes from and whose events count (struct size_source). */
export interface SizeSource {
  targetTgid: number;
  selfTgid: number;
  clientTgid: number;
  argIndex: number;
  fieldOffset: number;
  fieldSize: 0 | 1 | 2 | 4 | 8;
  armOnExec: boolean;
  /** ANY_UID, or only the tasks of a caller who is not root: this uid and onlyGid, by ptrace's rule (bpf/size_source.h). */
  onlyUid: number;
  /** The caller's gid (CallerPolicy.scope); unread when onlyUid is ANY_UID. */
  onlyGid: number;
}

const SOURCE_SIZE = 36;
/** Both config structs hold u64s (hist_config's bounds, trace_event's timestamp), so they align to 8. */
const align8 = (n: number): number => Math.ceil(n / 8) * 8;
/** Where hist_config's u64 min, max and step start, after the source, kind and nbuckets. */
const HIST_BOUNDS = align8(SOURCE_SIZE + 8);
/** A tgid no task has (pid_max is at most 2^22). */
const NO_TGID = 0xffffffff;
/** SOURCE_ANY_UID: (uid_t)-1 is no user's uid. */
export const ANY_UID = 0xffffffff;

/**
 * The helper's client, whose work is never counted: the process that started the helper. ppid 0
 * (a parent outside our pid namespace) or 1 names no client; 0 would match idle-CPU hits. A helper
 * inside a root bpf-lab (in-process.ts) is its own client, and its parent (a shell, sudo) is not.
 */
let clientTgid = (): number => (process.ppid > 1 ? process.ppid : NO_TGID);

/** For a helper that runs inside its client's process: the process itself is the client. */
export function helperInsideClient(): void {
  clientTgid = () => NO_TGID;
}

/** The source for a plan: only the target's (and the caller's own, when scoped) events, never the helper's or its client's. */
export function sizeSource(plan: AttachPlan, target: Target): SizeSource {
  return {
    targetTgid: target.pid ?? 0, selfTgid: process.pid, clientTgid: clientTgid(),
    argIndex: plan.argIndex, fieldOffset: plan.fieldOffset, fieldSize: plan.fieldSize,
    armOnExec: Boolean(target.pid && target.armOnExec),
    onlyUid: target.owner?.uid ?? ANY_UID,
    onlyGid: target.owner?.gid ?? ANY_UID,
  };
}
const HIST_KINDS = { seed: 0, log2: 1, linear: 2 } as const;

function writeSource(view: DataView, src: SizeSource): void {
  const fields = [src.targetTgid, src.selfTgid, src.clientTgid, src.argIndex, src.fieldOffset, src.fieldSize,
    src.armOnExec ? 1 : 0, src.onlyUid, src.onlyGid];
  fields.forEach((value, i) => view.setUint32(4 * i, value, true));
}

/** struct hist_config: the source, then kind, nbuckets, min, max, step. */
export function encodeHistConfig(src: SizeSource, layout: Layout): Uint8Array {
  const bytes = new Uint8Array(HIST_BOUNDS + 24);
  const view = new DataView(bytes.buffer);
  writeSource(view, src);
  view.setUint32(SOURCE_SIZE, HIST_KINDS[layout.kind], true);
  view.setUint32(SOURCE_SIZE + 4, bucketCount(layout), true);
  if (layout.kind === 'linear') {
    view.setBigUint64(HIST_BOUNDS, layout.min, true);
    view.setBigUint64(HIST_BOUNDS + 8, layout.max, true);
    view.setBigUint64(HIST_BOUNDS + 16, layout.step, true);
  }
  return bytes;
}

/** struct trace_config: just the source. */
export function encodeTraceConfig(src: SizeSource): Uint8Array {
  const bytes = new Uint8Array(align8(SOURCE_SIZE));
  writeSource(new DataView(bytes.buffer), src);
  return bytes;
}

/** One field of a config struct as it sits in the loaded .rodata, named as in the C source. */
export interface ConfigField {
  name: string;
  /** Decimal: a u64 may not fit a JS number. */
  value: string;
}

const SOURCE_FIELDS = ['target_tgid', 'self_tgid', 'client_tgid', 'arg_index', 'field_offset', 'field_size', 'arm_on_exec', 'only_uid', 'only_gid'];

/**
 * The loaded .rodata of an object, field by field (the inverse of encodeHistConfig and
 * encodeTraceConfig), for the Lab's map view: what the program was told before it was loaded.
 */
export function decodeConfig(object: ObjectName, bytes: Uint8Array): ConfigField[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fields = SOURCE_FIELDS.map((name, i) => ({ name: `src.${name}`, value: String(view.getUint32(4 * i, true)) }));
  if (object === 'hist' && bytes.length >= HIST_BOUNDS + 24) {
    fields.push(
      { name: 'kind', value: String(view.getUint32(SOURCE_SIZE, true)) },
      { name: 'nbuckets', value: String(view.getUint32(SOURCE_SIZE + 4, true)) },
      ...['min', 'max', 'step'].map((name, i) => ({ name, value: view.getBigUint64(HIST_BOUNDS + 8 * i, true).toString() })),
    );
  }
  return fields;
}
