/**
 * Length-prefixed frames for the helper's stdio: a 4-byte big-endian length,
 * then that many bytes of UTF-8 JSON. A length with BINARY_FRAME set is a binary
 * frame instead (trace records, trace-frame.ts), passed on as bytes.
 * Runtime-neutral (Uint8Array only).
 */
const HEADER = 4;
/** The length word's top bit: the body is binary, not JSON. */
export const BINARY_FRAME = 0x80000000;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Largest frame body either side accepts (FrameDecoder's limit on the helper's pipes). */
export const MAX_FRAME_BYTES = 1 << 20;

/** What encodeFrame throws for a message whose frame the reader would refuse. */
export class FrameTooLarge extends Error {
  constructor(readonly bytes: number, readonly limit: number) {
    super(`a frame of ${bytes} bytes is over the ${limit}-byte limit`);
    this.name = 'FrameTooLarge';
  }
}

/**
 * One message as a frame. It throws FrameTooLarge rather than build a frame over `limit`,
 * since the reader would refuse it, and a refused reply would look like a broken helper.
 */
export function encodeFrame(message: unknown, limit = MAX_FRAME_BYTES): Uint8Array {
  const body = encoder.encode(JSON.stringify(message));
  if (body.length > limit) throw new FrameTooLarge(body.length, limit);
  const frame = new Uint8Array(HEADER + body.length);
  new DataView(frame.buffer).setUint32(0, body.length, false);
  frame.set(body, HEADER);
  return frame;
}

/**
 * A binary frame of `body` bytes, its length word written into the first 4 bytes of `frame`
 * (which the caller allocated as 4 + body bytes and fills after them).
 */
export function binaryFrameLength(frame: Uint8Array, body: number, limit = MAX_FRAME_BYTES): void {
  if (body > limit) throw new FrameTooLarge(body, limit);
  new DataView(frame.buffer, frame.byteOffset, HEADER).setUint32(0, (BINARY_FRAME | body) >>> 0, false);
}

/** Bytes before a frame's body. */
export const FRAME_HEADER = HEADER;

/** One decoded frame: the parsed JSON, a binary body (not yet checked), or why it could not be read. */
export type Frame = { ok: true; message: unknown } | { ok: true; binary: Uint8Array } | { ok: false; error: string };

/**
 * Reassembles frames from arbitrary chunks. Each byte is copied once, into the
 * frame it belongs to, so memory stays at one frame whatever the chunking, and
 * the caller's buffers are never kept. A frame over the limit is skipped whole
 * (its length is known), so one bad frame never desynchronises the stream.
 */
export class FrameDecoder {
  private readonly header = new Uint8Array(HEADER);
  private headerFilled = 0;
  private body: Uint8Array | null = null;
  private bodyFilled = 0;
  private binary = false;
  private skipping = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.skipping > 0) {
        const n = Math.min(this.skipping, chunk.length - at);
        this.skipping -= n;
        at += n;
      } else if (this.body) {
        const n = Math.min(this.body.length - this.bodyFilled, chunk.length - at);
        this.body.set(chunk.subarray(at, at + n), this.bodyFilled);
        this.bodyFilled += n;
        at += n;
      } else {
        const n = Math.min(HEADER - this.headerFilled, chunk.length - at);
        this.header.set(chunk.subarray(at, at + n), this.headerFilled);
        this.headerFilled += n;
        at += n;
        if (this.headerFilled === HEADER) this.startFrame(frames);
      }
      if (this.body && this.bodyFilled === this.body.length) {
        frames.push(this.binary ? { ok: true, binary: this.body } : parseBody(this.body));
        this.body = null;
        this.bodyFilled = 0;
      }
    }
    return frames;
  }

  /** Bytes of an unfinished frame, e.g. to report a truncated stream at close. */
  get pending(): number {
    return this.body ? HEADER + this.bodyFilled : this.headerFilled;
  }

  private startFrame(frames: Frame[]): void {
    const word = new DataView(this.header.buffer).getUint32(0, false);
    const length = word & ~BINARY_FRAME;
    this.binary = (word & BINARY_FRAME) !== 0;
    this.headerFilled = 0;
    if (length > this.maxBytes) {
      frames.push({ ok: false, error: `frame of ${length} bytes is over the ${this.maxBytes}-byte limit` });
      this.skipping = length;
      return;
    }
    this.body = new Uint8Array(length);
    this.bodyFilled = 0;
  }
}

function parseBody(body: Uint8Array): Frame {
  try {
    return { ok: true, message: JSON.parse(decoder.decode(body)) };
  } catch (e) {
    return { ok: false, error: `frame is not UTF-8 JSON: ${(e as Error).message}` };
  }
}
