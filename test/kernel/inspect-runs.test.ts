/**
 * What inspect says about the load and the runs of a program: the verifier's log of an
 * accepted load against bpf_prog_info, a test-only program the verifier refuses, and the
 * kernel's run counters against a workload that calls a probed function a known number of times.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, it } from 'node:test';
import { HelperClient } from '../../src/backend/helper-client.js';
import { directLaunch } from '../../src/backend/launch.js';
import type { LabError } from '../../src/shared/errors.js';
import { BpfObject } from '../../helper/bpf-object.js';
import { cli, needsRoot, ORACLE_DYNAMIC, ORACLE_STATIC, ourPrograms } from './harness.js';

const REJECTED = fileURLToPath(new URL('../../workloads/rejected.bpf.o', import.meta.url));

describe('inspect: the verifier and the runs', () => {
  afterEach(() => assert.deepEqual(ourPrograms(), [], 'a BPF program of ours is still loaded'));

  it('the verifier\'s log of an accepted load gives the same count of processed instructions as bpf_prog_info', async (t) => {
    if (!needsRoot(t)) return;
    const client = await HelperClient.start(directLaunch());
    try {
      const started = await client.request('start', { session: 1, mode: 'trace', probe: { kind: 'catalog', id: 'read' }, intervalMs: 0, verifierLog: true });
      const i = await client.request('inspect', { session: started.session });
      assert.ok(i.verifier, 'the log was kept');
      assert.match(i.verifier.log, /^processed \d+ insns/m);
      assert.equal(i.verifier.processedInsns, i.program.verifiedInsns);
      await client.request('stop', { session: started.session });
      const plain = await client.request('start', { session: 2, mode: 'stat', probe: { kind: 'catalog', id: 'read' }, intervalMs: 0 });
      assert.equal((await client.request('inspect', { session: plain.session })).verifier, null, 'kept only when asked for');
      await client.request('stop', { session: plain.session });
    } finally {
      await client.close();
    }
  });

  it('a program the verifier refuses: the instruction, its line of C and the reason in plain words', (t) => {
    if (!needsRoot(t)) return;
    const source = fs.readFileSync(fileURLToPath(new URL('../../../test/workloads/rejected.bpf.c', import.meta.url)), 'utf8');
    const line = source.split('\n').findIndex((l) => l.includes('REFUSED HERE')) + 1;
    const object = BpfObject.fromFile(REJECTED, 'hist');
    try {
      object.selectPrograms(['rejected'], ['rejected']);
      assert.throws(() => object.load(), (e: LabError) => {
        assert.equal(e.code, 'bpf-load');
        assert.match(e.message, /The verifier stopped at instruction \d+ \(\(79\) r1 = \*\(u64 \*\)\(r0 \+0\)\)/);
        assert.ok(e.message.includes(`rejected.bpf.c line ${line}: *count += 1;`), e.message);
        assert.match(e.message, /may be NULL/);
        assert.match(e.detail!, /R0 invalid mem access 'map_value_or_null'/);
        return true;
      });
    } finally {
      object.dispose();
    }
    assert.deepEqual(ourPrograms(), []);
  });

  it('counts every run exactly: a uprobe on the workload\'s own function, called 1000 times, ran 1000 times', (t) => {
    if (!needsRoot(t)) return;
    const run = cli(['inspect', '--uprobe', `${ORACLE_DYNAMIC}:oracle_value:1`, '--json', '--', ORACLE_DYNAMIC, 'value', '5x1000']);
    assert.equal(run.status, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as { program: { run_cnt: number; run_time_ns: number }; histogram: { total: number } };
    assert.equal(doc.program.run_cnt, 1000);
    assert.ok(doc.program.run_time_ns > 0);
    assert.equal(doc.histogram.total, 1000);
  });

  it('statistics count only while a session that asked for them holds its fd', async (t) => {
    if (!needsRoot(t)) return;
    const client = await HelperClient.start(directLaunch());
    const runs = async (session: number): Promise<number> => (await client.request('inspect', { session })).program.runCnt;
    const reads = (): void => assert.equal(spawnSync(ORACLE_STATIC, ['read', '1x50']).status, 0);
    try {
      const plain = await client.request('start', { session: 3, mode: 'stat', probe: { kind: 'catalog', id: 'read' }, intervalMs: 0 });
      reads();
      assert.equal(await runs(plain.session), 0, 'no statistics while nobody asked for them');
      const timed = await client.request('start', { session: 4, mode: 'stat', probe: { kind: 'catalog', id: 'read' }, intervalMs: 0, stats: true });
      reads();
      const during = await runs(plain.session);
      assert.ok(during >= 50, `the kernel times every BPF program while the fd is held: ${during}`);
      await client.request('stop', { session: timed.session });
      const after = await runs(plain.session);
      reads();
      assert.equal(await runs(plain.session), after, 'the stopped session let go of them: nothing more is counted');
      await client.request('stop', { session: plain.session });
    } finally {
      await client.close();
    }
  });

});
