// Pins down src/shared/errors.ts: a LabError survives the trip to wire data and
// back (code, message, detail), and anything else thrown becomes code 'internal'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES, LabError } from '../../src/shared/errors.js';

test('toData/fromData round trip, with detail', () => {
  const e = new LabError('bpf-load', 'the verifier refused hist.bpf.o', 'R1 invalid mem access');
  const data = e.toData();
  assert.deepEqual(data, { code: 'bpf-load', message: 'the verifier refused hist.bpf.o', detail: 'R1 invalid mem access' });
  const back = LabError.fromData(JSON.parse(JSON.stringify(data)));
  assert.ok(back instanceof LabError);
  assert.ok(back instanceof Error);
  assert.equal(back.name, 'LabError');
  assert.equal(back.code, 'bpf-load');
  assert.equal(back.message, 'the verifier refused hist.bpf.o');
  assert.equal(back.detail, 'R1 invalid mem access');
  assert.deepEqual(back.toData(), data);
});

test('toData without detail has no detail key', () => {
  const data = new LabError('no-session', 'no session 4').toData();
  assert.deepEqual(data, { code: 'no-session', message: 'no session 4' });
  assert.equal('detail' in data, false);
  const back = LabError.fromData(data);
  assert.equal(back.detail, undefined);
  assert.deepEqual(back.toData(), data);
});

test('every error code round-trips', () => {
  for (const code of ERROR_CODES) {
    assert.equal(LabError.fromData(new LabError(code, code).toData()).code, code);
  }
});

test('LabError.toData of a plain Error or a non-Error is internal', () => {
  assert.deepEqual(LabError.toData(new Error('x')), { code: 'internal', message: 'x' });
  assert.deepEqual(LabError.toData(new TypeError('y is not a function')), { code: 'internal', message: 'y is not a function' });
  assert.deepEqual(LabError.toData('boom'), { code: 'internal', message: 'boom' });
  assert.deepEqual(LabError.toData(42), { code: 'internal', message: '42' });
});

test('LabError.toData of a LabError keeps its code', () => {
  assert.deepEqual(LabError.toData(new LabError('not-root', 'run as root')), { code: 'not-root', message: 'run as root' });
  assert.deepEqual(LabError.toData(new LabError('busy', 'too many', 'eight sessions')),
    { code: 'busy', message: 'too many', detail: 'eight sessions' });
});
