#!/usr/bin/env node
// Runs the whole suite from build/test: unit tests, kernel tests on this host,
// the app end to end in Chromium (under xvfb-run when there is no display),
// the real pkexec path with polkitd, the RPM built and inspected, then the VM stage (which itself runs build/test/guest inside Debian's kernel).
// One `node --test` run, one file at a time: kernel tests check what is loaded.
// Usage: node test/run.js [unit|kernel|e2e|polkit|packaging|vm ...]   (default: all)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const stages = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'kernel', 'e2e', 'polkit', 'packaging', 'vm'];
const files = stages.flatMap((stage) => {
  const dir = `build/test/${stage}`;
  if (!fs.existsSync(dir)) throw new Error(`${dir} is missing: run npm run build first`);
  return fs.readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort().map((f) => `${dir}/${f}`);
});
const command = [process.execPath, '--test', '--test-concurrency=1', ...files];
// The end-to-end tests drive a headed Chromium; xvfb-run gives it a display of its own.
if (stages.includes('e2e') && !process.env.DISPLAY) command.unshift('xvfb-run', '-a', '-s', '-screen 0 1280x800x24');
const r = spawnSync(command[0], command.slice(1), { stdio: 'inherit' });
process.exit(r.status ?? 1);
