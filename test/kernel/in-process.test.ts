// As root, bpf-lab runs its helper inside its own process (helper/in-process.ts). Held to that
// here: no second process, every program gone at the end, the process's own writes never
// counted, and its parent's counted like anyone's (a separate helper leaves out its parent, the
// CLI; a helper inside the CLI must not leave out the CLI's parent, a shell or sudo).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import { afterEach, describe, it } from 'node:test';
import { CLI, needsRoot, ourPrograms } from './harness.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('a root bpf-lab runs its helper inside its own process', () => {
  afterEach(() => assert.deepEqual(ourPrograms(), [], 'a BPF program of ours is still loaded'));

  it('starts no second process, counts its parent\'s writes, never its own, and detaches at the end', async (t) => {
    if (!needsRoot(t)) return;
    // Every write on the system, printed: were its own output lines counted, they would feed themselves.
    const cli = spawn(process.execPath, [CLI, 'trace', 'write'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // A failed check must not leave a system-wide trace running (it would hold the suite open).
    t.after(() => { if (cli.exitCode === null) cli.kill('SIGKILL'); });
    let out = '';
    cli.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    for (let i = 0; !ourPrograms().includes('trace_tracepoint'); i++) {
      assert.ok(i < 200, 'the trace did not attach');
      await sleep(50);
    }
    const children = fs.readFileSync(`/proc/${cli.pid}/task/${cli.pid}/children`, 'utf8').trim();
    assert.equal(children, '', 'no helper process');
    // This test process is the CLI's parent: its writes count.
    const fd = fs.openSync('/dev/null', 'w');
    for (let i = 0; i < 3; i++) fs.writeSync(fd, Buffer.alloc(7777));
    fs.closeSync(fd);
    for (let i = 0; (out.match(new RegExp(`-${process.pid} \\[\\d+\\] [\\d.]+: write size 7777$`, 'gm')) ?? []).length < 3; i++) {
      assert.ok(i < 200, `the parent's three writes were not traced:\n${out.slice(-2000)}`);
      await sleep(50);
    }
    await sleep(300);
    assert.doesNotMatch(out, new RegExp(`-${cli.pid} \\[`), 'bpf-lab traced its own writes');
    cli.kill('SIGINT');
    const [code] = await once(cli, 'exit') as [number | null];
    assert.equal(code, 0);
  });
});
