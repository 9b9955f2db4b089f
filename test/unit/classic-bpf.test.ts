// The classic BPF machine of src/shared/classic-bpf.ts against tcpdump, which compiles filter
// expressions into the same instructions (tcpdump -dd) and prints them (tcpdump -d): for
// programs that use every instruction class, each instruction must read exactly as tcpdump
// reads it. The machine's steps are checked on packets built by hand; the kernel's own verdict
// on the article's filter is in test/kernel/lesson.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ARTICLE_FILTER, classicExplain, classicText, runClassic, type SockFilter } from '../../src/shared/classic-bpf.js';

function haveTcpdump(): boolean {
  return spawnSync('tcpdump', ['--version']).status === 0;
}

/** tcpdump's instructions and its text for one filter expression. */
function tcpdump(expression: string): { program: SockFilter[]; text: string[] } {
  // -i lo: a Linux link type, so that inbound, ifindex and vlan compile to the kernel's ancillary loads.
  const dd = spawnSync('tcpdump', ['-i', 'lo', '-dd', expression], { encoding: 'utf8' });
  const d = spawnSync('tcpdump', ['-i', 'lo', '-d', expression], { encoding: 'utf8' });
  assert.equal(dd.status, 0, dd.stderr);
  const program = [...dd.stdout.matchAll(/\{ (0x[0-9a-f]+), (\d+), (\d+), (0x[0-9a-f]+) \}/g)]
    .map((m) => ({ code: Number(m[1]), jt: Number(m[2]), jf: Number(m[3]), k: Number(m[4]) }));
  const text = d.stdout.trim().split('\n').map((l) => l.replace(/^\(\d+\)\s+/, '').replace(/\s+/g, ' ').trim());
  return { program, text };
}

const EXPRESSIONS = [
  'ether proto 0x800', 'ip and tcp port 80', 'ip[2:2] > 100', 'len > 100', 'len < 60', 'ip[0] & 0xf > 5',
  'ip[2:2] - 20 > (ip[0] & 0xf) * 4', 'ip[2:2] * 3 / 2 % 7 > 1', 'ip[2:2] << 2 >> 1 | 3 ^ 4 > 0', 'ether[0] & 1 != 0',
  'ip6 and udp', 'ip[2:2] + ip[4:2] = 9', 'ip[2:2] >= 10', '0 = -ip[2:2]', 'ip[ip[0]&0xf] = 1', 'ip[2:2] = len',
  'ip[2:2] / ip[4:2] = 7', 'ip[2:2] % ip[4:2] = 1', 'ip[2:2] > ip[4:2]', 'ip[2:2] >= ip[4:2]', 'ip[2:2] ^ ip[4:2] = 1',
  'ip[2:2] | ip[4:2] = 1', 'ip[2:2] << ip[4:2] = 1', 'ip[2:2] >> ip[4:2] = 1', 'ip[2:4] = 1', 'ip[2:2] & ip[4:2] != 0',
  // Negative constants, and the kernel's ancillary loads (packet type, interface, VLAN).
  'ip[2:2] + 4294967295 = 1', 'ip[2:2] * 4294967295 = 1', 'inbound', 'outbound', 'ifindex 1', 'vlan 5',
];

test('every instruction reads as tcpdump -d reads it, over every instruction class', (t) => {
  if (!haveTcpdump()) {
    if (process.env.CI) throw new Error('tcpdump is needed to check the classic BPF decoder');
    t.skip('tcpdump is not installed');
    return;
  }
  const classes = new Set<number>();
  for (const e of EXPRESSIONS) {
    const { program, text } = tcpdump(e);
    assert.ok(program.length > 0 && program.length === text.length, e);
    assert.deepEqual(program.map((insn, pc) => classicText(insn, pc)), text, e);
    for (const insn of program) classes.add(insn.code & 0x07);
  }
  // stx is the one class libpcap's compiler never emits.
  assert.deepEqual([...classes].sort(), [0, 1, 2, 4, 5, 6, 7]);
  assert.equal(classicText({ code: 0x03, jt: 0, jf: 0, k: 5 }, 0), 'stx M[5]');
});

test('the article\'s filter is tcpdump\'s "ether proto 0x800", keeping the whole packet: ret #-1', (t) => {
  if (!haveTcpdump()) {
    if (process.env.CI) throw new Error('tcpdump is needed to check the classic BPF decoder');
    t.skip('tcpdump is not installed');
    return;
  }
  const { program } = tcpdump('ether proto 0x800');
  assert.deepEqual(ARTICLE_FILTER.slice(0, 2), program.slice(0, 2));
  assert.deepEqual([ARTICLE_FILTER[2]!.k, ARTICLE_FILTER[3]!.k], [0xffffffff, program[3]!.k]);
  assert.deepEqual(ARTICLE_FILTER.map((insn, pc) => classicText(insn, pc)), ['ldh [12]', 'jeq #0x800 jt 2 jf 3', 'ret #-1', 'ret #0']);
});

