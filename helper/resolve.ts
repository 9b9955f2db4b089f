/**
 * Turns a probe spec into attach plans this kernel should accept, checking each
 * candidate first (does the function exist, may kprobes touch it, does the
 * tracepoint field exist) and explaining every refusal in plain words.
 */
import { probeName, type ProbeSpec } from '../src/shared/probes.js';
import type { Reason } from '../src/shared/protocol.js';
import { AUTO_ORDER, catalogEntry, type Candidate } from './catalog.js';
import type { Kernel } from './kernel.js';
import { resolveLibcFunction } from './libc-function.js';
import { elfProblem } from './elf-file.js';

export type AttachPoint =
  | { kind: 'kprobe'; func: string }
  | { kind: 'tracepoint'; category: string; event: string }
  | { kind: 'uprobe'; path: string; offset: number }
  | { kind: 'uprobe-symbol'; path: string; symbol: string };

export interface AttachPlan {
  /** The catalog id or custom spec this plan serves. */
  probe: string;
  /** How it is attached, for people: "kprobe __check_object_size, argument 2". */
  via: string;
  program: 'kprobe' | 'tracepoint';
  point: AttachPoint;
  argIndex: number;
  fieldOffset: number;
  fieldSize: 0 | 1 | 2 | 4 | 8;
}

export type Check =
  | { ok: true; plan: AttachPlan }
  | { ok: false; probe: string; via: string; reasons: Reason[] };

const MEMCPY_FAMILY = new Set(['memcpy', '__memcpy', 'memmove', '__memmove', 'memset', '__memset']);

function noinstrReason(func: string, alias?: string): Reason {
  const history = MEMCPY_FAMILY.has(func)
    ? ' On x86-64 the kernel\'s memcpy has lived there since Linux 5.8, so the learn-bpf demo\'s probe no longer works.'
    : '';
  const name = alias ? `${func}() (here an alias of ${alias}())` : `${func}()`;
  return {
    code: 'noinstr',
    message: `${name} sits in .noinstr.text, code the kernel must run without instrumentation, `
      + `and kprobes refuse every address in it.${history}`,
  };
}

/**
 * Static checks for a kprobe on `func`; an empty list means it should attach.
 * Some kernels (6.1 on x86-64) list only `__memcpy`, with `memcpy` as an alias
 * that kallsyms omits; the refusal is then explained through the alias.
 */
export function kprobeReasons(kernel: Kernel, func: string): Reason[] {
  const reasons: Reason[] = [];
  const alias = `__${func}`;
  if (kernel.functionAddress(func) === undefined) {
    reasons.push(kernel.functionAddress(alias) !== undefined && kernel.inNoinstr(alias)
      ? noinstrReason(func, alias)
      : { code: 'no-such-function', message: `This kernel has no function named ${func}().` });
  } else if (kernel.inNoinstr(func)) {
    reasons.push(noinstrReason(func));
  } else if (kernel.blacklisted(func)) {
    reasons.push({ code: 'blacklisted', message: `${func}() is on the kernel's kprobe blacklist.` });
  }
  if (!kernel.hasKprobes) {
    reasons.push({
      code: 'no-kprobes',
      message: 'This kernel was built without kprobes (CONFIG_KPROBES is off), so no kernel function can be probed.',
    });
  }
  return reasons;
}

function checkTracepoint(
  kernel: Kernel, probe: string, c: Extract<Candidate, { kind: 'tracepoint' }>,
): Check | Failure {
  const fields = kernel.tracepointFields(c.category, c.event);
  if (!fields) {
    const code = kernel.tracefs ? 'no-such-tracepoint' : 'no-tracefs';
    return { ok: false, reasons: [{ code, message: `This kernel has no tracepoint ${c.category}:${c.event}.` }] };
  }
  // Sizes are unsigned: a signed field (a return value, say) would put -1 in the top bucket.
  const field = fields.find((f) => f.name === c.field);
  const usable = fields.filter((f) => !f.name.startsWith('common_') && [1, 2, 4, 8].includes(f.size)
    && !f.type.includes('[') && !f.type.includes('*') && !f.signed);
  if (!field || !usable.includes(field)) {
    const list = usable.map((f) => f.name).join(', ') || 'none';
    const what = !field ? 'has no field' : field.signed ? 'has a signed field' : 'has a non-numeric field';
    return {
      ok: false,
      reasons: [{
        code: 'no-such-field',
        message: `${c.category}:${c.event} ${what} ${c.field}; unsigned numeric fields: ${list}.`,
      }],
    };
  }
  return {
    ok: true,
    plan: {
      probe, via: viaOf(c), program: 'tracepoint',
      point: { kind: 'tracepoint', category: c.category, event: c.event },
      argIndex: 0, fieldOffset: field.offset, fieldSize: field.size as 1 | 2 | 4 | 8,
    },
  };
}

