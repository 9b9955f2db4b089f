// Pins down locateAddress() in helper/libc-function.ts: an address in this
// process maps to the file and file offset of the mapping that holds it;
// anonymous and pseudo mappings, and unmapped addresses, give null.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locateAddress } from '../../helper/libc-function.js';

const LIBC = '/usr/lib/x86_64-linux-gnu/libc.so.6';
const MAPS = [
  '55d0c0a00000-55d0c0a02000 r--p 00000000 fe:01 5555                       /usr/bin/node',
  '55d0c1000000-55d0c1021000 rw-p 00000000 00:00 0                          [heap]',
  `7f0000000000-7f0000028000 r--p 00000000 fe:01 1234                       ${LIBC}`,
  `7f0000028000-7f000017d000 r-xp 00028000 fe:01 1234  ${LIBC}`,
  `7f000017d000-7f00001d5000 r--p 0017d000 fe:01 1234                       ${LIBC}`,
  '7f00001e0000-7f00001f0000 rw-p 00000000 00:00 0 ',
  '7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]',
  '',
].join('\n');

test('an address in libc\'s text maps to its file offset', () => {
  assert.deepEqual(locateAddress(0x7f0000030000n, MAPS), { path: LIBC, offset: 0x30000, address: 0x7f0000030000n });
});

test('mapping start is inclusive, end exclusive', () => {
  assert.equal(locateAddress(0x7f0000028000n, MAPS)?.offset, 0x28000);
  assert.equal(locateAddress(0x7f000017cfffn, MAPS)?.offset, 0x17cfff);
  // The end of the r-xp mapping is the first byte of the next one, at file offset 0x17d000.
  assert.deepEqual(locateAddress(0x7f000017d000n, MAPS), { path: LIBC, offset: 0x17d000, address: 0x7f000017d000n });
  assert.deepEqual(locateAddress(0x7f0000000010n, MAPS), { path: LIBC, offset: 0x10, address: 0x7f0000000010n });
  assert.equal(locateAddress(0x55d0c0a00123n, MAPS)?.path, '/usr/bin/node');
});

test('addresses outside any file mapping give null', () => {
  assert.equal(locateAddress(0x7f00001e8000n, MAPS), null, 'anonymous mapping');
  assert.equal(locateAddress(0x55d0c1000100n, MAPS), null, '[heap]');
  assert.equal(locateAddress(0x7ffd00000100n, MAPS), null, '[stack]');
  assert.equal(locateAddress(0x1000n, MAPS), null, 'below everything');
  assert.equal(locateAddress(0x7f00001d5000n, MAPS), null, 'in the gap after libc');
  assert.equal(locateAddress(0xffffffffffffffffn, MAPS), null, 'above everything');
  assert.equal(locateAddress(0x7f0000030000n, ''), null, 'no maps at all');
});
