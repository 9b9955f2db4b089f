// How much one caller who is not root may load (helper/work-budget.ts, helper/load-budget.ts):
// at most LOADS_PER_WINDOW programs in any WINDOW_MS. Work reserves its bound first, refused at
// once with a clear busy error (and charged nothing) when that does not fit, and is then settled
// to what the load counter counted; root is not limited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabError } from '../../src/shared/errors.js';
import { LoadBudget } from '../../helper/load-budget.js';
import { COUNTER_OWN_LOADS, type LoadCounter } from '../../helper/load-counter.js';
import { CATALOG } from '../../helper/catalog.js';
import { LOADS_PER_WINDOW, PROBE_TRIAL_LOADS, startLoads, WINDOW_MS, WorkBudget } from '../../helper/work-budget.js';

test('a caller who is not root may load LOADS_PER_WINDOW programs in any window, then waits; root is not limited', () => {
  let now = 0;
  const budget = new WorkBudget(true, () => now);
  for (let i = 0; i < LOADS_PER_WINDOW - 7; i++) budget.charge(1, 'this start');
  budget.charge(7, 'checking every probe');
  now = 4000;
  assert.throws(() => budget.charge(1, 'this start'), (e: LabError) => e.code === 'busy'
    && e.message === `Too much at once: this start would load more than ${LOADS_PER_WINDOW} BPF programs in ${WINDOW_MS / 1000} s, `
      + 'the most one user may on a shared machine (it may load 1, and 20 were loaded in the last 10 s). Try again in 6 s.');
  now = WINDOW_MS - 1;
  assert.throws(() => budget.charge(1, 'this start'), /Try again in 1 s\.$/, 'the refusal charged nothing');
  now = WINDOW_MS;
  budget.charge(LOADS_PER_WINDOW, 'a burst after the window');
  const root = new WorkBudget(false, () => 0);
  for (let i = 0; i < 10 * LOADS_PER_WINDOW; i++) root.charge(1, 'this start');
  assert.equal(root.used(), 0);
});

test('a reservation holds its bound until it is settled to what was loaded, less or more', () => {
  let now = 0;
  const budget = new WorkBudget(true, () => now);
  const trial = budget.reserve(14, 'checking every probe');
  assert.equal(budget.used(), 14);
  assert.throws(() => budget.reserve(7, 'this start'), /it may load 7, and 14 were loaded/, 'the bound is held while the work runs');
  trial.settle(8);
  assert.equal(budget.used(), 8, 'the difference is refunded');
  now = 1000;
  budget.reserve(2, 'this start').settle(5);
  assert.equal(budget.used(), 13, 'more than the bound is charged too');
  budget.reserve(7, 'this start').settle(7);
  assert.equal(budget.used(), 20);
  assert.throws(() => budget.reserve(1, 'this start'), /Try again in 9 s\.$/, 'the trial, charged at 0 s, frees enough at 10 s');
  now = WINDOW_MS;
  assert.equal(budget.used(), 12, 'the trial has left the window');
  trial.settle(3);
  assert.equal(budget.used(), 12, 'settling work that has left the window changes nothing');
  assert.throws(() => budget.reserve(LOADS_PER_WINDOW + 1, 'a plan'), (e: LabError) => e.code === 'internal');
});

test('the wait is until enough of the oldest charges have left the window', () => {
  let now = 0;
  const budget = new WorkBudget(true, () => now);
  budget.charge(3, 'a');
  now = 2000;
  budget.charge(10, 'b');
  now = 5000;
  budget.charge(5, 'c');
  now = 6000;
  // 18 used, 6 wanted: 4 must go, so a's 3 are not enough and b's 10 are: b leaves at 12 s.
  assert.throws(() => budget.reserve(6, 'this start'), /it may load 6, and 18 were loaded in the last 10 s\)\. Try again in 6 s\.$/);
});

test('a start reserves its probe, hist_arm with armOnExec and the recorder with calls, each after libbpf\'s check', () => {
  assert.equal(startLoads({}), 2);
  assert.equal(startLoads({ armOnExec: true }), 3);
  assert.equal(startLoads({ calls: true, armOnExec: true }), 7);
});

/** A stand-in for the kernel counter: `add` is what the work "loads". */
function fakeCounter(): { counter: LoadCounter; add: (n: number) => void; disposed: () => boolean } {
  let loads = 0;
  let disposed = false;
  const counter = {
    watch: <T>(work: () => T, counted: (n: number) => void): T => {
      const before = loads;
      try {
        return work();
      } finally {
        counted(loads - before);
      }
    },
    dispose: () => { disposed = true; },
  } as unknown as LoadCounter;
  return { counter, add: (n) => { loads += n; }, disposed: () => disposed };
}

test('LoadBudget charges the counter once and then what each piece of work loaded, failed or not', () => {
  const fake = fakeCounter();
  let starts = 0;
  const notes: Array<[string, number, number]> = [];
  const budget = new LoadBudget(new WorkBudget(true, () => 0), true, (...n) => notes.push(n), () => {
    starts++;
    return fake.counter;
  });
  assert.equal(budget.run(2, 'this start', () => { fake.add(4); return 'ok'; }), 'ok');
  assert.deepEqual(notes.at(-1), ['this start', COUNTER_OWN_LOADS + 4, COUNTER_OWN_LOADS + 4]);
  assert.throws(() => budget.run(2, 'this start', () => { fake.add(1); throw new Error('verifier said no'); }), /verifier said no/);
  assert.deepEqual(notes.at(-1), ['this start', 1, COUNTER_OWN_LOADS + 5], 'a refused load is charged');
  let ran = false;
  assert.throws(() => budget.run(LOADS_PER_WINDOW - COUNTER_OWN_LOADS - 4, 'checking every probe', () => { ran = true; }), /busy|Too much/);
  assert.equal(ran, false, 'refused before it ran');
  assert.equal(starts, 1);
  budget.dispose();
  assert.ok(fake.disposed());
});

test('without its counter, work is charged its bound and the counter\'s own; root starts no counter', () => {
  const work = new WorkBudget(true, () => 0);
  const budget = new LoadBudget(work, true, () => undefined, () => { throw new Error('no syscall tracepoints'); });
  budget.run(2, 'this start', () => undefined);
  budget.run(2, 'this start', () => undefined);
  assert.equal(work.used(), COUNTER_OWN_LOADS + 4);
  const root = new LoadBudget(new WorkBudget(false), false, () => undefined, () => { throw new Error('root needs no counter'); });
  assert.equal(root.run(99, 'this start', () => 'ran'), 'ran');
});

test('a new helper\'s first check of every probe, with the counter\'s own loads, fits in one window', () => {
  // Over the window, a student's first `probes` would be refused as internal: a catalog probe added must keep this true.
  assert.ok(PROBE_TRIAL_LOADS * CATALOG.length + COUNTER_OWN_LOADS <= LOADS_PER_WINDOW,
    `${CATALOG.length} probes × ${PROBE_TRIAL_LOADS} + ${COUNTER_OWN_LOADS} > ${LOADS_PER_WINDOW}`);
  const budget = new LoadBudget(new WorkBudget(true, () => 0), true, () => undefined, () => { throw new Error('no counter'); });
  assert.doesNotThrow(() => budget.run(PROBE_TRIAL_LOADS * CATALOG.length, 'checking every probe', () => undefined));
});
