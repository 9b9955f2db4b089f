// Pins down src/shared/live-wire.ts, the live stream of `bpf-lab serve`: events as JSON frames,
// trace records as binary frames after their event, put back together whatever the chunking,
// and a stream that breaks the format said once and read on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { liveEventSchema, type LiveEvent } from '../../src/shared/lab-api.js';
import { encodeLive, HEARTBEAT, LiveDecoder } from '../../src/shared/live-wire.js';
import { TRACE_RECORD_STRIDE } from '../../src/shared/trace-frame.js';

const records = (n: number, seed: number): Uint8Array<ArrayBuffer> =>
  Uint8Array.from({ length: n * TRACE_RECORD_STRIDE }, (_, i) => (i * 7 + seed) & 0xff);

const frame = (counts: number[]): LiveEvent => ({
  type: 'frame', histograms: [{ session: 9, counts: [1, 2], total: 3, missed: 0, at: 5 }],
  traces: counts.map((count, i) => ({ session: i + 1, count, records: records(count, i), lost: i, passed: 100 + count, at: 7 })),
});

/** An event's frames, each whole (encodeLive writes a batch's length word and records as two chunks). */
function framesOf(event: LiveEvent): Uint8Array[] {
  const [json, ...rest] = encodeLive(event);
  const frames = [json!];
  for (let i = 0; i < rest.length; i += 2) frames.push(Uint8Array.from([...rest[i]!, ...rest[i + 1]!]));
  return frames;
}

const bytesOf = (events: Array<LiveEvent | typeof HEARTBEAT>): Uint8Array => Uint8Array.from(events.flatMap(encodeLive).flatMap((c) => [...c]));

test('events and their records come back as they were sent, whatever the chunking; heartbeats are dropped', () => {
  const sent: LiveEvent[] = [
    { type: 'log', level: 'info', message: 'hello' }, frame([3, 0, 2]), frame([]), frame([1]),
    { type: 'ended', session: 1, passed: 4 },
  ];
  const stream = bytesOf([sent[0]!, HEARTBEAT, ...sent.slice(1)]);
  fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 20 }), (sizes) => {
    const decoder = new LiveDecoder();
    const got: unknown[] = [];
    for (let at = 0, k = 0; at < stream.length; at += sizes[k++ % sizes.length]!) got.push(...decoder.push(stream.subarray(at, at + sizes[k % sizes.length]!)));
    assert.deepEqual(got, sent);
    for (const event of got) assert.ok(liveEventSchema.safeParse(event).success);
  }));
});

test('records travel as bytes: the JSON of a frame holds none of them, and the records go out as they are', () => {
  const event = frame([2, 1]);
  assert.ok(event.type === 'frame');
  const [json, ...binary] = encodeLive(event);
  assert.doesNotMatch(new TextDecoder().decode(json), /records/);
  // Each batch: its 4-byte length word (binary), then its records, the very same bytes.
  assert.deepEqual(binary.map((b) => b.length), [4, 2 * TRACE_RECORD_STRIDE, 4, TRACE_RECORD_STRIDE]);
  assert.equal(binary[1], event.traces[0]!.records, 'not a copy');
  assert.equal(binary[3], event.traces[1]!.records);
});

test('a stream that breaks the format is said once per break, and what follows is read', () => {
  const [json, first] = framesOf(frame([1, 1]));
  const after = encodeLive({ type: 'log', level: 'info', message: 'after' })[0]!;
  const orphan = framesOf(frame([1]))[1]!;
  const decoder = new LiveDecoder();
  // A frame whose second batch never comes; then records with no frame before them.
  const got = decoder.push(Uint8Array.from([...json!, ...first!, ...after, ...orphan, ...after]));
  assert.deepEqual(got.map((e) => (e as { message: string }).message), [
    'the live stream from bpf-lab serve is malformed: a frame\'s trace records are missing', 'after',
    'the live stream from bpf-lab serve is malformed: trace records with no frame before them', 'after',
  ]);
});

test('a batch whose records do not match its count is refused by the contract', () => {
  const bad = frame([2]);
  assert.ok(bad.type === 'frame');
  bad.traces[0]!.count = 3;
  const [event] = new LiveDecoder().push(bytesOf([bad]));
  const checked = liveEventSchema.safeParse(event);
  assert.equal(checked.success, false);
  assert.match(JSON.stringify(checked.error?.issues), /records do not match their count/);
});

test('a batch over the frame limit breaks its event once; the event\'s other records pass quietly', () => {
  const [json, first, , third] = framesOf(frame([1, 1, 1]));
  const huge = new Uint8Array(4 + (4 << 20) + 1);
  new DataView(huge.buffer).setUint32(0, (0x80000000 | ((4 << 20) + 1)) >>> 0, false);
  const after = encodeLive({ type: 'log', level: 'info', message: 'after' })[0]!;
  const decoder = new LiveDecoder();
  const got = [json!, first!, huge, third!, after].flatMap((c) => decoder.push(c));
  assert.equal(got.length, 2);
  assert.match((got[0] as { message: string }).message, /malformed: frame of 4194305 bytes is over the 4194304-byte limit/);
  assert.equal((got[1] as { message: string }).message, 'after');
});
