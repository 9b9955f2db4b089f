// Pins down the custom probe form's check (src/renderer/custom-probe.ts):
// each kind's fields are checked before anything is sent, every wrong field
// gets its own message, and what passes is a spec the contract accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probeSpecSchema } from '../../src/shared/protocol.js';
import { EMPTY_CUSTOM, validateCustom, type CustomProbeInput } from '../../src/renderer/custom-probe.js';

const form = (over: Partial<CustomProbeInput>): CustomProbeInput => ({ ...EMPTY_CUSTOM, ...over });

test('a good kprobe becomes a kprobe spec (compiler suffixes allowed, spaces trimmed)', () => {
  const { spec, errors } = validateCustom(form({ kind: 'kprobe', func: ' vfs_read.isra.0 ', kprobeArg: '3' }));
  assert.deepEqual(errors, {});
  assert.deepEqual(spec, { kind: 'kprobe', func: 'vfs_read.isra.0', arg: 3 });
  assert.ok(probeSpecSchema.safeParse(spec).success);
});

test('kprobe: an empty function and an argument out of 1-6 are both reported', () => {
  const { spec, errors } = validateCustom(form({ kind: 'kprobe', func: '', kprobeArg: '7' }));
  assert.equal(spec, null);
  assert.match(errors.func!, /kernel function/);
  assert.match(errors.kprobeArg!, /1 to 6/);
  for (const bad of ['0', '', 'x', '1.5', '12']) {
    assert.ok(validateCustom(form({ kind: 'kprobe', func: 'f', kprobeArg: bad })).errors.kprobeArg, `arg "${bad}"`);
  }
});

test('kprobe: a function name must be a kernel symbol', () => {
  for (const bad of ['9lives', 'vfs-read', 'a b', 'x'.repeat(129), 'f:3']) {
    const { spec, errors } = validateCustom(form({ kind: 'kprobe', func: bad, kprobeArg: '1' }));
    assert.equal(spec, null, bad);
    assert.match(errors.func!, /Not a valid kernel function/, bad);
  }
});

test('tracepoint: three names, each checked on its own', () => {
  const good = validateCustom(form({ kind: 'tracepoint', category: 'kmem', event: 'kmalloc', field: 'bytes_req' }));
  assert.deepEqual(good.spec, { kind: 'tracepoint', category: 'kmem', event: 'kmalloc', field: 'bytes_req' });
  const bad = validateCustom(form({ kind: 'tracepoint', category: 'kmem', event: 'km:alloc', field: '' }));
  assert.equal(bad.spec, null);
  assert.equal(bad.errors.category, undefined);
  assert.match(bad.errors.event!, /letters, digits and _/);
  assert.match(bad.errors.field!, /numeric field/);
});

test('uprobe: the path must be absolute, the symbol a symbol, the argument 1-6', () => {
  const good = validateCustom(form({ kind: 'uprobe', path: '/usr/lib/libc.so.6', symbol: 'memcpy@GLIBC_2.14', uprobeArg: '3' }));
  assert.deepEqual(good.spec, { kind: 'uprobe', path: '/usr/lib/libc.so.6', symbol: 'memcpy@GLIBC_2.14', arg: 3 });
  const bad = validateCustom(form({ kind: 'uprobe', path: 'lib/libc.so.6', symbol: '1x', uprobeArg: '0' }));
  assert.equal(bad.spec, null);
  assert.match(bad.errors.path!, /absolute/);
  assert.match(bad.errors.symbol!, /Not a valid function symbol/);
  assert.match(bad.errors.uprobeArg!, /1 to 6/);
  assert.match(validateCustom(form({ kind: 'uprobe', path: '/', symbol: 's', uprobeArg: '1' })).errors.path!, /absolute/);
});

test('only the chosen kind is checked', () => {
  // Leftover garbage in the kprobe fields does not block a good tracepoint.
  const { spec, errors } = validateCustom(form({
    kind: 'tracepoint', func: '!!', kprobeArg: '99', category: 'syscalls', event: 'sys_enter_read', field: 'count',
  }));
  assert.deepEqual(errors, {});
  assert.equal(spec?.kind, 'tracepoint');
});
