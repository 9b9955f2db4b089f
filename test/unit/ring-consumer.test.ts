// Pins down helper/ring-consumer.ts against a userspace producer that follows the kernel's
// ring buffer protocol (kernel/bpf/ringbuf.c): records reserved with the busy bit set, the
// producer position moved past them, then committed (busy cleared) or discarded, in any order;
// the data area written through both of its mappings, so records wrap around the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RingConsumer, type RingMemory } from '../../helper/ring-consumer.js';
import { RING_RECORD_HEADER as RECORD_HEADER, ringRecordStride as recordStride } from '../../src/shared/trace-frame.js';

const BUSY = 0x80000000;
const DISCARD = 0x40000000;

/** The kernel's side: positions, the doubly mapped data area, and reservations in flight. */
class Producer {
  readonly ring: RingMemory;
  private readonly view: DataView;
  private readonly inFlight: Array<{ pos: number; length: number }> = [];
  private serial = 0;

  constructor(readonly size: number) {
    this.ring = { consumer: new BigUint64Array(1), producer: new BigUint64Array(1), data: new Uint8Array(2 * size), size };
    this.view = new DataView(this.ring.data.buffer);
  }

  private get prod(): number { return Number(this.ring.producer[0]); }

  /** Writes a u32 at a data offset through both mappings, as the double mapping shows it. */
  private put(at: number, value: number): void {
    const offset = at % this.size;
    this.view.setUint32(offset, value, true);
    this.view.setUint32(offset + this.size, value, true);
  }

  /** bpf_ringbuf_reserve: false when the ring has no room (the kernel then returns NULL). */
  reserve(length: number): boolean {
    const step = recordStride(length);
    if (this.prod + step - Number(this.ring.consumer[0]) > this.size) return false;
    const pos = this.prod;
    this.put(pos, length | BUSY);
    this.put(pos + 4, 0);
    // The payload: a serial number, then filler, so every record can be told apart.
    for (let i = 0; i < length; i += 4) this.put(pos + RECORD_HEADER + i, i === 0 ? this.serial : 0x5a5a5a5a);
    this.serial++;
    this.inFlight.push({ pos, length });
    this.ring.producer[0] = BigInt(pos + step);
    return true;
  }

  /** bpf_ringbuf_submit or _discard of the `which`-th reservation still in flight. */
  finish(which: number, discard: boolean): void {
    const [r] = this.inFlight.splice(which % this.inFlight.length, 1);
    if (r) this.put(r.pos, r.length | (discard ? DISCARD : 0));
  }

  get pending(): number { return this.inFlight.length; }
}

/** Takes everything, and returns the serial of each record in the order it was handed over. */
function drain(consumer: RingConsumer, max = Infinity): { serials: number[]; odd: number } {
  const serials: number[] = [];
  const taken = consumer.take(max, (bytes, count) => {
    assert.equal(bytes.length, count * consumer.stride, 'a span is whole records');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < count; i++) serials.push(view.getUint32(i * consumer.stride + RECORD_HEADER, true));
  });
  assert.equal(taken.records, serials.length);
  return { serials, odd: taken.odd };
}

test('the stride is the record plus its header, rounded up to 8 bytes', () => {
  assert.deepEqual([1, 8, 44, 48, 49].map(recordStride), [16, 16, 56, 56, 64]);
});

test('records come out once and in order, across the end of the ring, one position store per take', () => {
  const p = new Producer(4096);
  const consumer = new RingConsumer(p.ring, 48);
  const seen: number[] = [];
  let stores = 0;
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 30 && p.reserve(48); i++) p.finish(0, false);
    const before = p.ring.consumer[0];
    seen.push(...drain(consumer).serials);
    if (p.ring.consumer[0] !== before) stores++;
    assert.ok(consumer.empty());
  }
  assert.deepEqual(seen, Array.from({ length: seen.length }, (_, i) => i));
  assert.ok(Number(p.ring.consumer[0]) > 4 * 4096, 'the ring wrapped around several times');
  assert.equal(stores, 50);
});

