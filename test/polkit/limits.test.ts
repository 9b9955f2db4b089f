// A student's resource limits reach the root helper through pkexec. The launcher sets its own
// before Node starts: with the student's soft limits lowered (50 open files, 1 block of file
// size) a session starts normally, with exact counts; with the hard limits lowered too, it starts
// normally where root may raise them (CAP_SYS_RESOURCE), and otherwise the launcher refuses with
// one clear line (a `setup` error), never a Node stack trace.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { expectedCounts, needsRoot, ourPrograms } from '../kernel/harness.js';
import { clientAs, LAUNCHER, setUpPolkit, STUDENT, type PolkitEnv } from './polkit-env.js';

let env: PolkitEnv | null = null;

before(async () => {
  if (process.getuid?.() === 0) env = await setUpPolkit();
});

after(() => env?.teardown());

/** Root may raise a hard limit only with CAP_SYS_RESOURCE, bit 24 of the effective set. */
const canRaiseHard = Boolean((BigInt(`0x${/^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]}`) >> 24n) & 1n);
const SIZES = ['0', '1x3', '64', '65x2', '1024', '1025x4'];

function assertExact(r: Record<string, unknown> & { raw: string }): void {
  assert.equal((r['helper'] as { state: string }).state, 'ready', r.raw);
  assert.equal(r['oracleStatus'], 0, r.raw);
  assert.deepEqual((r['stopped'] as { histogram: { counts: number[] } }).histogram.counts, expectedCounts('seed', SIZES), r.raw);
  assert.doesNotMatch(r.raw, /EMFILE|SIGXFSZ|\n\s+at /, r.raw);
  // What root runs with: Node raises the soft open files to the hard limit itself, so at least 4096.
  const [core, size, files] = ['core file size', 'file size', 'open files'].map((what) =>
    (r['helperLimits'] as string[]).find((l) => l.startsWith(`Max ${what} `))?.split(/\s{2,}/));
  assert.deepEqual(core?.slice(1, 3), ['0', '0'], r.raw);
  assert.deepEqual(size?.slice(1, 3), ['unlimited', 'unlimited'], r.raw);
  assert.ok(Number(files?.[1]) >= 4096 && Number(files?.[2]) >= 4096, r.raw);
}

test('a student with soft limits of 50 open files, 1 block of file size and unlimited core files starts a session normally; root runs with its own', (t) => {
  if (!needsRoot(t)) return;
  assertExact(clientAs(STUDENT, env!, SIZES, `ulimit:ulimit -Sn 50; ulimit -Sf 1; ulimit -Sc unlimited@${LAUNCHER}`));
  assert.deepEqual(ourPrograms(), []);
});

test(`a student with hard limits lowered: ${canRaiseHard ? 'root raises them and the session starts' : 'one clear line says which limit, no stack trace'}`, (t) => {
  if (!needsRoot(t)) return;
  for (const [lower, what] of [['ulimit -n 50', /^the helper cannot start: your hard limit on open files \(ulimit -Hn\) is 50, the helper needs 4096, and root cannot raise it here/],
    ['ulimit -f 1', /^the helper cannot start: your hard limit on file size \(ulimit -Hf\) is 1, the helper needs unlimited/]] as const) {
    const r = clientAs(STUDENT, env!, SIZES, `ulimit:${lower}@${LAUNCHER}`);
    if (canRaiseHard) {
      assertExact(r);
      continue;
    }
    const helper = r['helper'] as { state: string; error?: { code: string; message: string; detail?: string } };
    assert.equal(helper.state, 'stopped', r.raw);
    assert.equal(helper.error?.code, 'setup', r.raw);
    assert.match(helper.error!.message, what);
    assert.doesNotMatch(helper.error!.message, /\n/);
    assert.doesNotMatch(JSON.stringify(helper.error), /\\n\s+at |node:internal|Node\.js v/, 'no stack trace');
  }
  assert.deepEqual(ourPrograms(), []);
});
