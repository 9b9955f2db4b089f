/**
 * SIGKILL at random moments, for the CLI, `bpf-lab serve` and the helper itself: while starting,
 * loading and attaching, and streaming. Nothing of ours may outlive them: no program (and so no
 * link, which holds one), no kprobe or uprobe event left in tracefs, no helper left running.
 * 60 rounds, 20 of each, at moments drawn from a fixed seed.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import { describe, it, type TestContext } from 'node:test';
import fc from 'fast-check';
import { PROTOCOL_VERSION } from '../../src/shared/protocol.js';
import { CLI, needsRoot, ourPrograms } from './harness.js';
import { RawHelper } from './raw-helper.js';
import { helperScript } from '../../src/backend/launch.js';

const ROUNDS = 20;
const TRACEFS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

/**
 * The kprobe and uprobe events libbpf made in tracefs (named libbpf_PID_…). It makes them there
 * only where the kernel cannot make perf-based probes (before 4.17, or when asked), so on this
 * kernel this stays empty unless something regresses; other tools' events are not ours.
 */
function probeEvents(): string[] {
  return TRACEFS.flatMap((dir) => ['kprobe_events', 'uprobe_events'].flatMap((file) => {
    try {
      return fs.readFileSync(`${dir}/${file}`, 'utf8').split('\n').filter((line) => line.includes('libbpf_'));
    } catch {
      return [];
    }
  }));
}

/** This build's helpers (not an installed BPF Lab's). */
const helpers = (): string => spawnSync('pgrep', ['-af', `^\\S*node .*${helperScript()}`], { encoding: 'utf8' }).stdout.trim();

/** Waits (polling, up to 10 s) until nothing of ours is left; fails naming what is. */
async function nothingLeft(what: string): Promise<void> {
  const left = (): string[] => [...ourPrograms().map((p) => `program ${p}`), ...probeEvents().map((e) => `tracefs event ${e}`),
    ...(helpers() ? [`helper ${helpers()}`] : [])];
  for (let tries = 0; left().length > 0; tries++) {
    if (tries === 200) assert.fail(`after ${what}: ${left().join('; ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** A process for the uprobe rounds to watch: a libc uprobe on it, never on every process. */
function sleeper(t: TestContext): number {
  const child = spawn('/bin/sleep', ['600'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  return child.pid!;
}

/** Delays in ms, drawn from a fixed seed so that a failing round can be run again. */
const delays = (seed: number, max: number): number[] => fc.sample(fc.noBias(fc.integer({ min: 0, max })), { numRuns: ROUNDS, seed });

describe('SIGKILL at any moment leaves nothing behind', () => {
  it('the CLI (its helper runs in the same process)', async (t) => {
    if (!needsRoot(t)) return;
    const pid = String(sleeper(t));
    const commands = [['stat', 'libc-memcpy', '--pid', pid], ['trace', 'write'], ['inspect', 'libc-memcpy', '--pid', pid], ['trace', 'read']];
    for (const [round, delay] of delays(1, 900).entries()) {
      const command = commands[round % commands.length]!;
      const cli = spawn(process.execPath, [CLI, ...command, '--json'], { stdio: 'ignore' });
      await new Promise((resolve) => setTimeout(resolve, delay));
      await kill(cli);
      await nothingLeft(`bpf-lab ${command.join(' ')} killed after ${delay} ms`);
    }
  });

  it('the helper', async (t) => {
    if (!needsRoot(t)) return;
    const pid = sleeper(t);
    const starts = [
      { session: 1, mode: 'stat', probe: { kind: 'catalog', id: 'libc-memcpy' }, pid, stats: true, calls: true, verifierLog: true },
      { session: 1, mode: 'trace', probe: { kind: 'catalog', id: 'write' } },
    ];
    for (const [round, delay] of delays(2, 150).entries()) {
      const h = new RawHelper();
      // Up and serving first (its start takes longer than the delays), then killed within the start.
      assert.equal((await h.call(1, 'hello')).type, 'response');
      h.send({ v: PROTOCOL_VERSION, id: 2, method: 'start', params: starts[round % starts.length] });
      await new Promise((resolve) => setTimeout(resolve, delay));
      await kill(h.child);
      await nothingLeft(`the helper killed ${delay} ms into a start`);
    }
  });

  it('bpf-lab serve (its helper then sees its client gone)', async (t) => {
    if (!needsRoot(t)) return;
    const pid = sleeper(t);
    let running = 0;
    // A start through serve takes about half a second (it records the load's calls and the verifier's log).
    for (const [round, delay] of delays(3, 1200).entries()) {
      const serve = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
      // Whatever fails below, no serve outlives the test (it would keep this file's process alive).
      t.after(() => serve.kill('SIGKILL'));
      let out = '';
      serve.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
      // serve prints its address once its helper is ready; then a start, and the kill within it or after.
      for (let tries = 0; !/Open: /.test(out); tries++) {
        if (tries === 600) assert.fail(`serve printed no address: ${out}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const url = /Open: (http:\/\/127\.0\.0\.1:\d+)\/#token=(\S+)/.exec(out)!;
      const probe = round % 2 ? { kind: 'catalog', id: 'libc-memcpy' } : { kind: 'catalog', id: 'read' };
      const started = fetch(`${url[1]}/api/call/lab:start`, {
        method: 'POST', headers: { authorization: `Bearer ${url[2]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ mode: round % 3 ? 'stat' : 'trace', probe, layout: 'seed', intervalMs: 100, ...(round % 2 ? { pid } : {}) }),
      }).then(async (r) => ((await r.json()) as { ok: boolean }).ok, () => false);
      await new Promise((resolve) => setTimeout(resolve, delay));
      await kill(serve);
      if (await started) running++;
      await nothingLeft(`serve killed ${delay} ms into a start`);
    }
    // Rounds whose session was up when serve died, not only ones killed before it attached.
    assert.ok(running >= 3, `${running} of ${ROUNDS} rounds had a session running`);
  });
});
