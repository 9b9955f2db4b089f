/**
 * koffi bindings to the system's libbpf.so.1, and the few libc calls beside it: the one
 * place that knows C signatures.
 * Everything above this file works with the typed wrappers in bpf-object.ts.
 */
import koffi from 'koffi';

const lib = koffi.load('libbpf.so.1');
const libc = koffi.load('libc.so.6');

koffi.opaque('bpf_object');
koffi.opaque('bpf_program');
koffi.opaque('bpf_map');
koffi.opaque('bpf_link');
koffi.opaque('btf');

/** struct bpf_uprobe_opts of libbpf 1.x; `sz` tells libbpf which fields we know. */
const uprobeOpts = koffi.struct('bpf_uprobe_opts', {
  sz: 'size_t', ref_ctr_offset: 'size_t', bpf_cookie: 'uint64_t', retprobe: 'bool', func_name: 'const char *',
});
export const UPROBE_OPTS_SIZE = koffi.sizeof(uprobeOpts);

/** va_list decays to a pointer when passed as an argument, on x86-64 and arm64 alike. */
const printFn = koffi.proto('int libbpf_print_fn(int level, const char *fmt, void *args)');

export type Pointer = object;

export const libbpf = {
  majorVersion: lib.func('uint32_t libbpf_major_version(void)') as () => number,
  minorVersion: lib.func('uint32_t libbpf_minor_version(void)') as () => number,
  setPrint: lib.func('void *libbpf_set_print(libbpf_print_fn *fn)') as (fn: unknown) => unknown,
  strerror: lib.func('int libbpf_strerror(int err, _Out_ char *buf, size_t size)') as (
    err: number, buf: Buffer, size: number) => number,
  numPossibleCpus: lib.func('int libbpf_num_possible_cpus(void)') as () => number,

  objectOpenFile: lib.func('bpf_object *bpf_object__open_file(const char *path, void *opts)') as (
    path: string, opts: null) => Pointer | null,
  objectLoad: lib.func('int bpf_object__load(bpf_object *obj)') as (obj: Pointer) => number,
  objectClose: lib.func('void bpf_object__close(bpf_object *obj)') as (obj: Pointer) => void,
  findProgram: lib.func('bpf_program *bpf_object__find_program_by_name(bpf_object *obj, const char *name)') as (
    obj: Pointer, name: string) => Pointer | null,
  findMap: lib.func('bpf_map *bpf_object__find_map_by_name(bpf_object *obj, const char *name)') as (
    obj: Pointer, name: string) => Pointer | null,

  programSetAutoload: lib.func('int bpf_program__set_autoload(bpf_program *prog, bool autoload)') as (
    prog: Pointer, autoload: boolean) => number,
  programSetLogLevel: lib.func('int bpf_program__set_log_level(bpf_program *prog, uint32_t level)') as (
    prog: Pointer, level: number) => number,
  programSetLogBuf: lib.func('int bpf_program__set_log_buf(bpf_program *prog, void *buf, size_t size)') as (
    prog: Pointer, buf: unknown, size: number) => number,
  attachKprobe: lib.func('bpf_link *bpf_program__attach_kprobe(bpf_program *prog, bool retprobe, const char *func)') as (
    prog: Pointer, retprobe: boolean, func: string) => Pointer | null,
  attachTracepoint: lib.func(
    'bpf_link *bpf_program__attach_tracepoint(bpf_program *prog, const char *category, const char *name)') as (
    prog: Pointer, category: string, name: string) => Pointer | null,
  attachUprobe: lib.func(
    'bpf_link *bpf_program__attach_uprobe(bpf_program *prog, bool retprobe, int pid, const char *path, size_t offset)') as (
    prog: Pointer, retprobe: boolean, pid: number, path: string, offset: number) => Pointer | null,
  attachUprobeOpts: lib.func(
    'bpf_link *bpf_program__attach_uprobe_opts(bpf_program *prog, int pid, const char *path, size_t offset, '
    + 'const bpf_uprobe_opts *opts)') as (
    prog: Pointer, pid: number, path: string, offset: number, opts: object) => Pointer | null,
  linkDestroy: lib.func('int bpf_link__destroy(bpf_link *link)') as (link: Pointer) => number,

  mapSetMaxEntries: lib.func('int bpf_map__set_max_entries(bpf_map *map, uint32_t max)') as (
    map: Pointer, max: number) => number,
  mapSetInitialValue: lib.func('int bpf_map__set_initial_value(bpf_map *map, const void *data, size_t size)') as (
    map: Pointer, data: Uint8Array, size: number) => number,
  mapInitialValue: lib.func('const void *bpf_map__initial_value(bpf_map *map, _Out_ size_t *psize)') as (
    map: Pointer, psize: number[]) => Pointer | null,
  mapFd: lib.func('int bpf_map__fd(bpf_map *map)') as (map: Pointer) => number,
  mapLookupElem: lib.func('int bpf_map_lookup_elem(int fd, const void *key, _Out_ void *value)') as (
    fd: number, key: Uint8Array, value: Uint8Array) => number,
  mapLookupBatch: lib.func('int bpf_map_lookup_batch(int fd, void *in_batch, _Out_ void *out_batch, '
    + '_Out_ void *keys, _Out_ void *values, _Inout_ uint32_t *count, void *opts)') as (
    fd: number, inBatch: null, outBatch: Uint8Array, keys: Uint8Array, values: Uint8Array, count: number[],
    opts: null) => number,
  programFd: lib.func('int bpf_program__fd(bpf_program *prog)') as (prog: Pointer) => number,
  enableStats: lib.func('int bpf_enable_stats(int type)') as (type: number) => number,
  mapGetFdById: lib.func('int bpf_map_get_fd_by_id(uint32_t id)') as (id: number) => number,
  progTypeName: lib.func('const char *libbpf_bpf_prog_type_str(int t)') as (type: number) => string | null,
  attachTypeName: lib.func('const char *libbpf_bpf_attach_type_str(int t)') as (type: number) => string | null,
  mapTypeName: lib.func('const char *libbpf_bpf_map_type_str(int t)') as (type: number) => string | null,
  btfLoadById: lib.func('btf *btf__load_from_kernel_by_id(uint32_t id)') as (id: number) => Pointer | null,
  btfNameByOffset: lib.func('const char *btf__name_by_offset(const btf *btf, uint32_t offset)') as (
    btf: Pointer, offset: number) => string | null,
  btfFree: lib.func('void btf__free(btf *btf)') as (btf: Pointer) => void,
  objGetInfoByFd: lib.func('int bpf_obj_get_info_by_fd(int fd, _Out_ void *info, _Inout_ uint32_t *len)') as (
    fd: number, info: Uint8Array, len: number[]) => number,

};

