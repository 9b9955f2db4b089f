// Pins down src/shared/framing.ts: frames are a 4-byte big-endian length plus
// UTF-8 JSON; the decoder reassembles them from any chunking, reports bad or
// oversized frames as {ok:false}, and never loses sync with the stream.
import { TRACE_FRAME_HEADER, TRACE_RECORD_STRIDE } from '../../src/shared/trace-frame.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binaryFrameLength, encodeFrame, FrameDecoder, FrameTooLarge, MAX_FRAME_BYTES, type Frame } from '../../src/shared/framing.js';

/** A frame around raw body bytes, built by hand (not with encodeFrame). */
function rawFrame(body: Uint8Array | number[], length = body.length): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  out.set([(length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff]);
  out.set(body, 4);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function feed(decoder: FrameDecoder, ...chunks: Uint8Array[]): Frame[] {
  return chunks.flatMap((c) => decoder.push(c));
}

const MESSAGE = { v: 1, id: 7, text: 'héllo ✓ 🐝', list: [1, 2, 3] };

test('encodeFrame: big-endian length then the JSON bytes', () => {
  assert.deepEqual([...encodeFrame({ a: 1 })], [0, 0, 0, 7, ...new TextEncoder().encode('{"a":1}')]);
  const frame = encodeFrame(MESSAGE);
  const body = new TextEncoder().encode(JSON.stringify(MESSAGE));
  assert.equal(frame.length, 4 + body.length);
  assert.equal((frame[0]! << 24) | (frame[1]! << 16) | (frame[2]! << 8) | frame[3]!, body.length);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(frame.subarray(4))), MESSAGE);
});

test('a frame split at every byte boundary reassembles', () => {
  const frame = encodeFrame(MESSAGE);
  for (let i = 0; i <= frame.length; i++) {
    const d = new FrameDecoder(1024);
    const first = d.push(frame.subarray(0, i));
    if (i < frame.length) assert.deepEqual(first, [], `split at ${i}`);
    const frames = [...first, ...d.push(frame.subarray(i))];
    assert.deepEqual(frames, [{ ok: true, message: MESSAGE }], `split at ${i}`);
    assert.equal(d.pending, 0);
  }
});

test('a frame fed one byte at a time reassembles', () => {
  const frame = encodeFrame(MESSAGE);
  const d = new FrameDecoder(1024);
  const frames = feed(d, ...Array.from(frame, (b) => Uint8Array.of(b)));
  assert.deepEqual(frames, [{ ok: true, message: MESSAGE }]);
});

test('several frames in one chunk come out in order', () => {
  const d = new FrameDecoder(1024);
  const chunk = concat(encodeFrame(1), encodeFrame('two'), encodeFrame({ three: [3] }), encodeFrame(null));
  assert.deepEqual(d.push(chunk), [
    { ok: true, message: 1 }, { ok: true, message: 'two' }, { ok: true, message: { three: [3] } },
    { ok: true, message: null },
  ]);
  assert.equal(d.pending, 0);
});

test('a chunk ending inside a frame keeps the rest pending', () => {
  const d = new FrameDecoder(1024);
  const second = encodeFrame({ b: 2 });
  assert.deepEqual(d.push(concat(encodeFrame({ a: 1 }), second.subarray(0, 5))), [{ ok: true, message: { a: 1 } }]);
  assert.equal(d.pending, 5);
  assert.deepEqual(d.push(second.subarray(5)), [{ ok: true, message: { b: 2 } }]);
  assert.equal(d.pending, 0);
});

test('a body of exactly the limit is accepted', () => {
  const body = new TextEncoder().encode(JSON.stringify('x'.repeat(14)));
  assert.equal(body.length, 16);
  assert.deepEqual(new FrameDecoder(16).push(rawFrame(body)), [{ ok: true, message: 'x'.repeat(14) }]);
});

test('an oversized frame is refused and the next frame still decodes', () => {
  const big = encodeFrame('x'.repeat(100));
  const small = encodeFrame({ after: true });
  const d = new FrameDecoder(16);
  const frames = d.push(concat(big, small));
  assert.equal(frames.length, 2);
  assert.equal(frames[0]!.ok, false);
  assert.deepEqual(frames[1], { ok: true, message: { after: true } });
});

