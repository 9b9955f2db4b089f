// The AppImage path without an AppImage (its runtime cannot be had here, and
// FUSE mounts are what root cannot read): the helper is packed into an
// archive the user owns, and as root APPIMAGE_ROOT_SCRIPT runs it from a
// private copy whose digest it checks. For real: the script as root, a
// swapped archive refused, the private copy removed when the helper exits,
// and pkexec's generic action (allowed for the test user by a test-only
// rule) giving exact counts from an oracle workload, under a caller's lowered limits too.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HelperClient } from '../../src/backend/helper-client.js';
import { PROTOCOL_VERSION } from '../../src/shared/protocol.js';
import { APPIMAGE_ROOT_SCRIPT, packHelper } from '../../src/main/appimage-launch.js';
import type { LabError } from '../../src/shared/errors.js';
import { stageHelper } from '../../helper/stage.js';
import { expectedCounts, needsRoot, ourPrograms } from '../kernel/harness.js';
import { clientAs, setUpPolkit, STUDENT, type PolkitEnv } from './polkit-env.js';

let env: PolkitEnv | null = null;
let work = '';
let packed: { archive: string; sha256: string } | null = null;

// Test only, as an admin typing a password would: the test user may run this exact root script through pkexec's
// generic action (the rule matches its text), nothing else.
const TEST_RULE = `polkit.addRule(function (action, subject) {
  if (action.id === "org.freedesktop.policykit.exec" && subject.user === "${STUDENT}"
      && action.lookup("program") === "/bin/sh"
      && action.lookup("command_line").indexOf("mktemp -d /run/bpf-lab-helper.XXXXXX") >= 0) {
    return polkit.Result.YES;
  }
  return polkit.Result.NOT_HANDLED;
});
`;

before(async () => {
  if (process.getuid?.() !== 0) return;
  env = await setUpPolkit({ '49-bpf-lab-test-appimage.rules': TEST_RULE });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'bpf-lab-appimage-'));
  fs.chmodSync(work, 0o755);
  stageHelper(path.join(work, 'helper'));
  spawnSync('chmod', ['-R', 'a+rX', path.join(work, 'helper')]);
  packed = await packHelper(path.join(work, 'helper'), work);
});

after(() => {
  env?.teardown();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const privateCopies = (): string[] => fs.readdirSync('/run').filter((f) => f.startsWith('bpf-lab-helper.'));
/** The private copy a helper runs from, read from its command line. */
function copyOf(pid: number): string {
  const script = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').find((a) => a.endsWith('/build/helper/main.js'));
  if (!script?.startsWith('/run/bpf-lab-helper.')) assert.fail(`helper ${pid} runs from a private copy: ${script}`);
  return script.slice(0, -'/build/helper/main.js'.length);
}
const viaScript = (archive: string, sha256: string) =>
  ({ via: 'direct' as const, command: '/bin/sh', args: ['-c', APPIMAGE_ROOT_SCRIPT, 'bpf-lab-helper', archive, sha256] });

test('as root, the script runs the helper from a private copy and removes it when the helper exits', async (t) => {
  if (!needsRoot(t)) return;
  const before = privateCopies();
  const client = await HelperClient.start(viaScript(packed!.archive, packed!.sha256));
  assert.equal(client.info?.protocol, PROTOCOL_VERSION);
  const mine = privateCopies().filter((d) => !before.includes(d));
  assert.equal(mine.length, 1, 'one private copy');
  const stat = fs.statSync(`/run/${mine[0]}`);
  assert.equal(stat.uid, 0);
  assert.equal(stat.mode & 0o777, 0o700, 'only root can enter it');
  assert.equal(await client.close(), 0);
  assert.deepEqual(privateCopies(), before, 'the copy is gone');
});

test('a copy left by a killed helper is removed by the next helper to start, a running one\'s is kept', async (t) => {
  if (!needsRoot(t)) return;
  const before = privateCopies();
  const clients: HelperClient[] = [];
  const start = async (): Promise<HelperClient> => {
    const client = await HelperClient.start(viaScript(packed!.archive, packed!.sha256));
    clients.push(client);
    return client;
  };
  try {
    const killed = await start();
    const running = await start();
    const killedCopy = copyOf(killed.pid!);
    const runningCopy = copyOf(running.pid!);
    process.kill(killed.pid!, 'SIGKILL');
    await killed.close();
    assert.ok(fs.existsSync(killedCopy), 'a killed helper cannot remove its copy');
    await start();
    assert.ok(!fs.existsSync(killedCopy), 'the next helper removed it');
    assert.ok(fs.existsSync(runningCopy), 'a running helper\'s copy stays');
  } finally {
    for (const client of clients) await client.close();
  }
  assert.deepEqual(privateCopies(), before);
});

test('an archive swapped after the digest was taken is refused, and nothing is left behind', async (t) => {
  if (!needsRoot(t)) return;
  const before = privateCopies();
  const swapped = path.join(work, 'swapped.tar');
  fs.copyFileSync(packed!.archive, swapped);
  fs.appendFileSync(swapped, 'x');
  await assert.rejects(HelperClient.start(viaScript(swapped, packed!.sha256)), (e: LabError) =>
    /does not match the digest/.test(e.message));
  await assert.rejects(HelperClient.start(viaScript(packed!.archive, 'not-a-digest')), (e: LabError) => /bad digest/.test(e.message));
  assert.deepEqual(privateCopies(), before);
});

test('through pkexec\'s generic action, a user packs the helper privately and gets exact counts', (t) => {
  if (!needsRoot(t)) return;
  const sizes = ['1x2', '64', '65', '2000x3'];
  const r = clientAs(STUDENT, env!, sizes, `appimage:${path.join(work, 'helper')}`);
  assert.equal((r['helper'] as { state: string }).state, 'ready', r.raw);
  assert.deepEqual((r['stopped'] as { histogram: { counts: number[] } }).histogram.counts, expectedCounts('seed', sizes));
  assert.deepEqual(ourPrograms(), []);
});

test('a user whose soft file size limit is 1 block gets exact counts too: the root script sets the launcher\'s limits first', (t) => {
  if (!needsRoot(t)) return;
  const sizes = ['1x2', '64'];
  const r = clientAs(STUDENT, env!, sizes, `ulimit:ulimit -Sf 1; ulimit -Sc unlimited@appimage:${path.join(work, 'helper')}`);
  assert.equal((r['helper'] as { state: string }).state, 'ready', r.raw);
  assert.deepEqual((r['stopped'] as { histogram: { counts: number[] } }).histogram.counts, expectedCounts('seed', sizes));
  assert.ok((r['helperLimits'] as string[]).some((l) => /^Max file size\s+unlimited\s+unlimited/.test(l)), r.raw);
  assert.ok((r['helperLimits'] as string[]).some((l) => /^Max core file size\s+0\s+0\s/.test(l)), r.raw);
  assert.deepEqual(ourPrograms(), []);
});

test('the rule that allows that script allows nothing else: other programs need an administrator', (t) => {
  if (!needsRoot(t)) return;
  const r = spawnSync('runuser', ['-u', STUDENT, '--', 'pkexec', '/bin/true'], { encoding: 'utf8' });
  assert.equal(r.status, 127, r.stderr);
  const sh = spawnSync('runuser', ['-u', STUDENT, '--', 'pkexec', '/bin/sh', '-c', 'id -u'], { encoding: 'utf8' });
  assert.equal(sh.status, 127, sh.stderr);
});
