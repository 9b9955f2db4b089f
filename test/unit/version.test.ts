// Pins down src/shared/version.ts: VERSION is package.json's version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { VERSION } from '../../src/shared/version.js';

test('VERSION equals package.json version', () => {
  // The compiled test runs from build/test/unit/, three levels below the repo root.
  const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(typeof pkg.version, 'string');
  assert.match(VERSION, /^\d+\.\d+\.\d+/);
  assert.equal(VERSION, pkg.version);
});
