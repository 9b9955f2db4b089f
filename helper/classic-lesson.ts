/**
 * The classic BPF lesson, for real: the article's filter (`ldh [12]`, `jeq #0x800`, `ret #-1`,
 * `ret #0`) attached with SO_ATTACH_FILTER to a packet socket, beside a second packet socket
 * without a filter that sees everything. Both live in a network namespace of their own, made
 * for the lesson and gone with its sockets, so that the only packets on its loopback are the
 * lesson's UDP datagrams, to 127.0.0.1 and ::1, each with a socket listening for it (no ICMP
 * "port unreachable" adds packets). Every count comes from the kernel.
 */
import { ARTICLE_FILTER, type SockFilter } from '../src/shared/classic-bpf.js';
import { LabError } from '../src/shared/errors.js';
import { LESSON_VERSION, type ClassicLesson } from '../src/shared/lesson.js';
import { allocNative, errorText, freeNative, nativeAddress, nativeBytes } from './libbpf.js';
import { net, NET } from './libc-net.js';

const PORT = 4242;
const LOOPBACK_IFINDEX = 1;
/** Receive buffers big enough for every packet of the largest lesson (SO_RCVBUFFORCE, root only). */
const RCVBUF = 8 << 20;
const SO_RCVBUFFORCE = 33;
const SAMPLE_BYTES = 96;
const PACKET_BYTES = 256;
/** How long delivery may take after the last datagram was sent (loopback is usually done before sendto returns). */
const DELIVERY_WAIT_MS = 1000;

type Family = 'ipv4' | 'ipv6';

interface Sockets {
  tap: number;
  filtered: number;
  send: Partial<Record<Family, number>>;
  listen: Partial<Record<Family, number>>;
}

const be16 = (v: number): number => ((v & 0xff) << 8) | (v >> 8);

function sockaddrLl(): Uint8Array {
  const a = new Uint8Array(20);
  const v = new DataView(a.buffer);
  v.setUint16(0, NET.AF_PACKET, true);
  v.setUint16(2, NET.ETH_P_ALL, false);
  v.setInt32(4, LOOPBACK_IFINDEX, true);
  return a;
}

function sockaddr(family: Family): Uint8Array {
  if (family === 'ipv4') {
    const a = new Uint8Array(16);
    const v = new DataView(a.buffer);
    v.setUint16(0, NET.AF_INET, true);
    v.setUint16(2, PORT, false);
    a.set([127, 0, 0, 1], 4);
    return a;
  }
  const a = new Uint8Array(28);
  const v = new DataView(a.buffer);
  v.setUint16(0, NET.AF_INET6, true);
  v.setUint16(2, PORT, false);
  a[23] = 1; // ::1
  return a;
}

/** Calls that return an fd or 0, or -errno: failures become one clear error. */
function ok(r: number, what: string): number {
  if (r < 0) throw new LabError('internal', `classic BPF lesson: ${what}: ${errorText(r)}`);
  return r;
}

/** Attaches a classic BPF program: struct sock_fprog {u16 len; struct sock_filter *filter}. */
function attachFilter(fd: number, program: readonly SockFilter[]): void {
  const size = program.length * 8;
  const memory = allocNative(size);
  try {
    const code = new DataView(nativeBytes(memory, size).buffer, 0, size);
    program.forEach((insn, i) => {
      code.setUint16(i * 8, insn.code, true);
      code.setUint8(i * 8 + 2, insn.jt);
      code.setUint8(i * 8 + 3, insn.jf);
      code.setUint32(i * 8 + 4, insn.k, true);
    });
    const fprog = new Uint8Array(16);
    const v = new DataView(fprog.buffer);
    v.setUint16(0, program.length, true);
    v.setBigUint64(8, nativeAddress(memory), true);
    ok(net.setsockopt(fd, NET.SOL_SOCKET, NET.SO_ATTACH_FILTER, fprog), 'SO_ATTACH_FILTER');
  } finally {
    freeNative(memory); // the kernel copied the program
  }
}

/** The filter the kernel holds on the socket (SO_GET_FILTER counts in instructions, not bytes). */
function readFilter(fd: number): SockFilter[] {
  const room = 64;
  const bytes = new Uint8Array(room * 8);
  const n = ok(net.getsockopt(fd, NET.SOL_SOCKET, NET.SO_GET_FILTER, bytes, room), 'SO_GET_FILTER');
  const v = new DataView(bytes.buffer);
  return Array.from({ length: Math.min(n, room) }, (_, i) => ({
    code: v.getUint16(i * 8, true), jt: v.getUint8(i * 8 + 2), jf: v.getUint8(i * 8 + 3), k: v.getUint32(i * 8 + 4, true),
  }));
}

