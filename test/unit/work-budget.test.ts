// How much one caller who is not root may load (helper/work-budget.ts): at most
// LOADS_PER_WINDOW programs in any WINDOW_MS, refused at once with a clear busy
// error and charged nothing then; root is not limited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabError } from '../../src/shared/errors.js';
import { LOADS_PER_WINDOW, WINDOW_MS, WorkBudget } from '../../helper/work-budget.js';

test('a caller who is not root may load LOADS_PER_WINDOW programs in any window, then waits; root is not limited', () => {
  let now = 0;
  const budget = new WorkBudget(true, () => now);
  for (let i = 0; i < LOADS_PER_WINDOW - 7; i++) budget.charge(1, 'this start');
  budget.charge(7, 'checking every probe');
  now = 4000;
  assert.throws(() => budget.charge(1, 'this start'), (e: LabError) => e.code === 'busy'
    && e.message === `Too much at once: this start would load more than ${LOADS_PER_WINDOW} BPF programs in ${WINDOW_MS / 1000} s, `
      + 'the most one user may on a shared machine. Try again in 6 s.');
  now = WINDOW_MS - 1;
  assert.throws(() => budget.charge(1, 'this start'), /Try again in 1 s\.$/, 'the refusal charged nothing');
  now = WINDOW_MS;
  budget.charge(LOADS_PER_WINDOW, 'a burst after the window');
  const root = new WorkBudget(false, () => 0);
  for (let i = 0; i < 10 * LOADS_PER_WINDOW; i++) root.charge(1, 'this start');
});