const mmapFn = libc.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, intptr_t offset)') as (
  addr: null, length: number, prot: number, flags: number, fd: number, offset: number) => unknown;
const munmapFn = libc.func('int munmap(void *addr, size_t length)') as (addr: unknown, length: number) => number;
const pageSize = (libc.func('int getpagesize(void)') as () => number)();
const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_SHARED = 1;

/** mmap of `length` bytes of an fd at `offset`, shared; null where it fails (MAP_FAILED). */
function mapFd(fd: number, length: number, prot: number, offset: number): unknown {
  const at = mmapFn(null, length, prot, MAP_SHARED, fd, offset);
  return !at || koffi.address(at) === 0xffffffffffffffffn ? null : at;
}

/**
 * Reads `length` bytes of what a map exposes through mmap at `offset` (a ring buffer's consumer
 * and producer pages), copied out, with the mapping undone at once. Null where mmap fails.
 */
export function readMapped(fd: number, offset: number, length: number): Uint8Array | null {
  const at = mapFd(fd, length, PROT_READ, offset);
  if (!at) return null;
  try {
    return new Uint8Array(koffi.view(at, length).slice(0));
  } finally {
    munmapFn(at, length);
  }
}

/**
 * Maps the first `length` bytes of an mmapable map (a .bss) read-write and shared: what the
 * helper writes there the kernel's programs see at once, and the reverse. The view is valid until
 * `unmap`. libbpf 1.1 keeps its own .bss image apart from the map unless a skeleton loads it,
 * so the helper maps the map itself. Null where mmap fails.
 */
export function mapShared(fd: number, length: number): { bytes: Uint8Array; unmap: () => void } | null {
  const size = Math.ceil(length / pageSize) * pageSize;
  const at = mapFd(fd, size, PROT_READ | PROT_WRITE, 0);
  if (!at) return null;
  return { bytes: new Uint8Array(koffi.view(at, length)), unmap: () => void munmapFn(at, size) };
}

export const PAGE_SIZE = pageSize;

/**
 * Maps a BPF ring buffer of `size` data bytes for a consumer: its consumer page read-write, and
 * its producer page and twice-mapped data area read-only (the kernel refuses writes there).
 * Null where mmap fails. The views are valid until `unmap`.
 */
export function mapRing(fd: number, size: number): {
  consumer: BigUint64Array; producer: BigUint64Array; data: Uint8Array; unmap: () => void;
} | null {
  const cons = mapFd(fd, pageSize, PROT_READ | PROT_WRITE, 0);
  if (!cons) return null;
  const rest = pageSize + 2 * size;
  const prod = mapFd(fd, rest, PROT_READ, pageSize);
  if (!prod) {
    munmapFn(cons, pageSize);
    return null;
  }
  const tail = koffi.view(prod, rest);
  return {
    consumer: new BigUint64Array(koffi.view(cons, 8)),
    producer: new BigUint64Array(tail, 0, 1),
    data: new Uint8Array(tail, pageSize, 2 * size),
    unmap: () => {
      munmapFn(prod, rest);
      munmapFn(cons, pageSize);
    },
  };
}

