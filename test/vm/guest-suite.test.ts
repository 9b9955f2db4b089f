/**
 * The VM stage: boots Debian 12's stock kernels, 6.1 and 6.12 (kprobes, BTF), under
 * qemu with this build inside, runs build/test/guest in each, and fails unless every
 * guest test ran and passed. It cannot skip in CI: without root or qemu it fails there.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { RUNTIME_MODULES } from '../../helper/stage.js';
import { needsRoot } from '../kernel/harness.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** A small copy of the build for the initramfs: compiled JS, BPF objects, workloads and runtime modules. */
function makePayload(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpf-lab-payload-'));
  const copy = (rel: string): void => fs.cpSync(path.join(REPO, rel), path.join(dir, rel), { recursive: true });
  for (const rel of ['package.json', 'build', 'resources/bpf', 'bpf']) copy(rel);
  for (const rel of RUNTIME_MODULES) copy(`node_modules/${rel}`);
  return dir;
}

/** Debian 12's own kernel, and its newer series from the same archive (IBT, newer verifier and BTF). */
const SERIES = ['6.1', '6.12'] as const;

for (const series of SERIES) {
  it(`passes every guest test inside Debian's stock ${series} kernel`, { timeout: 15 * 60_000 }, (t) => {
    if (!needsRoot(t)) return;
    const payload = makePayload();
    try {
      const guestTests = fs.readdirSync(path.join(payload, 'build/test/guest')).filter((f) => f.endsWith('.test.js'));
      assert.ok(guestTests.length > 0, 'no guest tests were built');
      const files = guestTests.map((f) => `build/test/guest/${f}`).join(' ');
      const run = spawnSync('bash', [path.join(REPO, 'test/vm/run.sh'), payload, '--',
        `echo "# kernel $(uname -r)"; node --test --test-concurrency=1 --test-reporter=tap ${files}`],
      { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, BPF_LAB_VM_SERIES: series } });
      const out = run.stdout;
      const log = path.join(REPO, `build/vm-guest-${series}.log`);
      fs.writeFileSync(log, `${out}\n--- stderr ---\n${run.stderr}`);
      t.diagnostic(`guest output: ${log}`);
      // With the signal a run died of, and the guest kernel's lines that say why (run.sh adds them on a failure).
      const failures = out.split('\n').filter((l) => /^\s*not ok|^\s+(error|bpf-lab|expected|actual):|^\s+status \S+, signal |^# the guest kernel log|^# .*(segfault|Killed process|traps:|Out of memory)/.test(l)).slice(0, 40);
      assert.equal(run.status, 0, `the guest suite failed on ${series} (status ${run.status}):\n${failures.join('\n')}\n${run.stderr}`);
      assert.match(out, new RegExp(`^# kernel ${series.replace('.', '\\.')}\\.`, 'm'), 'the guest ran the kernel asked for');
      const count = (name: string): number => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(out)?.[1] ?? NaN);
      assert.ok(count('pass') >= 8, `expected at least 8 guest tests to pass, saw ${count('pass')}`);
      assert.equal(count('fail'), 0);
      assert.equal(count('skipped'), 0, 'a guest test skipped');
    } finally {
      fs.rmSync(payload, { recursive: true, force: true });
    }
  });
}
