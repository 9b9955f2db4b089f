/**
 * A caller who is not root cannot make the helper load without bound (helper/work-budget.ts): a
 * flood of starts and of `probes --refresh` gets clear `busy` errors once the budget is spent,
 * and the caller's running session keeps streaming through it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { it } from 'node:test';
import { HelperClient } from '../../src/backend/helper-client.js';
import { directLaunch } from '../../src/backend/launch.js';
import type { LabError } from '../../src/shared/errors.js';
import { LOADS_PER_WINDOW } from '../../helper/work-budget.js';
import { callerEnv, needsRoot, ourPrograms } from './harness.js';

const A = 54321;

it('a flood of starts and refreshes is refused as busy past the budget, and a running session keeps streaming', async (t) => {
  if (!needsRoot(t)) return;
  const sleeper = spawn('/bin/sleep', ['600'], { uid: A, gid: A, stdio: 'ignore' });
  t.after(() => sleeper.kill('SIGKILL'));
  const client = await HelperClient.start({ ...directLaunch(), env: callerEnv(A) });
  t.after(() => client.close());
  const running = await client.request('start', { session: 1,
    mode: 'stat', probe: { kind: 'catalog', id: 'read' }, layout: 'seed', intervalMs: 100, pid: sleeper.pid!,
  });
  const start = (): Promise<number | LabError> => client.request('start', { session: 2,
    mode: 'stat', probe: { kind: 'catalog', id: 'write' }, layout: 'seed', intervalMs: 0, pid: sleeper.pid!,
  }).then(async (r) => {
    await client.request('stop', { session: r.session });
    return r.session;
  }, (e: LabError) => e);
  // One after the other, each stopped at once (at most 8 sessions may run): a start and stop loop.
  const outcomes: Array<number | LabError> = [];
  for (let i = 0; i < 2 * LOADS_PER_WINDOW; i++) outcomes.push(await start());
  const busy = outcomes.filter((o): o is LabError => typeof o !== 'number');
  assert.ok(busy.length > 0, 'some starts were refused');
  assert.ok(outcomes.filter((o) => typeof o === 'number').length < LOADS_PER_WINDOW, 'within the budget, the running session counted');
  for (const e of busy) {
    assert.equal(e.code, 'busy');
    assert.match(e.message, new RegExp(`^Too much at once: this start would load more than ${LOADS_PER_WINDOW} BPF programs in 10 s`));
  }
  // Refreshes: the budget is spent, so none may try the probes again now.
  const refreshes = await Promise.all(Array.from({ length: 10 }, () => client.request('probes', { refresh: true })
    .then((r) => r.checkedAt, (e: LabError) => e)));
  for (const r of refreshes) {
    assert.ok(typeof r !== 'number', `a refresh ran a trial (${String(r)})`);
    assert.match(r.message, new RegExp(`^Too much at once: checking every probe would load more than ${LOADS_PER_WINDOW}`));
  }
  // The caller's own session was never held up for long: it still streams, and stops cleanly.
  await new Promise<void>((resolve) => {
    const off = client.onPush((push) => {
      if (push.type === 'histogram' && push.session === running.session) {
        off();
        resolve();
      }
    });
  });
  await client.request('stop', { session: running.session });
  assert.deepEqual(ourPrograms(), []);
});