/**
 * Runs `make` in a new network namespace and comes back: the sockets it creates stay in that
 * namespace, and the namespace goes away when they are closed. Only this thread moves, only for
 * the few calls that create the sockets.
 */
function inPrivateNetwork<T>(make: () => T): T {
  const home = ok(net.open('/proc/thread-self/ns/net', NET.O_RDONLY | NET.O_CLOEXEC), 'open this thread\'s network namespace');
  try {
    ok(net.unshare(NET.CLONE_NEWNET), 'a network namespace of its own');
    try {
      return make();
    } finally {
      const back = net.setns(home, NET.CLONE_NEWNET);
      if (back < 0) {
        // Never seen, and nothing to recover with: the helper stops (detaching everything) rather than serve from there.
        setImmediate(() => process.kill(process.pid, 'SIGTERM'));
        ok(back, 'back to the helper\'s network namespace');
      }
    }
  } finally {
    net.close(home);
  }
}

/** Brings the namespace's loopback up (SIOCGIFFLAGS, then SIOCSIFFLAGS with IFF_UP), through any socket. */
function loopbackUp(fd: number): void {
  const ifreq = new Uint8Array(40);
  ifreq.set(new TextEncoder().encode('lo'));
  ok(net.ioctl(fd, NET.SIOCGIFFLAGS, ifreq), 'read the loopback\'s flags');
  const v = new DataView(ifreq.buffer);
  v.setUint16(16, v.getUint16(16, true) | NET.IFF_UP, true);
  ok(net.ioctl(fd, NET.SIOCSIFFLAGS, ifreq), 'bring the loopback up');
}

const EADDRNOTAVAIL = 99;

function openSockets(track: (fd: number) => number, notices: string[], wantIpv6: boolean): Sockets {
  const packetSocket = (): number => {
    const fd = track(ok(net.socket(NET.AF_PACKET, NET.SOCK_RAW | NET.SOCK_CLOEXEC, be16(NET.ETH_P_ALL)), 'a packet socket'));
    ok(net.setsockopt(fd, NET.SOL_SOCKET, SO_RCVBUFFORCE, new Uint8Array(new Int32Array([RCVBUF]).buffer)), 'SO_RCVBUFFORCE');
    return fd;
  };
  // The filter goes on before the loopback is up: no packet reaches either socket unfiltered.
  const tap = packetSocket();
  const filtered = packetSocket();
  attachFilter(filtered, ARTICLE_FILTER);
  const sockets: Sockets = { tap, filtered, send: {}, listen: {} };
  for (const family of ['ipv4', 'ipv6'] as const) {
    const domain = family === 'ipv4' ? NET.AF_INET : NET.AF_INET6;
    if (family === 'ipv6' && !wantIpv6) continue;
    const listen = net.socket(domain, NET.SOCK_DGRAM | NET.SOCK_CLOEXEC, 0);
    if (listen < 0 && family === 'ipv6') {
      notices.push(`No IPv6 packets were sent: this kernel has no IPv6 (${errorText(listen)}).`);
      continue;
    }
    sockets.listen[family] = track(ok(listen, `a UDP socket for ${family}`));
    ok(net.setsockopt(listen, NET.SOL_SOCKET, SO_RCVBUFFORCE, new Uint8Array(new Int32Array([RCVBUF]).buffer)), 'SO_RCVBUFFORCE');
    sockets.send[family] = track(ok(net.socket(domain, NET.SOCK_DGRAM | NET.SOCK_CLOEXEC, 0), `a UDP socket for ${family}`));
  }
  loopbackUp(sockets.send.ipv4!);
  // Bound once the loopback is up (binding to a device that is down leaves an ENETDOWN error pending).
  ok(net.bind(tap, sockaddrLl()), 'bind to the loopback');
  ok(net.bind(filtered, sockaddrLl()), 'bind to the loopback');
  // ::1 exists once the loopback is up.
  for (const family of ['ipv4', 'ipv6'] as const) {
    const listen = sockets.listen[family];
    if (listen === undefined) continue;
    const bound = net.bind(listen, sockaddr(family));
    if (bound === -EADDRNOTAVAIL && family === 'ipv6') {
      // IPv6 is there but switched off for new namespaces (disable_ipv6): the loopback has no ::1.
      notices.push('No IPv6 packets were sent: IPv6 is disabled on this machine\'s new network namespaces.');
      delete sockets.listen.ipv6;
      delete sockets.send.ipv6;
      continue;
    }
    ok(bound, `listen on ${family === 'ipv4' ? '127.0.0.1' : '[::1]'}:${PORT}`);
  }
  return sockets;
}

interface Tally { ipv4: number; ipv6: number; other: number }

