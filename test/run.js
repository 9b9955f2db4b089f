#!/usr/bin/env node
// Runs the whole suite from build/test: unit tests, kernel tests on this host,
// then the VM stage (which itself runs build/test/guest inside Debian's kernel).
// One `node --test` run, one file at a time: kernel tests check what is loaded.
// Usage: node test/run.js [unit|kernel|vm ...]   (default: all three)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const stages = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'kernel', 'vm'];
const files = stages.flatMap((stage) => {
  const dir = `build/test/${stage}`;
  if (!fs.existsSync(dir)) throw new Error(`${dir} is missing: run npm run build first`);
  return fs.readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort().map((f) => `${dir}/${f}`);
});
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
