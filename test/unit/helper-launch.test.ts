// Starting the helper without starting anything: the exact spawn arguments
// for the direct and pkexec launches, and pkexec's exit statuses (126: the
// dialog was dismissed; 127: not authorized) and a missing pkexec turned into
// clear, coded errors. The fake child is a real EventEmitter with streams.
import { test } from 'node:test';
import { PassThrough } from 'node:stream';
import assert from 'node:assert/strict';
import { HelperClient } from '../../src/backend/helper-client.js';
import { commandLineLaunch, helperNodeArgs, INSTALLED_LAUNCHER, INSTALLED_SYSTEM_LAUNCHER, pkexecLaunch } from '../../src/backend/launch.js';
import fs from 'node:fs';
import { chooseLaunch } from '../../src/main/helper-launch.js';
import type { LabError } from '../../src/shared/errors.js';
import { encodeFrame } from '../../src/shared/framing.js';
import { exitWith, fakeSpawn } from './fake-child.js';

test('a non-root app asks pkexec, by absolute path, to run the installed launcher the policy names', () => {
  for (const devRoot of ['/src/bpf-lab', null]) {
    assert.deepEqual(chooseLaunch({ uid: 1000, execPath: '/opt/bpf-lab/bpf-lab', devRoot, resourcesPath: '/opt/bpf-lab/resources' }), {
      via: 'pkexec', command: '/usr/bin/pkexec', args: ['/opt/bpf-lab/resources/helper/bpf-lab-helper'],
    });
  }
  const policy = fs.readFileSync(new URL('../../../resources/polkit/io.github.bpflab.policy', import.meta.url), 'utf8');
  assert.match(policy, new RegExp(`"org.freedesktop.policykit.exec.path">${INSTALLED_LAUNCHER}<`));
  // bpf-lab-app --system: the instructors' action, whose launcher the policy names too.
  assert.deepEqual(chooseLaunch({ uid: 1000, execPath: '/opt/bpf-lab/bpf-lab', devRoot: null, resourcesPath: '/opt/bpf-lab/resources', system: true }),
    { via: 'pkexec', command: '/usr/bin/pkexec', args: [INSTALLED_SYSTEM_LAUNCHER] });
  assert.match(policy, new RegExp(`"org.freedesktop.policykit.exec.path">${INSTALLED_SYSTEM_LAUNCHER}<`));
});

test('the command line runs the helper directly as root; as anyone else through pkexec, once it is installed', () => {
  const root = commandLineLaunch({ verbose: true, uid: 0, installed: true });
  assert.equal(root.via, 'direct');
  assert.equal(root.command, process.execPath);
  assert.deepEqual(root.args.slice(0, -2), helperNodeArgs(), 'Node\'s inspector closed, as the launcher does');
  assert.match(root.args.at(-2)!, /\/build\/helper\/main\.js$/);
  assert.equal(root.args.at(-1), '--verbose');
  assert.deepEqual(commandLineLaunch({ verbose: false, uid: 1000, installed: true }), { via: 'pkexec', command: '/usr/bin/pkexec', args: [INSTALLED_LAUNCHER] });
  assert.deepEqual(commandLineLaunch({ verbose: false, system: true, uid: 1000, installed: true }).args, [INSTALLED_SYSTEM_LAUNCHER],
    '--system asks polkit for the instructors\' action');
  assert.equal(commandLineLaunch({ verbose: false, system: true, uid: 0, installed: true }).via, 'direct', 'root needs no other action');
  assert.deepEqual(commandLineLaunch({ verbose: true, uid: 1000, installed: true }).args, [INSTALLED_LAUNCHER, '--verbose'], 'the launcher passes it on');
  assert.equal(commandLineLaunch({ verbose: false, uid: 1000, installed: false }).via, 'direct', 'nothing installed: the helper itself says root is needed');
});

