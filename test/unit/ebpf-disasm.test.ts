// The eBPF decoder (src/shared/ebpf-disasm.ts), one instruction of each class and form, against
// text worked out by hand from the kernel's disassembler grammar. The kernel test checks it
// against bpftool's dump of the real loaded programs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { disassemble, type DisasmNames } from '../../src/shared/ebpf-disasm.js';

/** One instruction's 8 bytes: opcode, dst | src << 4, off (le16), imm (le32). */
function insn(code: number, dst: number, src: number, off: number, imm: number): number[] {
  const b = new DataView(new ArrayBuffer(8));
  b.setUint8(0, code);
  b.setUint8(1, dst | (src << 4));
  b.setInt16(2, off, true);
  b.setInt32(4, imm, true);
  return [...new Uint8Array(b.buffer)];
}

const names: DisasmNames = {
  call: (i) => ({ 14: 'bpf_get_current_pid_tgid', 131: 'bpf_ringbuf_reserve' } as Record<number, string>)[i.imm] ?? null,
  map: (id) => (id === 7 ? 'counts' : null),
};

const text = (...insns: number[][]): string[] => disassemble(new Uint8Array(insns.flat()), names).map((d) => `${d.index}: ${d.text}`);

test('ALU and ALU64, register and immediate, 32-bit as w registers', () => {
  assert.deepEqual(text(
    insn(0xbf, 6, 1, 0, 0), insn(0xb7, 0, 0, 0, -1), insn(0x07, 10, 0, 0, -8), insn(0x0f, 1, 2, 0, 0),
    insn(0x67, 3, 0, 0, 32), insn(0x77, 3, 0, 0, 32), insn(0xc7, 3, 0, 0, 1), insn(0x04, 2, 0, 0, 5), insn(0xbc, 2, 3, 0, 0),
    insn(0x87, 4, 0, 0, 0), insn(0x84, 4, 0, 0, 0), insn(0x3f, 1, 2, 1, 0), insn(0xbf, 1, 2, 8, 0),
  ), [
    '0: (bf) r6 = r1', '1: (b7) r0 = -1', '2: (07) r10 += -8', '3: (0f) r1 += r2', '4: (67) r3 <<= 32', '5: (77) r3 >>= 32',
    '6: (c7) r3 s>>= 1', '7: (04) w2 += 5', '8: (bc) w2 = w3', '9: (87) r4 = -r4', '10: (84) w4 = -w4', '11: (3f) r1 s/= r2',
    '12: (bf) r1 = (s8)r2',
  ]);
});

test('byte swaps: le/be in ALU, bswap in ALU64', () => {
  assert.deepEqual(text(insn(0xdc, 1, 0, 0, 16), insn(0xd4, 1, 0, 0, 64), insn(0xd7, 1, 0, 0, 32)),
    ['0: (dc) r1 = be16 r1', '1: (d4) r1 = le64 r1', '2: (d7) r1 = bswap32 r1']);
});

test('loads and stores of every size, sign-extending loads, stores of an immediate, atomics', () => {
  assert.deepEqual(text(
    insn(0x79, 1, 10, -8, 0), insn(0x61, 2, 1, 8, 0), insn(0x69, 2, 1, 2, 0), insn(0x71, 2, 1, 0, 0), insn(0x91, 2, 1, 0, 0),
    insn(0x7b, 10, 1, -16, 0), insn(0x63, 10, 0, -4, 0), insn(0x62, 10, 0, -4, 7), insn(0xdb, 0, 1, 0, 0x00),
    insn(0xc3, 0, 1, 8, 0x01), insn(0xdb, 0, 1, 0, 0xe1), insn(0xdb, 0, 1, 0, 0xf1),
  ), [
    '0: (79) r1 = *(u64 *)(r10 -8)', '1: (61) r2 = *(u32 *)(r1 +8)', '2: (69) r2 = *(u16 *)(r1 +2)', '3: (71) r2 = *(u8 *)(r1 +0)',
    '4: (91) r2 = *(s8 *)(r1 +0)', '5: (7b) *(u64 *)(r10 -16) = r1', '6: (63) *(u32 *)(r10 -4) = r0', '7: (62) *(u32 *)(r10 -4) = 7',
    '8: (db) lock *(u64 *)(r0 +0) += r1', '9: (c3) r1 = atomic_fetch_add((u32 *)(r0 +8), r1)',
    '10: (db) r1 = atomic64_xchg((u64 *)(r0 +0), r1)', '11: (db) r0 = atomic64_cmpxchg((u64 *)(r0 +0), r0, r1)',
  ]);
});

