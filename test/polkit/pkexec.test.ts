// The real pkexec path, with a real polkitd and BPF Lab's own policy, sample
// rule and launcher: a user in the bpflab group gets the helper without a
// password and exact counts from an oracle workload; a user outside it gets
// the clear "not authorized" error; a user may not use custom probes, nor
// run more than MAX_HELPERS_PER_USER helpers at once (root may); and nothing
// stays attached or running afterwards.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { HelperClient } from '../../src/backend/helper-client.js';
import { MAX_HELPERS_PER_USER } from '../../src/shared/protocol.js';
import { isKernelAddress } from '../../src/shared/ebpf-disasm.js';
import type { Inspection } from '../../src/shared/inspect.js';
import { expectedCounts, needsRoot, ourPrograms } from '../kernel/harness.js';
import {
  ACTION, clientAs, LAUNCHER, OUTSIDER, runAs, setUpPolkit, STUDENT, SYSTEM_ACTION, SYSTEM_LAUNCHER, TEACHER, type PolkitEnv,
} from './polkit-env.js';

let env: PolkitEnv | null = null;

before(async () => {
  if (process.getuid?.() === 0) env = await setUpPolkit();
});

after(() => env?.teardown());

const helpersRunning = (): string => spawnSync('pgrep', ['-af', 'resources/helper/build/helper/main.js'], { encoding: 'utf8' }).stdout.trim();

test('pkaction shows BPF Lab\'s action: admin authentication kept, for the launcher\'s fixed path', (t) => {
  if (!needsRoot(t)) return;
  const out = spawnSync('pkaction', ['--action-id', ACTION, '--verbose'], { encoding: 'utf8' }).stdout;
  assert.match(out, /implicit any:\s+auth_admin\n/);
  assert.match(out, /implicit active:\s+auth_admin_keep\n/);
  assert.match(out, new RegExp(`org\\.freedesktop\\.policykit\\.exec\\.path -> ${LAUNCHER}`));
});

test('a bpflab member starts the helper through pkexec without a password, and the histogram is exact', (t) => {
  if (!needsRoot(t)) return;
  const sizes = ['0', '1x3', '64', '65x2', '1024', '1025x4'];
  const r = clientAs(STUDENT, env!, sizes);
  assert.equal((r['helper'] as { state: string }).state, 'ready', r.raw);
  assert.equal((r['helper'] as { privilege: string }).privilege, 'pkexec');
  assert.equal(r['oracleStatus'], 0);
  assert.equal((r['helper'] as { scope: string }).scope, 'own-processes');
  const histogram = (r['stopped'] as { histogram: { counts: number[] } }).histogram;
  assert.deepEqual(histogram.counts, expectedCounts('seed', sizes));
  // With no pid, the machine's other writes (root's daemons, this test's own output) do not count.
  assert.equal(r['ownOracleStatus'], 0);
  assert.ok((r['ownNotices'] as string[]).some((n) => /^Only your own processes are counted/.test(n)), r.raw);
  assert.deepEqual((r['own'] as { histogram: { counts: number[] } }).histogram.counts, expectedCounts('seed', sizes.slice(0, 2)));
  const refused = r['refused'] as { code: string; message: string };
  assert.equal(refused.code, 'not-authorized', 'a user may not use custom probes');
  assert.match(refused.message, /^Custom probes need root/);
  assert.deepEqual(ourPrograms(), [], 'nothing stays loaded');
  assert.equal(helpersRunning(), '', 'no helper is left running');
});

/** Every 64-bit constant in an inspection that is a kernel address. */
const kernelAddresses = (i: Inspection): string[] =>
  (JSON.stringify(i).match(/0xffff[0-9a-f]{12}/g) ?? []).filter((hex) => isKernelAddress(BigInt(hex)));

test('a member\'s inspect shows the program and its code with no kernel address, and says what it withheld', (t) => {
  if (!needsRoot(t)) return;
  const member = runAs(STUDENT, env!, 'pkexec-inspect.js', [LAUNCHER]);
  const mine = member['inspection'] as Inspection | undefined;
  assert.ok(mine, member.raw);
  assert.ok(mine.xlated.length > 0 && mine.jited.length > 0, 'instructions and machine code are shown');
  assert.ok(mine.verifier?.processedInsns, 'and the verifier\'s log');
  assert.deepEqual(kernelAddresses(mine), []);
  assert.ok(JSON.stringify(mine).includes('<kernel address>'));
  assert.ok(mine.withheld.some((w) => /^Kernel addresses/.test(w)), mine.withheld.join(' | '));
  // The same inspection for root shows where the maps sit: the hiding above hid something real.
  const root = runAs('root', env!, 'pkexec-inspect.js', [LAUNCHER]);
  assert.ok(kernelAddresses(root['inspection'] as Inspection).length > 0, root.raw);
  assert.deepEqual(ourPrograms(), []);
  assert.equal(helpersRunning(), '');
});

