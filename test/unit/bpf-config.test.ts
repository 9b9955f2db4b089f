// Pins down helper/bpf-config.ts against the C structs: struct size_source is
// six little-endian u32 (24 bytes), struct hist_config appends u32 kind,
// u32 nbuckets and u64 min, max, step (56 bytes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeHistConfig, encodeTraceConfig, type SizeSource } from '../../helper/bpf-config.js';
import { parseLayout } from '../../src/shared/buckets.js';

const SRC: SizeSource = {
  targetTgid: 1234, ignoreTgid: 0x01020304, argIndex: 3, fieldOffset: 32, fieldSize: 8, armOnExec: true,
};

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

function assertSource(bytes: Uint8Array, src: SizeSource): void {
  const v = view(bytes);
  assert.equal(v.getUint32(0, true), src.targetTgid, 'target_tgid @0');
  assert.equal(v.getUint32(4, true), src.ignoreTgid, 'ignore_tgid @4');
  assert.equal(v.getUint32(8, true), src.argIndex, 'arg_index @8');
  assert.equal(v.getUint32(12, true), src.fieldOffset, 'field_offset @12');
  assert.equal(v.getUint32(16, true), src.fieldSize, 'field_size @16');
  assert.equal(v.getUint32(20, true), src.armOnExec ? 1 : 0, 'arm_on_exec @20');
}

test('sizes match sizeof(struct hist_config) and sizeof(struct trace_config)', () => {
  assert.equal(encodeHistConfig(SRC, parseLayout('seed')).length, 56);
  assert.equal(encodeHistConfig(SRC, parseLayout('linear:0:64:8')).length, 56);
  assert.equal(encodeTraceConfig(SRC).length, 24);
});

test('the source is little-endian u32s, byte by byte', () => {
  const bytes = encodeTraceConfig(SRC);
  assert.deepEqual([...bytes], [
    0xd2, 0x04, 0, 0, // 1234
    0x04, 0x03, 0x02, 0x01,
    3, 0, 0, 0,
    32, 0, 0, 0,
    8, 0, 0, 0,
    1, 0, 0, 0,
  ]);
  const off = encodeTraceConfig({ ...SRC, armOnExec: false, targetTgid: 0 });
  assert.equal(view(off).getUint32(0, true), 0);
  assert.equal(view(off).getUint32(20, true), 0);
});

test('a linear hist_config: source, kind 2, nbuckets, then u64 min, max, step', () => {
  const min = 1n << 40n;
  const bytes = encodeHistConfig(SRC, parseLayout(`linear:${min}:${min + 1024n}:64`));
  assertSource(bytes, SRC);
  const v = view(bytes);
  assert.equal(v.getUint32(24, true), 2, 'kind @24');
  assert.equal(v.getUint32(28, true), 1 + 16 + 1, 'nbuckets @28: underflow, 16 steps, overflow');
  assert.equal(v.getBigUint64(32, true), min, 'min @32');
  assert.equal(v.getBigUint64(40, true), min + 1024n, 'max @40');
  assert.equal(v.getBigUint64(48, true), 64n, 'step @48');
  assert.deepEqual([...bytes.subarray(32, 40)], [0, 0, 0, 0, 0, 1, 0, 0], 'min is little-endian');
  assert.deepEqual([...bytes.subarray(48, 56)], [64, 0, 0, 0, 0, 0, 0, 0], 'step is little-endian');
});

test('a linear layout up to 2^64 - 1 keeps all 64 bits of max', () => {
  const bytes = encodeHistConfig(SRC, parseLayout('linear:0:18446744073709551615:18446744073709551615'));
  assert.equal(view(bytes).getUint32(28, true), 2);
  assert.deepEqual([...bytes.subarray(40, 48)], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
});

test('seed and log2: kind 0 and 1, their bucket counts, and zero min/max/step', () => {
  for (const [text, kind, nbuckets] of [['seed', 0, 17], ['log2', 1, 65]] as const) {
    const bytes = encodeHistConfig(SRC, parseLayout(text));
    assertSource(bytes, SRC);
    assert.equal(view(bytes).getUint32(24, true), kind, text);
    assert.equal(view(bytes).getUint32(28, true), nbuckets, text);
    assert.ok(bytes.subarray(32).every((b) => b === 0), text);
  }
});

test('hist_config begins with exactly the trace_config bytes', () => {
  const src: SizeSource = { ...SRC, armOnExec: false, fieldSize: 4 };
  assert.deepEqual([...encodeHistConfig(src, parseLayout('log2')).subarray(0, 24)], [...encodeTraceConfig(src)]);
});
