/**
 * SIGUSR1 makes Node open an inspector that lets anyone run code in that process. In the root
 * helper (however it is started) and in bpf-lab running as root, it must open nothing: no
 * listening socket (ss -ltnp), and the process keeps serving. A helper started without the
 * inspector closed refuses to run.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { HelperClient } from '../../src/backend/helper-client.js';
import { directLaunch, helperNodeArgs, helperScript, type Launch } from '../../src/backend/launch.js';
import { stageHelper } from '../../helper/stage.js';
import { HELPER_EXIT_INSPECTOR, PROTOCOL_VERSION } from '../../src/shared/protocol.js';
import { startServe } from '../e2e/serve.js';
import { CLI, needsRoot, ourPrograms } from './harness.js';

/** The TCP ports a process listens on, from ss. */
function listening(pid: number): string[] {
  const r = spawnSync('ss', ['-ltnpH'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l.includes(`pid=${pid},`)).map((l) => l.trim().split(/\s+/)[3]!);
}

/** Sends SIGUSR1 and gives Node time to open an inspector, if it were going to. */
async function usr1(pid: number): Promise<void> {
  process.kill(pid, 'SIGUSR1');
  await sleep(700);
}

const startRead = { session: 1, mode: 'stat', probe: { kind: 'catalog', id: 'read' }, intervalMs: 0 } as const;

/** SIGUSR1 to a helper with a session attached: nothing listens, and it still serves and stops the session. */
async function survivesUsr1(launch: Launch): Promise<void> {
  const client = await HelperClient.start(launch);
  try {
    const started = await client.request('start', startRead);
    await usr1(client.pid!);
    assert.deepEqual(listening(client.pid!), [], 'the helper opened a listening socket on SIGUSR1');
    assert.equal((await client.request('hello', {})).protocol, PROTOCOL_VERSION, 'it still serves');
    assert.ok((await client.request('stop', { session: started.session })).histogram);
  } finally {
    assert.equal(await client.close(), 0);
  }
}

let staged = '';
after(() => {
  if (staged) fs.rmSync(staged, { recursive: true, force: true });
});

describe('Node\'s inspector never opens as root', () => {
  afterEach(() => assert.deepEqual(ourPrograms(), [], 'a BPF program of ours is still loaded'));

  it('the helper\'s Node options alone keep SIGUSR1 from opening an inspector (plain Node opens one)', async (t) => {
    if (!needsRoot(t)) return;
    // No JS listener here: only the options. Plain Node is the control that shows the check can see one.
    for (const [options, opens] of [[[], true], [helperNodeArgs(), false]] as const) {
      const node = spawn(process.execPath, [...options, '-e', 'setTimeout(() => {}, 5000)'], { stdio: 'ignore' });
      try {
        await sleep(300);
        await usr1(node.pid!);
        assert.equal(listening(node.pid!).length > 0, opens, `${options.join(' ') || 'plain node'}: ${listening(node.pid!)}`);
        assert.equal(node.exitCode, null, 'it is still running');
      } finally {
        node.kill('SIGKILL');
        await once(node, 'exit');
      }
    }
  });

  it('the helper as bpf-lab starts it ignores SIGUSR1', async (t) => {
    if (!needsRoot(t)) return;
    await survivesUsr1(directLaunch());
  });

  it('the installed launcher ignores SIGUSR1, and clears NODE_OPTIONS=--inspect', async (t) => {
    if (!needsRoot(t)) return;
    staged = fs.mkdtempSync(path.join(os.tmpdir(), 'bpf-lab-launcher-'));
    const launcher = stageHelper(path.join(staged, 'helper'));
    await survivesUsr1({ via: 'direct', command: launcher, args: [], env: { NODE_OPTIONS: '--inspect=127.0.0.1:0' } });
  });

  it('a helper started on plain Node refuses to run', (t) => {
    if (!needsRoot(t)) return;
    for (const args of [[helperScript()], ['--inspect=127.0.0.1:0', ...directLaunch().args]]) {
      const r = spawnSync(process.execPath, args, { encoding: 'utf8', input: '', timeout: 20_000 });
      assert.equal(r.status, HELPER_EXIT_INSPECTOR, r.stderr);
      assert.match(r.stderr, /bpf-lab-helper: (Node's permission model is off|--inspect=127.0.0.1:0 would open Node's inspector)/);
    }
  });

  it('bpf-lab stat as root ignores SIGUSR1 and goes on printing tables', async (t) => {
    if (!needsRoot(t)) return;
    const cli = spawn(process.execPath, [CLI, 'stat', '--probe', 'read', '--interval', '0.2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    cli.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    while (!out.includes('Count')) await sleep(50);
    await usr1(cli.pid!);
    assert.deepEqual(listening(cli.pid!), []);
    const tables = out.split('Count').length;
    await sleep(500);
    assert.ok(out.split('Count').length > tables, 'it still prints tables');
    cli.kill('SIGINT');
    const [code] = await once(cli, 'exit') as [number | null];
    assert.equal(code, 0);
  });

  it('bpf-lab serve as root ignores SIGUSR1: only its own port listens, and it still answers', async (t) => {
    if (!needsRoot(t)) return;
    const served = await startServe();
    try {
      await usr1(served.proc.pid!);
      assert.deepEqual(listening(served.proc.pid!), [`127.0.0.1:${served.port}`]);
      const r = await fetch(`${served.origin}/api/call/lab:status`, {
        method: 'POST', headers: { authorization: `Bearer ${served.token}`, 'content-type': 'application/json' }, body: '{}',
      });
      assert.equal(((await r.json()) as { ok: boolean }).ok, true);
    } finally {
      assert.equal(await served.stop(), 0);
    }
  });

  it('bpf-lab as root refuses to run with the inspector already open', (t) => {
    if (!needsRoot(t)) return;
    const r = spawnSync(process.execPath, [CLI, 'probes'], {
      encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '--inspect=127.0.0.1:0' }, timeout: 20_000,
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /refusing to run as root with Node's inspector open/);
  });
});