test('a user outside the group gets the clear "not authorized" error, and no helper runs', (t) => {
  if (!needsRoot(t)) return;
  const r = clientAs(OUTSIDER, env!, ['1']);
  const helper = r['helper'] as { state: string; error?: { code: string; message: string } };
  assert.equal(helper.state, 'stopped', r.raw);
  assert.equal(helper.error?.code, 'not-authorized');
  assert.match(helper.error?.message ?? '', /not authorized to run the BPF Lab helper/);
  assert.deepEqual(ourPrograms(), []);
  assert.equal(helpersRunning(), '');
});

test('an instructor counts every process through the second action; a student is refused it', (t) => {
  if (!needsRoot(t)) return;
  const out = spawnSync('pkaction', ['--action-id', SYSTEM_ACTION, '--verbose'], { encoding: 'utf8' }).stdout;
  assert.match(out, /implicit any:\s+auth_admin\n/);
  assert.match(out, new RegExp(`org\\.freedesktop\\.policykit\\.exec\\.path -> ${SYSTEM_LAUNCHER}`));
  const sizes = ['0', '1x3', '64'];
  const r = clientAs(TEACHER, env!, sizes, SYSTEM_LAUNCHER);
  const helper = r['helper'] as { state: string; scope: string };
  assert.equal(helper.state, 'ready', r.raw);
  assert.equal(helper.scope, 'every-process');
  assert.ok(!(r['ownNotices'] as string[]).some((n) => /^Only your own processes/.test(n)), r.raw);
  // Every process counts: at least the oracle's writes, and the others' on top.
  const counts = (r['own'] as { histogram: { counts: number[] } }).histogram.counts;
  expectedCounts('seed', sizes.slice(0, 2)).forEach((n, i) => assert.ok(counts[i]! >= n, `bucket ${i}: ${counts[i]} < ${n}`));
  assert.equal((r['refused'] as { code: string }).code, 'not-authorized', 'custom probes stay root\'s');
  // A student is a member of bpflab, not of bpflab-instructors: the second action asks for an administrator.
  const student = clientAs(STUDENT, env!, ['1'], SYSTEM_LAUNCHER)['helper'] as { state: string; error?: { code: string } };
  assert.equal(student.state, 'stopped');
  assert.equal(student.error?.code, 'not-authorized');
  assert.deepEqual(ourPrograms(), []);
  assert.equal(helpersRunning(), '');
});

test('a student who forges PKEXEC_UID=0 and BPF_LAB_SCOPE=system for pkexec still gets their own processes only', (t) => {
  if (!needsRoot(t)) return;
  const r = runAs(STUDENT, env!, 'pkexec-forged.js', [LAUNCHER]);
  const [hello, start] = r['replies'] as Array<{ type: string; result?: { scope: string }; error?: { code: string; message: string } }>;
  assert.equal(hello?.type, 'response', r.raw);
  assert.equal(hello?.result?.scope, 'own-processes', 'pkexec cleared the forged names: the helper serves the student as the student');
  assert.equal(start?.type, 'error', r.raw);
  assert.equal(start?.error?.code, 'not-authorized', r.raw);
  assert.match(start!.error!.message, /^Process 1 is not yours/, 'neither root nor an instructor would be refused pid 1');
  assert.equal(r['status'], 0, 'the helper exits cleanly when its stdin closes');
  assert.deepEqual(ourPrograms(), []);
  assert.equal(helpersRunning(), '');
});

test(`a member may run ${MAX_HELPERS_PER_USER} helpers at once; the next is refused as busy; closing them frees the quota`, (t) => {
  if (!needsRoot(t)) return;
  for (const round of [1, 2]) {
    const r = runAs(STUDENT, env!, 'pkexec-crowd.js', [LAUNCHER]);
    assert.equal(r['started'], MAX_HELPERS_PER_USER, `round ${round}: ${r.raw}`);
    const refused = r['refused'] as { code: string; message: string; detail: string };
    assert.equal(refused.code, 'busy');
    assert.match(refused.message, new RegExp(`already run ${MAX_HELPERS_PER_USER} BPF Lab helpers`));
    assert.match(refused.detail, /^bpf-lab-helper: user \d+ already runs/);
    assert.equal(helpersRunning(), '', 'all of them exited when their client closed them');
  }
});

test('root, starting helpers itself, is not capped', async (t) => {
  if (!needsRoot(t)) return;
  const clients: HelperClient[] = [];
  try {
    for (let i = 0; i <= MAX_HELPERS_PER_USER; i++) clients.push(await HelperClient.start({ via: 'direct', command: LAUNCHER, args: [] }));
    assert.equal(clients.length, MAX_HELPERS_PER_USER + 1);
  } finally {
    for (const client of clients) await client.close();
  }
  assert.equal(helpersRunning(), '');
});
