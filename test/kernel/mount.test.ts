/**
 * The helper mounts tracefs and debugfs only when a probe needs them (helper/kernel.ts), by
 * mount(8)'s absolute path; a request refused first mounts nothing. Run in a mount namespace of
 * its own, with both unmounted there, so that the host's mounts are never touched.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';
import { CLI, needsRoot, ourPrograms } from './harness.js';

const SCRIPT = `
set -u
for m in /sys/kernel/debug/tracing /sys/kernel/debug /sys/kernel/tracing; do
  while grep -q " $m " /proc/self/mounts; do umount -l "$m" || exit 90; done
done
count() { grep -cE " (tracefs|debugfs) " /proc/self/mounts; }
echo "before: $(count)"
/bin/true & gone=$!; wait $gone
said=$("$NODE" "$CLI" stat read --pid "$gone" 2>&1 >/dev/null)
echo "refused: $? $(count) $said"
"$NODE" "$CLI" stat read --json -- /bin/true >/dev/null 2>&1
echo "traced: $? $(count)"
`;

it('mounts tracefs for the first probe that needs it, and nothing for a refused start', (t) => {
  if (!needsRoot(t)) return;
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', SCRIPT], {
    encoding: 'utf8', env: { ...process.env, NODE: process.execPath, CLI },
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], 'before: 0', 'both unmounted in this namespace');
  // The helper started and answered, then refused a pid that names no process: nothing mounted.
  assert.match(lines[1]!, /^refused: 2 0 bpf-lab: No process \d+ is running/);
  // read is a tracepoint: its format file is in tracefs, mounted for it.
  assert.match(lines[2]!, /^traced: 0 [1-9]\d*$/);
  assert.deepEqual(ourPrograms(), []);
});
