/**
 * The bpf() calls that built a probe, checked against sources that owe nothing to the recorder:
 * the object file's program section (readelf), the helper's own fds (/proc/PID/fdinfo, which
 * the kernel writes), bpftool's view of the program's maps, and tracefs's tracepoint ids.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import koffi from 'koffi';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, it } from 'node:test';
import { HelperClient } from '../../src/backend/helper-client.js';
import { directLaunch } from '../../src/backend/launch.js';
import type { Syscall } from '../../src/shared/inspect.js';
import type { LabError } from '../../src/shared/errors.js';
import { BpfObject } from '../../helper/bpf-object.js';
import { CallRecorder, type RecordedCalls } from '../../helper/call-recorder.js';
import { cli, needsRoot, ourPrograms } from './harness.js';

/** A worker that calls bpf(BPF_PROG_GET_NEXT_ID) once flag[0] is 1, then sets it to 2. */
const OTHER_THREAD = `
const { workerData } = require('node:worker_threads');
const koffi = require(workerData.koffi);
const nextId = koffi.load('libbpf.so.1').func('int bpf_prog_get_next_id(uint32_t start, _Out_ uint32_t *next)');
Atomics.wait(workerData.flag, 0, 0);
nextId(0, [0]);
Atomics.store(workerData.flag, 0, 2);
Atomics.notify(workerData.flag, 0);
`;
const require = createRequire(import.meta.url);

const REJECTED = fileURLToPath(new URL('../../workloads/rejected.bpf.o', import.meta.url));
const OBJECTS = fileURLToPath(new URL('../../../resources/bpf/', import.meta.url));

/** The kernel's description of one of a process's fds: `key: value` lines. */
function fdinfo(pid: number, fd: number): Map<string, string> {
  const text = fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
  return new Map(text.split('\n').flatMap((l) => {
    const m = /^([\w-]+):\s*(.*)$/.exec(l);
    return m ? [[m[1]!, m[2]!.trim()] as [string, string]] : [];
  }));
}