/** epoll and eventfd, to wait for ring buffers without a timer (helper/ring-waiter.ts). */
export const epoll = {
  create: libc.func('int epoll_create1(int flags)') as (flags: number) => number,
  /** struct epoll_event is packed on x86-64: u32 events, u64 data (12 bytes). */
  ctl: libc.func('int epoll_ctl(int epfd, int op, int fd, void *event)') as (epfd: number, op: number, fd: number, event: Uint8Array | null) => number,
  wait: libc.func('int epoll_wait(int epfd, void *events, int maxevents, int timeout)') as {
    async: (epfd: number, events: Uint8Array, max: number, timeout: number, done: (err: unknown, n: number) => void) => void;
  },
  eventfd: libc.func('int eventfd(unsigned int initval, int flags)') as (initval: number, flags: number) => number,
  write: libc.func('intptr_t write(int fd, const void *buf, size_t count)') as (fd: number, buf: Uint8Array, count: number) => number,
  read: libc.func('intptr_t read(int fd, void *buf, size_t count)') as (fd: number, buf: Uint8Array, count: number) => number,
};

/** Closes an fd that a libbpf call handed us (bpf_map_get_fd_by_id). */
export const closeFd = libc.func('int close(int fd)') as (fd: number) => number;

const vsnprintf = libc.func('int vsnprintf(_Out_ char *buf, size_t size, const char *fmt, void *args)') as (
  buf: Buffer, size: number, fmt: string, args: unknown) => number;

const getsockopt = libc.func('int getsockopt(int fd, int level, int name, _Out_ void *val, _Inout_ uint32_t *len)') as (
  fd: number, level: number, name: number, val: Buffer, len: number[]) => number;
const SOL_SOCKET = 1;
const SO_PEERCRED = 17;

/**
 * The pid in a Unix socket's peer credentials (SO_PEERCRED: struct ucred {pid, uid, gid}),
 * or null when fd is no such socket. For a socketpair it is the process that created it.
 */
export function socketPeerPid(fd: number): number | null {
  const cred = Buffer.alloc(12);
  const len = [cred.length];
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, len) !== 0 || len[0] !== cred.length) return null;
  return cred.readInt32LE(0);
}

/** The errno of the last libbpf call, as libbpf's functions return NULL and set errno on failure. */
export function lastErrno(): number {
  return koffi.errno();
}

/** A readable message for a (positive or negative) errno or libbpf error code. */
export function errorText(err: number): string {
  const buf = Buffer.alloc(256);
  libbpf.strerror(-Math.abs(err), buf, buf.length);
  return buf.toString('utf8', 0, buf.indexOf(0) < 0 ? buf.length : buf.indexOf(0));
}

export type LogLevel = 'warn' | 'info' | 'debug';
const LEVELS: LogLevel[] = ['warn', 'info', 'debug'];

/**
 * Routes libbpf's own log lines to `sink` (formatted in C by vsnprintf, since koffi
 * cannot walk a va_list). Debug lines are dropped unless `verbose` is set.
 */
export function captureLibbpfLog(sink: (level: LogLevel, line: string) => void, verbose: boolean): void {
  const buf = Buffer.alloc(4096);
  const cb = koffi.register((level: number, fmt: string, args: unknown) => {
    const name = LEVELS[level] ?? 'debug';
    if (name === 'debug' && !verbose) return 0;
    const n = vsnprintf(buf, buf.length, fmt, args);
    const text = buf.toString('utf8', 0, Math.max(0, Math.min(n, buf.length - 1))).trimEnd();
    if (text) sink(name, text);
    return 0;
  }, koffi.pointer(printFn));
  libbpf.setPrint(cb);
}

/** A view of native memory, valid only while that memory is. */
export function nativeBytes(ptr: unknown, size: number): Uint8Array {
  return new Uint8Array(koffi.view(ptr, size));
}

/** Allocates native memory for a verifier log; freed with freeNative. */
export function allocNative(size: number): unknown {
  return koffi.alloc('char', size);
}

/** The NUL-terminated text at ptr, at most max bytes: only the text is copied, not the whole buffer. */
export function readCString(ptr: unknown, max: number): string {
  const bytes = nativeBytes(ptr, max);
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(bytes.subarray(0, end < 0 ? max : end));
}

/** The address of native memory, for the pointer fields of a struct the kernel fills in (bpf_prog_info). */
export function nativeAddress(ptr: unknown): bigint {
  return koffi.address(ptr);
}

export function freeNative(ptr: unknown): void {
  koffi.free(ptr);
}
