/**
 * A start's pid must name a running process: a pid that names nothing (a process that has just
 * exited) or a thread (the probes match a process id) would count nothing, silently.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { it } from 'node:test';
import { HelperClient } from '../../src/backend/helper-client.js';
import { directLaunch } from '../../src/backend/launch.js';
import type { LabError } from '../../src/shared/errors.js';
import { needsRoot, ourPrograms } from './harness.js';

it('refuses a pid that names no running process, or a thread, with nothing loaded', async (t) => {
  if (!needsRoot(t)) return;
  const client = await HelperClient.start(directLaunch());
  const start = (pid: number): Promise<LabError> => client.request('start', { session: 1,
    mode: 'stat', probe: { kind: 'catalog', id: 'read' }, intervalMs: 0, pid,
  }).then(() => assert.fail(`pid ${pid} was accepted`), (e: LabError) => e);
  try {
    const gone = spawnSync('true').pid!;
    const none = await start(gone);
    assert.equal(none.code, 'bad-request');
    assert.match(none.message, new RegExp(`^No process ${gone} is running`));
    const thread = fs.readdirSync('/proc/self/task').map(Number).find((tid) => tid !== process.pid);
    assert.ok(thread, 'this test process has more than one thread');
    const threaded = await start(thread);
    assert.equal(threaded.code, 'bad-request');
    assert.match(threaded.message, new RegExp(`^${thread} is a thread of process ${process.pid}`));
    assert.deepEqual(ourPrograms(), []);
  } finally {
    await client.close();
  }
});