test('a root app runs the helper directly: the tsc build on the system Node in development, the launcher when packaged', () => {
  const dev = { uid: 0, execPath: '/usr/bin/electron', devRoot: '/src/bpf-lab', resourcesPath: '/x' };
  assert.deepEqual(chooseLaunch({ ...dev, systemNodeVersion: () => 'v20.20.2' }), {
    via: 'direct', command: '/usr/bin/node', args: [...helperNodeArgs('20.20.2'), '/src/bpf-lab/build/helper/main.js'],
  });
  assert.equal(chooseLaunch({ ...dev, systemNodeVersion: () => 'v24.1.0' }).args[0], '--permission');
  // Packaged, the RunAsNode fuse is off, so the Electron binary must not be asked to be Node.
  const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
  assert.equal(pkg.build.electronFuses.runAsNode, false);
  assert.deepEqual(chooseLaunch({ uid: 0, execPath: '/opt/bpf-lab/bpf-lab-app', devRoot: null, resourcesPath: '/opt/bpf-lab/resources' }), {
    via: 'direct', command: '/opt/bpf-lab/resources/helper/bpf-lab-helper', args: [],
  });
});

test('the helper is spawned with exactly the launch arguments, piped and in its own process group', async () => {
  const { spawn, calls } = fakeSpawn(exitWith(126));
  await assert.rejects(HelperClient.start(pkexecLaunch('/usr/libexec/bpf-lab/bpf-lab-helper'), spawn));
  assert.equal(calls.length, 1);
  const [command, args, options] = calls[0] as [string, string[], { stdio: string[]; detached: boolean }];
  assert.equal(command, '/usr/bin/pkexec');
  assert.deepEqual(args, ['/usr/libexec/bpf-lab/bpf-lab-helper']);
  assert.deepEqual(options.stdio, ['pipe', 'pipe', 'pipe']);
  assert.equal(options.detached, true);
});

test('pkexec 126 means the password dialog was dismissed', async () => {
  const { spawn } = fakeSpawn(exitWith(126));
  await assert.rejects(HelperClient.start(pkexecLaunch('/x/launcher'), spawn), (e: LabError) =>
    e.code === 'auth-cancelled' && /dismissed/.test(e.message) && /Restart/.test(e.message));
});

test('pkexec 127 means not authorized, with what pkexec said kept as detail', async () => {
  const { spawn } = fakeSpawn(exitWith(127, 'Error executing command as another user: Not authorized\n'));
  await assert.rejects(HelperClient.start(pkexecLaunch('/x/launcher'), spawn), (e: LabError) =>
    e.code === 'not-authorized' && /bpflab group/.test(e.message) && e.detail === 'Error executing command as another user: Not authorized');
});

test('a missing pkexec says to install polkit', async () => {
  const { spawn } = fakeSpawn((child) => child.emit('error', Object.assign(new Error('spawn /usr/bin/pkexec ENOENT'), { code: 'ENOENT' })));
  await assert.rejects(HelperClient.start(pkexecLaunch('/x/launcher'), spawn), (e: LabError) =>
    e.code === 'not-authorized' && /install polkit/.test(e.message));
});

test('126 and 127 from a direct launch are the helper\'s own statuses, not pkexec\'s', async () => {
  const { spawn } = fakeSpawn(exitWith(127));
  await assert.rejects(HelperClient.start({ via: 'direct', command: '/usr/bin/node', args: ['helper.js'] }, spawn), (e: LabError) =>
    e.code === 'internal' && /exited with status 127/.test(e.message));
});

test('the helper\'s not-privileged status is a not-root error', async () => {
  const { spawn } = fakeSpawn(exitWith(77));
  await assert.rejects(HelperClient.start(pkexecLaunch('/x/launcher'), spawn), (e: LabError) => e.code === 'not-root');
});

test('the helper\'s too-many status is a busy error that says how to go on, with the helper\'s words as detail', async () => {
  const said = 'bpf-lab-helper: user 1000 already runs 4 helpers (pids 1, 2, 3, 4); the most is 4';
  const { spawn } = fakeSpawn(exitWith(79, `${said}\n`));
  await assert.rejects(HelperClient.start(pkexecLaunch('/x/launcher'), spawn), (e: LabError) =>
    e.code === 'busy' && /already run 4 BPF Lab helpers/.test(e.message) && /Restart/.test(e.message) && e.detail === said);
});

