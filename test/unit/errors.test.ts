// Pins down src/shared/errors.ts: a LabError survives the trip to wire data and
// back (code, message, detail), and anything else thrown becomes code 'internal'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES, LabError, MAX_ERROR_DETAIL, MAX_ERROR_MESSAGE } from '../../src/shared/errors.js';
import { encodeFrame } from '../../src/shared/framing.js';

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

test('error data is bounded: the message keeps its start, the detail its end, each saying what was cut', () => {
  const data = new LabError('bpf-load', `m${'x'.repeat(5 * MAX_ERROR_MESSAGE)}`, `${'y'.repeat(2 * MAX_ERROR_DETAIL)}END`).toData();
  assert.ok(data.message.startsWith('mxxx') && data.message.length < MAX_ERROR_MESSAGE + 40, data.message.slice(-40));
  assert.match(data.message, /… \(\d+ more characters\)$/);
  assert.ok(data.detail!.endsWith('yyyEND') && data.detail!.length < MAX_ERROR_DETAIL + 40);
  assert.match(data.detail!, /^\(\d+ characters cut\) …/);
  assert.ok(LabError.toData(new Error('z'.repeat(10 * MAX_ERROR_MESSAGE))).message.length < MAX_ERROR_MESSAGE + 40);
  // Even if every character needed a six-byte JSON escape, the reply fits a frame.
  const worst = new LabError('internal', '\x01'.repeat(10 * MAX_ERROR_MESSAGE), '\x01'.repeat(10 * MAX_ERROR_DETAIL)).toData();
  assert.doesNotThrow(() => encodeFrame({ v: 1, type: 'error', id: 1, error: worst }));
});
