// The deb, built with electron-builder (fpm replaced by dpkg-deb, Electron by
// a placeholder; see package-build.ts), inspected with dpkg-deb, then really
// installed with dpkg on this Debian machine and used as a lab would: the
// sample rule copied into rules.d, a bpflab member starting the installed
// helper through pkexec with exact counts, from the app's backend and from
// the installed bpf-lab command (stat, and serve as a lab machine over SSH
// would run it). A reinstall keeps the command link; a purge leaves nothing
// of the package behind.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { INSTALLED_LAUNCHER, INSTALLED_SYSTEM_LAUNCHER } from '../../src/backend/launch.js';
import { expectedCounts, finalHistogram, needsRoot, ourPrograms } from '../kernel/harness.js';
import { startServe } from '../e2e/serve.js';
import { ACTION, clientAs, PACKAGED_RULE, setUpPolkit, STUDENT, type PolkitEnv } from '../polkit/polkit-env.js';
import { buildPackage, type BuiltPackage } from './package-build.js';

let built: BuiltPackage | null = null;
let installed = false;

const POLICY = '/usr/share/polkit-1/actions/io.github.bpflab.policy';
const COMMAND = '/usr/bin/bpf-lab-app';
const CLI_COMMAND = '/usr/bin/bpf-lab';

