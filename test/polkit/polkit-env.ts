/**
 * The real polkit setup for pkexec.test.ts, as a lab machine would have it:
 * the system bus and polkitd running, BPF Lab's policy and the sample group
 * rule installed, the helper staged at the policy's path (root-owned), and
 * two users: one in the bpflab group, one outside it. Everything this
 * installs is removed again by teardown(); daemons it started are stopped.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stageHelper } from '../../helper/stage.js';
import { INSTALLED_HELPER, INSTALLED_LAUNCHER, INSTALLED_SYSTEM_LAUNCHER } from '../../src/backend/launch.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const ACTION = 'io.github.bpflab.helper';
export const LAUNCHER = INSTALLED_LAUNCHER;
export const SYSTEM_ACTION = 'io.github.bpflab.helper.system';
export const SYSTEM_LAUNCHER = INSTALLED_SYSTEM_LAUNCHER;
const HELPER_ROOT = INSTALLED_HELPER;
export const STUDENT = 'bpflab-student';
export const OUTSIDER = 'bpflab-outsider';
/** A member of bpflab-instructors (50-bpf-lab-instructors.rules). */
export const TEACHER = 'bpflab-teacher';
const POLICY = '/usr/share/polkit-1/actions/io.github.bpflab.policy';
const RULE = '/etc/polkit-1/rules.d/50-bpf-lab-group.rules';
const INSTRUCTORS_RULE = '/etc/polkit-1/rules.d/50-bpf-lab-instructors.rules';

