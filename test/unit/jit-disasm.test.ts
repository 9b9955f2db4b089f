// The JIT's code as text (helper/jit-disasm.ts, iced-x86): offsets across functions, calls out
// of the program named, lines from jited_line_info, and kernel addresses hidden from a caller
// who is not root. The kernel test checks real programs against objdump.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { disassembleJit, jitLineOffsets } from '../../helper/jit-disasm.js';

const F0 = 0xffffffffc0001000n;
const F1 = 0xffffffffc0002000n;
// Function 0: movabs $0xffffc90002dfe000,%rdi; add $-8,%rsi; call F1; ret. Function 1: call helper; ret.
const f0 = [0x48, 0xbf, 0x00, 0xe0, 0xdf, 0x02, 0x00, 0xc9, 0xff, 0xff, 0x48, 0x83, 0xc6, 0xf8];
const callAt = (from: bigint, to: bigint): number[] => {
  const rel = Number(BigInt.asIntN(32, to - (from + 5n)));
  return [0xe8, rel & 0xff, (rel >> 8) & 0xff, (rel >> 16) & 0xff, (rel >>> 24) & 0xff];
};
const HELPER = 0xffffffff81234560n;
const code0 = [...f0, ...callAt(F0 + 14n, F1), 0xc3];
const code1 = [...callAt(F1, HELPER), 0xc3];
const code = {
  bytes: new Uint8Array([...code0, ...code1]),
  funcs: [{ address: F0, length: code0.length }, { address: F1, length: code1.length }],
  lineAddresses: [F0, F1],
};
const lines = [{ file: 'a.c', line: 1, column: 0, source: '' }, { file: 'a.c', line: 9, column: 0, source: '' }];
const symbols = new Map([[HELPER, 'bpf_ktime_get_ns'], [F1, 'bpf_prog_1234_fill']]);

test('each function at its image offset, calls named, lines attached', () => {
  const out = disassembleJit(code, { symbolAt: (a) => symbols.get(a) ?? null, lineAt: jitLineOffsets(code, lines), hideAddresses: false });
  assert.deepEqual(out.map((i) => [i.offset, i.text, i.line?.line]), [
    [0, 'movabs $0xffffc90002dfe000,%rdi', 1], [10, 'add $0xfffffffffffffff8,%rsi', 1], [14, 'call bpf_prog_1234_fill', 1],
    [19, 'ret', 1], [20, 'call bpf_ktime_get_ns', 9], [25, 'ret', 9],
  ]);
  assert.equal(out[0]!.bytes, '48 bf 00 e0 df 02 00 c9 ff ff');
});

test('for a caller who is not root, a kernel address and its bytes are hidden, small negative numbers are not', () => {
  const out = disassembleJit(code, { symbolAt: () => null, lineAt: new Map(), hideAddresses: true });
  assert.deepEqual(out.map((i) => i.text), ['movabs $<kernel address>,%rdi', 'add $0xfffffffffffffff8,%rsi', 'call 0x14',
    'ret', 'call <kernel address>', 'ret']);
  assert.equal(out[0]!.bytes, '', 'the bytes hold the address too');
  assert.equal(out[1]!.bytes, '48 83 c6 f8');
});
