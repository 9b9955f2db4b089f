/**
 * The real polkit setup for pkexec.test.ts, as a lab machine would have it:
 * the system bus and polkitd running, BPF Lab's policy and the sample group
 * rule installed, the helper staged at the policy's path (root-owned), and
 * two users: one in the bpflab group, one outside it. Everything this
 * installs is removed again by teardown(); daemons it started are stopped.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stageHelper } from '../../helper/stage.js';
import { INSTALLED_HELPER, INSTALLED_LAUNCHER } from '../../src/main/helper-launch.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const ACTION = 'io.github.bpflab.helper';
export const LAUNCHER = INSTALLED_LAUNCHER;
const HELPER_ROOT = INSTALLED_HELPER;
export const STUDENT = 'bpflab-student';
export const OUTSIDER = 'bpflab-outsider';
const POLICY = '/usr/share/polkit-1/actions/io.github.bpflab.policy';
const RULE = '/etc/polkit-1/rules.d/50-bpf-lab-group.rules';

function run(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

const ok = (command: string, args: string[]): boolean => spawnSync(command, args).status === 0;

export interface PolkitEnv {
  /** A world-readable copy of the build for the test users, with the client and the oracle. */
  clientDir: string;
  teardown(): void;
}

/** extraRules: file name → text, installed in /etc/polkit-1/rules.d for this test file only. */
export async function setUpPolkit(extraRules: Record<string, string> = {}): Promise<PolkitEnv> {
  const started: ChildProcess[] = [];
  const rules = Object.keys(extraRules).map((name) => `/etc/polkit-1/rules.d/${name}`);
  Object.entries(extraRules).forEach(([name, text]) => fs.writeFileSync(`/etc/polkit-1/rules.d/${name}`, text));
  if (!fs.existsSync('/run/dbus/system_bus_socket')) {
    fs.mkdirSync('/run/dbus', { recursive: true });
    run('dbus-daemon', ['--system', '--fork']);
  }
  fs.copyFileSync(path.join(REPO, 'resources/polkit/io.github.bpflab.policy'), POLICY);
  fs.copyFileSync(path.join(REPO, 'resources/polkit/50-bpf-lab-group.rules'), RULE);
  if (!ok('pgrep', ['-x', 'polkitd'])) {
    started.push(spawn('/usr/lib/polkit-1/polkitd', ['--no-debug'], { stdio: 'ignore', detached: true }));
  }
  for (let i = 0; !ok('pkaction', ['--action-id', ACTION]); i++) {
    if (i > 100) throw new Error('polkitd did not come up with BPF Lab\'s action within 10 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!ok('getent', ['group', 'bpflab'])) run('groupadd', ['--system', 'bpflab']);
  if (!ok('id', [STUDENT])) run('useradd', ['--system', '--no-create-home', '--groups', 'bpflab', STUDENT]);
  if (!ok('id', [OUTSIDER])) run('useradd', ['--system', '--no-create-home', OUTSIDER]);

  const ownsOpt = !fs.existsSync('/opt/bpf-lab');
  fs.rmSync(HELPER_ROOT, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(HELPER_ROOT), { recursive: true, mode: 0o755 });
  stageHelper(HELPER_ROOT);
  run('chown', ['-R', 'root:root', HELPER_ROOT]);
  run('chmod', ['-R', 'go-w', HELPER_ROOT]);

  const clientDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpf-lab-client-'));
  for (const rel of ['package.json', 'build/src', 'build/helper', 'build/test/polkit', 'build/workloads', 'node_modules/zod']) {
    fs.cpSync(path.join(REPO, rel), path.join(clientDir, rel), { recursive: true });
  }
  run('chmod', ['-R', 'a+rX', clientDir]);

  return {
    clientDir,
    teardown: () => {
      for (const daemon of started) daemon.kill();
      fs.rmSync(POLICY, { force: true });
      fs.rmSync(RULE, { force: true });
      for (const rule of rules) fs.rmSync(rule, { force: true });
      fs.rmSync(ownsOpt ? '/opt/bpf-lab' : HELPER_ROOT, { recursive: true, force: true });
      fs.rmSync(clientDir, { recursive: true, force: true });
    },
  };
}

/** Runs the pkexec client as a user and parses its one JSON line; launch is the launcher or `appimage:ARCHIVE:SHA256`. */
export function clientAs(user: string, env: PolkitEnv, sizes: string[], launch = LAUNCHER): Record<string, unknown> & { raw: string } {
  const r = spawnSync('runuser', ['-u', user, '--', process.execPath, path.join(env.clientDir, 'build/test/polkit/pkexec-client.js'),
    launch, path.join(env.clientDir, 'build/workloads/oracle-static'), ...sizes], { encoding: 'utf8', timeout: 60_000 });
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return { ...JSON.parse(line) as Record<string, unknown>, raw: `${r.stdout}\n${r.stderr}` };
  } catch {
    throw new Error(`the client printed no JSON (status ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
}
