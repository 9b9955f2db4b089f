/**
 * The custom probe form (kprobe, tracepoint, uprobe): its fields, and the
 * check that runs before anything is sent. Each field is checked with the
 * shared patterns the CLI and the helper use, and the finished spec with the
 * contract's own schema, so what passes here is what the backend accepts.
 */
import { probeSpecSchema } from '../shared/protocol.js';
import { KERNEL_SYMBOL, MAX_ARG, TRACE_NAME, USER_SYMBOL, type ProbeSpec } from '../shared/probes.js';

export const CUSTOM_KINDS = ['kprobe', 'tracepoint', 'uprobe'] as const;
export type CustomKind = (typeof CUSTOM_KINDS)[number];

export interface CustomProbeInput {
  kind: CustomKind;
  func: string;
  kprobeArg: string;
  category: string;
  event: string;
  field: string;
  path: string;
  symbol: string;
  uprobeArg: string;
}

export type CustomField = Exclude<keyof CustomProbeInput, 'kind'>;
export type CustomErrors = Partial<Record<CustomField | 'spec', string>>;

export const EMPTY_CUSTOM: CustomProbeInput = {
  kind: 'kprobe', func: '', kprobeArg: '', category: '', event: '', field: '', path: '', symbol: '', uprobeArg: '',
};

/** The fields each kind uses, in form order. */
export const KIND_FIELDS: Record<CustomKind, CustomField[]> = {
  kprobe: ['func', 'kprobeArg'],
  tracepoint: ['category', 'event', 'field'],
  uprobe: ['path', 'symbol', 'uprobeArg'],
};

function argument(text: string): number | string {
  const t = text.trim();
  if (t === '') return `Which argument holds the size: 1 to ${MAX_ARG}.`;
  if (!/^[1-9]$/.test(t) || Number(t) > MAX_ARG) return `The argument number must be 1 to ${MAX_ARG}, not "${t}".`;
  return Number(t);
}

function named(text: string, pattern: RegExp, what: string, example: string, rule: string): string | null {
  const t = text.trim();
  if (t === '') return `Enter a ${what}, e.g. ${example}.`;
  return pattern.test(t) ? null : `Not a valid ${what}: ${rule}`;
}

const KERNEL_RULE = 'letters, digits, _ and . only, starting with a letter or _, at most 128 characters.';
const TRACE_RULE = 'letters, digits and _ only, at most 64 characters.';
const USER_RULE = 'letters, digits and _ . @ $ only, starting with a letter or _.';

/**
 * Checks the fields of the chosen kind. Returns the spec when all is well,
 * otherwise null and one message per field that is wrong.
 */
export function validateCustom(input: CustomProbeInput): { spec: ProbeSpec | null; errors: CustomErrors } {
  const errors: CustomErrors = {};
  const put = (field: CustomField, message: string | null): void => {
    if (message) errors[field] = message;
  };
  let spec: ProbeSpec | null = null;
  if (input.kind === 'kprobe') {
    const arg = argument(input.kprobeArg);
    put('func', named(input.func, KERNEL_SYMBOL, 'kernel function', 'vfs_read', KERNEL_RULE));
    if (typeof arg === 'string') put('kprobeArg', arg);
    else spec = { kind: 'kprobe', func: input.func.trim(), arg };
  } else if (input.kind === 'tracepoint') {
    put('category', named(input.category, TRACE_NAME, 'tracepoint category', 'kmem', TRACE_RULE));
    put('event', named(input.event, TRACE_NAME, 'tracepoint event', 'kmalloc', TRACE_RULE));
    put('field', named(input.field, TRACE_NAME, 'numeric field of the event', 'bytes_req', TRACE_RULE));
    spec = { kind: 'tracepoint', category: input.category.trim(), event: input.event.trim(), field: input.field.trim() };
  } else {
    const path = input.path.trim();
    const arg = argument(input.uprobeArg);
    if (path === '') put('path', 'Enter the absolute path of a binary or library, e.g. /usr/lib/x86_64-linux-gnu/libc.so.6.');
    else if (!path.startsWith('/') || path.length < 2) put('path', 'The path must be absolute: it starts with /.');
    else if (path.length > 4096 || path.includes('\0')) put('path', 'That path is too long or contains a NUL byte.');
    put('symbol', named(input.symbol, USER_SYMBOL, 'function symbol', 'strlen', USER_RULE));
    if (typeof arg === 'string') put('uprobeArg', arg);
    else spec = { kind: 'uprobe', path, symbol: input.symbol.trim(), arg };
  }
  if (Object.keys(errors).length > 0) return { spec: null, errors };
  const checked = probeSpecSchema.safeParse(spec);
  if (!checked.success) return { spec: null, errors: { spec: checked.error.issues[0]?.message ?? 'invalid probe' } };
  return { spec: checked.data as ProbeSpec, errors };
}
