/**
 * Probe specs: which probe a client asks for. Catalog ids name the built-in
 * probes; the other kinds are custom probes. Parsing the CLI's spelling and
 * printing a spec back live here, shared by the CLI, the app and the helper.
 */

export const CATALOG_IDS = [
  'auto', 'memcpy', 'usercopy', 'libc-memcpy', 'kmalloc', 'read', 'write', 'vfs-read',
] as const;
export type CatalogId = (typeof CATALOG_IDS)[number];


export type ProbeSpec =
  | { kind: 'catalog'; id: CatalogId }
  | { kind: 'kprobe'; func: string; arg: number }
  | { kind: 'tracepoint'; category: string; event: string; field: string }
  | { kind: 'uprobe'; path: string; symbol: string; arg: number };

/** Kernel symbols may carry compiler suffixes such as .isra.0 or .constprop.0. */
export const KERNEL_SYMBOL = /^[A-Za-z_][A-Za-z0-9_.]{0,127}$/;
export const TRACE_NAME = /^[A-Za-z0-9_]{1,64}$/;
export const USER_SYMBOL = /^[A-Za-z_][A-Za-z0-9_.@$]{0,255}$/;
export const MAX_ARG = 6;
/** The largest pid Linux hands out (PID_MAX_LIMIT on 64-bit). */
export const MAX_PID = 4_194_304;

/** A pid typed by a person (decimal, 1 to MAX_PID), or null when it is not one. */
export function parsePid(text: string): number | null {
  return /^[1-9]\d{0,6}$/.test(text) && Number(text) <= MAX_PID ? Number(text) : null;
}

function argNumber(text: string, what: string): number {
  if (!/^[1-9]$/.test(text) || Number(text) > MAX_ARG) {
    throw new Error(`bad ${what}: the argument number must be 1 to ${MAX_ARG}, not "${text}"`);
  }
  return Number(text);
}

/** `FUNC:N`: a kernel function and the argument holding the size. */
export function parseKprobe(text: string): ProbeSpec {
  const m = /^([^:]+):([^:]+)$/.exec(text);
  if (!m || !KERNEL_SYMBOL.test(m[1]!)) throw new Error(`bad --kprobe "${text}": use FUNCTION:ARG, e.g. vfs_read:3`);
  return { kind: 'kprobe', func: m[1]!, arg: argNumber(m[2]!, `--kprobe "${text}"`) };
}

/** `CATEGORY:EVENT:FIELD`: a tracepoint and the numeric field holding the size. */
export function parseTracepoint(text: string): ProbeSpec {
  const parts = text.split(':');
  if (parts.length !== 3 || !parts.every((p) => TRACE_NAME.test(p))) {
    throw new Error(`bad --tracepoint "${text}": use CATEGORY:EVENT:FIELD, e.g. kmem:kmalloc:bytes_req`);
  }
  const [category, event, field] = parts as [string, string, string];
  return { kind: 'tracepoint', category, event, field };
}

/** `PATH:SYMBOL:N`: a binary or library, a function in it, and the size argument. */
export function parseUprobe(text: string): ProbeSpec {
  const m = /^(\/[^:\0]+):([^:]+):([^:]+)$/.exec(text);
  if (!m || !USER_SYMBOL.test(m[2]!)) {
    throw new Error(`bad --uprobe "${text}": use /ABSOLUTE/PATH:SYMBOL:ARG, e.g. /usr/lib/x86_64-linux-gnu/libc.so.6:strlen:1`);
  }
  return { kind: 'uprobe', path: m[1]!, symbol: m[2]!, arg: argNumber(m[3]!, `--uprobe "${text}"`) };
}

export function parseCatalogId(text: string): ProbeSpec {
  if (!(CATALOG_IDS as readonly string[]).includes(text)) {
    throw new Error(`unknown probe "${text}": choose one of ${CATALOG_IDS.join(', ')}`);
  }
  return { kind: 'catalog', id: text as CatalogId };
}

/** A short name for a spec, as shown in tables, JSON and the app. */
export function probeName(spec: ProbeSpec): string {
  switch (spec.kind) {
    case 'catalog': return spec.id;
    case 'kprobe': return `kprobe:${spec.func}:${spec.arg}`;
    case 'tracepoint': return `tracepoint:${spec.category}:${spec.event}:${spec.field}`;
    case 'uprobe': return `uprobe:${spec.path}:${spec.symbol}:${spec.arg}`;
  }
}

/** The reason code of a catalog probe kept for root (and instructors): it would count other users' work. */
export const NEEDS_ROOT = 'needs-root';

/** The start notice that says why auto passed over a probe (helper/attach.ts writes it, one per probe). */
export function skippedProbeNotice(probe: string, why: string): string {
  return `${probe} cannot be used here. ${why}`;
}

/** Whether a start notice is one of those: the app folds them under Why?, next to auto's choice. */
export function isSkippedProbeNotice(notice: string): boolean {
  return /^\S+ cannot be used here\. /.test(notice);
}
