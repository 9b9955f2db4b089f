// Pins down decodeTraceEvent() in helper/trace-reader.ts against struct
// trace_event (bpf/trace.h): u64 ts_ns @0, u64 size @8, u32 pid @16, tid @20,
// cpu @24, char comm[16] @28, u32 pad @44; 48 bytes, little-endian.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTraceEvent, TRACE_EVENT_SIZE } from '../../helper/trace-reader.js';
import { haveBpftool, structs } from './btf.js';

interface Raw {
  tsNs: bigint; size: bigint; pid: number; tid: number; cpu: number; comm: number[]; pad?: number;
}

/** Writes one struct trace_event at `at` in a buffer of `total` bytes. */
function sample(raw: Raw, at = 0, total = 48): Uint8Array {
  const bytes = new Uint8Array(total).fill(0xaa, 0, at);
  const v = new DataView(bytes.buffer, at);
  v.setBigUint64(0, raw.tsNs, true);
  v.setBigUint64(8, raw.size, true);
  v.setUint32(16, raw.pid, true);
  v.setUint32(20, raw.tid, true);
  v.setUint32(24, raw.cpu, true);
  bytes.set(raw.comm, at + 28);
  v.setUint32(44, raw.pad ?? 0xdeadbeef, true);
  return bytes.subarray(at, at + 48);
}

const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

const DEMO: Raw = {
  tsNs: 151374866218999n, size: 2n, pid: 24908, tid: 24909, cpu: 5,
  comm: [...ascii('memcpy_kprobe'), 0, ...ascii('XY')],
};

test('the offsets used here are the ones clang laid out (BTF of trace.bpf.o)', (t) => {
  if (!haveBpftool()) {
    if (process.env.CI) throw new Error('bpftool is needed to read the objects\' BTF');
    t.skip('bpftool is not installed');
    return;
  }
  const e = structs('trace').trace_event!;
  assert.equal(TRACE_EVENT_SIZE, e.size);
  const offsets = Object.fromEntries(Object.entries(e.members).map(([name, m]) => [name, [m.offset, m.size]]));
  assert.deepEqual(offsets, {
    ts_ns: [0, 8], size: [8, 8], pid: [16, 4], tid: [20, 4], cpu: [24, 4], comm: [28, 16], pad: [44, 4],
  });
});

test('decodes every field', () => {
  assert.deepEqual(decodeTraceEvent(sample(DEMO)), {
    tsUs: 151374866218, size: '2', pid: 24908, tid: 24909, cpu: 5, comm: 'memcpy_kprobe',
  });
});

test('tsUs is ts_ns / 1000, truncated not rounded', () => {
  const at = (tsNs: bigint): number => decodeTraceEvent(sample({ ...DEMO, tsNs })).tsUs;
  assert.equal(at(999n), 0);
  assert.equal(at(1000n), 1);
  assert.equal(at(1999n), 1);
  assert.equal(at(151374866218999n), 151374866218);
  assert.equal(at(0n), 0);
});

test('size is an exact decimal string, even for 2^64 - 1', () => {
  const size = (s: bigint): string => decodeTraceEvent(sample({ ...DEMO, size: s })).size;
  assert.equal(size(18446744073709551615n), '18446744073709551615');
  assert.equal(size(9007199254740993n), '9007199254740993'); // 2^53 + 1: not a safe JS number
  assert.equal(size(0n), '0');
});

test('u32 fields use all 32 bits', () => {
  const e = decodeTraceEvent(sample({ ...DEMO, pid: 0xffffffff, tid: 0x80000000, cpu: 0x01020304 }));
  assert.equal(e.pid, 4294967295);
  assert.equal(e.tid, 2147483648);
  assert.equal(e.cpu, 16909060);
});

test('comm stops at the first NUL, and may fill all 16 bytes', () => {
  assert.equal(decodeTraceEvent(sample({ ...DEMO, comm: [0, ...ascii('junk')] })).comm, '');
  const full = ascii('abcdefghijklmnop');
  assert.equal(full.length, 16);
  // No NUL inside comm: the pad bytes that follow must not leak into it.
  assert.equal(decodeTraceEvent(sample({ ...DEMO, comm: full, pad: 0x41414141 })).comm, 'abcdefghijklmnop');
});

test('a sample inside a larger buffer decodes from its own offset', () => {
  assert.deepEqual(decodeTraceEvent(sample(DEMO, 13, 80)), decodeTraceEvent(sample(DEMO)));
});

test('a short buffer throws', () => {
  assert.throws(() => decodeTraceEvent(new Uint8Array(47)), Error);
  assert.throws(() => decodeTraceEvent(new Uint8Array(0)), Error);
  assert.throws(() => decodeTraceEvent(sample(DEMO).subarray(0, 44)), Error);
});
