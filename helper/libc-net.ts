/**
 * koffi bindings to the libc calls of the classic BPF lesson: sockets (packet, UDP), their
 * options, and the network namespace calls that give the lesson a loopback of its own. Like
 * libbpf.ts, the only place that knows these C signatures; the lesson works with the typed
 * wrappers below. Every wrapper returns -errno on failure.
 */
import koffi from 'koffi';

const libc = koffi.load('libc.so.6');

const socketFn = libc.func('int socket(int domain, int type, int protocol)') as (d: number, t: number, p: number) => number;
const setsockoptFn = libc.func('int setsockopt(int fd, int level, int name, const void *val, uint32_t len)') as (
  fd: number, level: number, name: number, val: Uint8Array, len: number) => number;
const getsockoptFn = libc.func('int getsockopt(int fd, int level, int name, _Out_ void *val, _Inout_ uint32_t *len)') as (
  fd: number, level: number, name: number, val: Uint8Array, len: number[]) => number;
const bindFn = libc.func('int bind(int fd, const void *addr, uint32_t len)') as (fd: number, addr: Uint8Array, len: number) => number;
const sendtoFn = libc.func('intptr_t sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t alen)') as (
  fd: number, buf: Uint8Array, len: number, flags: number, addr: Uint8Array, alen: number) => number | bigint;
const recvfromFn = libc.func(
  'intptr_t recvfrom(int fd, _Out_ void *buf, size_t len, int flags, _Out_ void *addr, _Inout_ uint32_t *alen)') as (
  fd: number, buf: Uint8Array, len: number, flags: number, addr: Uint8Array, alen: number[]) => number | bigint;
const ioctlFn = libc.func('int ioctl(int fd, unsigned long request, ...)') as (
  fd: number, request: number, type: string, arg: Uint8Array) => number;
const unshareFn = libc.func('int unshare(int flags)') as (flags: number) => number;
const setnsFn = libc.func('int setns(int fd, int nstype)') as (fd: number, type: number) => number;
const openFn = libc.func('int open(const char *path, int flags)') as (path: string, flags: number) => number;
const closeFn = libc.func('int close(int fd)') as (fd: number) => number;

const result = (r: number | bigint): number => (Number(r) < 0 ? -koffi.errno() : Number(r));

export const net = {
  socket: (domain: number, type: number, protocol: number): number => result(socketFn(domain, type, protocol)),
  setsockopt: (fd: number, level: number, name: number, value: Uint8Array): number =>
    result(setsockoptFn(fd, level, name, value, value.length)),
  /** Fills `value`; returns the length the kernel reported (bytes, or for SO_GET_FILTER, instructions). */
  getsockopt: (fd: number, level: number, name: number, value: Uint8Array, length = value.length): number => {
    const len = [length];
    const r = getsockoptFn(fd, level, name, value, len);
    return r < 0 ? -koffi.errno() : len[0]!;
  },
  bind: (fd: number, address: Uint8Array): number => result(bindFn(fd, address, address.length)),
  sendto: (fd: number, data: Uint8Array, address: Uint8Array): number => result(sendtoFn(fd, data, data.length, 0, address, address.length)),
  /** One datagram or packet, without waiting: its length (-EAGAIN when none is queued), with the sender's address. */
  recvfrom: (fd: number, buffer: Uint8Array, address: Uint8Array): number => {
    const alen = [address.length];
    return result(recvfromFn(fd, buffer, buffer.length, MSG_DONTWAIT, address, alen));
  },
  ioctl: (fd: number, request: number, arg: Uint8Array): number => result(ioctlFn(fd, request, 'void *', arg)),
  unshare: (flags: number): number => result(unshareFn(flags)),
  setns: (fd: number, type: number): number => result(setnsFn(fd, type)),
  open: (path: string, flags: number): number => result(openFn(path, flags)),
  close: (fd: number): number => result(closeFn(fd)),
};

const MSG_DONTWAIT = 0x40;

/** The constants of <sys/socket.h>, <linux/if_packet.h>, <linux/sched.h> and <linux/sockios.h> the lesson uses. */
export const NET = {
  AF_INET: 2, AF_INET6: 10, AF_PACKET: 17, SOCK_DGRAM: 2, SOCK_RAW: 3, SOCK_CLOEXEC: 0o2000000,
  SOL_SOCKET: 1, SO_ATTACH_FILTER: 26, SO_GET_FILTER: 26, SOL_PACKET: 263, PACKET_STATISTICS: 6,
  ETH_P_ALL: 0x0003, ETH_P_IP: 0x0800, ETH_P_IPV6: 0x86dd, PACKET_OUTGOING: 4,
  CLONE_NEWNET: 0x40000000, O_RDONLY: 0, O_CLOEXEC: 0o2000000,
  SIOCGIFFLAGS: 0x8913, SIOCSIFFLAGS: 0x8914, IFF_UP: 0x1, EAGAIN: 11,
} as const;