test('a helper whose hello is wrong is not left running: its stdin is closed', async () => {
  let stdin: PassThrough | null = null;
  const { spawn } = fakeSpawn((child) => {
    stdin = child.stdin;
    child.stdout.write(encodeFrame({ v: 3, type: 'response', id: 1, result: { protocol: 3, version: 'x', kernel: {} } }));
    child.stdin.on('finish', () => child.emit('close', 0, null));
  });
  await assert.rejects(HelperClient.start(pkexecLaunch('/x/launcher'), spawn), (e: LabError) => e.code === 'internal' && /bad hello result/.test(e.message));
  assert.equal(stdin!.writableEnded, true);
});

test('a start given up through its signal rejects at once and tells the child to go', async () => {
  const before = fakeSpawn(() => undefined);
  const aborted = AbortSignal.abort();
  await assert.rejects(HelperClient.start(pkexecLaunch('/x/launcher'), before.spawn, aborted), (e: LabError) => e.code === 'disconnected');
  assert.equal(before.calls.length, 0, 'nothing was started');
  // pkexec waiting for a password: no hello, no exit. Giving up must not wait for either.
  let stdin: PassThrough | null = null;
  const waiting = fakeSpawn((child) => { stdin = child.stdin; });
  const controller = new AbortController();
  const started = HelperClient.start(pkexecLaunch('/x/launcher'), waiting.spawn, controller.signal);
  setTimeout(() => controller.abort(), 10);
  await assert.rejects(started, (e: LabError) => e.code === 'disconnected' && /cancelled/.test(e.message));
  assert.equal(stdin!.writableEnded, true, 'its stdin is closed');
});

test('close() gives a stuck direct helper a few seconds, then kills it; a pkexec one cannot be killed and is let go', async () => {
  const hello = { v: 3, type: 'response', id: 1, result: { protocol: 3, version: '0', scope: 'every-process', kernel: {
    release: 'r', arch: 'x86_64', kprobes: true, uprobes: true, btf: true, tracefs: true, libbpf: '1' } } };
  for (const via of ['direct', 'pkexec'] as const) {
    const kills: string[] = [];
    const { spawn } = fakeSpawn((child) => {
      Object.assign(child, { kill: (signal: string) => { kills.push(signal); setImmediate(() => child.emit('close', null, signal)); } });
      child.stdout.write(encodeFrame(hello));
    });
    const client = await HelperClient.start({ via, command: '/x', args: [] }, spawn);
    const status = await client.close(50);
    assert.deepEqual(kills, via === 'direct' ? ['SIGKILL'] : [], via);
    assert.equal(status, via === 'direct' ? 128 : null, via);
  }
});

test('pkexec 127 without an authentication agent says so, instead of blaming the account', async () => {
  const { spawn } = fakeSpawn(exitWith(127, 'Error executing command as another user: No authentication agent found.\n'));
  await assert.rejects(HelperClient.start(pkexecLaunch('/x/launcher'), spawn), (e: LabError) =>
    e.code === 'not-authorized' && /authentication agent/.test(e.message) && !/not authorized to run/.test(e.message));
  // The command line over SSH: pkexec cannot make a text agent without a terminal.
  const { spawn: noTty } = fakeSpawn(exitWith(127, 'Error creating textual authentication agent: Error opening current '
    + 'controlling terminal for the process (`/dev/tty\'): No such device or address\n'));
  await assert.rejects(HelperClient.start(pkexecLaunch('/x/launcher'), noTty), (e: LabError) =>
    e.code === 'not-authorized' && /not authorized to run the BPF Lab helper without a password/.test(e.message)
    && /no desktop session or terminal/.test(e.message) && /bpflab group/.test(e.message));
});

test('pkexec 127 for a launcher that is not there says the helper is not installed, not that the user is refused', async () => {
  const { spawn } = fakeSpawn(exitWith(127, 'Error accessing /opt/bpf-lab/resources/helper/bpf-lab-helper: No such file or directory\n'));
  await assert.rejects(HelperClient.start(pkexecLaunch('/opt/bpf-lab/resources/helper/bpf-lab-helper'), spawn), (e: LabError) =>
    e.code === 'setup' && /not installed where its policy expects it \(\/opt\/bpf-lab\/resources\/helper\/bpf-lab-helper\)/.test(e.message)
    && !/bpflab group/.test(e.message));
});
