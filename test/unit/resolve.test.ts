// Pins down helper/resolve.ts, the choice of attach plans, against made-up kernels: memcpy
// where it can be kprobed (kernels before 5.8, which these machines cannot boot), memcpy in
// .noinstr.text, 6.1's __memcpy alias, and tracepoint fields.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kernel, TracepointField } from '../../helper/kernel.js';
import { checkSpec, kprobeReasons } from '../../helper/resolve.js';

interface FakeKernel {
  btf?: boolean;
  functions?: Record<string, bigint>;
  noinstr?: string[];
  blacklist?: string[];
  kprobes?: boolean;
  fields?: Record<string, TracepointField[]>;
}

function kernel(k: FakeKernel): Kernel {
  return {
    hasKprobes: k.kprobes ?? true, hasUprobes: true, hasBtf: k.btf ?? true, tracefs: true,
    functionAddress: (name: string) => k.functions?.[name],
    inNoinstr: (name: string) => (k.noinstr ?? []).includes(name),
    blacklisted: (name: string) => (k.blacklist ?? []).includes(name),
    ftraceable: () => true,
    tracepointFields: (category: string, event: string) => k.fields?.[`${category}:${event}`] ?? null,
  } as unknown as Kernel;
}

const ALL = { memcpy: 1n, __check_object_size: 2n, vfs_read: 3n };

test('auto uses kernel memcpy when the kernel lets it be probed, as before 5.8', () => {
  const [first] = checkSpec(kernel({ functions: ALL }), { kind: 'catalog', id: 'auto' });
  assert.ok(first?.ok);
  assert.equal(first.plan.probe, 'memcpy');
  assert.deepEqual(first.plan.point, { kind: 'kprobe', func: 'memcpy' });
  assert.equal(first.plan.argIndex, 3);
});

test('auto skips memcpy in .noinstr.text and offers usercopy next', () => {
  const checks = checkSpec(kernel({ functions: ALL, noinstr: ['memcpy'] }), { kind: 'catalog', id: 'auto' });
  assert.equal(checks[0]?.ok, false);
  assert.deepEqual(!checks[0]!.ok && checks[0]!.reasons.map((r) => r.code), ['noinstr']);
  const next = checks.find((c) => c.ok);
  assert.ok(next?.ok);
  assert.equal(next.plan.probe, 'usercopy');
  assert.deepEqual(next.plan.point, { kind: 'kprobe', func: '__check_object_size' });
  assert.equal(next.plan.argIndex, 2);
});

test('memcpy known only through its __memcpy alias is explained as noinstr, not missing', () => {
  const reasons = kprobeReasons(kernel({ functions: { __memcpy: 5n }, noinstr: ['__memcpy'] }), 'memcpy');
  assert.deepEqual(reasons.map((r) => r.code), ['noinstr']);
  assert.match(reasons[0]!.message, /alias of __memcpy\(\).*since Linux 5\.8/);
});

test('a missing function, a blacklisted one and a kernel without kprobes each say so', () => {
  assert.deepEqual(kprobeReasons(kernel({}), 'nope').map((r) => r.code), ['no-such-function']);
  assert.deepEqual(kprobeReasons(kernel({ functions: ALL, blacklist: ['vfs_read'] }), 'vfs_read').map((r) => r.code),
    ['blacklisted']);
  assert.deepEqual(kprobeReasons(kernel({ functions: ALL, kprobes: false }), 'vfs_read').map((r) => r.code),
    ['no-kprobes']);
  assert.deepEqual(kprobeReasons(kernel({ functions: ALL }), 'vfs_read'), []);
});

test('a tracepoint field becomes an offset and size; non-numeric fields are refused with the list', () => {
  const fields: TracepointField[] = [
    { name: 'common_pid', type: 'int', offset: 4, size: 4, signed: true },
    { name: 'buf', type: 'char *', offset: 24, size: 8, signed: false },
    { name: 'count', type: 'size_t', offset: 32, size: 8, signed: false },
  ];
  const k = kernel({ fields: { 'syscalls:sys_enter_read': fields } });
  const [ok] = checkSpec(k, { kind: 'tracepoint', category: 'syscalls', event: 'sys_enter_read', field: 'count' });
  assert.ok(ok?.ok);
  assert.deepEqual([ok.plan.fieldOffset, ok.plan.fieldSize, ok.plan.program], [32, 8, 'tracepoint']);
  const [bad] = checkSpec(k, { kind: 'tracepoint', category: 'syscalls', event: 'sys_enter_read', field: 'buf' });
  assert.ok(bad && !bad.ok);
  assert.match(bad.reasons[0]!.message, /has a non-numeric field buf; unsigned numeric fields: count\./);
  const [none] = checkSpec(k, { kind: 'tracepoint', category: 'syscalls', event: 'nope', field: 'count' });
  assert.ok(none && !none.ok);
  assert.equal(none.reasons[0]!.code, 'no-such-tracepoint');
});

test('a signed tracepoint field is refused: a size is never negative', () => {
  const fields: TracepointField[] = [
    { name: 'ret', type: 'long', offset: 16, size: 8, signed: true },
    { name: 'bytes', type: 'size_t', offset: 24, size: 8, signed: false },
  ];
  const k = kernel({ fields: { 'syscalls:sys_exit_read': fields } });
  const [check] = checkSpec(k, { kind: 'tracepoint', category: 'syscalls', event: 'sys_exit_read', field: 'ret' });
  assert.ok(check && !check.ok);
  assert.match(check.reasons[0]!.message, /has a signed field ret; unsigned numeric fields: bytes\./);
});

test('without kernel BTF every kind of probe is refused with the reason, tracepoints and uprobes too', () => {
  const k = kernel({ btf: false, functions: ALL });
  for (const spec of [
    { kind: 'catalog', id: 'read' }, { kind: 'catalog', id: 'vfs-read' },
    { kind: 'uprobe', path: '/bin/sh', symbol: 'main', arg: 1 },
  ] as const) {
    const checks = checkSpec(k, spec);
    assert.ok(checks.length > 0 && checks.every((c) => !c.ok && c.reasons.some((r) => r.code === 'no-btf')), spec.kind);
  }
});