test('an oversized body arriving in pieces does not desynchronise the stream', () => {
  const big = encodeFrame({ blob: 'y'.repeat(300) });
  const small = encodeFrame([42]);
  const stream = concat(big, small, big, small);
  for (const size of [1, 2, 3, 7, 64, 299]) {
    const d = new FrameDecoder(32);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < stream.length; i += size) chunks.push(stream.subarray(i, i + size));
    const frames = feed(d, ...chunks);
    assert.deepEqual(frames.map((f) => f.ok), [false, true, false, true], `chunks of ${size}`);
    assert.deepEqual(frames[1], { ok: true, message: [42] });
    assert.deepEqual(frames[3], { ok: true, message: [42] });
    assert.equal(d.pending, 0);
  }
});

test('an oversized frame split at every boundary still lets the next one through', () => {
  const stream = concat(encodeFrame('z'.repeat(40)), encodeFrame('ok'));
  for (let i = 0; i <= stream.length; i++) {
    const d = new FrameDecoder(20);
    const frames = feed(d, stream.subarray(0, i), stream.subarray(i));
    assert.deepEqual(frames.map((f) => f.ok), [false, true], `split at ${i}`);
    assert.deepEqual(frames[1], { ok: true, message: 'ok' }, `split at ${i}`);
  }
});

test('non-JSON and invalid UTF-8 bodies are refused, and the next frame decodes', () => {
  const d = new FrameDecoder(1024);
  const notJson = rawFrame(new TextEncoder().encode('{not json'));
  const badUtf8 = rawFrame([0x22, 0xff, 0xfe, 0x22]); // "\xff\xfe": JSON-shaped but not UTF-8
  const truncatedUtf8 = rawFrame([0x22, 0xe2, 0x9c, 0x22]); // a cut-off three-byte sequence
  const empty = rawFrame([]);
  const frames = d.push(concat(notJson, badUtf8, truncatedUtf8, empty, encodeFrame('fine')));
  assert.deepEqual(frames.map((f) => f.ok), [false, false, false, false, true]);
  for (const f of frames.slice(0, 4)) {
    assert.ok(!f.ok && typeof f.error === 'string' && f.error.length > 0);
  }
  assert.deepEqual(frames[4], { ok: true, message: 'fine' });
});

test('encodeFrame refuses to build a frame the reader would refuse', () => {
  const body = 'x'.repeat(MAX_FRAME_BYTES - 2); // with its quotes, exactly the limit
  assert.equal(encodeFrame(body).length, 4 + MAX_FRAME_BYTES);
  assert.throws(() => encodeFrame(`${body}y`), (e: FrameTooLarge) => e instanceof FrameTooLarge
    && e.bytes === MAX_FRAME_BYTES + 1 && e.limit === MAX_FRAME_BYTES);
  assert.throws(() => encodeFrame('abcd', 5), FrameTooLarge);
  const [frame] = new FrameDecoder(MAX_FRAME_BYTES).push(encodeFrame(body));
  assert.deepEqual(frame, { ok: true, message: body }, 'the largest frame it builds is one the decoder takes');
});

test('the largest trace frame the helper sends fits a frame', async () => {
  const { MAX_FRAME_RECORDS } = await import('../../helper/trace-session.js');
  assert.ok(TRACE_FRAME_HEADER + MAX_FRAME_RECORDS * TRACE_RECORD_STRIDE <= MAX_FRAME_BYTES);
});

test('a binary frame comes out as its bytes, whatever the chunking, between JSON frames', () => {
  const body = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
  const binary = new Uint8Array(4 + body.length);
  binaryFrameLength(binary, body.length);
  binary.set(body, 4);
  assert.equal(binary[0]! & 0x80, 0x80, 'the length word says binary');
  const stream = Uint8Array.from([...encodeFrame({ a: 1 }), ...binary, ...encodeFrame('after')]);
  for (const size of [1, 3, 7, 64, stream.length]) {
    const decoder = new FrameDecoder(MAX_FRAME_BYTES);
    const frames = [];
    for (let at = 0; at < stream.length; at += size) frames.push(...decoder.push(stream.subarray(at, at + size)));
    assert.deepEqual(frames, [{ ok: true, message: { a: 1 } }, { ok: true, binary: body }, { ok: true, message: 'after' }], `chunks of ${size}`);
  }
  assert.throws(() => binaryFrameLength(new Uint8Array(4), MAX_FRAME_BYTES + 1), FrameTooLarge);
  // A binary frame over the limit is skipped whole, like a JSON one.
  const big = new Uint8Array(4);
  new DataView(big.buffer).setUint32(0, (0x80000000 | 64) >>> 0, false);
  const frames = new FrameDecoder(32).push(Uint8Array.from([...big, ...new Uint8Array(64), ...encodeFrame(2)]));
  assert.equal(frames.length, 2);
  assert.ok(!frames[0]!.ok);
  assert.deepEqual(frames[1], { ok: true, message: 2 });
});
