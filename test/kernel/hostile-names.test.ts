/* eslint-disable no-control-regex -- finding control characters is what this file is for */
/**
 * Any user can name a process with terminal escape sequences. When root traces it, bpf-lab must
 * print the name escaped (`\x1b`), never raw: a raw ESC ] ... BEL retitles root's terminal and
 * ESC [2J clears it. The workload renames itself, then makes two writes of known sizes.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cli, needsRoot, ORACLE_STATIC, ourPrograms, records } from './harness.js';

/** 14 bytes: under the 15 a comm holds. */
const HOSTILE = '\x1b]0;owned\x07\x1b[2J';
const SHOWN = '\\x1b]0;owned\\x07\\x1b[2J';
/** Control bytes a terminal would obey; a printed line may end in \n and nothing else. */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f]|\u009b|\u009d/;

describe('names from other processes reach the terminal escaped', () => {
  afterEach(() => assert.deepEqual(ourPrograms(), [], 'a BPF program of ours is still loaded'));

  it('trace prints a hostile comm escaped, still readable, with the exact events', (t) => {
    if (!needsRoot(t)) return;
    const run = cli(['trace', '--probe', 'write', '--', ORACLE_STATIC, '--comm', HOSTILE, 'write', '13', '2']);
    assert.equal(run.status, 0, run.stderr);
    assert.doesNotMatch(run.stdout, RAW_CONTROL, 'a raw control byte reached stdout');
    assert.doesNotMatch(run.stderr, RAW_CONTROL, 'a raw control byte reached stderr');
    const lines = run.stdout.trim().split('\n');
    assert.equal(lines.length, 2, run.stdout);
    lines.forEach((line, i) => {
      assert.ok(line.startsWith(`${SHOWN}-`), line);
      assert.match(line, new RegExp(`: write size ${['13', '2'][i]}$`));
    });
  });

  it('--json keeps the exact name, with every control character a JSON escape', (t) => {
    if (!needsRoot(t)) return;
    const run = cli(['trace', '--probe', 'write', '--json', '--', ORACLE_STATIC, '--comm', HOSTILE, 'write', '7']);
    assert.equal(run.status, 0, run.stderr);
    assert.doesNotMatch(run.stdout, RAW_CONTROL);
    const events = records(run.stdout).filter((r) => r.type === 'event');
    assert.deepEqual(events.map((e) => [e.comm, e.size]), [[HOSTILE, 7]]);
  });
});