test('a record still being written stops the take; what follows it waits, in order', () => {
  const p = new Producer(4096);
  const consumer = new RingConsumer(p.ring, 48);
  for (let i = 0; i < 3; i++) p.reserve(48);
  p.finish(0, false); // serial 0 done
  p.finish(1, false); // serial 2 done, serial 1 still busy
  assert.deepEqual(drain(consumer).serials, [0]);
  assert.ok(!consumer.empty(), 'a reserved record is not empty');
  p.finish(0, false);
  assert.deepEqual(drain(consumer).serials, [1, 2]);
  assert.ok(consumer.empty());
});

test('discarded records are skipped, records of another size are counted, and runs split around them', () => {
  const p = new Producer(4096);
  const consumer = new RingConsumer(p.ring, 48);
  p.reserve(48);
  p.reserve(48);
  p.reserve(16);
  p.reserve(48);
  p.finish(0, false);
  p.finish(0, true);
  p.finish(0, false);
  p.finish(0, false);
  const spans: number[] = [];
  const taken = consumer.take(100, (_bytes, count) => spans.push(count));
  assert.deepEqual([taken.records, taken.odd, spans], [2, 1, [1, 1]]);
  assert.ok(consumer.empty());
});

test('a take hands over at most max records and leaves the rest', () => {
  const p = new Producer(8192);
  const consumer = new RingConsumer(p.ring, 48);
  for (let i = 0; i < 100; i++) p.reserve(48);
  for (let i = 0; i < 100; i++) p.finish(0, false);
  assert.deepEqual(drain(consumer, 40).serials, Array.from({ length: 40 }, (_, i) => i));
  assert.deepEqual(drain(consumer, 1000).serials, Array.from({ length: 60 }, (_, i) => 40 + i));
});

test('any interleaving of reserve, commit, discard and take delivers each committed record once, in order', () => {
  type Step = { kind: 'reserve'; length: number } | { kind: 'finish'; which: number; discard: boolean } | { kind: 'take'; max: number };
  const step: fc.Arbitrary<Step> = fc.oneof(
    { arbitrary: fc.record({ kind: fc.constant('reserve' as const), length: fc.constantFrom(48, 48, 48, 40) }), weight: 5 },
    { arbitrary: fc.record({ kind: fc.constant('finish' as const), which: fc.nat(16), discard: fc.boolean() }), weight: 5 },
    { arbitrary: fc.record({ kind: fc.constant('take' as const), max: fc.integer({ min: 1, max: 64 }) }), weight: 2 },
  );
  fc.assert(fc.property(fc.array(step, { maxLength: 400 }), (steps) => {
    const p = new Producer(1024);
    const consumer = new RingConsumer(p.ring, 48);
    // What the consumer must deliver: committed records of our size, in ring order.
    const fate = new Map<number, 'kept' | 'dropped' | 'odd'>();
    const order: number[] = [];
    const lengths: number[] = [];
    const inFlight: number[] = [];
    let serial = 0;
    const got: number[] = [];
    let odd = 0;
    const take = (max: number): void => {
      const out = drain(consumer, max);
      got.push(...out.serials);
      odd += out.odd;
    };
    for (const s of steps) {
      if (s.kind === 'reserve') {
        if (p.reserve(s.length)) {
          order.push(serial);
          lengths.push(s.length);
          inFlight.push(serial++);
        }
      } else if (s.kind === 'finish') {
        if (p.pending === 0) continue;
        const [done] = inFlight.splice(s.which % inFlight.length, 1);
        p.finish(s.which, s.discard);
        fate.set(done!, s.discard ? 'dropped' : lengths[done!] === 48 ? 'kept' : 'odd');
      } else {
        take(s.max);
      }
    }
    while (p.pending > 0) {
      const [done] = inFlight.splice(0, 1);
      p.finish(0, false);
      fate.set(done!, lengths[done!] === 48 ? 'kept' : 'odd');
    }
    take(Infinity);
    assert.deepEqual(got, order.filter((s) => fate.get(s) === 'kept'));
    assert.equal(odd, order.filter((s) => fate.get(s) === 'odd').length);
    assert.ok(consumer.empty());
  }), { numRuns: 300 });
});
