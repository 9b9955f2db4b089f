/**
 * The mirror of bpf/calls.h's struct call_log, and the decoding of each recorded call into the
 * names of the kernel's headers (linux/bpf.h, linux/perf_event.h): BPF_MAP_CREATE with its
 * map_type and sizes, BPF_PROG_LOAD with its prog_type and insn_cnt, perf_event_open with its
 * event, the perf ioctls. Pointers into the helper's memory are left out: they mean nothing to
 * a reader. Runs once per load, on at most CALLS_MAX records.
 */
import type { Syscall } from '../src/shared/inspect.js';

/** struct call_log: four u32 counters, then CALLS_MAX records of struct call_record. */
export const CALL_LOG = { armedTid: 0, recorded: 4, dropped: 8, header: 16, max: 256, record: 464 } as const;
export const CALL_LOG_SIZE = CALL_LOG.header + CALL_LOG.max * CALL_LOG.record;
const R = { nr: 0, attrSize: 4, returned: 6, ret: 8, args: 16, attr: 56, attrBytes: 152, text: 208, textBytes: 256 } as const;

/** x86-64 system call numbers. */
const NR = { ioctl: 16, perfEventOpen: 298, bpf: 321 } as const;

/** enum bpf_cmd, in order. */
const BPF_CMDS = [
  'MAP_CREATE', 'MAP_LOOKUP_ELEM', 'MAP_UPDATE_ELEM', 'MAP_DELETE_ELEM', 'MAP_GET_NEXT_KEY', 'PROG_LOAD', 'OBJ_PIN',
  'OBJ_GET', 'PROG_ATTACH', 'PROG_DETACH', 'PROG_TEST_RUN', 'PROG_GET_NEXT_ID', 'MAP_GET_NEXT_ID', 'PROG_GET_FD_BY_ID',
  'MAP_GET_FD_BY_ID', 'OBJ_GET_INFO_BY_FD', 'PROG_QUERY', 'RAW_TRACEPOINT_OPEN', 'BTF_LOAD', 'BTF_GET_FD_BY_ID',
  'TASK_FD_QUERY', 'MAP_LOOKUP_AND_DELETE_ELEM', 'MAP_FREEZE', 'BTF_GET_NEXT_ID', 'MAP_LOOKUP_BATCH',
  'MAP_LOOKUP_AND_DELETE_BATCH', 'MAP_UPDATE_BATCH', 'MAP_DELETE_BATCH', 'LINK_CREATE', 'LINK_UPDATE',
  'LINK_GET_FD_BY_ID', 'LINK_GET_NEXT_ID', 'ENABLE_STATS', 'ITER_CREATE', 'LINK_DETACH', 'PROG_BIND_MAP', 'TOKEN_CREATE',
];

/** The perf ioctls by their number (the low byte of the request; their type byte is '$'). */
const PERF_IOCTLS = [
  'ENABLE', 'DISABLE', 'REFRESH', 'RESET', 'PERIOD', 'SET_OUTPUT', 'SET_FILTER', 'ID', 'SET_BPF', 'PAUSE_OUTPUT',
  'QUERY_BPF', 'MODIFY_ATTRIBUTES',
];

/** The perf event types with fixed numbers (enum perf_type_id); kprobe and uprobe get theirs at boot. */
const PERF_TYPES = ['hardware', 'software', 'tracepoint', 'hw_cache', 'raw', 'breakpoint'];

/** errno names for what these calls return (asm-generic/errno*.h, and the kernel's ENOTSUPP). */
const ERRNO: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 3: 'ESRCH', 4: 'EINTR', 7: 'E2BIG', 9: 'EBADF', 11: 'EAGAIN', 12: 'ENOMEM', 13: 'EACCES',
  14: 'EFAULT', 16: 'EBUSY', 17: 'EEXIST', 19: 'ENODEV', 22: 'EINVAL', 24: 'EMFILE', 28: 'ENOSPC', 95: 'EOPNOTSUPP',
  512: 'ERESTARTSYS', 524: 'ENOTSUPP',
};

/** How a field of an attribute struct reads: its offset and what it holds. */
type Kind = 'u32' | 'u64' | 'hex' | 'name' | 'mapType' | 'progType' | 'attachType';
type Field = [name: string, offset: number, kind: Kind];
const FIELD_BYTES: Record<Kind, number> = { u32: 4, u64: 8, hex: 4, name: 16, mapType: 4, progType: 4, attachType: 4 };