const NO_UPROBES: Reason = { code: 'no-uprobes', message: 'This kernel was built without uprobes.' };
const NO_BTF: Reason = {
  code: 'no-btf',
  message: 'This kernel has no BTF (/sys/kernel/btf/vmlinux), which BPF Lab\'s CO-RE programs need to load.',
};

/** How a candidate attaches, for people. */
function viaOf(c: Candidate): string {
  switch (c.kind) {
    case 'kprobe': return `kprobe ${c.func}(), argument ${c.arg}`;
    case 'tracepoint': return `tracepoint ${c.category}:${c.event}, field ${c.field}`;
    case 'libc': return `uprobe on libc's ${c.symbol}, argument ${c.arg}`;
  }
}

function checkCandidate(kernel: Kernel, probe: string, c: Candidate): Check {
  const check: Check | Failure = kernel.hasBtf ? checkCandidateInner(kernel, probe, c) : { ok: false, reasons: [NO_BTF] };
  return check.ok ? check : { ...check, probe, via: viaOf(c) };
}

type Failure = { ok: false; reasons: Reason[] };

function checkCandidateInner(kernel: Kernel, probe: string, c: Candidate): Check | Failure {
  switch (c.kind) {
    case 'kprobe': {
      const reasons = kprobeReasons(kernel, c.func);
      if (reasons.length) return { ok: false, reasons };
      return {
        ok: true,
        plan: {
          probe, via: viaOf(c), program: 'kprobe',
          point: { kind: 'kprobe', func: c.func }, argIndex: c.arg, fieldOffset: 0, fieldSize: 0,
        },
      };
    }
    case 'tracepoint':
      return checkTracepoint(kernel, probe, c);
    case 'libc': {
      if (!kernel.hasUprobes) return { ok: false, reasons: [NO_UPROBES] };
      const at = resolveLibcFunction(c.symbol);
      if (!at) return { ok: false, reasons: [{ code: 'no-such-symbol', message: `libc has no ${c.symbol}().` }] };
      return {
        ok: true,
        plan: {
          probe, via: `uprobe ${at.path}+0x${at.offset.toString(16)} (the ${c.symbol} glibc picked for this CPU), `
            + `argument ${c.arg}`,
          program: 'kprobe', point: { kind: 'uprobe', path: at.path, offset: at.offset },
          argIndex: c.arg, fieldOffset: 0, fieldSize: 0,
        },
      };
    }
  }
}

function checkCustomUprobe(kernel: Kernel, spec: Extract<ProbeSpec, { kind: 'uprobe' }>): Check {
  const [probe, via] = [probeName(spec), `uprobe ${spec.path}:${spec.symbol}, argument ${spec.arg}`];
  if (!kernel.hasBtf) return { ok: false, probe, via, reasons: [NO_BTF] };
  if (!kernel.hasUprobes) return { ok: false, probe, via, reasons: [NO_UPROBES] };
  // The attach checks again, on the descriptor it attaches (elf-file.ts's withElf).
  const problem = elfProblem(spec.path);
  if (problem) return { ok: false, probe, via, reasons: [problem] };
  return {
    ok: true,
    plan: {
      probe, via, program: 'kprobe',
      point: { kind: 'uprobe-symbol', path: spec.path, symbol: spec.symbol },
      argIndex: spec.arg, fieldOffset: 0, fieldSize: 0,
    },
  };
}

/** Every candidate check for a spec, in order of preference. */
export function checkSpec(kernel: Kernel, spec: ProbeSpec): Check[] {
  const name = probeName(spec);
  switch (spec.kind) {
    case 'catalog':
      if (spec.id === 'auto') return AUTO_ORDER.flatMap((id) => checkSpec(kernel, { kind: 'catalog', id }));
      return catalogEntry(spec.id).candidates.map((c) => checkCandidate(kernel, name, c));
    case 'kprobe':
      return [checkCandidate(kernel, name, { kind: 'kprobe', func: spec.func, arg: spec.arg })];
    case 'tracepoint':
      return [checkCandidate(kernel, name, spec)];
    case 'uprobe':
      return [checkCustomUprobe(kernel, spec)];
  }
}

/** The distinct reasons, in order. */
export function uniqueReasons(reasons: Reason[]): Reason[] {
  const seen = new Set<string>();
  return reasons.filter((r) => !seen.has(r.message) && seen.add(r.message));
}

export function uniqueMessages(reasons: Reason[]): string {
  return uniqueReasons(reasons).map((r) => r.message).join(' ');
}

/** Reason codes that mean the probe names nothing on this system (a bad spec, not a refusal). */
export const MISSING_CODES: ReadonlySet<string> = new Set([
  'no-such-function', 'no-such-tracepoint', 'no-such-field', 'no-such-file', 'no-such-symbol', 'not-elf',
]);
