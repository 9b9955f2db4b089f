// The cap on helpers per user who is not root (helper/user-cap.ts), over a
// made-up /proc: only root processes running a helper's main.js with that
// user in PKEXEC_UID count, never the helper itself; root is not capped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { capProblem, helpersOf } from '../../helper/user-cap.js';
import { MAX_HELPERS_PER_USER } from '../../src/shared/protocol.js';

function fakeProc(): { dir: string; add(pid: number, argv: string[], env: string[]): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'user-cap-test-'));
  return {
    dir,
    add(pid, argv, env) {
      fs.mkdirSync(path.join(dir, String(pid)));
      fs.writeFileSync(path.join(dir, String(pid), 'cmdline'), `${argv.join('\0')}\0`);
      fs.writeFileSync(path.join(dir, String(pid), 'environ'), `${env.join('\0')}\0`);
    },
  };
}

const HELPER = ['/usr/bin/node', '/opt/bpf-lab/resources/helper/build/helper/main.js'];
const COPY = ['/usr/bin/node', '/run/bpf-lab-helper.AbC123/build/helper/main.js'];

test('the helpers of a user are the helper processes with that user in PKEXEC_UID, itself left out', () => {
  const proc = fakeProc();
  try {
    proc.add(10, HELPER, ['LANG=C', 'PKEXEC_UID=1000']);
    proc.add(11, COPY, ['PKEXEC_UID=1000']);
    proc.add(12, HELPER, ['PKEXEC_UID=1001']);
    proc.add(13, HELPER, ['PKEXEC_UID=10000']);
    proc.add(14, HELPER, []);
    proc.add(15, ['/usr/bin/vim', 'main.js'], ['PKEXEC_UID=1000']);
    proc.add(16, HELPER, ['PKEXEC_UID=1000']);
    fs.writeFileSync(path.join(proc.dir, 'self'), '');
    const owner = process.getuid!();
    assert.deepEqual(helpersOf(1000, { procDir: proc.dir, self: 16, owner }), [10, 11]);
    assert.deepEqual(helpersOf(1000, { procDir: proc.dir, self: 16, owner: owner + 1 }), [], 'only processes of the given owner (root) count');
  } finally {
    fs.rmSync(proc.dir, { recursive: true, force: true });
  }
});

test(`a user may run ${MAX_HELPERS_PER_USER} helpers; the next is refused, saying which run; root is never capped`, () => {
  const proc = fakeProc();
  try {
    const options = { procDir: proc.dir, self: 999, owner: process.getuid!() };
    for (let pid = 1; pid < MAX_HELPERS_PER_USER; pid++) proc.add(pid, HELPER, [`PKEXEC_UID=1000`]);
    assert.equal(capProblem(1000, options), null, `${MAX_HELPERS_PER_USER - 1} others: this one may run`);
    proc.add(MAX_HELPERS_PER_USER, HELPER, ['PKEXEC_UID=1000']);
    const pids = Array.from({ length: MAX_HELPERS_PER_USER }, (_, i) => i + 1).join(', ');
    assert.equal(capProblem(1000, options),
      `user 1000 already runs ${MAX_HELPERS_PER_USER} helpers (pids ${pids}); the most is ${MAX_HELPERS_PER_USER}`);
    for (let pid = 100; pid < 110; pid++) proc.add(pid, HELPER, ['PKEXEC_UID=0']);
    assert.equal(capProblem(0, options), null);
    assert.equal(capProblem(null, options), null, 'started by root directly');
  } finally {
    fs.rmSync(proc.dir, { recursive: true, force: true });
  }
});