/** The fields of union bpf_attr shown for each command (the pointers are left out). */
const BPF_FIELDS: Record<string, Field[]> = {
  MAP_CREATE: [['map_type', 0, 'mapType'], ['key_size', 4, 'u32'], ['value_size', 8, 'u32'], ['max_entries', 12, 'u32'],
    ['map_flags', 16, 'hex'], ['map_name', 28, 'name'], ['btf_fd', 48, 'u32'], ['btf_key_type_id', 52, 'u32'],
    ['btf_value_type_id', 56, 'u32']],
  MAP_LOOKUP_ELEM: [['map_fd', 0, 'u32']],
  MAP_UPDATE_ELEM: [['map_fd', 0, 'u32'], ['flags', 24, 'u64']],
  MAP_DELETE_ELEM: [['map_fd', 0, 'u32']],
  MAP_FREEZE: [['map_fd', 0, 'u32']],
  PROG_LOAD: [['prog_type', 0, 'progType'], ['insn_cnt', 4, 'u32'], ['log_level', 24, 'u32'], ['log_size', 28, 'u32'],
    ['kern_version', 40, 'u32'], ['prog_flags', 44, 'hex'], ['prog_name', 48, 'name'], ['expected_attach_type', 68, 'attachType'],
    ['prog_btf_fd', 72, 'u32'], ['func_info_cnt', 88, 'u32'], ['line_info_cnt', 104, 'u32'], ['attach_btf_id', 108, 'u32']],
  BTF_LOAD: [['btf_size', 16, 'u32'], ['btf_log_size', 20, 'u32'], ['btf_log_level', 24, 'u32']],
  OBJ_GET_INFO_BY_FD: [['bpf_fd', 0, 'u32'], ['info_len', 4, 'u32']],
  LINK_CREATE: [['prog_fd', 0, 'u32'], ['target_fd', 4, 'u32'], ['attach_type', 8, 'attachType'], ['flags', 12, 'hex']],
  RAW_TRACEPOINT_OPEN: [['prog_fd', 8, 'u32']],
  PROG_GET_FD_BY_ID: [['prog_id', 0, 'u32']],
  MAP_GET_FD_BY_ID: [['map_id', 0, 'u32']],
  BTF_GET_FD_BY_ID: [['btf_id', 0, 'u32']],
  ENABLE_STATS: [['type', 0, 'u32']],
  PROG_BIND_MAP: [['prog_fd', 0, 'u32'], ['map_fd', 4, 'u32']],
};

/** The names libbpf gives the kernel's enums, and the dynamic perf types of this machine. */
export interface CallNames {
  mapType(type: number): string | null;
  progType(type: number): string | null;
  attachType(type: number): string | null;
  /** A perf event type that is not fixed (kprobe, uprobe), by its number in /sys/bus/event_source. */
  perfType(type: number): string | null;
  /** The errno's meaning in words. */
  errorText(errno: number): string;
}

type Attrs = Syscall['attrs'];

