/**
 * Trace events cross from the helper as binary frames: the ring buffer's records as the kernel
 * wrote them, copied once, behind a small typed header. Nothing is decoded or validated per
 * event on the way: the header and the length are checked once per frame, at the trust
 * boundary (readTraceFrame), and each record has a fixed size and layout, so reading a field
 * of record i is a DataView read at a known offset.
 *
 * On the pipe a binary frame is a 4-byte big-endian length with BINARY_FRAME set
 * (framing.ts), then:
 *
 *   0  u32 kind      1: trace records
 *   4  u32 session
 *   8  u32 count     records that follow
 *  12  u32 stride    bytes per record: TRACE_RECORD_STRIDE
 *  16  f64 first     how many records of this session came before this frame
 *  24  f64 kernel    records the kernel could not queue so far (full ring buffer)
 *  32  f64 helper    records the helper took from the ring but could not send so far
 *  40  count × stride bytes: each an 8-byte ring header (ignored), then struct trace_event
 *      (bpf/trace.h): u64 ts_ns, u64 size, u32 pid, u32 tid, u32 cpu, char comm[16], u32 pad.
 *
 * Runtime-neutral: Uint8Array and DataView only.
 */

export const TRACE_FRAME_KIND = 1;
export const TRACE_FRAME_HEADER = 40;
/** sizeof(struct trace_event). */
export const TRACE_EVENT_BYTES = 48;
/** The BPF ring buffer's header before each record (kernel/bpf/ringbuf.c). */
export const RING_RECORD_HEADER = 8;

/** The bytes a record of `size` bytes takes in a BPF ring buffer: header included, 8-byte aligned. */
export function ringRecordStride(size: number): number {
  return (size + RING_RECORD_HEADER + 7) & ~7;
}

/** One record as it crosses: the ring's header and the event, as the ring holds it. */
export const TRACE_RECORD_STRIDE = ringRecordStride(TRACE_EVENT_BYTES);

/** Where each field of struct trace_event starts, from the start of the event. */
export const EVENT_FIELD = { tsNs: 0, size: 8, pid: 16, tid: 20, cpu: 24, comm: 28 } as const;
/** TRACE_COMM_LEN: the comm's bytes, NUL-terminated unless all 16 are used. */
export const COMM_LEN = 16;

/** One record, decoded: only for the few that are shown (a trace list's rows on screen). */
export interface TraceEvent {
  /** Microseconds since boot (CLOCK_MONOTONIC), as the demo's trace lines show it. */
  tsUs: number;
  cpu: number;
  pid: number;
  tid: number;
  comm: string;
  /** Decimal digits: a u64 may not fit a JS number exactly. */
  size: string;
}

/** One frame of trace records, checked: every record is whole and readable. */
export interface TraceFrame {
  type: 'trace';
  session: number;
  count: number;
  /** How many records of the session came before this frame (a gap means a refused frame). */
  first: number;
  /** Records lost so far, where each was lost: never queued by the kernel, or not sent by the helper. */
  lost: { kernel: number; helper: number };
  /** count × TRACE_RECORD_STRIDE bytes. */
  records: Uint8Array;
  view: DataView;
}

/**
 * The frame body (without the 4-byte length) for `count` records, with room for them after the
 * header: the caller copies the records in at TRACE_FRAME_HEADER.
 */
export function traceFrameHeader(body: Uint8Array, session: number, count: number, first: number, kernel: number, helper: number): void {
  const v = new DataView(body.buffer, body.byteOffset, TRACE_FRAME_HEADER);
  v.setUint32(0, TRACE_FRAME_KIND, true);
  v.setUint32(4, session, true);
  v.setUint32(8, count, true);
  v.setUint32(12, TRACE_RECORD_STRIDE, true);
  v.setFloat64(16, first, true);
  v.setFloat64(24, kernel, true);
  v.setFloat64(32, helper, true);
}

