// The attack on serve that orphaned a root helper: eight probes calls, a restart 50 ms later
// and another 100 ms after that, a start, then Ctrl-C. Afterwards serve's helpers must all be
// gone, serve must have exited, and nothing of ours may stay loaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { needsRoot, ourPrograms } from '../kernel/harness.js';
import { startServe, type Served } from './serve.js';

/** The helpers serve runs now (its children running a helper's main.js). */
function helpersOf(served: Served): number[] {
  const r = spawnSync('pgrep', ['-P', String(served.proc.pid), '-f', 'helper/main.js'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

test('overlapping restarts leave one helper, and Ctrl-C then ends serve and every helper it started', async (t) => {
  if (!needsRoot(t)) return;
  const served = await startServe();
  const call = (channel: string, body: unknown = {}): Promise<{ ok: boolean }> => fetch(`${served.origin}/api/call/${channel}`, {
    method: 'POST', headers: { authorization: `Bearer ${served.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  }).then((r) => r.json() as Promise<{ ok: boolean }>);
  // Every helper serve ever runs, sampled until the end.
  const seen = new Set<number>(helpersOf(served));
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      helpersOf(served).forEach((pid) => seen.add(pid));
      await sleep(10);
    }
  })();
  const calls: Promise<unknown>[] = Array.from({ length: 8 }, () => call('lab:probes'));
  await sleep(50);
  calls.push(call('lab:restart'));
  await sleep(100);
  calls.push(call('lab:restart'));
  calls.push(call('lab:start', { mode: 'stat', probe: { kind: 'catalog', id: 'read' } }));
  await Promise.all(calls);
  for (let i = 0; i < 50 && helpersOf(served).length > 1; i++) await sleep(100);
  assert.equal(helpersOf(served).length, 1, 'after the restarts, one helper');
  served.proc.kill('SIGINT');
  const exited = await Promise.race([served.exited, sleep(5000).then(() => 'still running' as const)]);
  sampling = false;
  await sampler;
  assert.equal(exited, 0, 'SIGINT ended serve within 5 s');
  assert.ok(seen.size >= 2, `saw helpers ${[...seen]}`);
  for (let i = 0; i < 50 && [...seen].some((pid) => fs.existsSync(`/proc/${pid}`)); i++) await sleep(100);
  assert.deepEqual([...seen].filter((pid) => fs.existsSync(`/proc/${pid}`)), [], 'a helper outlived serve');
  assert.deepEqual(ourPrograms(), []);
});