function run(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

const ok = (command: string, args: string[]): boolean => spawnSync(command, args).status === 0;

const SYSTEM_BUS = '/run/dbus/system_bus_socket';
const SYSTEM_BUS_PID = '/run/dbus/pid';

/** Whether a system bus answers; a socket file alone proves nothing (a machine's /run can outlive its daemons). */
function systemBusAnswers(): boolean {
  const r = spawnSync('dbus-send', ['--system', '--print-reply', '--reply-timeout=5000', '--dest=org.freedesktop.DBus',
    '/org/freedesktop/DBus', 'org.freedesktop.DBus.GetId'], { timeout: 10_000 });
  if (r.error) throw new Error(`cannot ask the system bus: dbus-send: ${r.error.message} (install dbus)`);
  return r.status === 0;
}

/** Whether anything accepts connections on the bus socket (ECONNREFUSED or ENOENT: nothing does). */
function socketListens(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.createConnection(file);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const isDbusDaemon = (pid: number): boolean => {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0')[0]!.endsWith('dbus-daemon');
  } catch {
    return false;
  }
};

/**
 * Starts the system bus unless one answers. A stale socket and pid file from a
 * daemon that is gone are removed first (dbus-daemon refuses to start over a
 * pid file); a socket something still listens on is never touched. Returns
 * whether it started one; teardown stops that one again, and only that one.
 */
async function startSystemBus(undo: Array<() => void>): Promise<boolean> {
  if (systemBusAnswers()) return false;
  if (await socketListens(SYSTEM_BUS)) {
    throw new Error(`${SYSTEM_BUS} accepts connections but the bus does not answer: not replacing a running bus`);
  }
  fs.rmSync(SYSTEM_BUS, { force: true });
  fs.rmSync(SYSTEM_BUS_PID, { force: true });
  fs.mkdirSync(path.dirname(SYSTEM_BUS), { recursive: true });
  const pid = Number(run('dbus-daemon', ['--system', '--fork', '--print-pid']).trim());
  if (!Number.isSafeInteger(pid) || pid <= 1 || !isDbusDaemon(pid)) throw new Error(`dbus-daemon gave no usable pid (${pid})`);
  undo.push(() => {
    if (!isDbusDaemon(pid)) return;
    process.kill(pid, 'SIGTERM');
    fs.rmSync(SYSTEM_BUS, { force: true });
    fs.rmSync(SYSTEM_BUS_PID, { force: true });
  });
  if (!systemBusAnswers()) throw new Error('dbus-daemon --system started but the system bus does not answer');
  return true;
}

/** Waits until pkaction sees BPF Lab's action; on failure says what polkitd printed. */
async function waitForAction(daemonOutput: () => string): Promise<void> {
  for (let i = 0; !ok('pkaction', ['--action-id', ACTION]); i++) {
    if (i > 100) throw new Error(`polkitd did not come up with BPF Lab's action within 10 s; polkitd said:\n${daemonOutput()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface PolkitEnv {
  /** A world-readable copy of the build for the test users, with the client and the oracle. */
  clientDir: string;
  teardown(): void;
}

/** Marks an /opt/bpf-lab that these tests made, so a real installation is never removed by them. */
const TEST_MARK = '/opt/bpf-lab/.made-by-bpf-lab-tests';

/** The helper at the policy's path, root-owned, as a package would install it. */
function stageInstallation(undo: Array<() => void>): void {
  if (fs.existsSync('/opt/bpf-lab') && !fs.existsSync(TEST_MARK)) {
    throw new Error('/opt/bpf-lab exists and was not made by these tests (a real installation?): not touching it');
  }
  undo.push(() => fs.rmSync('/opt/bpf-lab', { recursive: true, force: true }));
  fs.rmSync('/opt/bpf-lab', { recursive: true, force: true });
  fs.mkdirSync(path.dirname(HELPER_ROOT), { recursive: true, mode: 0o755 });
  fs.writeFileSync(TEST_MARK, '');
  stageHelper(HELPER_ROOT);
  run('chown', ['-R', 'root:root', HELPER_ROOT]);
  run('chmod', ['-R', 'go-w', HELPER_ROOT]);
}

/** The sample rule where a package installs it, for an administrator to copy (README, lab deployment). */
export const PACKAGED_RULE = '/usr/share/doc/bpf-lab/50-bpf-lab-group.rules';

/**
 * from: 'source' stages the helper at /opt/bpf-lab and installs the policy and the sample rule
 * from this tree; 'package' expects an installed package to have put them in place, and
 * copies its sample rule into rules.d as an administrator deploying a lab would.
 * extraRules: file name → text, installed in /etc/polkit-1/rules.d for this test file only.
 * Every step registers its undo before it runs, so a failure half-way leaves nothing behind.
 */
export async function setUpPolkit(extraRules: Record<string, string> = {}, from: 'source' | 'package' = 'source'): Promise<PolkitEnv> {
  const undo: Array<() => void> = [];
  const teardown = (): void => {
    for (const step of undo.reverse()) {
      try {
        step();
      } catch {
        // keep undoing the rest
      }
    }
  };
  try {
    const files: Array<[string, string]> = from === 'source'
      ? [[POLICY, fs.readFileSync(path.join(REPO, 'resources/polkit/io.github.bpflab.policy'), 'utf8')],
        [RULE, fs.readFileSync(path.join(REPO, 'resources/polkit/50-bpf-lab-group.rules'), 'utf8')],
        [INSTRUCTORS_RULE, fs.readFileSync(path.join(REPO, 'resources/polkit/50-bpf-lab-instructors.rules'), 'utf8')]]
      : [[RULE, fs.readFileSync(PACKAGED_RULE, 'utf8')]];
    if (from === 'source') stageInstallation(undo);
    for (const [name, rule] of Object.entries(extraRules)) files.push([`/etc/polkit-1/rules.d/${name}`, rule]);
    for (const [file, text] of files) {
      undo.push(() => fs.rmSync(file, { force: true }));
      fs.writeFileSync(file, text);
    }

    const startedBus = await startSystemBus(undo);
    // A polkitd left from an earlier bus would answer nothing on this one.
    if (startedBus || !ok('pgrep', ['-x', 'polkitd'])) {
      const log = path.join(os.tmpdir(), `bpf-lab-polkitd-${process.pid}.log`);
      const out = fs.openSync(log, 'w');
      const daemon: ChildProcess = spawn('/usr/lib/polkit-1/polkitd', ['--no-debug'], { stdio: ['ignore', out, out], detached: true });
      fs.closeSync(out);
      undo.push(() => fs.rmSync(log, { force: true }));
      undo.push(() => daemon.kill());
      await waitForAction(() => fs.readFileSync(log, 'utf8'));
    } else {
      await waitForAction(() => 'polkitd was already running');
    }
    if (!ok('getent', ['group', 'bpflab'])) run('groupadd', ['--system', 'bpflab']);
    if (!ok('id', [STUDENT])) run('useradd', ['--system', '--no-create-home', '--groups', 'bpflab', STUDENT]);
    if (!ok('id', [OUTSIDER])) run('useradd', ['--system', '--no-create-home', OUTSIDER]);
    if (!ok('getent', ['group', 'bpflab-instructors'])) run('groupadd', ['--system', 'bpflab-instructors']);
    if (!ok('id', [TEACHER])) run('useradd', ['--system', '--no-create-home', '--groups', 'bpflab-instructors', TEACHER]);

    const clientDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpf-lab-client-'));
    undo.push(() => fs.rmSync(clientDir, { recursive: true, force: true }));
    for (const rel of ['package.json', 'build/src', 'build/helper', 'build/test/polkit', 'build/workloads', 'node_modules/zod']) {
      fs.cpSync(path.join(REPO, rel), path.join(clientDir, rel), { recursive: true });
    }
    run('chmod', ['-R', 'a+rX', clientDir]);
    return { clientDir, teardown };
  } catch (e) {
    teardown();
    throw e;
  }
}

/** Runs one of this folder's client scripts as a user, from the world-readable copy, and parses its one JSON line. */
export function runAs(user: string, env: PolkitEnv, script: string, args: string[]): Record<string, unknown> & { raw: string } {
  const r = spawnSync('runuser', ['-u', user, '--', process.execPath, path.join(env.clientDir, 'build/test/polkit', script), ...args],
    { encoding: 'utf8', timeout: 60_000 });
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return { ...JSON.parse(line) as Record<string, unknown>, raw: `${r.stdout}\n${r.stderr}` };
  } catch {
    throw new Error(`${script} printed no JSON (status ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
}

/** Runs the pkexec client as a user; launch is the launcher or `appimage:HELPER_DIR`. */
export function clientAs(user: string, env: PolkitEnv, sizes: string[], launch = LAUNCHER): Record<string, unknown> & { raw: string } {
  return runAs(user, env, 'pkexec-client.js', [launch, path.join(env.clientDir, 'build/workloads/oracle-static'), ...sizes]);
}
