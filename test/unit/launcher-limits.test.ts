// The resource limits the helper's launchers set before Node starts (resources/helper/bpf-lab-helper
// and the AppImage's root script): the same rule in both, what it sets under a caller's lowered
// soft limits, its one-line refusal when a lowered hard limit cannot be raised (exit 81), and the
// client's reading of that status as a clear `setup` error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { HelperClient } from '../../src/backend/helper-client.js';
import { LabError } from '../../src/shared/errors.js';
import { HELPER_EXIT_LIMITS } from '../../src/shared/protocol.js';
import { APPIMAGE_ROOT_SCRIPT } from '../../src/main/appimage-launch.js';

const launcher = fs.readFileSync(new URL('../../../resources/helper/bpf-lab-helper', import.meta.url), 'utf8');
const block = (script: string): string => {
  const m = /# limits:begin\n[\s\S]*?# limits:end\n/.exec(script);
  assert.ok(m, 'the script marks its limits');
  return m[0];
};
/** Raising a hard limit needs CAP_SYS_RESOURCE (bit 24 of the effective set). */
const canRaiseHard = (BigInt(`0x${/^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]}`) >> 24n) & 1n;
const LIMITS = 'echo "$(ulimit -Sn) $(ulimit -Hn) $(ulimit -Sf) $(ulimit -Hf) $(ulimit -Sc) $(ulimit -Hc)"';
const under = (lower: string) => spawnSync('/bin/sh', ['-c', `set -eu\n${lower}\n${block(launcher)}${LIMITS}`], { encoding: 'utf8' });

test('the AppImage\'s root script sets the launcher\'s limits, word for word, before it writes anything', () => {
  assert.equal(block(APPIMAGE_ROOT_SCRIPT), block(launcher));
  assert.ok(APPIMAGE_ROOT_SCRIPT.indexOf('# limits:end') < APPIMAGE_ROOT_SCRIPT.indexOf('mktemp'));
});

test('under lowered soft limits the launcher sets 4096 open files, no file size limit and no core file', () => {
  const hardN = spawnSync('/bin/sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim();
  const r = under('ulimit -Sn 50; ulimit -Sf 1; ulimit -Sc unlimited');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), `4096 ${hardN} unlimited unlimited 0 0`);
});

test('a lowered hard limit is raised where root may, else one line names the limit, with exit 81', () => {
  for (const [lower, what] of [['ulimit -n 50', 'open files \\(ulimit -Hn\\) is 50, the helper needs 4096'],
    ['ulimit -f 1', 'file size \\(ulimit -Hf\\) is 1, the helper needs unlimited']] as const) {
    const r = under(lower);
    if (canRaiseHard) {
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^4096 \d+ unlimited unlimited 0 0\n$/);
    } else {
      assert.equal(r.status, HELPER_EXIT_LIMITS, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`^bpf-lab-helper: your hard limit on ${what}, and root cannot raise it here .*\\n$`));
      assert.equal(r.stderr.split('\n').length, 2, 'one line');
    }
  }
});

test('the client reads exit 81 as a setup error that carries the launcher\'s line', async () => {
  const line = 'bpf-lab-helper: your hard limit on open files (ulimit -Hn) is 50, the helper needs 4096';
  const e = await HelperClient.start({ via: 'pkexec', command: '/bin/sh', args: ['-c', `echo '${line}' >&2; exit 81`] })
    .then(() => null, (x: unknown) => x);
  assert.ok(e instanceof LabError);
  assert.equal(e.code, 'setup');
  assert.equal(e.message, 'the helper cannot start: your hard limit on open files (ulimit -Hn) is 50, the helper needs 4096');
});