const count = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

/** Checks a binary frame's header against its length, once; a string says what is wrong. */
export function readTraceFrame(body: Uint8Array): TraceFrame | string {
  if (body.length < TRACE_FRAME_HEADER) return `a binary frame of ${body.length} bytes is shorter than its header`;
  const v = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const kind = v.getUint32(0, true);
  if (kind !== TRACE_FRAME_KIND) return `binary frame of unknown kind ${kind}`;
  const [session, n, stride] = [v.getUint32(4, true), v.getUint32(8, true), v.getUint32(12, true)];
  const [first, kernel, helper] = [v.getFloat64(16, true), v.getFloat64(24, true), v.getFloat64(32, true)];
  if (stride !== TRACE_RECORD_STRIDE) return `trace records of ${stride} bytes, want ${TRACE_RECORD_STRIDE}`;
  if (TRACE_FRAME_HEADER + n * stride !== body.length) return `a frame of ${body.length} bytes cannot hold ${n} records`;
  if (session < 1 || !count(first) || !count(kernel) || !count(helper)) return 'a trace frame\'s header is out of range';
  const records = body.subarray(TRACE_FRAME_HEADER);
  return {
    type: 'trace', session, count: n, first, lost: { kernel, helper },
    records, view: new DataView(records.buffer, records.byteOffset, records.byteLength),
  };
}

/** Where record i's event starts in the frame's records. */
export const eventAt = (i: number): number => i * TRACE_RECORD_STRIDE + RING_RECORD_HEADER;

/** Record i's timestamp in microseconds since boot, truncated as the demo prints it; exact, without BigInt. */
export function recordTsUs(view: DataView, i: number): number {
  const at = eventAt(i) + EVENT_FIELD.tsNs;
  // ns = high × 2^32 + low, and 2^32 = 4294967 × 1000 + 296.
  const high = view.getUint32(at + 4, true);
  const low = view.getUint32(at, true);
  return high * 4294967 + Math.floor((high * 296 + low) / 1000);
}

/** Record i's size in decimal, exact for any u64; BigInt only past 2^53. */
export function recordSizeText(view: DataView, i: number): string {
  const at = eventAt(i) + EVENT_FIELD.size;
  const high = view.getUint32(at + 4, true);
  return high < 0x200000 ? String(high * 4294967296 + view.getUint32(at, true)) : view.getBigUint64(at, true).toString();
}

export const recordPid = (view: DataView, i: number): number => view.getUint32(eventAt(i) + EVENT_FIELD.pid, true);
export const recordTid = (view: DataView, i: number): number => view.getUint32(eventAt(i) + EVENT_FIELD.tid, true);
export const recordCpu = (view: DataView, i: number): number => view.getUint32(eventAt(i) + EVENT_FIELD.cpu, true);

const utf8 = new TextDecoder();

/** Record i's comm: the bytes up to the first NUL. */
export function recordComm(records: Uint8Array, i: number): string {
  const at = eventAt(i) + EVENT_FIELD.comm;
  let end = at;
  while (end < at + COMM_LEN && records[end] !== 0) end++;
  return utf8.decode(records.subarray(at, end));
}

/** Record i of `records` (and `view` over the same bytes) as an object: for a row on screen, or a test. */
export function recordEvent(records: Uint8Array, view: DataView, i: number): TraceEvent {
  return {
    tsUs: recordTsUs(view, i), cpu: recordCpu(view, i), pid: recordPid(view, i), tid: recordTid(view, i),
    comm: recordComm(records, i), size: recordSizeText(view, i),
  };
}

/** The frame's records as objects: for tests, which compare them with what went in. */
export function traceEvents(frame: TraceFrame, from = 0, to = frame.count): TraceEvent[] {
  const out: TraceEvent[] = [];
  for (let i = from; i < to; i++) out.push(recordEvent(frame.records, frame.view, i));
  return out;
}
