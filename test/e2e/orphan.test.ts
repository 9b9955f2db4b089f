// The helper is never left behind: when the process that started it dies
// without any cleanup (SIGKILL to `bpf-lab serve`, as when the app crashes),
// the helper sees its stdin close, detaches everything and exits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { needsRoot, ourPrograms } from '../kernel/harness.js';
import { startServe } from './serve.js';

test('killing serve outright makes its helper detach and exit', async (t) => {
  if (!needsRoot(t)) return;
  const served = await startServe();
  const helper = Number(spawnSync('pgrep', ['-P', String(served.proc.pid), '-f', 'helper/main.js'], { encoding: 'utf8' }).stdout.trim());
  assert.ok(helper > 0, 'serve has a helper child');
  const headers = { authorization: `Bearer ${served.token}`, 'content-type': 'application/json' };
  const started = await fetch(`${served.origin}/api/call/lab:start`, {
    method: 'POST', headers, body: JSON.stringify({ mode: 'stat', probe: { kind: 'catalog', id: 'read' } }),
  }).then((r) => r.json() as Promise<{ ok: boolean }>);
  assert.equal(started.ok, true);
  assert.ok(ourPrograms().some((name) => name.startsWith('hist_')), 'the histogram is loaded');
  served.proc.kill('SIGKILL');
  await served.stop();
  for (let i = 0; i < 100 && fs.existsSync(`/proc/${helper}`); i++) await sleep(50);
  assert.equal(fs.existsSync(`/proc/${helper}`), false, 'the helper exited within 5 s');
  assert.deepEqual(ourPrograms(), []);
});
