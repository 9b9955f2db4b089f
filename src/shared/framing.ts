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
 * Reassembles frames from arbitrary chunks. Chunks are queued, not concatenated,
 * so each byte is copied once whatever the chunking. A frame over the limit is
 * skipped whole (its length is known), so one bad frame never desynchronises the
 * stream.
 */
export class FrameDecoder {
  private chunks: Uint8Array[] = [];
  /** Index of the first unread chunk: chunks before it are spent (dropped in bulk, not shifted). */
  private head = 0;
  private length = 0;
  private skipping = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    this.chunks.push(chunk);
    this.length += chunk.length;
    for (;;) {
      if (this.skipping > 0) {
        const n = Math.min(this.skipping, this.length);
        this.take(n, false);
        this.skipping -= n;
        if (this.skipping > 0) break;
      }
      if (this.length < HEADER) break;
      const length = new DataView(this.peekHeader().buffer).getUint32(0, false);
      if (length > this.maxBytes) {
        frames.push({ ok: false, error: `frame of ${length} bytes is over the ${this.maxBytes}-byte limit` });
        this.take(HEADER, false);
        this.skipping = length;
        continue;
      }
      if (this.length < HEADER + length) break;
      this.take(HEADER, false);
      frames.push(parseBody(this.take(length, true)));
    }
    return frames;
  }

  /** Bytes of an unfinished frame, e.g. to report a truncated stream at close. */
  get pending(): number {
    return this.length;
  }

  private peekHeader(): Uint8Array {
    const out = new Uint8Array(HEADER);
    let filled = 0;
    for (let i = this.head; i < this.chunks.length && filled < HEADER; i++) {
      const c = this.chunks[i]!;
      const n = Math.min(HEADER - filled, c.length);
      out.set(c.subarray(0, n), filled);
      filled += n;
    }
    return out;
  }

  /** Removes n queued bytes, returning them when `keep` (else they are just dropped). */
  private take(n: number, keep: boolean): Uint8Array {
    const out = keep ? new Uint8Array(n) : new Uint8Array(0);
    let done = 0;
    while (done < n) {
      const c = this.chunks[this.head]!;
      const k = Math.min(n - done, c.length);
      if (keep) out.set(c.subarray(0, k), done);
      if (k === c.length) this.head++;
      else this.chunks[this.head] = c.subarray(k);
      done += k;
    }
    this.length -= n;
    if (this.head === this.chunks.length) [this.chunks, this.head] = [[], 0];
    else if (this.head > 1024) [this.chunks, this.head] = [this.chunks.slice(this.head), 0];
    return out;
  }
}

function parseBody(body: Uint8Array): Frame {
  try {
    return { ok: true, message: JSON.parse(decoder.decode(body)) };
  } catch (e) {
    return { ok: false, error: `frame is not UTF-8 JSON: ${(e as Error).message}` };
  }
}
