/* eslint-disable no-control-regex -- finding control characters is what this file is for */
// Text from outside reaches a terminal escaped (src/shared/safe-text.ts), and the CLI's JSON
// lines carry no character a terminal would obey.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeControls, escapeTerminal } from '../../src/shared/safe-text.js';
import { traceFrame } from './trace-frames.js';
import { formatTraceLine } from '../../src/shared/table.js';
import { jsonOutput, ndjson, textOutput } from '../../src/cli/output.js';
import { traceEvents } from '../../src/shared/trace-frame.js';
import fc from 'fast-check';

test('escapeControls shows every control character as \\xHH and doubles backslashes', () => {
  assert.equal(escapeControls('\x1b]0;owned\x07\x1b[2J'), '\\x1b]0;owned\\x07\\x1b[2J');
  assert.equal(escapeControls('a\nb\tc\rd\x00e\x7ff'), 'a\\x0ab\\x09c\\x0dd\\x00e\\x7ff');
  assert.equal(escapeControls('\u009b31m \u202eevil \u2028'), '\\x9b31m \\u202eevil \\u2028');
  assert.equal(escapeControls('C:\\x1b'), 'C:\\\\x1b', 'a literal backslash cannot pass for an escape');
  assert.equal(escapeControls('plain-name_1 ümlaut 漢字'), 'plain-name_1 ümlaut 漢字');
});

test('escapeTerminal keeps lines and tabs, escapes the rest', () => {
  assert.equal(escapeTerminal('line one\n\tline two\x1b[2J\n'), 'line one\n\tline two\\x1b[2J\n');
  assert.equal(escapeTerminal('still\rsafe'), 'still\\x0dsafe', 'a carriage return could overwrite the line');
});

test('a trace line escapes the comm, so one event is one line', () => {
  const line = formatTraceLine('write', { tsUs: 1_000_001, cpu: 1, pid: 42, tid: 42, comm: 'x\nroot-1 [000]', size: '5' });
  assert.equal(line, 'x\\x0aroot-1 [000]-42 [001] 1.000001: write size 5');
});

test('the text output escapes what it prints on stderr and in the probe list', () => {
  const out: string[] = [];
  const err: string[] = [];
  const o = textOutput((t) => out.push(t), (t) => err.push(t));
  o.notice('Using uprobe /tmp/\x1b[2Jlib.so');
  o.probes({
    kernel: { release: '6.1\x1b]0;t\x07', arch: 'x64', kprobes: true, uprobes: true, btf: true, tracefs: true, libbpf: '1.1' },
    probes: [{ id: 'read', title: 'read() sizes', description: '', available: false, reasons: [{ code: 'x', message: 'no \x07' }] }],
    checkedAt: 0,
  });
  assert.deepEqual(err, ['bpf-lab: Using uprobe /tmp/\\x1b[2Jlib.so\n']);
  assert.doesNotMatch(out.join(''), /[\x00-\x09\x0b-\x1f]/);
  assert.match(out.join(''), /6\.1\\x1b\]0;t\\x07/);
});

test('JSON lines write DEL, C1 controls and direction overrides as \\u escapes, and parse back to the same text', () => {
  const lines: string[] = [];
  const comm = '\x1b\x7f\u009b\u202e';
  jsonOutput((t) => lines.push(t)).events('write', traceFrame(1, [{ tsUs: 1, cpu: 0, pid: 1, tid: 1, comm, size: '1' }]), 1);
  assert.doesNotMatch(lines[0]!.trimEnd(), /[\x00-\x1f\x7f-\x9f\u202e]/);
  assert.equal((JSON.parse(lines[0]!) as { comm: string }).comm, comm);
});

test('lines built straight from trace records are the lines the events themselves make, text and JSON alike', () => {
  // comm: what the kernel gives, up to 15 bytes of anything but NUL.
  const comm = fc.uint8Array({ minLength: 0, maxLength: 15 }).map((b) => new TextDecoder().decode(b.map((x) => x || 1)));
  const event = fc.record({
    tsUs: fc.integer({ min: 0, max: 2 ** 52 }), cpu: fc.nat(4095), pid: fc.nat(), tid: fc.nat(), comm,
    size: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map(String),
  });
  fc.assert(fc.property(fc.array(event, { maxLength: 20 }), (events) => {
    // What the kernel's bytes decode to (a cut UTF-8 sequence becomes U+FFFD), as objects.
    const frame = traceFrame(1, events);
    const decoded = traceEvents(frame);
    const text: string[] = [];
    textOutput((t) => text.push(t), () => undefined).events('write', frame, frame.count);
    assert.equal(text.join(''), decoded.map((e) => `${formatTraceLine('write', e)}\n`).join(''));
    const json: string[] = [];
    jsonOutput((t) => json.push(t)).events('write', frame, frame.count);
    const want = decoded.map((e) => `${ndjson({ type: 'event', probe: 'write', ts_us: e.tsUs, cpu: e.cpu, pid: e.pid, tid: e.tid, comm: e.comm, size: BigInt(e.size) })}\n`);
    assert.equal(json.join(''), want.join(''));
  }), { numRuns: 300 });
});
