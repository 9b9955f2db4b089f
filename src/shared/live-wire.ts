/**
 * The live events of `bpf-lab serve` on the wire: one streamed HTTP response (read with fetch),
 * in the helper's framing (framing.ts). Each event is a JSON frame, except that a `frame` event's
 * trace records do not go into its JSON: they follow it as binary frames, one per trace batch,
 * in the order of its `traces`, and the reader puts them back. So the records cross as the
 * bytes they are, and the page checks each batch once (lab-api.ts), never each event.
 *
 * Electron needs none of this: IPC carries the records as a Uint8Array as they are.
 */
import { binaryFrameLength, encodeFrame, FRAME_HEADER, FrameDecoder } from './framing.js';
import type { LiveEvent } from './lab-api.js';

/** A frame's limit on this stream: a batch of 50,000 records is 2.8 MB. */
export const LIVE_MAX_FRAME_BYTES = 4 << 20;

/** The server's keep-alive, which the reader drops. */
export const HEARTBEAT = { type: 'heartbeat' } as const;

/**
 * An event as the chunks to write: its JSON frame, then one binary frame per trace batch, each
 * its length word and then the batch's records themselves (written as they are, not copied).
 */
export function encodeLive(event: LiveEvent | typeof HEARTBEAT): Uint8Array[] {
  if (event.type !== 'frame' || event.traces.length === 0) return [encodeFrame(event, LIVE_MAX_FRAME_BYTES)];
  const json = { ...event, traces: event.traces.map(({ records: _records, ...rest }) => rest) };
  return [encodeFrame(json, LIVE_MAX_FRAME_BYTES), ...event.traces.flatMap(({ records }) => {
    const length = new Uint8Array(FRAME_HEADER);
    binaryFrameLength(length, records.length, LIVE_MAX_FRAME_BYTES);
    return [length, records];
  })];
}

/**
 * Reads the stream back into events (still unchecked: the LabApi validates each one). A stream
 * that breaks the format yields one error line and is read on from the next event.
 */
export class LiveDecoder {
  private readonly frames = new FrameDecoder(LIVE_MAX_FRAME_BYTES);
  /** A frame event waiting for its batches' records. */
  private waiting: { event: { traces: Array<Record<string, unknown>> }; next: number } | null = null;
  /** A break was said: records that follow it, up to the next event, belong to it and pass quietly. */
  private broke = false;

  push(chunk: Uint8Array): unknown[] {
    const out: unknown[] = [];
    const broken = (why: string): void => {
      this.broke = true;
      this.waiting = null;
      out.push({ type: 'log', level: 'error', message: `the live stream from bpf-lab serve is malformed: ${why}` });
    };
    for (const frame of this.frames.push(chunk)) {
      if (!frame.ok) {
        broken(frame.error);
      } else if ('binary' in frame) {
        if (!this.waiting && this.broke) continue;
        if (!this.waiting) {
          broken('trace records with no frame before them');
          continue;
        }
        const { event } = this.waiting;
        event.traces[this.waiting.next++]!.records = frame.binary;
        if (this.waiting.next === event.traces.length) {
          this.waiting = null;
          out.push(event);
        }
      } else {
        if (this.waiting) broken('a frame\'s trace records are missing');
        this.broke = false;
        const message = frame.message as { type?: unknown; traces?: unknown } | null;
        if (message?.type === HEARTBEAT.type) continue;
        const traces = message?.type === 'frame' && Array.isArray(message.traces) ? message.traces : [];
        if (traces.length > 0 && traces.every((t) => typeof t === 'object' && t !== null)) {
          this.waiting = { event: message as { traces: Array<Record<string, unknown>> }, next: 0 };
        } else {
          out.push(message);
        }
      }
    }
    return out;
  }
}