/** Reads every packet queued on a packet socket, counted by its Ethernet type; `keep` sees each one. */
function drainPackets(fd: number, tally: Tally, keep?: (family: Family, outgoing: boolean, bytes: Uint8Array) => void): void {
  const buffer = new Uint8Array(PACKET_BYTES);
  const from = new Uint8Array(20);
  for (;;) {
    const n = net.recvfrom(fd, buffer, from);
    if (n === -NET.EAGAIN) return;
    ok(n, 'read a packet');
    const v = new DataView(from.buffer);
    const type = v.getUint16(2, false);
    const family = type === NET.ETH_P_IP ? 'ipv4' : type === NET.ETH_P_IPV6 ? 'ipv6' : null;
    if (!family) tally.other++;
    else {
      tally[family]++;
      keep?.(family, from[10] === NET.PACKET_OUTGOING, buffer.subarray(0, Math.min(n, PACKET_BYTES)));
    }
  }
}

/** Reads every datagram queued on a UDP socket; returns how many. */
function drainDatagrams(fd: number | undefined): number {
  if (fd === undefined) return 0;
  const buffer = new Uint8Array(64);
  const from = new Uint8Array(28);
  for (let n = 0; ; n++) {
    const r = net.recvfrom(fd, buffer, from);
    if (r === -NET.EAGAIN) return n;
    ok(r, 'read a datagram');
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** Runs the lesson: sends `counts` datagrams of each family and returns what the kernel did with them. */
export async function classicLesson(counts: { ipv4: number; ipv6: number }): Promise<ClassicLesson> {
  const fds: number[] = [];
  const track = (fd: number): number => (fds.push(fd), fd);
  try {
    const notices: string[] = [];
    const s = inPrivateNetwork(() => openSockets(track, notices, counts.ipv6 > 0));
    const sent = { ipv4: 0, ipv6: 0 };
    const delivered = { ipv4: 0, ipv6: 0 };
    const seen: Tally = { ipv4: 0, ipv6: 0, other: 0 };
    const accepted: Tally = { ipv4: 0, ipv6: 0, other: 0 };
    const samples: ClassicLesson['samples'] = [];
    const sample = (family: Family, outgoing: boolean, bytes: Uint8Array): void => {
      const direction = outgoing ? 'outgoing' : 'incoming';
      if (!samples.some((x) => x.family === family && x.direction === direction)) {
        samples.push({ family, direction, bytes: hex(bytes.subarray(0, SAMPLE_BYTES)) });
      }
    };
    const drain = (): void => {
      delivered.ipv4 += drainDatagrams(s.listen.ipv4);
      delivered.ipv6 += drainDatagrams(s.listen.ipv6);
      drainPackets(s.tap, seen, sample);
      drainPackets(s.filtered, accepted);
    };
    const payload = new TextEncoder().encode('BPF Lab: classic BPF lesson');
    for (const family of ['ipv4', 'ipv6'] as const) {
      const fd = s.send[family];
      if (fd === undefined) continue;
      const to = sockaddr(family);
      for (let i = 0; i < counts[family]; i++) {
        ok(net.sendto(fd, payload, to), `send a datagram over ${family}`);
        sent[family]++;
        if (i % 64 === 63) {
          drain();
          await new Promise(setImmediate); // the helper's sessions go on meanwhile
        }
      }
    }
    for (const end = performance.now() + DELIVERY_WAIT_MS; ;) {
      drain();
      if ((delivered.ipv4 === sent.ipv4 && delivered.ipv6 === sent.ipv6) || performance.now() > end) break;
      await sleep(5);
    }
    drain();
    if (delivered.ipv4 !== sent.ipv4 || delivered.ipv6 !== sent.ipv6) {
      notices.push(`Only ${delivered.ipv4} of ${sent.ipv4} IPv4 and ${delivered.ipv6} of ${sent.ipv6} IPv6 datagrams arrived, so the counts are not exact.`);
    }
    const statistics = (fd: number): DataView => {
      const bytes = new Uint8Array(8);
      ok(net.getsockopt(fd, NET.SOL_PACKET, NET.PACKET_STATISTICS, bytes), 'PACKET_STATISTICS');
      return new DataView(bytes.buffer);
    };
    const st = statistics(s.filtered);
    const tapDrops = statistics(s.tap).getUint32(4, true);
    if (tapDrops > 0) notices.push(`The socket without a filter had no room for ${tapDrops} packets, so what it saw is short by as many.`);
    return {
      version: LESSON_VERSION, filter: readFilter(s.filtered), sent, delivered, seen, accepted,
      kernel: { passed: st.getUint32(0, true), noRoom: st.getUint32(4, true) }, samples, notices,
    };
  } finally {
    for (const fd of fds) net.close(fd);
  }
}
