// Pins down helper/bpf-config.ts against the structs clang laid out in the compiled
// objects (their BTF): every field lands at its member's offset, with its size, and
// the encoded config is exactly sizeof(struct hist_config) / sizeof(struct trace_config).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { encodeHistConfig, encodeTraceConfig, type SizeSource } from '../../helper/bpf-config.js';
import { parseLayout } from '../../src/shared/buckets.js';
import { haveBpftool, structs, type Layout } from './btf.js';

const SRC: SizeSource = {
  targetTgid: 1234, selfTgid: 0x01020304, clientTgid: 77, argIndex: 3, fieldOffset: 32, fieldSize: 8, armOnExec: true,
  onlyUid: 54321, onlyGid: 54333,
};
/** struct size_source member -> the value SRC puts there. */
const SOURCE_FIELDS: Record<string, number> = {
  target_tgid: 1234, self_tgid: 0x01020304, client_tgid: 77, arg_index: 3, field_offset: 32, field_size: 8,
  arm_on_exec: 1, only_uid: 54321, only_gid: 54333,
};

function layouts(t: TestContext, object: 'hist' | 'trace' = 'hist'): Record<string, Layout> | null {
  if (haveBpftool()) return structs(object);
  if (process.env.CI) throw new Error('bpftool is needed to read the objects\' BTF');
  t.skip('bpftool is not installed');
  return null;
}

function read(bytes: Uint8Array, at: number, size: number): bigint {
  const v = new DataView(bytes.buffer, bytes.byteOffset + at, size);
  return size === 8 ? v.getBigUint64(0, true) : BigInt(v.getUint32(0, true));
}

function assertSource(bytes: Uint8Array, source: Layout, base: number): void {
  assert.deepEqual(Object.keys(source.members).sort(), Object.keys(SOURCE_FIELDS).sort(), 'size_source members');
  for (const [name, m] of Object.entries(source.members)) {
    assert.equal(read(bytes, base + m.offset, m.size), BigInt(SOURCE_FIELDS[name]!), name);
  }
}

test('trace_config (from trace.bpf.o) is size_source, field by field', (t) => {
  const l = layouts(t, 'trace');
  if (!l) return;
  const config = l.trace_config;
  assert.ok(config, 'trace.bpf.o has struct trace_config');
  const bytes = encodeTraceConfig(SRC);
  assert.equal(bytes.length, config.size);
  assertSource(bytes, l.size_source!, config.members.src!.offset);
});

test('a linear hist_config: source, kind 2, nbuckets and 64-bit min, max, step at their offsets', (t) => {
  const l = layouts(t);
  if (!l) return;
  const h = l.hist_config!;
  const min = 1n << 40n;
  const bytes = encodeHistConfig(SRC, parseLayout(`linear:${min}:${min + 1024n}:64`));
  assert.equal(bytes.length, h.size);
  assertSource(bytes, l.size_source!, h.members.src!.offset);
  const at = (name: string): bigint => read(bytes, h.members[name]!.offset, h.members[name]!.size);
  assert.equal(at('kind'), 2n);
  assert.equal(at('nbuckets'), 18n, 'underflow, 16 steps, overflow');
  assert.deepEqual([at('min'), at('max'), at('step')], [min, min + 1024n, 64n]);
});

test('seed and log2: kind 0 and 1, their bucket counts, zero min/max/step; all 64 bits of max kept', (t) => {
  const l = layouts(t);
  if (!l) return;
  const h = l.hist_config!;
  for (const [text, kind, nbuckets] of [['seed', 0n, 17n], ['log2', 1n, 65n]] as const) {
    const bytes = encodeHistConfig(SRC, parseLayout(text));
    assert.equal(read(bytes, h.members.kind!.offset, 4), kind, text);
    assert.equal(read(bytes, h.members.nbuckets!.offset, 4), nbuckets, text);
    assert.ok(bytes.subarray(h.members.min!.offset).every((b) => b === 0), text);
  }
  const top = encodeHistConfig(SRC, parseLayout('linear:0:18446744073709551615:18446744073709551615'));
  assert.equal(read(top, h.members.max!.offset, 8), (1n << 64n) - 1n);
});
