/**
 * The probes answer kept for the boot (helper/probe-cache.ts): what the CLI shows from it, and
 * that the root helper believes a kept file only when root alone could have written it, for
 * this very boot, kernel and helper.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { keepable, PROBE_CACHE_DIR, probeCacheKey, ProbeCache } from '../../helper/probe-cache.js';
import { CATALOG_IDS } from '../../src/shared/probes.js';
import type { Result } from '../../src/shared/protocol.js';
import { cli, needsRoot, ourPrograms, records } from './harness.js';

const kernel = { release: '6.18.0', arch: 'x86_64', kprobes: false, uprobes: true, btf: true, tracefs: true, libbpf: '1.5' };
/** An answer for every catalog probe, as the helper gives it: a kept answer for fewer is not believed. */
const answer: Result<'probes'> = {
  kernel,
  probes: CATALOG_IDS.map((id) => ({ id, title: id, description: 'd', available: true, via: 'tracepoint', reasons: [] })),
  checkedAt: 1_700_000_000_000,
};

function checkedAt(args: string[]): string {
  const run = cli(['probes', '--json', ...args]);
  assert.equal(run.status, 0, run.stderr);
  return String(records(run.stdout).find((r) => r.type === 'kernel')!.checkedAt);
}

describe('the probes answer kept for this boot', () => {
  it('is kept only when every probe that fails was refused for a reason of the kernel\'s, not by a failed load', () => {
    const refused = (code: string): Result<'probes'> => ({
      ...answer, probes: answer.probes.map((p, i) => (i === 1 ? { ...p, available: false, reasons: [{ code, message: 'm' }] } : p)),
    });
    assert.equal(keepable(answer), true);
    assert.equal(keepable(refused('noinstr')), true);
    assert.equal(keepable(refused('no-kprobes')), true);
    // A load can fail for a passing reason, even one of the caller's making (ulimit -n, a memory cgroup).
    assert.equal(keepable(refused('bpf-load')), false);
    assert.equal(keepable(refused('bpf-attach')), false);
  });

  it('is what a second run shows; --refresh tries the probes again', (t) => {
    if (!needsRoot(t)) return;
    const tried = checkedAt(['--refresh']);
    assert.match(tried, /^\d{4}-\d\d-\d\dT/);
    assert.equal(checkedAt([]), tried, 'a new helper shows the kept answer');
    const stat = fs.statSync(path.join(PROBE_CACHE_DIR, 'probes.json'));
    assert.equal(stat.uid, 0);
    assert.equal(stat.mode & 0o777, 0o644);
    assert.notEqual(checkedAt(['--refresh']), tried, 'a refresh is a new trial');
    const text = cli(['probes']);
    assert.match(text.stdout, /\nTried .+; the answer is kept until the machine restarts\. bpf-lab probes --refresh tries them again\.\n$/);
    assert.deepEqual(ourPrograms(), []);
  });

  it('is believed only when root alone could have written it, and only for its own key', (t) => {
    if (!needsRoot(t)) return;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpf-lab-cache-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.chmodSync(dir, 0o755);
    const cache = new ProbeCache(dir);
    const file = path.join(dir, 'probes.json');
    const key = probeCacheKey('1.0.0', kernel)!;
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.equal(probeCacheKey('1.0.0', kernel), key, 'the same boot, kernel and objects: the same key');
    assert.notEqual(probeCacheKey('1.0.1', kernel), key, 'another helper version');
    assert.notEqual(probeCacheKey('1.0.0', { ...kernel, kprobes: true }), key, 'another kernel');

    assert.equal(cache.write(key, answer), true);
    assert.deepEqual(fs.readdirSync(dir), ['probes.json'], 'no temp file is left');
    assert.deepEqual(cache.read(key), answer);
    assert.equal(cache.read('0'.repeat(64)), null, 'another key');

    fs.chmodSync(file, 0o664);
    assert.equal(cache.read(key), null, 'group-writable');
    fs.chmodSync(file, 0o644);
    fs.chownSync(file, 65534, 0);
    assert.equal(cache.read(key), null, 'not root\'s');
    fs.chownSync(file, 0, 0);
    fs.chmodSync(dir, 0o777);
    assert.equal(cache.read(key), null, 'in a folder others may write');
    fs.chmodSync(dir, 0o755);
    assert.deepEqual(cache.read(key), answer);

    const elsewhere = path.join(dir, 'elsewhere.json');
    fs.renameSync(file, elsewhere);
    fs.symlinkSync(elsewhere, file);
    assert.equal(cache.read(key), null, 'a link is not followed');
    fs.rmSync(file);
    fs.writeFileSync(file, JSON.stringify({ key, result: { ...answer, extra: 1 } }), { mode: 0o644 });
    assert.equal(cache.read(key), null, 'an answer that fails the schema');
    fs.writeFileSync(file, '{"key":', { mode: 0o644 });
    assert.equal(cache.read(key), null, 'not JSON');
    fs.writeFileSync(file, JSON.stringify({ key, result: answer, pad: 'x'.repeat(256 << 10) }), { mode: 0o644 });
    assert.equal(cache.read(key), null, 'too big to be ours');
    fs.rmSync(file);
    assert.equal(spawnSync('mkfifo', ['-m', '644', file]).status, 0);
    assert.equal(cache.read(key), null, 'a FIFO is not read (nor waited on)');
    fs.rmSync(file);

    const fewer = { ...answer, probes: answer.probes.slice(1) };
    cache.write(key, fewer);
    assert.equal(cache.read(key), null, 'an answer without every probe of this catalog');

    const open = path.join(dir, 'open');
    fs.mkdirSync(open, { mode: 0o777 });
    fs.chmodSync(open, 0o777);
    new ProbeCache(open).write(key, answer);
    assert.deepEqual(fs.readdirSync(open), [], 'nothing is written into a folder others may write');
  });
});