/** Instructions in an ELF section of one of our objects: its size over 8, as readelf reports it; 0 when it has none. */
function sectionInsns(object: string, section: string): number {
  const r = spawnSync('readelf', ['-SW', `${OBJECTS}${object}.bpf.o`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  // [Nr] Name Type Address Off Size ...
  const row = new RegExp(`\\]\\s+${section.replace('.', '\\.')}\\s+PROGBITS\\s+[0-9a-f]+\\s+[0-9a-f]+\\s+([0-9a-f]+)`).exec(r.stdout);
  return row ? parseInt(row[1]!, 16) / 8 : 0;
}

function bpftool<T>(args: string[]): T {
  const r = spawnSync('bpftool', ['-j', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

const named = (calls: Syscall[], cmd: string): Syscall[] => calls.filter((c) => c.cmd === cmd);
const one = (calls: Syscall[], cmd: string, test: (c: Syscall) => boolean): Syscall => {
  const found = named(calls, cmd).filter(test);
  assert.equal(found.length, 1, `${cmd}: ${JSON.stringify(named(calls, cmd))}`);
  return found[0]!;
};

describe('inspect: the system calls that built the probe', () => {
  afterEach(() => assert.deepEqual(ourPrograms(), [], 'a BPF program of ours (or the recorder) is still loaded'));

  for (const mode of ['stat', 'trace'] as const) {
    it(`a ${mode} session: each map, the program and the link, with the fds the helper holds`, async (t) => {
      if (!needsRoot(t)) return;
      const client = await HelperClient.start(directLaunch());
      try {
        const started = await client.request('start', { session: 1, mode, probe: { kind: 'catalog', id: 'read' }, intervalMs: 0, calls: true });
        const i = await client.request('inspect', { session: started.session });
        const helper = client.pid!;
        assert.ok(i.syscalls, 'recorded');
        const { calls, dropped } = i.syscalls;
        assert.equal(dropped, 0);
        assert.ok(calls.every((c) => c.error === null || /^E[A-Z0-9]+: /.test(c.error)), 'every call returned');
        const object = mode === 'stat' ? 'hist' : 'trace';

        // The program: as many instructions as its section in the object file, and the fd the helper holds for it.
        const load = one(calls, 'BPF_PROG_LOAD', (c) => c.attrs.prog_name === i.program.name);
        assert.deepEqual([load.attrs.prog_type, load.attrs.license], ['BPF_PROG_TYPE_TRACEPOINT', 'GPL']);
        // libbpf appends the functions it calls (.text: trace's fill()) after its own section.
        assert.equal(load.attrs.insn_cnt, sectionInsns(object, 'tracepoint') + sectionInsns(object, '.text'));
        assert.ok(sectionInsns(object, 'tracepoint') > 0);
        assert.equal(load.attrs.insn_cnt, i.program.insnsSubmitted);
        assert.equal(fdinfo(helper, load.ret).get('prog_id'), String(i.program.id));

        // Each of the program's maps, as bpftool shows it, came from one BPF_MAP_CREATE whose fd is that map.
        const btf = one(calls, 'BPF_BTF_LOAD', () => true);
        for (const id of i.program.mapIds) {
          const m = bpftool<{ name: string; type: string; bytes_key: number; bytes_value: number; max_entries: number }>(
            ['map', 'show', 'id', String(id)]);
          const create = one(calls, 'BPF_MAP_CREATE', (c) => c.attrs.map_name === m.name);
          assert.deepEqual([create.attrs.map_type, create.attrs.key_size, create.attrs.value_size, create.attrs.max_entries],
            [`BPF_MAP_TYPE_${m.type.toUpperCase()}`, m.bytes_key, m.bytes_value, m.max_entries], m.name);
          const info = fdinfo(helper, create.ret);
          assert.equal(info.get('map_id'), String(id), m.name);
          assert.deepEqual([info.get('key_size'), info.get('value_size'), info.get('max_entries')],
            [m.bytes_key, m.bytes_value, m.max_entries].map(String));
          assert.equal(create.attrs.btf_fd, btf.ret, 'described by the BTF loaded first');
          assert.ok(calls.indexOf(btf) < calls.indexOf(create) && calls.indexOf(create) < calls.indexOf(load));
        }
        // .rodata: written, then frozen, before the program that reads it is loaded.
        const rodata = one(calls, 'BPF_MAP_CREATE', (c) => c.attrs.map_name === `${object}.rodata`);
        const write = one(calls, 'BPF_MAP_UPDATE_ELEM', (c) => c.attrs.map_fd === rodata.ret);
        const freeze = one(calls, 'BPF_MAP_FREEZE', (c) => c.attrs.map_fd === rodata.ret);
        assert.ok(calls.indexOf(write) < calls.indexOf(freeze) && calls.indexOf(freeze) < calls.indexOf(load));

        // The attach: a perf event on the tracepoint's id in tracefs, then a link from the program to it.
        const id = Number(fs.readFileSync('/sys/kernel/tracing/events/syscalls/sys_enter_read/id', 'utf8'));
        const open = one(calls, 'PERF_TYPE_TRACEPOINT', (c) => c.attrs.config === id);
        assert.equal(open.syscall, 'perf_event_open');
        const link = one(calls, 'BPF_LINK_CREATE', (c) => c.attrs.target_fd === open.ret);
        assert.deepEqual([link.attrs.prog_fd, link.attrs.attach_type], [load.ret, 'BPF_PERF_EVENT']);
        assert.equal(fdinfo(helper, link.ret).get('prog_id'), String(i.program.id));
        assert.ok(calls.indexOf(load) < calls.indexOf(open) && calls.indexOf(open) < calls.indexOf(link));
        // The perf ioctls are recorded too: the event is switched on after the link.
        const enable = one(calls, 'PERF_EVENT_IOC_ENABLE', (c) => c.attrs.fd === open.ret);
        assert.deepEqual([enable.syscall, enable.ret], ['ioctl', 0]);
        assert.ok(calls.indexOf(link) < calls.indexOf(enable));

        await client.request('stop', { session: started.session });
        const plain = await client.request('start', { session: 2, mode, probe: { kind: 'catalog', id: 'read' }, intervalMs: 0 });
        assert.equal((await client.request('inspect', { session: plain.session })).syscalls, null, 'recorded only when asked for');
        await client.request('stop', { session: plain.session });
      } finally {
        await client.close();
      }
    });
  }

  it('a refused load is recorded with its error, and only this thread\'s calls are', async (t) => {
    if (!needsRoot(t)) return;
    // Another thread of this process, ready to make a bpf() call when told to.
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(OTHER_THREAD, { eval: true, workerData: { koffi: require.resolve('koffi'), flag } });
    await new Promise((resolve) => worker.once('online', resolve));
    const nextId = koffi.load('libbpf.so.1').func('int bpf_prog_get_next_id(uint32_t start, _Out_ uint32_t *next)') as (
      start: number, next: number[]) => number;
    const recorder = CallRecorder.start();
    let other: ReturnType<typeof spawnSync> | undefined;
    let recorded: RecordedCalls | undefined;
    try {
      const object = BpfObject.fromFile(REJECTED, 'hist');
      try {
        object.selectPrograms(['rejected'], ['rejected']);
        assert.throws(() => object.load(), (e: LabError) => e.code === 'bpf-load');
      } finally {
        object.dispose();
      }
      // Another process's bpf() calls while the recorder is armed: bpftool lists programs.
      other = spawnSync('bpftool', ['prog', 'show']);
      // Another thread's: the worker asks for the next program id while this thread waits.
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      assert.equal(Atomics.wait(flag, 0, 1, 10_000), 'ok');
      // This thread's own call of the same command: recorded.
      nextId(0, [0]);
    } finally {
      recorded = recorder.finish();
      await worker.terminate();
    }
    assert.equal(other?.status, 0);
    assert.equal(Atomics.load(flag, 0), 2, 'the other thread made its call');
    assert.ok(recorded && 'calls' in recorded);
    assert.equal(recorded.calls.filter((c) => c.cmd === 'BPF_PROG_GET_NEXT_ID').length, 1, 'this thread\'s one call, not the worker\'s');
    const refused = recorded.calls.filter((c) => c.cmd === 'BPF_PROG_LOAD' && c.attrs.prog_name === 'rejected');
    assert.ok(refused.length >= 1);
    for (const c of refused) {
      assert.equal(c.ret, -13);
      assert.match(c.error!, /^EACCES: Permission denied$/);
    }
    assert.ok(!recorded.calls.some((c) => c.cmd === 'BPF_PROG_GET_FD_BY_ID'), 'bpftool\'s calls are not ours');
  });

  it('bpf-lab inspect --json lists the calls in order, and the text shows them as calls', (t) => {
    if (!needsRoot(t)) return;
    const run = cli(['inspect', '--probe', 'write', '--json', '--', '/bin/true']);
    assert.equal(run.status, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as { program: { name: string }; syscalls: Array<{ cmd: string; attrs: Record<string, unknown>; ret: number }> };
    const cmds = doc.syscalls.map((c) => c.cmd);
    const load = cmds.findIndex((c, n) => c === 'BPF_PROG_LOAD' && doc.syscalls[n]!.attrs.prog_name === doc.program.name);
    assert.ok(load > cmds.indexOf('BPF_MAP_CREATE') && load < cmds.lastIndexOf('BPF_LINK_CREATE'), cmds.join(' '));
    const text = cli(['inspect', '--probe', 'write', '--', '/bin/true']);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^System calls that loaded and attached it \(\d+, in order\)$/m);
    assert.match(text.stdout, /^ {2}bpf\(BPF_PROG_LOAD, \{prog_type=BPF_PROG_TYPE_TRACEPOINT, insn_cnt=\d+, license=GPL, .*prog_name="hist_tracepoint".*\}\) = \d+$/m);
    assert.match(text.stdout, /^ {2}perf_event_open\(PERF_TYPE_TRACEPOINT, \{type=2, .*\}\) = \d+$/m);
  });
});