test('jumps, calls by name, exit, and 64-bit loads of maps and numbers taking two slots', () => {
  assert.deepEqual(text(
    insn(0x15, 0, 0, 3, 0), insn(0x5d, 1, 2, -2, 0), insn(0xa6, 3, 0, 1, -1), insn(0x05, 0, 0, -4, 0), insn(0x06, 0, 0, 0, 9),
    insn(0x85, 0, 0, 0, 14), insn(0x85, 0, 0, 0, 99), insn(0x85, 0, 1, 5, 2),
    insn(0x18, 1, 1, 0, 7), insn(0, 0, 0, 0, 0), insn(0x18, 2, 2, 0, 12), insn(0, 0, 0, 0, 24),
    insn(0x18, 3, 0, 0, -1), insn(0, 0, 0, 0, 0x12), insn(0x95, 0, 0, 0, 0),
  ), [
    '0: (15) if r0 == 0x0 goto pc+3', '1: (5d) if r1 != r2 goto pc-2', '2: (a6) if w3 < 0xffffffff goto pc+1', '3: (05) goto pc-4',
    '4: (06) gotol pc+9', '5: (85) call bpf_get_current_pid_tgid', '6: (85) call unknown', '7: (85) call pc+5',
    '8: (18) r1 = map[counts]', '10: (18) r2 = map[id:12][0]+24', '12: (18) r3 = 0x12ffffffff', '14: (95) exit',
  ]);
});

test('the verifier\'s own forms, and newer jumps and atomics', () => {
  assert.deepEqual(text(
    insn(0xbf, 0, 0, -1, 0), insn(0xbf, 1, 2, 1, 1 << 16), insn(0xdb, 3, 4, 8, 0x100), insn(0xdb, 3, 4, -8, 0x110),
    insn(0xe5, 0, 1, 7, 0), insn(0x0d, 5, 0, 0, 0), insn(0x96, 0, 0, 2, 0), insn(0x18, 4, 4, 0, 3), insn(0, 0, 0, 0, 0),
  ), [
    '0: (bf) r0 = &(void __percpu *)(r0)', '1: (bf) r1 = addr_space_cast(r2, 1, 0)', '2: (db) r3 = load_acquire((u64 *)(r4 +8))',
    '3: (db) store_release((u64 *)(r3 -8), r4)', '4: (e5) may_goto pc+7', '5: (0d) gotox r5', '6: (96) if w0 exit 0x0 goto pc+2',
    '7: (18) r4 = subprog[+3]',
  ]);
});

test('for a caller who is not root, constants that are kernel addresses are hidden', () => {
  const bytes = new Uint8Array([
    insn(0xb7, 0, 0, 0, -0x7e5a1c00), insn(0xb7, 1, 0, 0, -8), insn(0x18, 2, 0, 0, 0x1234), insn(0, 0, 0, 0, -0x77ff),
    insn(0x18, 3, 0, 0, 5), insn(0, 0, 0, 0, 0), insn(0x18, 4, 0, 0, -8), insn(0, 0, 0, 0, -1),
  ].flat());
  const shown = (hideAddresses: boolean): string[] => disassemble(bytes, { ...names, hideAddresses }).map((d) => d.text);
  assert.deepEqual(shown(true), ['(b7) r0 = <kernel address>', '(b7) r1 = -8', '(18) r2 = <kernel address>', '(18) r3 = 0x5',
    '(18) r4 = 0xfffffffffffffff8']);
  assert.deepEqual(shown(false), ['(b7) r0 = -2119834624', '(b7) r1 = -8', '(18) r2 = 0xffff880100001234', '(18) r3 = 0x5',
    '(18) r4 = 0xfffffffffffffff8']);
});