function dpkg(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const isInstalled = (): boolean => dpkg('dpkg-query', '-W', '-f', '${db:Status-Status}', 'bpf-lab').out === 'installed';

before(() => {
  if (process.getuid?.() !== 0) return;
  built = buildPackage('deb');
});

after(() => {
  if (installed) dpkg('dpkg', '--purge', 'bpf-lab');
  if (built) fs.rmSync(built.work, { recursive: true, force: true });
});

test('the deb declares BPF Lab\'s dependencies: libbpf1, polkit\'s daemon and pkexec, Node 20.19 or newer', (t) => {
  if (!needsRoot(t)) return;
  const field = (name: string): string => dpkg('dpkg-deb', '-f', built!.file, name).out.trim();
  assert.equal(field('Package'), 'bpf-lab');
  assert.equal(field('Architecture'), 'amd64');
  const depends = field('Depends').split(', ');
  for (const dep of ['libbpf1', 'polkitd', 'pkexec', 'nodejs (>= 20.19)', 'libgtk-3-0', 'libnss3']) {
    assert.ok(depends.includes(dep), `${dep} in ${depends.join(', ')}`);
  }
});

test('every file installs under /opt/bpf-lab or /usr/share, owned by root, writable by root only', (t) => {
  if (!needsRoot(t)) return;
  const lines = dpkg('dpkg-deb', '-c', built!.file).out.trim().split('\n');
  const paths = new Set<string>();
  for (const line of lines) {
    const [mode, owner, , , , ...rest] = line.split(/\s+/);
    const file = rest.join(' ').replace(/^\./, '').replace(/\/$/, '').split(' -> ')[0]!;
    if (file === '' || ['/opt', '/usr', '/usr/share'].includes(file)) continue;
    paths.add(file);
    assert.ok(file.startsWith('/opt/bpf-lab') || file.startsWith('/usr/share/') || ['/usr/bin', CLI_COMMAND].includes(file), file);
    assert.equal(owner, 'root/root', file);
    if (!mode!.startsWith('l')) assert.doesNotMatch(mode!.slice(4), /w/, `${file} is ${mode}`);
  }
  for (const p of [INSTALLED_LAUNCHER, '/opt/bpf-lab/resources/helper/build/helper/main.js', CLI_COMMAND,
    '/opt/bpf-lab/resources/helper/build/src/cli/main.js', '/opt/bpf-lab/resources/helper/out/renderer/index.html', POLICY, PACKAGED_RULE,
    '/usr/share/applications/bpf-lab-app.desktop', '/usr/share/icons/hicolor/256x256/apps/bpf-lab-app.png',
    INSTALLED_SYSTEM_LAUNCHER, '/usr/share/doc/bpf-lab/50-bpf-lab-instructors.rules']) {
    assert.ok(paths.has(p), `${p} is in the package`);
  }
});

test('installed with dpkg, it serves a lab: a bpflab member gets the installed helper through pkexec, with exact counts', async (t) => {
  if (!needsRoot(t)) return;
  if (isInstalled() || fs.existsSync('/opt/bpf-lab')) assert.fail('BPF Lab is already installed here: not touching it');
  const install = dpkg('dpkg', '-i', built!.file);
  installed = true;
  assert.equal(install.status, 0, install.out);
  assert.ok(isInstalled());
  assert.equal(fs.realpathSync(COMMAND), '/opt/bpf-lab/bpf-lab-app', 'the install script linked the command');
  const launcher = fs.statSync(INSTALLED_LAUNCHER);
  assert.equal(launcher.uid, 0);
  assert.equal(launcher.mode & 0o7777, 0o755);

  let env: PolkitEnv | null = null;
  try {
    env = await setUpPolkit({}, 'package');
    const action = spawnSync('pkaction', ['--action-id', ACTION, '--verbose'], { encoding: 'utf8' }).stdout;
    assert.match(action, new RegExp(`org\\.freedesktop\\.policykit\\.exec\\.path -> ${INSTALLED_LAUNCHER}`));
    const sizes = ['1x2', '64', '200', '2000x3'];
    const r = clientAs(STUDENT, env, sizes);
    assert.equal((r['helper'] as { privilege: string }).privilege, 'pkexec', r.raw);
    assert.equal(r['oracleStatus'], 0);
    assert.deepEqual((r['stopped'] as { histogram: { counts: number[] } }).histogram.counts, expectedCounts('seed', sizes));

    // The installed command, as the same member: the demo's histogram of a workload it starts.
    const oracle = path.join(env.clientDir, 'build/workloads/oracle-static');
    const stat = spawnSync('runuser', ['-u', STUDENT, '--', CLI_COMMAND, 'stat', '--probe', 'write', '--json', '--', oracle, 'write', ...sizes],
      { encoding: 'utf8', timeout: 60_000 });
    assert.equal(stat.status, 0, stat.stderr);
    assert.deepEqual(finalHistogram(stat.stdout).buckets.map((b) => b.count), expectedCounts('seed', sizes));

    // bpf-lab serve, as a member logged in over SSH would start it: the helper comes through pkexec.
    const served = await startServe(['runuser', '-u', STUDENT, '--', CLI_COMMAND]);
    try {
      const reply = await fetch(`${served.origin}/api/call/lab:status`, {
        method: 'POST', headers: { authorization: `Bearer ${served.token}`, 'content-type': 'application/json' }, body: '{}',
      });
      const status = await reply.json() as { ok: boolean; value: { helper: { state: string; privilege: string } } };
      assert.equal(status.ok, true, JSON.stringify(status));
      assert.deepEqual([status.value.helper.state, status.value.helper.privilege], ['ready', 'pkexec']);
    } finally {
      // Ctrl-C reaches serve itself; runuser, signalled, would kill it after 2 s instead.
      const serve = Number(fs.readFileSync(`/proc/${served.proc.pid}/task/${served.proc.pid}/children`, 'utf8').trim());
      process.kill(serve, 'SIGINT');
      assert.equal(await served.exited, 0, served.output());
    }
  } finally {
    env?.teardown();
  }
  assert.deepEqual(ourPrograms(), [], 'nothing stays loaded');
});

test('reinstalling keeps the command; purging removes the package, its command, policy and folders', (t) => {
  if (!needsRoot(t)) return;
  assert.ok(installed, 'the install test ran first');
  const again = dpkg('dpkg', '-i', built!.file);
  assert.equal(again.status, 0, again.out);
  assert.ok(fs.existsSync(COMMAND), 'the old version\'s remove script left the link to the new one');
  const purge = dpkg('dpkg', '--purge', 'bpf-lab');
  assert.equal(purge.status, 0, purge.out);
  installed = false;
  assert.ok(!isInstalled());
  for (const p of ['/opt/bpf-lab', COMMAND, CLI_COMMAND, POLICY, '/usr/share/doc/bpf-lab']) {
    assert.ok(!fs.existsSync(p) && !isLink(p), `${p} is gone`);
  }
});

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
