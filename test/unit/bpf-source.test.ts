// Only the project's own BPF sources are read for the Lab's Source view (helper/bpf-source.ts):
// a file name from line info maps to a file in bpf/, or to nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownSourceName, SourceFiles } from '../../helper/bpf-source.js';

test('line-info file names map to the shipped sources, and nothing else does', () => {
  assert.equal(ownSourceName('bpf/hist.bpf.c'), 'bpf/hist.bpf.c');
  assert.equal(ownSourceName('bpf/./size_source.h'), 'bpf/size_source.h');
  for (const name of ['/etc/shadow', 'bpf/../etc/passwd', 'bpf/sub/x.c', 'bpf/hist.bpf.o', 'hist.bpf.c', 'bpf/.h']) {
    assert.equal(ownSourceName(name), null, name);
  }
});

test('the shipped sources are read once each, by line', () => {
  const files = new SourceFiles();
  assert.match(files.line('bpf/hist.bpf.c', 1), /SPDX-License-Identifier/);
  assert.equal(files.lines('bpf/no-such.c'), null);
  assert.equal(files.line('bpf/no-such.c', 3), '');
});
