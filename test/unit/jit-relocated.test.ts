// Which instructions of a JIT image keep their bytes for a caller who is not root
// (helper/jit-relocated.ts). The image is hand-assembled x86-64, each encoding written out below
// (checked with `objdump -D -b binary -mi386:x86-64`), with two functions at known addresses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { disassembleJit } from '../../helper/jit-disasm.js';

const F0 = 0xffffffffc0001000n;
const F1 = 0xffffffffc0002000n;
const HELPER = 0xffffffff81234560n;
const THUNK = 0xffffffff82000000n;

const le32 = (v: bigint): number[] => [0, 8, 16, 24].map((s) => Number((BigInt.asUintN(32, v) >> BigInt(s)) & 0xffn));
/** A rel32 call (e8) or jmp (e9) at `from` to `to`: the distance, as the JIT writes it. */
const rel32 = (op: number, from: bigint, to: bigint): number[] => [op, ...le32(to - (from + 5n))];

// Function 0, each instruction with whether a caller who is not root sees its bytes.
const rows: Array<[string, (at: bigint) => number[], boolean]> = [
  ['mov %rdi,%rbx', () => [0x48, 0x89, 0xfb], true],
  ['add $0x8,%rsi', () => [0x48, 0x83, 0xc6, 0x08], true],
  ['mov -8(%rbp),%edi', () => [0x8b, 0x7d, 0xf8], true],
  ['mov $0xffffffff,%esi (-1, no address)', () => [0xbe, 0xff, 0xff, 0xff, 0xff], true],
  ['je +2, inside the function', () => [0x74, 0x02], true],
  ['call rel32 to a helper', (at) => rel32(0xe8, at, HELPER), false],
  ['call rel32 to the program\'s other function', (at) => rel32(0xe8, at, F1), false],
  ['movabs $0xffffc90002dfe000,%rdi (a map)', () => [0x48, 0xbf, 0x00, 0xe0, 0xdf, 0x02, 0x00, 0xc9, 0xff, 0xff], false],
  ['movabs $0x123456789,%rax (a constant: every movabs)', () => [0x48, 0xb8, 0x89, 0x67, 0x45, 0x23, 0x01, 0, 0, 0], false],
  ['mov $0xffffffff81234560,%rax (imm32 sign-extended)', () => [0x48, 0xc7, 0xc0, 0x60, 0x45, 0x23, 0x81], false],
  ['add %gs:0xffffffff81e3a018,%rax (this_cpu_off)', () => [0x65, 0x48, 0x03, 0x04, 0x25, 0x18, 0xa0, 0xe3, 0x81], false],
  ['mov %gs:0x1f4e8,%eax (zero-based per-CPU)', () => [0x65, 0x8b, 0x04, 0x25, 0xe8, 0xf4, 0x01, 0x00], false],
  ['mov 0xffffffff81e3a018(%rax),%rax (address as displacement)', () => [0x48, 0x8b, 0x80, 0x18, 0xa0, 0xe3, 0x81], false],
  ['pop %rbx', () => [0x5b], true],
  ['jmp rel32 to __x86_return_thunk', (at) => rel32(0xe9, at, THUNK), false],
];
const code0: number[] = [];
const offsets: number[] = [];
for (const [, encode] of rows) {
  offsets.push(code0.length);
  code0.push(...encode(F0 + BigInt(code0.length)));
}
const code1 = [...rel32(0xe8, F1, HELPER), 0xc3];
const code = {
  bytes: new Uint8Array([...code0, ...code1]),
  funcs: [{ address: F0, length: code0.length }, { address: F1, length: code1.length }],
  lineAddresses: [],
};
const symbols = new Map([[HELPER, 'bpf_get_current_pid_tgid'], [THUNK, '__x86_return_thunk']]);
const names = (hideAddresses: boolean) => ({ symbolAt: (a: bigint) => symbols.get(a) ?? null, lineAt: new Map(), hideAddresses });
const hex = (b: number[]): string => b.map((x) => x.toString(16).padStart(2, '0')).join(' ');

test('for a caller who is not root, exactly the instructions that hold an address or a distance out of the function lose their bytes', () => {
  const out = disassembleJit(code, names(true));
  assert.deepEqual(out.map((i) => i.offset), [...offsets, code0.length, code0.length + 5]);
  const shown = out.slice(0, rows.length).map((i, n) => [rows[n]![0], i.bytes !== '']);
  assert.deepEqual(shown, rows.map(([what, , keeps]) => [what, keeps]));
  // The second function: its call to the helper is blank, its ret is not.
  assert.deepEqual(out.slice(rows.length).map((i) => i.bytes), ['', 'c3']);
  // Shown bytes are the instruction's own.
  out.slice(0, rows.length).forEach((i, n) => {
    if (i.bytes) assert.equal(i.bytes, hex(rows[n]![1](F0 + BigInt(offsets[n]!))));
  });
});

test('a name is not an address: calls and jumps out of the program keep their names, and their offsets in it', () => {
  const texts = disassembleJit(code, names(true)).map((i) => i.text);
  assert.ok(texts.includes('call bpf_get_current_pid_tgid'));
  assert.ok(texts.includes(`call 0x${code0.length.toString(16)}`), 'a call to the program\'s other function reads as its offset');
  assert.ok(texts.includes('jmp __x86_return_thunk'));
  const unnamed = disassembleJit(code, { ...names(true), symbolAt: () => null }).map((i) => i.text);
  assert.equal(unnamed.at(-1 - 2), 'jmp <kernel address>', 'an unnamed target is hidden, never shown as a distance');
  assert.ok(!unnamed.some((t) => /0xffff[0-9a-f]{12}/.test(t)), unnamed.join(' | '));
});

test('root keeps every byte', () => {
  const out = disassembleJit(code, names(false));
  assert.equal(out.map((i) => i.bytes).join(' '), hex([...code.bytes]));
  assert.equal(out.at(-1 - 2)!.text, 'jmp __x86_return_thunk');
});
