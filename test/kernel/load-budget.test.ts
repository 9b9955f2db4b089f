/**
 * The work budget charges what the helper really asked the kernel to load (helper/load-budget.ts).
 * The helper is the real one, serving a caller who is not root (PKEXEC_UID). strace, attached to
 * it, counts its bpf(BPF_PROG_LOAD) calls independently of the helper's own counter (failed
 * ones too); the helper's debug log says what each piece of work was charged. The two must agree
 * for a plain start, a start with calls recorded, the verifier log and armOnExec, a probes trial
 * and the lesson, and 20 loads, not 20 starts, must spend the budget.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { HelperClient } from '../../src/backend/helper-client.js';
import { directLaunch } from '../../src/backend/launch.js';
import type { LabError } from '../../src/shared/errors.js';
import { COUNTER_OWN_LOADS } from '../../helper/load-counter.js';
import { LOADS_PER_WINDOW, WINDOW_MS } from '../../helper/work-budget.js';
import { callerEnv, needsRoot, ourPrograms } from './harness.js';

const A = 54321;
const CHARGED = /^budget: (.+) charged (\d+) program loads; (\d+) in the last 10 s$/;

/** strace on the running helper: its BPF_PROG_LOAD calls so far, read from strace's own log. */
async function straceOn(pid: number, dir: string): Promise<{ loads: () => Promise<number>; tracer: ChildProcess }> {
  const log = path.join(dir, 'strace.log');
  const tracer = spawn('strace', ['-f', '-qq', '-e', 'trace=bpf', '-e', 'signal=none', '-o', log, '-p', String(pid)], { stdio: 'ignore' });
  // strace writes its log once it is attached; it attaches before the helper makes another call.
  while (!fs.existsSync(log)) await sleep(50);
  await sleep(500);
  const count = (): number => fs.readFileSync(log, 'utf8').split('\n').filter((l) => /\bbpf\(BPF_PROG_LOAD,/.test(l)).length;
  // strace writes a call's line as it returns; wait until the count has held still.
  const loads = async (): Promise<number> => {
    let last = -1;
    for (let n = count(); n !== last; n = count()) {
      last = n;
      await sleep(300);
    }
    return last;
  };
  return { loads, tracer };
}

it('what a caller who is not root is charged is what strace counts the helper loading, and 20 loads spend the budget', async (t) => {
  if (!needsRoot(t)) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpf-lab-budget-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const sleeper = spawn('/bin/sleep', ['600'], { uid: A, gid: A, stdio: 'ignore' });
  t.after(() => sleeper.kill('SIGKILL'));
  const client = await HelperClient.start({ ...directLaunch(), env: callerEnv(A) });
  t.after(() => client.close());
  const charges: Array<{ what: string; loads: number; used: number }> = [];
  client.onPush((push) => {
    const m = push.type === 'log' ? CHARGED.exec(push.message) : null;
    if (m) charges.push({ what: m[1]!, loads: Number(m[2]), used: Number(m[3]) });
  });
  await client.request('hello', {});
  const strace = await straceOn(client.pid!, dir);
  t.after(() => strace.tracer.kill('SIGKILL'));

  const base = { mode: 'stat', probe: { kind: 'catalog', id: 'read' }, layout: 'seed', intervalMs: 100, pid: sleeper.pid! } as const;
  /** Runs one piece of work; what strace counted it loading, and what it was charged (null: refused). */
  const measure = async (work: () => Promise<unknown>): Promise<{ counted: number; charged: number | null; error?: LabError }> => {
    const before = await strace.loads();
    const seen = charges.length;
    const error = await work().then(() => undefined, (e: LabError) => e);
    const counted = (await strace.loads()) - before;
    assert.ok(charges.length - seen <= 1, 'one charge per piece of work');
    return { counted, charged: charges[seen]?.loads ?? null, ...(error ? { error } : {}) };
  };
  let session = 0;
  const start = (extra: object = {}) => measure(async () => {
    const r = await client.request('start', { ...base, ...extra, session: ++session });
    await client.request('stop', { session: r.session });
  });

  // The first start also starts the counter, which loads before it can count itself.
  const first = await start();
  assert.equal(first.charged, first.counted, 'the first start and the counter');
  assert.ok(first.counted > COUNTER_OWN_LOADS + 1, `the first start loaded ${first.counted}`);
  const plain = await start();
  assert.deepEqual(plain, { counted: 2, charged: 2 }, 'a plain start: libbpf\'s check and the probe');
  const full = await start({ calls: true, verifierLog: true, armOnExec: true });
  assert.deepEqual(full, { counted: 7, charged: 7 }, 'the recorder\'s three programs and check, the probe, hist_arm and the check');
  // Between pieces of work the counter is loaded but attached nowhere: a syscalls tracepoint left on
  // would put every system call on the machine on the kernel's slower traced path.
  assert.equal(loadedCounters().length, 1, 'the counter stays loaded');
  assert.deepEqual(attachedCounters(client.pid!), [], 'and is attached only while work runs');
  // Three starts used 19 of 20: a fourth, and a trial of every probe, are refused before they load anything.
  assert.equal(charges.at(-1)!.used, first.counted + 2 + 7);
  for (const refused of [await start(), await measure(() => client.request('probes', { refresh: true }))]) {
    assert.equal(refused.error?.code, 'busy');
    assert.match(refused.error.message, /^Too much at once: .* would load more than 20 BPF programs in 10 s/);
    assert.deepEqual([refused.counted, refused.charged], [0, null], 'refused before it loaded');
  }

  // A new window: a trial of every probe, and then plain starts until 20 loads are spent.
  await sleep(WINDOW_MS + 200);
  const trial = await measure(() => client.request('probes', { refresh: true }));
  assert.ok(trial.counted > 0);
  assert.equal(trial.charged, trial.counted, 'a probes trial');
  const lesson = await measure(() => client.request('lesson', { lesson: 'classic-bpf', ipv4: 1, ipv6: 1 }));
  assert.deepEqual(lesson, { counted: 0, charged: 1 }, 'the lesson: no bpf() call, one classic filter');
  const starts: Array<Awaited<ReturnType<typeof start>>> = [];
  for (;;) {
    const s = await start();
    starts.push(s);
    if (s.error) break;
    assert.deepEqual(s, { counted: 2, charged: 2 });
  }
  const admitted = starts.length - 1;
  assert.equal(admitted, Math.floor((LOADS_PER_WINDOW - trial.counted - 1) / 2), `${admitted} starts after the trial`);
  assert.equal(starts.at(-1)!.error!.code, 'busy');
  assert.equal(starts.at(-1)!.counted, 0);
  assert.ok(admitted < LOADS_PER_WINDOW / 2, 'far fewer than 20 starts spend the budget');

  // Over the helper's life, every load strace saw was charged.
  const total = await strace.loads();
  assert.equal(charges.filter((c) => c.what !== 'the lesson').reduce((sum, c) => sum + c.loads, 0), total);
  await client.close();
  assert.deepEqual(ourPrograms(), []);
  assert.deepEqual(loadedCounters(), [], 'the counter went with its helper');
});

/** Load counters still loaded (bpftool): only this worktree's helpers have one. */
function loadedCounters(): string[] {
  const r = spawnSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' });
  return (JSON.parse(r.stdout) as Array<{ name?: string }>).map((p) => p.name ?? '').filter((n) => n === 'loads_enter');
}

/** The helper's perf-event attachments of the load counter (bpftool perf: tracepoints with a program). */
function attachedCounters(pid: number): unknown[] {
  const r = spawnSync('bpftool', ['-j', 'perf', 'list'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const progs = JSON.parse(spawnSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' }).stdout) as Array<{ id: number; name?: string }>;
  const counters = new Set(progs.filter((p) => p.name === 'loads_enter').map((p) => p.id));
  return (JSON.parse(r.stdout) as Array<{ pid: number; prog_id: number }>).filter((e) => e.pid === pid && counters.has(e.prog_id));
}
