// Pins down the start form's check (src/renderer/start-form.ts): buckets go
// through the shared parseLayout, the refresh interval becomes milliseconds
// within the contract's range, and the PID is optional.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRequestSchema } from '../../src/shared/lab-api.js';
import type { LabStatus } from '../../src/shared/lab-api.js';
import type { ProbeStatus } from '../../src/shared/protocol.js';
import { DEFAULT_START, startBlocker, startRequest, validateStart, type StartFormInput } from '../../src/renderer/start-form.js';

const form = (over: Partial<StartFormInput>): StartFormInput => ({ ...DEFAULT_START, ...over });

test('the defaults: a histogram with the seed buckets every 2 s, all processes', () => {
  const { settings, errors } = validateStart(DEFAULT_START);
  assert.deepEqual(errors, {});
  assert.deepEqual(settings, { mode: 'stat', layout: 'seed', intervalMs: 2000 });
  const request = startRequest(settings!, { kind: 'catalog', id: 'read' });
  assert.ok(startRequestSchema.safeParse(request).success);
});

test('linear buckets are checked by parseLayout, with its reason', () => {
  assert.equal(validateStart(form({ buckets: 'linear', min: '0', max: '4096', step: '512' })).settings?.layout, 'linear:0:4096:512');
  const uneven = validateStart(form({ buckets: 'linear', min: '0', max: '1000', step: '64' }));
  assert.equal(uneven.settings, null);
  assert.equal(uneven.errors.layout, 'MAX - MIN must be a multiple of STEP');
  const backwards = validateStart(form({ buckets: 'linear', min: '100', max: '10', step: '1' }));
  assert.equal(backwards.errors.layout, 'MAX must be greater than MIN');
  const tooMany = validateStart(form({ buckets: 'linear', min: '0', max: '100000', step: '1' }));
  assert.match(tooMany.errors.layout!, /at most 4096 steps/i);
});

test('linear fields that are not whole numbers are reported field by field', () => {
  const { settings, errors } = validateStart(form({ buckets: 'linear', min: '-1', max: '1e3', step: '' }));
  assert.equal(settings, null);
  assert.ok(errors.min && errors.max && errors.step, JSON.stringify(errors));
  assert.equal(errors.layout, undefined);
});

test('refresh: seconds from 0.1 to 60 become whole milliseconds', () => {
  assert.equal(validateStart(form({ refresh: '0.5' })).settings?.intervalMs, 500);
  assert.equal(validateStart(form({ refresh: '60' })).settings?.intervalMs, 60_000);
  for (const bad of ['0', '0.05', '61', 'soon', '']) {
    assert.ok(validateStart(form({ refresh: bad })).errors.refresh, `refresh "${bad}"`);
  }
});

test('trace mode ignores buckets and refresh', () => {
  const { settings, errors } = validateStart(form({ mode: 'trace', buckets: 'linear', min: 'x', refresh: 'never' }));
  assert.deepEqual(errors, {});
  assert.equal(settings?.mode, 'trace');
});

test('PID: empty means every process; otherwise 1 to 4194304', () => {
  assert.equal(validateStart(form({ pid: ' 4242 ' })).settings?.pid, 4242);
  assert.equal('pid' in validateStart(form({ pid: '' })).settings!, false);
  for (const bad of ['0', '-3', '4194305', '12a', '007']) {
    assert.ok(validateStart(form({ pid: bad })).errors.pid, `pid "${bad}"`);
  }
});

test('Start waits for a ready helper, and says why until then', () => {
  const kernel = { release: '6.1.0', arch: 'x64', kprobes: true, uprobes: true, btf: true, tracefs: true, libbpf: '1.1' };
  assert.match(startBlocker(null)!, /connection/);
  assert.match(startBlocker({ helper: { state: 'starting', privilege: 'pkexec' }, sessions: [] })!, /helper to start/);
  const stopped = { state: 'stopped', privilege: 'pkexec', error: { code: 'disconnected', message: 'gone' } } as const;
  assert.match(startBlocker({ helper: stopped, sessions: [] })!, /Restart/);
  assert.equal(startBlocker({ helper: { state: 'ready', privilege: 'root', version: '1', kernel, scope: 'every-process' }, sessions: [] }), null);
});

test('Start stays off for a catalog probe this kernel cannot attach, and says why', () => {
  const kernel = { release: '6.18', arch: 'x64', kprobes: false, uprobes: true, btf: true, tracefs: true, libbpf: '1.1' };
  const ready: LabStatus = { helper: { state: 'ready', privilege: 'root', version: '1', kernel, scope: 'every-process' }, sessions: [] };
  const memcpy: ProbeStatus = { id: 'memcpy', title: 'Kernel memcpy', description: '', available: false, reasons: [] };
  assert.match(startBlocker(ready, memcpy)!, /^memcpy cannot be probed on this kernel: choose a probe marked ✓ \(Check again tries them all anew\)\.$/);
  assert.equal(startBlocker(ready, { ...memcpy, id: 'read', available: true }), null);
  assert.equal(startBlocker(ready, undefined), null, 'a custom probe, or probes not checked yet: the helper decides');
});

test('Start stays off for a probe the helper keeps for root, and points to the card rather than repeat its reason', () => {
  const kernel = { release: '6.1', arch: 'x64', kprobes: true, uprobes: true, btf: true, tracefs: true, libbpf: '1.1' };
  const own: LabStatus = { helper: { state: 'ready', privilege: 'pkexec', version: '1', kernel, scope: 'own-processes' }, sessions: [] };
  // As the helper answers probes for a user who is not root (forOwnProcesses, checked in test/kernel/scope.test.ts).
  const message = 'kmalloc also counts work the kernel does in interrupts, for whichever process was interrupted, '
    + 'other users\' included: it needs root, or an instructor running BPF Lab for every process.';
  const kmalloc: ProbeStatus = {
    id: 'kmalloc', title: 'Kernel allocations', description: '', available: false, reasons: [{ code: 'needs-root', message }],
  };
  assert.equal(startBlocker(own, kmalloc), 'kmalloc is kept for root here: its card says why.');
  assert.equal(startBlocker(own, { ...kmalloc, id: 'usercopy', available: true, reasons: [] }), null);
});
