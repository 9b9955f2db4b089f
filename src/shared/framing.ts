/**
 * Length-prefixed frames for the helper's stdio: a 4-byte big-endian length,
 * then that many bytes of UTF-8 JSON. Runtime-neutral (Uint8Array only).
 */
const HEADER = 4;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeFrame(message: unknown): Uint8Array {
  const body = encoder.encode(JSON.stringify(message));
  const frame = new Uint8Array(HEADER + body.length);
  new DataView(frame.buffer).setUint32(0, body.length, false);
  frame.set(body, HEADER);
  return frame;
}

/** One decoded frame: the parsed JSON, or why it could not be read. */
export type Frame = { ok: true; message: unknown } | { ok: false; error: string };

/**
 * Reassembles frames from arbitrary chunks. A frame over the limit is skipped
 * whole (its length is known), so one bad frame never desynchronises the stream.
 */
export class FrameDecoder {
  private buffered = new Uint8Array(0);
  private skipping = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    let data = concat(this.buffered, chunk);
    for (;;) {
      if (this.skipping > 0) {
        const n = Math.min(this.skipping, data.length);
        this.skipping -= n;
        data = data.subarray(n);
        if (this.skipping > 0) break;
      }
      if (data.length < HEADER) break;
      const length = new DataView(data.buffer, data.byteOffset, HEADER).getUint32(0, false);
      if (length > this.maxBytes) {
        frames.push({ ok: false, error: `frame of ${length} bytes is over the ${this.maxBytes}-byte limit` });
        this.skipping = length;
        data = data.subarray(HEADER);
        continue;
      }
      if (data.length < HEADER + length) break;
      frames.push(parseBody(data.subarray(HEADER, HEADER + length)));
      data = data.subarray(HEADER + length);
    }
    this.buffered = data.slice();
    return frames;
  }

  /** Bytes of an unfinished frame, e.g. to report a truncated stream at close. */
  get pending(): number {
    return this.buffered.length;
  }
}

function parseBody(body: Uint8Array): Frame {
  try {
    return { ok: true, message: JSON.parse(decoder.decode(body)) };
  } catch (e) {
    return { ok: false, error: `frame is not UTF-8 JSON: ${(e as Error).message}` };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
