// Pins down src/shared/trace-frame.ts: the binary frame's header, checked once at the trust
// boundary, and the fields of each record, against struct trace_event (bpf/trace.h) as clang
// laid it out: u64 ts_ns @0, u64 size @8, u32 pid @16, tid @20, cpu @24, char comm[16] @28,
// u32 pad @44; 48 bytes, little-endian, each after the ring's 8-byte header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  readTraceFrame, RING_RECORD_HEADER, TRACE_EVENT_BYTES, TRACE_FRAME_HEADER, TRACE_RECORD_STRIDE,
  traceEvents, traceFrameHeader, type TraceFrame,
} from '../../src/shared/trace-frame.js';
import { haveBpftool, structs } from './btf.js';

interface Raw {
  tsNs: bigint; size: bigint; pid: number; tid: number; cpu: number; comm: number[]; pad?: number;
}

const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

const DEMO: Raw = {
  tsNs: 151374866218999n, size: 2n, pid: 24908, tid: 24909, cpu: 5,
  comm: [...ascii('memcpy_kprobe'), 0, ...ascii('XY')],
};

/** A frame body holding `raws`, each after a ring header of junk, with the given header fields. */
function body(raws: Raw[], head: Partial<{ session: number; first: number; kernel: number; helper: number }> = {}): Uint8Array {
  const out = new Uint8Array(TRACE_FRAME_HEADER + raws.length * TRACE_RECORD_STRIDE);
  traceFrameHeader(out, head.session ?? 3, raws.length, head.first ?? 0, head.kernel ?? 0, head.helper ?? 0);
  raws.forEach((raw, i) => {
    const at = TRACE_FRAME_HEADER + i * TRACE_RECORD_STRIDE;
    out.fill(0xee, at, at + RING_RECORD_HEADER);
    const v = new DataView(out.buffer, at + RING_RECORD_HEADER);
    v.setBigUint64(0, raw.tsNs, true);
    v.setBigUint64(8, raw.size, true);
    v.setUint32(16, raw.pid, true);
    v.setUint32(20, raw.tid, true);
    v.setUint32(24, raw.cpu, true);
    out.set(raw.comm, at + RING_RECORD_HEADER + 28);
    v.setUint32(44, raw.pad ?? 0xdeadbeef, true);
  });
  return out;
}

function frame(bytes: Uint8Array): TraceFrame {
  const f = readTraceFrame(bytes);
  if (typeof f === 'string') assert.fail(f);
  return f;
}

const one = (raw: Raw) => traceEvents(frame(body([raw])))[0]!;

test('the offsets used here are the ones clang laid out (BTF of trace.bpf.o)', (t) => {
  if (!haveBpftool()) {
    if (process.env.CI) throw new Error('bpftool is needed to read the objects\' BTF');
    t.skip('bpftool is not installed');
    return;
  }
  const e = structs('trace').trace_event!;
  assert.equal(TRACE_EVENT_BYTES, e.size);
  assert.equal(TRACE_RECORD_STRIDE, (e.size + RING_RECORD_HEADER + 7) & ~7);
  const offsets = Object.fromEntries(Object.entries(e.members).map(([name, m]) => [name, [m.offset, m.size]]));
  assert.deepEqual(offsets, {
    ts_ns: [0, 8], size: [8, 8], pid: [16, 4], tid: [20, 4], cpu: [24, 4], comm: [28, 16], pad: [44, 4],
  });
});

test('decodes every field and the header', () => {
  const f = frame(body([DEMO, { ...DEMO, pid: 7 }], { session: 9, first: 12, kernel: 3, helper: 4 }));
  assert.deepEqual([f.session, f.count, f.first, f.lost], [9, 2, 12, { kernel: 3, helper: 4 }]);
  assert.deepEqual(traceEvents(f), [
    { tsUs: 151374866218, size: '2', pid: 24908, tid: 24909, cpu: 5, comm: 'memcpy_kprobe' },
    { tsUs: 151374866218, size: '2', pid: 7, tid: 24909, cpu: 5, comm: 'memcpy_kprobe' },
  ]);
});

test('tsUs is ts_ns / 1000, truncated, exact for every u64 below 2^62', () => {
  const at = (tsNs: bigint): number => one({ ...DEMO, tsNs }).tsUs;
  assert.deepEqual([at(999n), at(1000n), at(1999n), at(0n), at(151374866218999n)], [0, 1, 1, 0, 151374866218]);
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 62n) - 1n }), (ns) => at(ns) === Number(ns / 1000n)));
});

test('size is an exact decimal string, even for 2^64 - 1', () => {
  const size = (s: bigint): string => one({ ...DEMO, size: s }).size;
  assert.equal(size(18446744073709551615n), '18446744073709551615');
  assert.equal(size(9007199254740993n), '9007199254740993'); // 2^53 + 1: not a safe JS number
  assert.equal(size(0n), '0');
});

test('u32 fields use all 32 bits', () => {
  const e = one({ ...DEMO, pid: 0xffffffff, tid: 0x80000000, cpu: 0x01020304 });
  assert.deepEqual([e.pid, e.tid, e.cpu], [4294967295, 2147483648, 16909060]);
});

test('comm stops at the first NUL, and may fill all 16 bytes', () => {
  assert.equal(one({ ...DEMO, comm: [0, ...ascii('junk')] }).comm, '');
  // No NUL inside comm: the pad bytes that follow must not leak into it.
  assert.equal(one({ ...DEMO, comm: ascii('abcdefghijklmnop'), pad: 0x41414141 }).comm, 'abcdefghijklmnop');
});

test('a frame inside a larger buffer reads from its own offset', () => {
  const inner = body([DEMO]);
  const outer = new Uint8Array(inner.length + 13);
  outer.set(inner, 13);
  assert.deepEqual(traceEvents(frame(outer.subarray(13))), traceEvents(frame(inner)));
});

test('truncated, oversized and lying headers are refused once, with what is wrong', () => {
  const good = body([DEMO, DEMO]);
  const bad = (bytes: Uint8Array, why: RegExp): void => {
    const f = readTraceFrame(bytes);
    assert.equal(typeof f, 'string', 'refused');
    assert.match(f as string, why);
  };
  bad(good.subarray(0, 39), /shorter than its header/);
  bad(good.subarray(0, good.length - 1), /cannot hold 2 records/);
  const longer = new Uint8Array(good.length + TRACE_RECORD_STRIDE);
  longer.set(good);
  bad(longer, /cannot hold 2 records/);
  const edit = (at: number, set: (v: DataView) => void): Uint8Array => {
    const copy = good.slice();
    set(new DataView(copy.buffer, at));
    return copy;
  };
  bad(edit(0, (v) => v.setUint32(0, 2, true)), /unknown kind 2/);
  bad(edit(8, (v) => v.setUint32(0, 0xffffffff, true)), /cannot hold 4294967295 records/);
  bad(edit(12, (v) => v.setUint32(0, 48, true)), /records of 48 bytes/);
  bad(edit(4, (v) => v.setUint32(0, 0, true)), /out of range/);
  for (const at of [16, 24, 32]) {
    for (const lie of [-1, 0.5, NaN, Infinity, 2 ** 53]) bad(edit(at, (v) => v.setFloat64(0, lie, true)), /out of range/);
  }
  // Any bytes at all: a frame is refused with a reason, or every record in it can be read.
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
    const f = readTraceFrame(bytes);
    if (typeof f !== 'string') assert.equal(traceEvents(f).length, f.count);
  }));
});
