/**
 * A uprobe's file swapped between the check and the attach (issue 18, item 7). A racer flips a
 * symlink between the oracle ELF (3 flips in 4) and a FIFO as fast as it can while root starts `stat --uprobe`
 * on the link, 60 times: each start either attaches to the ELF and counts the oracle's calls
 * exactly, or is refused with the clear "is not a file" error. None may hang: a start still
 * running after START_BOUND_MS fails the test (a bound on hanging, not on speed; a start takes
 * about a second). And the file is held only while it is attached: every path closes it, and
 * what the helper shows is the user's path, never /proc/self/fd/N.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HelperClient } from '../../src/backend/helper-client.js';
import { directLaunch } from '../../src/backend/launch.js';
import { CLI, expectedCounts, finalHistogram, needsRoot, ORACLE_DYNAMIC, ourPrograms } from './harness.js';

const STARTS = 60;
const START_BOUND_MS = 30_000;
const VALUES = ['0', '1x3', '64', '65x2', '1024', '1025x4'];
const RACER = `const fs = require('fs'); const [link, elf, fifo] = process.argv.slice(1);
for (let i = 0; ; i++) { const next = link + '.' + (i % 2); fs.rmSync(next, { force: true });
  fs.symlinkSync(i % 4 === 3 ? fifo : elf, next); fs.renameSync(next, link); }`;

describe('a uprobe file swapped between check and attach', () => {
  let dir = '';
  let link = '';
  let racer: ChildProcess | null = null;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpf-lab-swap-'));
    link = path.join(dir, 'lib');
    assert.equal(spawnSync('mkfifo', [path.join(dir, 'fifo')]).status, 0);
    fs.symlinkSync(ORACLE_DYNAMIC, link);
  });
  after(() => {
    racer?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`${STARTS} root starts while a racer flips the link: exact counts or "not a file", none hangs`, (t) => {
    if (!needsRoot(t)) return;
    racer = spawn(process.execPath, ['-e', RACER, link, ORACLE_DYNAMIC, path.join(dir, 'fifo')], { stdio: 'ignore' });
    const seen = { attached: 0, refused: 0 };
    for (let i = 0; i < STARTS; i++) {
      const run = spawnSync(process.execPath, [CLI, 'stat', '--uprobe', `${link}:oracle_value:1`, '--buckets', 'seed', '--json',
        '--', ORACLE_DYNAMIC, 'value', ...VALUES], { encoding: 'utf8', timeout: START_BOUND_MS, killSignal: 'SIGKILL' });
      assert.notEqual(run.signal, 'SIGKILL', `start ${i + 1} hung for ${START_BOUND_MS} ms (${seen.attached} attached, ${seen.refused} refused before it)`);
      assert.doesNotMatch(run.stdout + run.stderr, /\/proc\/self\/fd/, 'the user\'s path is what is shown');
      if (run.status === 0) {
        assert.deepEqual(finalHistogram(run.stdout).buckets.map((b) => b.count), expectedCounts('seed', VALUES));
        seen.attached++;
      } else {
        assert.equal(run.status, 2, run.stderr);
        assert.match(run.stderr, new RegExp(`${link} is not a file\\.`));
        seen.refused++;
      }
    }
    racer.kill('SIGKILL');
    t.diagnostic(`${seen.attached} attached, ${seen.refused} refused`);
    assert.ok(seen.attached > 0 && seen.refused > 0, `the race ran both ways: ${JSON.stringify(seen)}`);
    assert.deepEqual(ourPrograms(), []);
  });

  it('holds the file only while attaching: no descriptor stays open, and inspect shows the user\'s path', async (t) => {
    if (!needsRoot(t)) return;
    fs.rmSync(link, { force: true });
    fs.symlinkSync(ORACLE_DYNAMIC, link);
    const client = await HelperClient.start(directLaunch());
    const fds = (): string[] => fs.readdirSync(`/proc/${client.pid}/fd`).map((fd) => {
      try {
        return fs.readlinkSync(`/proc/${client.pid}/fd/${fd}`);
      } catch {
        return '';
      }
    }).filter((target) => target === fs.realpathSync(ORACLE_DYNAMIC));
    try {
      const start = (symbol: string) => client.request('start', {
        session: 1, mode: 'stat', probe: { kind: 'uprobe', path: link, symbol, arg: 1 }, pid: process.pid, intervalMs: 0 });
      const started = await start('oracle_value');
      assert.deepEqual(fds(), [], 'the uprobe holds the file, not the helper');
      const inspection = JSON.stringify(await client.request('inspect', { session: started.session }));
      assert.doesNotMatch(inspection + JSON.stringify(started), /\/proc\/self\/fd/);
      await client.request('stop', { session: started.session });
      const missing = await start('no_such_function').then(() => null, (e: { code: string; message: string }) => e);
      assert.equal(missing?.code, 'bad-probe');
      assert.match(missing!.message, new RegExp(`${link} has no function no_such_function`));
      assert.deepEqual(fds(), [], 'a failed attach closes it too');
    } finally {
      await client.close();
    }
    assert.deepEqual(ourPrograms(), []);
  });
});