/** A u64 as a number when it fits one, else as a decimal string. */
function u64(value: bigint): number | string {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/** The recorded string, marked when it filled the recorder's buffer (the rest was cut off). */
function recordedText(bytes: Uint8Array): string {
  const text = cString(bytes);
  return bytes.indexOf(0) === bytes.length - 1 || bytes.indexOf(0) < 0 ? `${text}…` : text;
}

function readField(view: DataView, bytes: Uint8Array, [, offset, kind]: Field, names: CallNames): number | string {
  switch (kind) {
    case 'u32': return view.getUint32(offset, true);
    case 'u64': return u64(view.getBigUint64(offset, true));
    case 'hex': return `0x${view.getUint32(offset, true).toString(16)}`;
    case 'name': return cString(bytes.subarray(offset, offset + 16));
    case 'mapType': return enumName(view.getUint32(offset, true), names.mapType, 'BPF_MAP_TYPE_');
    case 'progType': return enumName(view.getUint32(offset, true), names.progType, 'BPF_PROG_TYPE_');
    // 0 is also BPF_CGROUP_INET_INGRESS, but for the program types that do not use it, it means none.
    case 'attachType': return view.getUint32(offset, true) === 0 ? 0 : enumName(view.getUint32(offset, true), names.attachType, 'BPF_');
  }
}

/** libbpf names enums in lower case without their prefix (percpu_array); the headers' names are shown. */
function enumName(value: number, name: (v: number) => string | null, prefix: string): string {
  const known = name(value);
  return known ? `${prefix}${known.toUpperCase()}` : `${prefix}${value}`;
}

function bpfCall(cmd: number, attr: Uint8Array, text: string, names: CallNames): [string, Attrs] {
  const name = BPF_CMDS[cmd] ?? `${cmd}`;
  const fields = BPF_FIELDS[name] ?? [];
  const view = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
  const attrs: Attrs = {};
  for (const field of fields) {
    if (field[1] + FIELD_BYTES[field[2]] > attr.length) continue; // each command passes only the union's part it uses
    const value = readField(view, attr, field, names);
    attrs[field[0]] = value;
    if (field[0] === 'insn_cnt') attrs.license = text;
  }
  return [`BPF_${name}`, attrs];
}

function perfOpen(args: bigint[], attr: Uint8Array, text: string, names: CallNames): [string, Attrs] {
  const view = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
  const typeNumber = view.getUint32(0, true);
  const type = PERF_TYPES[typeNumber] ?? names.perfType(typeNumber) ?? `${typeNumber}`;
  const attrs: Attrs = { type: typeNumber, size: view.getUint32(4, true), config: u64(view.getBigUint64(8, true)) };
  if (type === 'kprobe' || type === 'uprobe') {
    attrs[type === 'kprobe' ? 'function' : 'path'] = text;
    attrs.offset = u64(view.getBigUint64(64, true));
    attrs.retprobe = Number(view.getBigUint64(8, true) & 1n);
  }
  attrs.pid = Number(BigInt.asIntN(32, args[1]!));
  attrs.cpu = Number(BigInt.asIntN(32, args[2]!));
  attrs.group_fd = Number(BigInt.asIntN(32, args[3]!));
  attrs.flags = `0x${args[4]!.toString(16)}`;
  return [`PERF_TYPE_${type.toUpperCase()}`, attrs];
}

function perfIoctl(args: bigint[]): [string, Attrs] {
  const request = Number(args[1]! & 0xffffffffn);
  const which = PERF_IOCTLS[request & 0xff] ?? `${request & 0xff}`;
  const attrs: Attrs = { fd: Number(BigInt.asIntN(32, args[0]!)), request: `0x${request.toString(16)}` };
  if (which === 'SET_BPF') attrs.prog_fd = Number(BigInt.asIntN(32, args[2]!));
  return [`PERF_EVENT_IOC_${which}`, attrs];
}

/** Decodes the records of a call log (the .bss of calls.bpf.o), in the order they were made. */
export function decodeCalls(log: Uint8Array, names: CallNames): { calls: Syscall[]; dropped: number } {
  const view = new DataView(log.buffer, log.byteOffset, log.byteLength);
  const recorded = Math.min(view.getUint32(CALL_LOG.recorded, true), CALL_LOG.max);
  const calls: Syscall[] = [];
  for (let i = 0; i < recorded; i++) {
    const at = CALL_LOG.header + i * CALL_LOG.record;
    const nr = view.getUint32(at + R.nr, true);
    const attr = log.subarray(at + R.attr, at + R.attr + Math.min(view.getUint16(at + R.attrSize, true), R.attrBytes));
    const text = recordedText(log.subarray(at + R.text, at + R.text + R.textBytes));
    const args = [0, 1, 2, 3, 4].map((a) => view.getBigUint64(at + R.args + a * 8, true));
    const returned = view.getUint16(at + R.returned, true) === 1;
    const ret = returned ? Number(view.getBigInt64(at + R.ret, true)) : 0;
    let decoded: [string, Attrs];
    let syscall: Syscall['syscall'];
    if (attr.length === 0 && (nr === NR.bpf || nr === NR.perfEventOpen)) {
      // The recorder could not read the attributes (a bad pointer): the call is shown without them.
      syscall = nr === NR.bpf ? 'bpf' : 'perf_event_open';
      decoded = [nr === NR.bpf ? `BPF_${BPF_CMDS[Number(args[0])] ?? Number(args[0])}` : 'PERF_TYPE_UNKNOWN', { unreadable: 1 }];
    } else if (nr === NR.bpf) [syscall, decoded] = ['bpf', bpfCall(Number(args[0]), attr, text, names)];
    else if (nr === NR.perfEventOpen) [syscall, decoded] = ['perf_event_open', perfOpen(args, attr, text, names)];
    else if (nr === NR.ioctl) [syscall, decoded] = ['ioctl', perfIoctl(args)];
    else continue;
    const error = !returned ? 'did not return while recording'
      : ret < 0 ? `${ERRNO[-ret] ?? `errno ${-ret}`}: ${names.errorText(-ret)}` : null;
    calls.push({ syscall, cmd: decoded[0], attrs: decoded[1], ret, error });
  }
  return { calls, dropped: view.getUint32(CALL_LOG.dropped, true) };
}
