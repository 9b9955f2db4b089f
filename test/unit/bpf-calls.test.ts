// Pins down decodeCalls() in helper/bpf-calls.ts: the mirror of struct call_log (bpf/calls.h)
// against the object's BTF, and each kind of call against records written here by hand at the
// offsets of linux/bpf.h's union bpf_attr and linux/perf_event.h's struct perf_event_attr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CALL_LOG, CALL_LOG_SIZE, decodeCalls, type CallNames } from '../../helper/bpf-calls.js';
import { haveBpftool, structs } from './btf.js';

const NAMES: CallNames = {
  mapType: (t) => ({ 2: 'array', 6: 'percpu_array', 27: 'ringbuf' })[t] ?? null,
  progType: (t) => ({ 5: 'tracepoint' })[t] ?? null,
  attachType: (t) => ({ 41: 'perf_event' })[t] ?? null,
  perfType: (t) => ({ 8: 'uprobe' })[t] ?? null,
  errorText: (e) => ({ 13: 'Permission denied' })[e] ?? `error ${e}`,
};

interface Call { nr: number; args: bigint[]; attr?: (v: DataView, bytes: Uint8Array) => void; attrSize?: number; text?: string; ret?: bigint | null }

/** A call log holding these records, as calls.bpf.o writes it. */
function log(calls: Call[], dropped = 0): Uint8Array {
  const bytes = new Uint8Array(CALL_LOG_SIZE);
  const v = new DataView(bytes.buffer);
  v.setUint32(CALL_LOG.recorded, calls.length, true);
  v.setUint32(CALL_LOG.dropped, dropped, true);
  calls.forEach((c, i) => {
    const at = CALL_LOG.header + i * CALL_LOG.record;
    v.setUint32(at, c.nr, true);
    v.setUint16(at + 4, c.attrSize ?? 152, true);
    v.setUint16(at + 6, c.ret === null ? 0 : 1, true);
    v.setBigInt64(at + 8, c.ret ?? 0n, true);
    c.args.forEach((a, n) => v.setBigUint64(at + 16 + 8 * n, a, true));
    c.attr?.(new DataView(bytes.buffer, at + 56, 152), bytes.subarray(at + 56, at + 208));
    bytes.set(new TextEncoder().encode(c.text ?? ''), at + 208);
  });
  return bytes;
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

test('the offsets used here are the ones clang laid out (BTF of calls.bpf.o)', (t) => {
  if (!haveBpftool()) {
    if (process.env.CI) throw new Error('bpftool is needed to read the objects\' BTF');
    t.skip('bpftool is not installed');
    return;
  }
  const s = structs('calls');
  const fields = (name: string): Record<string, number[]> =>
    Object.fromEntries(Object.entries(s[name]!.members).map(([k, m]) => [k, [m.offset, m.size]]));
  assert.deepEqual(fields('call_record'), {
    nr: [0, 4], attr_size: [4, 2], returned: [6, 2], ret: [8, 8], args: [16, 40], attr: [56, 152], text: [208, 256],
  });
  assert.equal(s.call_record!.size, CALL_LOG.record);
  assert.deepEqual(fields('call_log'), {
    armed_tid: [CALL_LOG.armedTid, 4], recorded: [CALL_LOG.recorded, 4], dropped: [CALL_LOG.dropped, 4], open_slot: [12, 4],
    calls: [CALL_LOG.header, CALL_LOG.max * CALL_LOG.record],
  });
  assert.equal(s.call_log!.size, CALL_LOG_SIZE);
});

test('BPF_MAP_CREATE: the map\'s type, sizes, flags and name, and the fd it returned', () => {
  const { calls } = decodeCalls(log([{
    nr: 321, args: [0n, 0x7ffd0000n, 72n], ret: 7n, attrSize: 72,
    attr: (v, b) => {
      v.setUint32(0, 6, true); v.setUint32(4, 4, true); v.setUint32(8, 8, true); v.setUint32(12, 17, true);
      v.setUint32(16, 0x400, true); b.set(ascii('counts'), 28); v.setUint32(48, 5, true);
      v.setUint32(52, 8, true); v.setUint32(56, 17, true);
    },
  }]), NAMES);
  assert.deepEqual(calls, [{
    syscall: 'bpf', cmd: 'BPF_MAP_CREATE', ret: 7, error: null,
    attrs: {
      map_type: 'BPF_MAP_TYPE_PERCPU_ARRAY', key_size: 4, value_size: 8, max_entries: 17, map_flags: '0x400',
      map_name: 'counts', btf_fd: 5, btf_key_type_id: 8, btf_value_type_id: 17,
    },
  }]);
});

test('BPF_PROG_LOAD: type, instruction count, license, log level, name; a refusal as its errno', () => {
  const { calls } = decodeCalls(log([{
    nr: 321, args: [5n, 0n, 144n], ret: -13n, attrSize: 144, text: 'GPL',
    attr: (v, b) => {
      v.setUint32(0, 5, true); v.setUint32(4, 190, true); v.setUint32(24, 5, true); v.setUint32(28, 1 << 20, true);
      b.set(ascii('hist_tracepoint'), 48); v.setUint32(68, 0, true);
    },
  }]), NAMES);
  assert.equal(calls[0]!.cmd, 'BPF_PROG_LOAD');
  assert.deepEqual([calls[0]!.attrs.prog_type, calls[0]!.attrs.insn_cnt, calls[0]!.attrs.license, calls[0]!.attrs.log_level,
    calls[0]!.attrs.prog_name, calls[0]!.attrs.expected_attach_type], ['BPF_PROG_TYPE_TRACEPOINT', 190, 'GPL', 5, 'hist_tracepoint', 0]);
  assert.deepEqual([calls[0]!.ret, calls[0]!.error], [-13, 'EACCES: Permission denied']);
});

test('a command that passes a short union shows only the fields it passed', () => {
  const { calls } = decodeCalls(log([{ nr: 321, args: [22n, 0n, 4n], ret: 0n, attrSize: 4, attr: (v) => v.setUint32(0, 9, true) }]), NAMES);
  assert.deepEqual(calls[0]!.attrs, { map_fd: 9 });
  assert.equal(calls[0]!.cmd, 'BPF_MAP_FREEZE');
});

test('perf_event_open of a uprobe: its path, offset and target; a link and the ioctls', () => {
  const { calls } = decodeCalls(log([
    {
      nr: 298, args: [0n, 4242n, 0xffffffffn, 0xffffffffn, 8n], ret: 11n, text: '/usr/lib/libc.so.6', attrSize: 128,
      attr: (v) => { v.setUint32(0, 8, true); v.setUint32(4, 128, true); v.setBigUint64(8, 1n, true); v.setBigUint64(64, 0x9a3c0n, true); },
    },
    { nr: 321, args: [28n, 0n, 64n], ret: 12n, attrSize: 64, attr: (v) => { v.setUint32(0, 10, true); v.setUint32(4, 11, true); v.setUint32(8, 41, true); } },
    { nr: 16, args: [11n, 0x40042408n, 10n], ret: 0n },
    { nr: 16, args: [11n, 0x2400n, 0n], ret: 0n },
  ]), NAMES);
  assert.deepEqual(calls.map((c) => c.cmd), ['PERF_TYPE_UPROBE', 'BPF_LINK_CREATE', 'PERF_EVENT_IOC_SET_BPF', 'PERF_EVENT_IOC_ENABLE']);
  assert.deepEqual(calls[0]!.attrs, {
    type: 8, size: 128, config: 1, path: '/usr/lib/libc.so.6', offset: 0x9a3c0, retprobe: 1, pid: 4242, cpu: -1, group_fd: -1, flags: '0x8',
  });
  assert.deepEqual(calls[1]!.attrs, { prog_fd: 10, target_fd: 11, attach_type: 'BPF_PERF_EVENT', flags: '0x0' });
  assert.deepEqual(calls[2]!.attrs, { fd: 11, request: '0x40042408', prog_fd: 10 });
});

test('a string that filled the recorder\'s buffer is marked as cut off', () => {
  const long = `/${'x'.repeat(300)}`;
  const { calls } = decodeCalls(log([{
    nr: 298, args: [0n, 1n, 0n, 0xffffffffn, 8n], ret: 3n, attrSize: 128, text: long.slice(0, 255),
    attr: (v) => v.setUint32(0, 8, true),
  }]), NAMES);
  assert.equal(calls[0]!.attrs.path, `${long.slice(0, 255)}…`);
});

test('attributes the recorder could not read are not made up', () => {
  const { calls } = decodeCalls(log([{ nr: 321, args: [5n, 0n, 144n], ret: -14n, attrSize: 0 }]), NAMES);
  assert.deepEqual(calls[0], { syscall: 'bpf', cmd: 'BPF_PROG_LOAD', attrs: { unreadable: 1 }, ret: -14, error: 'EFAULT: error 14' });
});

test('a call cut off by the end of the recording says so; records beyond the log are counted, not read', () => {
  const { calls, dropped } = decodeCalls(log([{ nr: 321, args: [18n, 0n, 32n], ret: null, attrSize: 32 }], 3), NAMES);
  assert.deepEqual([calls[0]!.cmd, calls[0]!.ret, calls[0]!.error, dropped], ['BPF_BTF_LOAD', 0, 'did not return while recording', 3]);
  const bytes = log([]);
  new DataView(bytes.buffer).setUint32(CALL_LOG.recorded, 100_000, true);
  assert.equal(decodeCalls(bytes, NAMES).calls.length, 0, 'empty records beyond what was written are skipped');
});
