/**
 * The trace view's filters: what the user typed (comm substring, pid, size
 * range), checked field by field, and the predicate the store runs on every
 * record as it arrives, over the record's bytes (no object, no string per event).
 * Sizes are u64: typed bounds are compared as digits, and against records as
 * two 32-bit words, never as floats that would round above 2^53.
 */
import { MAX_PID, parsePid } from '../shared/probes.js';
import { COMM_LEN, EVENT_FIELD, eventAt, recordPid } from '../shared/trace-frame.js';

export interface TraceFilterInput {
  comm: string;
  pid: string;
  minSize: string;
  maxSize: string;
}

export interface TraceFilter {
  /**
   * The substring, with ASCII letters in lower case; '' matches every comm. Records are matched
   * with their ASCII letters folded the same way and every other character exactly.
   */
  comm: string;
  pid: number | null;
  /** Decimal digits without leading zeros, or null for no bound. */
  min: string | null;
  max: string | null;
}

export const NO_FILTER: TraceFilter = { comm: '', pid: null, min: null, max: null };
export const EMPTY_FILTER_INPUT: TraceFilterInput = { comm: '', pid: '', minSize: '', maxSize: '' };

export type FilterErrors = Partial<Record<keyof TraceFilterInput, string>>;

const U64_MAX = '18446744073709551615';

function digits(text: string): string {
  return text.replace(/^0+(?=\d)/, '');
}

/** Compares two decimal digit strings as unsigned integers: <0, 0 or >0. */
export function compareDigits(a: string, b: string): number {
  const x = digits(a);
  const y = digits(b);
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

function sizeBound(text: string): string | null | Error {
  const t = text.trim();
  if (t === '') return null;
  if (!/^\d+$/.test(t)) return new Error('a whole number of bytes, e.g. 64');
  if (compareDigits(t, U64_MAX) > 0) return new Error(`at most ${U64_MAX}`);
  return digits(t);
}

/**
 * Turns the filter fields into a filter. A field with a mistake is left out
 * of the filter (it constrains nothing) and gets an error to show beside it.
 */
export function parseTraceFilter(input: TraceFilterInput): { filter: TraceFilter; errors: FilterErrors } {
  const errors: FilterErrors = {};
  let pid: number | null = null;
  const pidText = input.pid.trim();
  if (pidText !== '') {
    pid = parsePid(pidText);
    if (pid === null) errors.pid = `a process id from 1 to ${MAX_PID}`;
  }
  const min = sizeBound(input.minSize);
  const max = sizeBound(input.maxSize);
  if (min instanceof Error) errors.minSize = min.message;
  if (max instanceof Error) errors.maxSize = max.message;
  const lo = min instanceof Error ? null : min;
  let hi = max instanceof Error ? null : max;
  if (lo !== null && hi !== null && compareDigits(lo, hi) > 0) {
    errors.maxSize = 'must not be below Min size';
    hi = null;
  }
  // Only ASCII letters fold: the same rule as matchesRecord applies to the records' bytes.
  const comm = input.comm.trim().replace(/[A-Z]/g, (c) => c.toLowerCase());
  return { filter: { comm, pid, min: lo, max: hi }, errors };
}

export function isNoFilter(f: TraceFilter): boolean {
  return f.comm === '' && f.pid === null && f.min === null && f.max === null;
}

/** A filter made ready for records: size bounds as 32-bit words, the comm as lower-case bytes. */
export interface RecordFilter {
  pid: number | null;
  min: [number, number] | null;
  max: [number, number] | null;
  comm: Uint8Array;
}

const words = (digits: string | null): [number, number] | null => {
  if (digits === null) return null;
  const v = BigInt(digits);
  return [Number(v >> 32n), Number(v & 0xffffffffn)];
};

export function recordFilter(f: TraceFilter): RecordFilter {
  return { pid: f.pid, min: words(f.min), max: words(f.max), comm: new TextEncoder().encode(f.comm) };
}

/**
 * Whether record `slot` of `bytes` (trace-frame.ts layout) passes the filter; runs once per record
 * as it arrives. The comm matches case-insensitively for ASCII letters, byte for byte otherwise.
 */
export function matchesRecord(f: RecordFilter, bytes: Uint8Array, view: DataView, slot: number): boolean {
  const at = eventAt(slot);
  if (f.pid !== null && recordPid(view, slot) !== f.pid) return false;
  if (f.min !== null || f.max !== null) {
    const hi = view.getUint32(at + EVENT_FIELD.size + 4, true);
    const lo = view.getUint32(at + EVENT_FIELD.size, true);
    if (f.min !== null && (hi < f.min[0] || (hi === f.min[0] && lo < f.min[1]))) return false;
    if (f.max !== null && (hi > f.max[0] || (hi === f.max[0] && lo > f.max[1]))) return false;
  }
  const needle = f.comm;
  if (needle.length === 0) return true;
  const comm = at + EVENT_FIELD.comm;
  let length = 0;
  while (length < COMM_LEN && bytes[comm + length] !== 0) length++;
  search: for (let start = 0; start + needle.length <= length; start++) {
    for (let j = 0; j < needle.length; j++) {
      let c = bytes[comm + start + j]!;
      if (c >= 65 && c <= 90) c += 32;
      if (c !== needle[j]) continue search;
    }
    return true;
  }
  return false;
}

/**
 * True when every event `next` accepts is also accepted by `prev`, so the
 * events already matched can be filtered again instead of scanning the ring.
 */
export function narrows(prev: TraceFilter, next: TraceFilter): boolean {
  return (prev.comm === '' || next.comm.includes(prev.comm))
    && (prev.pid === null || next.pid === prev.pid)
    && (prev.min === null || (next.min !== null && compareDigits(next.min, prev.min) >= 0))
    && (prev.max === null || (next.max !== null && compareDigits(next.max, prev.max) <= 0));
}

export function sameFilter(a: TraceFilter, b: TraceFilter): boolean {
  return a.comm === b.comm && a.pid === b.pid && a.min === b.min && a.max === b.max;
}