test('codes the kernel refuses read as unimp, and the machine will not run such a filter', () => {
  for (const code of [0x0a, 0x0e, 0x0d, 0x8c, 0x1e, 0xff]) {
    assert.equal(classicText({ code, jt: 0, jf: 0, k: 0 }, 0), `unimp 0x${code.toString(16)}`);
  }
  const refused = (program: SockFilter[]): string | undefined => runClassic(program, frame(0x800)).unknown;
  assert.match(refused([{ code: 0x0e, jt: 0, jf: 0, k: 0 }])!, /not a classic BPF instruction/);
  assert.match(refused([{ code: 0x02, jt: 0, jf: 0, k: 16 }, { code: 0x06, jt: 0, jf: 0, k: 0 }])!, /beyond M\[15\]/);
  assert.match(refused([{ code: 0x15, jt: 5, jf: 0, k: 0 }, { code: 0x06, jt: 0, jf: 0, k: 0 }])!, /jumps past the end/);
  assert.match(refused([{ code: 0x64, jt: 0, jf: 0, k: 32 }, { code: 0x06, jt: 0, jf: 0, k: 0 }])!, /shifts by 32/);
  assert.match(refused([{ code: 0x00, jt: 0, jf: 0, k: 1 }])!, /must return/);
  // An ancillary load: only the kernel knows the packet's type.
  assert.match(runClassic([{ code: 0x28, jt: 0, jf: 0, k: 0xfffff004 }, { code: 0x16, jt: 0, jf: 0, k: 0 }], frame(0x800)).unknown!, /metadata/);
});

test('a shift by X uses its low 5 bits, and X + k wraps at 32 bits, as in the kernel', () => {
  // ldx #33; ld #1; lsh x; ret a → 1 << (33 & 31) = 2
  const shift: SockFilter[] = [{ code: 0x01, jt: 0, jf: 0, k: 33 }, { code: 0x00, jt: 0, jf: 0, k: 1 }, { code: 0x6c, jt: 0, jf: 0, k: 0 },
    { code: 0x16, jt: 0, jf: 0, k: 0 }];
  assert.equal(runClassic(shift, frame(0x800)).verdict, 2);
  // ldx #4; ldb [x + 0xfffffffe] reads byte 2; ret a
  const wrap: SockFilter[] = [{ code: 0x01, jt: 0, jf: 0, k: 4 }, { code: 0x50, jt: 0, jf: 0, k: 0xfffffffe }, { code: 0x16, jt: 0, jf: 0, k: 0 }];
  const packet = frame(0x800);
  packet[2] = 77;
  assert.equal(runClassic(wrap, packet).verdict, 77);
});

/** An Ethernet frame of this type, then `rest`. */
const frame = (type: number, rest: number[] = []): Uint8Array => Uint8Array.from([...new Array(12).fill(0), type >> 8, type & 0xff, ...rest]);

test('the machine steps through the article\'s filter: IPv4 kept whole, IPv6 dropped', () => {
  const v4 = runClassic(ARTICLE_FILTER, frame(0x0800, [0x45]));
  assert.equal(v4.verdict, 0xffffffff);
  assert.deepEqual(v4.steps.map((s) => [s.pc, s.a, s.next]), [[0, 0x800, 1], [1, 0x800, 2], [2, 0x800, null]]);
  const v6 = runClassic(ARTICLE_FILTER, frame(0x86dd));
  assert.equal(v6.verdict, 0);
  assert.deepEqual(v6.steps.map((s) => [s.pc, s.a, s.next]), [[0, 0x86dd, 1], [1, 0x86dd, 3], [3, 0x86dd, null]]);
});

test('a load past the packet\'s end, or a division by zero, drops it, as in the kernel', () => {
  assert.equal(runClassic(ARTICLE_FILTER, Uint8Array.from([0, 0, 0])).verdict, 0);
  const divide: SockFilter[] = [{ code: 0x01, jt: 0, jf: 0, k: 0 }, { code: 0x3c, jt: 0, jf: 0, k: 0 }, { code: 0x06, jt: 0, jf: 0, k: 1 }];
  const r = runClassic(divide, frame(0x800));
  assert.deepEqual([r.verdict, r.steps.at(-1)!.pc], [0, 1]);
});

test('X, the scratch cells, ALU and ret a: an IPv4 header length through ldxb, st and ld M[]', () => {
  // X = 4 * (ip[0] & 0xf); A = X; M[3] = A; A = 0; A = M[3]; A += 6; return A
  const program: SockFilter[] = [
    { code: 0xb1, jt: 0, jf: 0, k: 14 }, { code: 0x87, jt: 0, jf: 0, k: 0 }, { code: 0x02, jt: 0, jf: 0, k: 3 },
    { code: 0x00, jt: 0, jf: 0, k: 0 }, { code: 0x60, jt: 0, jf: 0, k: 3 }, { code: 0x04, jt: 0, jf: 0, k: 6 },
    { code: 0x16, jt: 0, jf: 0, k: 0 },
  ];
  assert.deepEqual(program.map((p, i) => classicText(p, i)), ['ldxb 4*([14]&0xf)', 'txa', 'st M[3]', 'ld #0x0', 'ld M[3]', 'add #6', 'ret']);
  assert.equal(runClassic(program, frame(0x800, [0x46])).verdict, 30);
});

test('each instruction of the article\'s filter is explained in plain words', () => {
  assert.deepEqual(ARTICLE_FILTER.map((insn, pc) => classicExplain(insn, pc)), [
    'A = the 16 bits at byte 12 of the packet: the Ethernet type (0x800 is IPv4, 0x86dd IPv6)',
    'if A == 0x800 go to 2, else to 3', 'keep the packet, all of it (up to 4 GiB)', 'return 0: drop the packet',
  ]);
});
