// Pins down the pure parsers in helper/kernel.ts: /proc/kallsyms (kernel text
// symbols and the .noinstr.text range) and tracefs `format` files (field names,
// types, offsets, sizes, signedness). Never constructs a Kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFormat, parseKallsyms } from '../../helper/kernel.js';

const KALLSYMS = [
  'ffffffff81000000 T _stext',
  'ffffffff81001000 t do_one_initcall',
  'ffffffff81002000 T vfs_read',
  'ffffffff81003000 T vfs_write',
  'ffffffff82000000 D jiffies',
  'ffffffff82000100 d some_static_data',
  'ffffffff82000200 B bss_thing',
  'ffffffff81f00000 T __noinstr_text_start',
  'ffffffff81f00100 t exc_nmi',
  'ffffffff81f10000 T __noinstr_text_end',
  'ffffffffc0100000 t mod_func\t[some_mod]',
  'ffffffffc0100100 T vfs_read\t[other_mod]',
  '',
].join('\n');

test('parseKallsyms keeps kernel text symbols with their addresses', () => {
  const { text } = parseKallsyms(KALLSYMS);
  assert.equal(text.get('_stext'), 0xffffffff81000000n);
  assert.equal(text.get('do_one_initcall'), 0xffffffff81001000n);
  assert.equal(text.get('vfs_read'), 0xffffffff81002000n, 'a module symbol of the same name must not override it');
  assert.equal(text.get('vfs_write'), 0xffffffff81003000n);
  assert.equal(text.get('exc_nmi'), 0xffffffff81f00100n);
});

test('parseKallsyms ignores data symbols and keeps module functions that vmlinux lacks', () => {
  const { text } = parseKallsyms(KALLSYMS);
  for (const name of ['jiffies', 'some_static_data', 'bss_thing']) {
    assert.equal(text.has(name), false, name);
  }
  assert.equal(text.get('mod_func'), 0xffffffffc0100000n, 'module functions can be kprobed');
  assert.equal(text.size, 8);
});

test('parseKallsyms lets vmlinux win over a module whichever comes first', () => {
  const { text } = parseKallsyms(['ffffffffc0100100 T dup\t[mod]', 'ffffffff81002000 T dup', ''].join('\n'));
  assert.equal(text.get('dup'), 0xffffffff81002000n);
});

test('parseKallsyms finds the noinstr range', () => {
  assert.deepEqual(parseKallsyms(KALLSYMS).noinstr, { start: 0xffffffff81f00000n, end: 0xffffffff81f10000n });
});

test('parseKallsyms: no noinstr markers, or addresses hidden by kptr_restrict, mean no range', () => {
  assert.equal(parseKallsyms('ffffffff81002000 T vfs_read\n').noinstr, null);
  const hidden = parseKallsyms([
    '0000000000000000 T vfs_read',
    '0000000000000000 T __noinstr_text_start',
    '0000000000000000 T __noinstr_text_end',
  ].join('\n'));
  assert.equal(hidden.text.get('vfs_read'), 0n);
  assert.equal(hidden.noinstr, null);
  assert.equal(parseKallsyms('').text.size, 0);
});

const SYS_ENTER_READ = `name: sys_enter_read
ID: 842
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;
\tfield:unsigned int fd;\toffset:16;\tsize:8;\tsigned:0;
\tfield:char * buf;\toffset:24;\tsize:8;\tsigned:0;
\tfield:size_t count;\toffset:32;\tsize:8;\tsigned:0;

print fmt: "fd: 0x%08lx, buf: 0x%08lx, count: 0x%08lx", ((unsigned long)(REC->fd)), ((unsigned long)(REC->buf)), ((unsigned long)(REC->count))
`;

test('parseFormat reads every field of sys_enter_read, common ones included', () => {
  const fields = parseFormat(SYS_ENTER_READ);
  assert.deepEqual(fields.map((f) => f.name), [
    'common_type', 'common_flags', 'common_preempt_count', 'common_pid', '__syscall_nr', 'fd', 'buf', 'count',
  ]);
  assert.deepEqual(fields.map((f) => [f.offset, f.size, f.signed]), [
    [0, 2, false], [2, 1, false], [3, 1, false], [4, 4, true], [8, 4, true], [16, 8, false], [24, 8, false], [32, 8, false],
  ]);
});

test('parseFormat: names and types of the interesting fields', () => {
  const byName = new Map(parseFormat(SYS_ENTER_READ).map((f) => [f.name, f]));
  const count = byName.get('count');
  assert.ok(count);
  assert.equal(count.offset, 32);
  assert.equal(count.size, 8);
  assert.equal(count.signed, false);
  assert.equal(count.type, 'size_t');
  assert.equal(byName.get('fd')?.type, 'unsigned int');
  assert.equal(byName.get('common_pid')?.type, 'int');
  const buf = byName.get('buf');
  assert.ok(buf?.type.includes('*'), buf?.type);
  assert.ok(buf?.type.includes('char'), buf?.type);
});

test('parseFormat: an array field is named without its brackets and typed as an array', () => {
  const [comm, ...rest] = parseFormat('\tfield:char comm[16];\toffset:8;\tsize:16;\tsigned:0;\n');
  assert.equal(rest.length, 0);
  assert.ok(comm);
  assert.equal(comm.name, 'comm');
  assert.ok(comm.type.includes('['), comm.type);
  assert.ok(comm.type.startsWith('char'), comm.type);
  assert.equal(comm.offset, 8);
  assert.equal(comm.size, 16);
});

test('parseFormat ignores everything that is not a field line', () => {
  assert.deepEqual(parseFormat('name: x\nID: 1\nformat:\n\nprint fmt: "field:int a;"\n'), []);
});

test('parseKallsyms skips JITed BPF programs and trampolines, which are not functions to kprobe', () => {
  const { text } = parseKallsyms([
    'ffffffffc0200000 t bpf_prog_6deef7357e7b4530_hist_tracepoint\t[bpf]',
    'ffffffffc0300000 t ftrace_trampoline\t[__builtin__ftrace]',
    'ffffffffc0400000 t kprobe_insn_page\t[__builtin__kprobes]',
    '',
  ].join('\n'));
  assert.equal(text.size, 0);
});
