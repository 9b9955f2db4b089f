/** Decodes struct trace_event (bpf/trace.h) from ring buffer samples. */
import type { TraceEvent } from '../src/shared/protocol.js';

export const TRACE_EVENT_SIZE = 48;
const COMM_OFFSET = 28;
const COMM_LEN = 16;

export function decodeTraceEvent(bytes: Uint8Array): TraceEvent {
  if (bytes.length < TRACE_EVENT_SIZE) throw new Error(`trace sample of ${bytes.length} bytes, want ${TRACE_EVENT_SIZE}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const comm = bytes.subarray(COMM_OFFSET, COMM_OFFSET + COMM_LEN);
  const end = comm.indexOf(0);
  return {
    tsUs: Number(view.getBigUint64(0, true) / 1000n),
    size: view.getBigUint64(8, true).toString(),
    pid: view.getUint32(16, true),
    tid: view.getUint32(20, true),
    cpu: view.getUint32(24, true),
    comm: new TextDecoder().decode(end < 0 ? comm : comm.subarray(0, end)),
  };
}
