// Pins down src/shared/probes.ts: how --kprobe, --tracepoint, --uprobe and
// --probe spellings become probe specs, which spellings are refused (with a
// one-line message naming the option), and the short names specs are shown by.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CATALOG_IDS, parseCatalogId, parseKprobe, parseTracepoint, parseUprobe, probeName, type ProbeSpec,
} from '../../src/shared/probes.js';
import { MAX_PID, parsePid } from '../../src/shared/probes.js';

const LIBC = '/usr/lib/x86_64-linux-gnu/libc.so.6';

function rejects(parse: (text: string) => ProbeSpec, text: string, prefix: string): void {
  assert.throws(() => parse(text), (e: unknown) => {
    assert.ok(e instanceof Error, text);
    assert.ok(e.message.startsWith(prefix), `${JSON.stringify(text)}: ${e.message}`);
    assert.ok(!e.message.includes('\n'), `${JSON.stringify(text)}: message is not one line`);
    return true;
  });
}

test('parseKprobe reads FUNCTION:ARG', () => {
  assert.deepEqual(parseKprobe('vfs_read:3'), { kind: 'kprobe', func: 'vfs_read', arg: 3 });
  assert.deepEqual(parseKprobe('_copy_to_user:1'), { kind: 'kprobe', func: '_copy_to_user', arg: 1 });
  assert.deepEqual(parseKprobe('do_sys_open:6'), { kind: 'kprobe', func: 'do_sys_open', arg: 6 });
  // Compiler suffixes are part of real kernel symbol names.
  assert.deepEqual(parseKprobe('memcpy_orig.isra.0:3'), { kind: 'kprobe', func: 'memcpy_orig.isra.0', arg: 3 });
});

test('parseKprobe rejections start with "bad --kprobe"', () => {
  for (const text of [
    'vfs_read:0', 'vfs_read:7', 'vfs_read:10', 'vfs_read:x', 'vfs_read:-1', 'vfs_read', 'vfs_read:', ':3', '',
    'vfs_read:3:4', 'vfs read:3', 'fs/vfs_read:3', '../etc/passwd:1', '3read:1',
  ]) {
    rejects(parseKprobe, text, 'bad --kprobe');
  }
});

test('parseTracepoint reads CATEGORY:EVENT:FIELD', () => {
  assert.deepEqual(parseTracepoint('kmem:kmalloc:bytes_req'),
    { kind: 'tracepoint', category: 'kmem', event: 'kmalloc', field: 'bytes_req' });
  assert.deepEqual(parseTracepoint('syscalls:sys_enter_read:count'),
    { kind: 'tracepoint', category: 'syscalls', event: 'sys_enter_read', field: 'count' });
});

test('parseTracepoint rejections start with "bad --tracepoint"', () => {
  for (const text of [
    'kmem:kmalloc', 'kmem', '', 'kmem::bytes_req', ':kmalloc:bytes_req', 'kmem:kmalloc:',
    'kmem:kmalloc:bytes_req:x', 'kmem:kmalloc:bytes req', 'kmem/x:kmalloc:bytes_req', '../kmem:kmalloc:bytes_req',
  ]) {
    rejects(parseTracepoint, text, 'bad --tracepoint');
  }
});

test('parseUprobe reads /PATH:SYMBOL:ARG', () => {
  assert.deepEqual(parseUprobe(`${LIBC}:memcpy:3`), { kind: 'uprobe', path: LIBC, symbol: 'memcpy', arg: 3 });
  assert.deepEqual(parseUprobe('/usr/bin/gzip:memcpy:1'), { kind: 'uprobe', path: '/usr/bin/gzip', symbol: 'memcpy', arg: 1 });
  assert.deepEqual(parseUprobe(`${LIBC}:memcpy@GLIBC_2.14:3`),
    { kind: 'uprobe', path: LIBC, symbol: 'memcpy@GLIBC_2.14', arg: 3 });
});

test('parseUprobe rejections start with "bad --uprobe"', () => {
  for (const text of [
    'usr/lib/x86_64-linux-gnu/libc.so.6:memcpy:3', './libc.so.6:memcpy:3', 'libc.so.6:memcpy:3',
    `${LIBC}:memcpy:0`, `${LIBC}:memcpy:7`, `${LIBC}:memcpy`, `${LIBC}:memcpy:`, `${LIBC}::3`, ':memcpy:3', '',
    `${LIBC}:mem cpy:3`, `${LIBC}:a/b:3`, `${LIBC}:memcpy:3:4`,
  ]) {
    rejects(parseUprobe, text, 'bad --uprobe');
  }
});

test('parseCatalogId accepts every catalog id and nothing else', () => {
  assert.ok(CATALOG_IDS.includes('auto'));
  assert.ok(CATALOG_IDS.includes('memcpy'));
  for (const id of CATALOG_IDS) assert.deepEqual(parseCatalogId(id), { kind: 'catalog', id });
  for (const text of ['nope', '', 'AUTO', 'memcpy ', 'vfs_read']) rejects(parseCatalogId, text, 'unknown probe');
});

test('probeName: a catalog probe is named by its id', () => {
  assert.equal(probeName(parseCatalogId('memcpy')), 'memcpy');
  assert.equal(probeName(parseCatalogId('auto')), 'auto');
});

test('probeName: custom probes name every part, and different specs get different names', () => {
  const specs = [
    parseKprobe('vfs_read:3'), parseKprobe('vfs_read:2'), parseKprobe('vfs_write:3'),
    parseTracepoint('kmem:kmalloc:bytes_req'), parseTracepoint('kmem:kmalloc:bytes_alloc'),
    parseUprobe(`${LIBC}:memcpy:3`), parseUprobe('/usr/bin/gzip:memcpy:3'),
    parseCatalogId('memcpy'), parseCatalogId('vfs-read'),
  ];
  const names = specs.map(probeName);
  assert.equal(new Set(names).size, names.length, names.join(' | '));
  assert.ok(names[0]!.includes('vfs_read') && names[0]!.includes('3'), names[0]);
  assert.ok(['kmem', 'kmalloc', 'bytes_req'].every((p) => names[3]!.includes(p)), names[3]);
  assert.ok([LIBC, 'memcpy', '3'].every((p) => names[5]!.includes(p)), names[5]);
  // A custom kprobe must not be mistaken for the catalog probe of a similar name.
  assert.notEqual(probeName(parseKprobe('memcpy:3')), 'memcpy');
});

test('a typed pid is decimal, 1 to the kernel\'s largest, and nothing else', () => {
  assert.equal(parsePid('1'), 1);
  assert.equal(parsePid(String(MAX_PID)), MAX_PID);
  for (const bad of ['0', '-1', '01', '1.5', '0x10', String(MAX_PID + 1), '99999999', '', ' 1']) assert.equal(parsePid(bad), null, bad);
});
