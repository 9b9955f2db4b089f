// Builds binary trace frames (src/shared/trace-frame.ts) from events, as the helper would send
// them, for tests of what reads them: the fake helper, the CLI's output, the app's backend.
import {
  readTraceFrame, RING_RECORD_HEADER, TRACE_FRAME_HEADER, TRACE_RECORD_STRIDE, traceFrameHeader, type TraceFrame,
} from '../../src/shared/trace-frame.js';
import type { TraceEvent } from '../../src/shared/protocol.js';

/** The frame body for `events` (comm written as UTF-8, cut at 15 bytes as the kernel does). */
export function traceFrameBody(session: number, events: TraceEvent[], lost = { kernel: 0, helper: 0 }, first = 0): Uint8Array {
  const body = new Uint8Array(TRACE_FRAME_HEADER + events.length * TRACE_RECORD_STRIDE);
  traceFrameHeader(body, session, events.length, first, lost.kernel, lost.helper);
  events.forEach((e, i) => {
    const at = TRACE_FRAME_HEADER + i * TRACE_RECORD_STRIDE + RING_RECORD_HEADER;
    const v = new DataView(body.buffer, at);
    v.setBigUint64(0, BigInt(e.tsUs) * 1000n, true);
    v.setBigUint64(8, BigInt(e.size), true);
    v.setUint32(16, e.pid, true);
    v.setUint32(20, e.tid, true);
    v.setUint32(24, e.cpu, true);
    body.set(new TextEncoder().encode(e.comm).subarray(0, 15), at + 28);
  });
  return body;
}

export function traceFrame(session: number, events: TraceEvent[], lost = { kernel: 0, helper: 0 }, first = 0): TraceFrame {
  const frame = readTraceFrame(traceFrameBody(session, events, lost, first));
  if (typeof frame === 'string') throw new Error(frame);
  return frame;
}

/** Just the records of `events`, as a trace batch carries them to the page. */
export function traceRecords(events: TraceEvent[]): Uint8Array<ArrayBuffer> {
  return traceFrameBody(1, events).slice(TRACE_FRAME_HEADER);
}
