/**
 * `bpf-lab lesson classic-bpf`: the learn-bpf article's classic BPF filter, run by the kernel
 * on a loopback of its own (helper/classic-lesson.ts). It prints the filter as the kernel holds
 * it, each instruction explained, what it accepted and dropped against a socket that saw every
 * packet, and the machine's steps for one packet of each family. One JSON document with --json.
 */
import type { HelperClient } from '../backend/helper-client.js';
import { classicExplain, classicText, runClassic, type ClassicRun } from '../shared/classic-bpf.js';
import type { ClassicLesson } from '../shared/lesson.js';
import { escapeTerminal } from '../shared/safe-text.js';
import type { Command } from './args.js';
import { ndjson } from './output.js';

type LessonCommand = Extract<Command, { name: 'lesson' }>;
type Sample = ClassicLesson['samples'][number];

const MACHINE = `The classic BPF machine, the one the article starts with, has an accumulator A, an index
register X, sixteen scratch cells M[0] to M[15], and a program counter that only moves forward,
so every filter ends. It runs once per packet, from the packet's first byte (here, the loopback's
14-byte Ethernet header). What it returns is how many bytes of the packet to keep: 0 drops it.
The eBPF machine that BPF Lab's probes use grew out of it: eleven 64-bit registers, a stack,
maps and helper calls. The kernel translates a classic filter like this one into eBPF before it
runs it, and its JIT then makes machine code of that.`;

const bytesOf = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));

/** The machine's run on one sampled packet, from the filter the kernel holds. */
function replay(lesson: ClassicLesson, sample: Sample): ClassicRun {
  return runClassic(lesson.filter, bytesOf(sample.bytes));
}

/** Each step: the instruction, and A after it or where it goes next. */
function stepLines(run: ClassicRun, size: number): string[] {
  return run.steps.map((s) => {
    const what = s.next === null ? (run.verdict === 0 ? 'dropped' : run.verdict >= size ? 'accepted, all of it' : `accepted, its first ${run.verdict} bytes`)
      : s.text.startsWith('j') ? `go to ${s.next}` : `A = 0x${s.a.toString(16)}`;
    return `  (${String(s.pc).padStart(3, '0')}) ${s.text.padEnd(28)} ${what}`;
  });
}

export function formatLesson(l: ClassicLesson): string {
  const table = (label: string, t: { ipv4: number; ipv6: number; other: number }): string =>
    `  ${label.padEnd(22)}${String(t.ipv4).padStart(6)}${String(t.ipv6).padStart(7)}${String(t.other).padStart(8)}`;
  const dropped = { ipv4: l.seen.ipv4 - l.accepted.ipv4, ipv6: l.seen.ipv6 - l.accepted.ipv6, other: l.seen.other - l.accepted.other };
  const lines = [
    'Classic BPF: the article\'s filter, run by the kernel', '', MACHINE, '',
    'The filter, as the kernel holds it on the socket (SO_ATTACH_FILTER, read back with SO_GET_FILTER):',
    ...l.filter.map((insn, pc) => `  (${String(pc).padStart(3, '0')}) ${classicText(insn, pc).padEnd(28)} ${classicExplain(insn, pc)}`),
    '',
    `Sent on the lesson's own loopback: ${l.sent.ipv4} IPv4 and ${l.sent.ipv6} IPv6 UDP datagrams, `
      + `${l.delivered.ipv4 + l.delivered.ipv6} of them delivered.`,
    'A packet socket sees each datagram twice there: going out, and coming back in.',
    `  ${''.padEnd(22)}${'IPv4'.padStart(6)}${'IPv6'.padStart(7)}${'other'.padStart(8)}`,
    table('seen (no filter)', l.seen), table('accepted by the filter', l.accepted), table('dropped by the filter', dropped),
    `The kernel's own count for the filtered socket (PACKET_STATISTICS): ${l.kernel.passed} passed`
      + `${l.kernel.noRoom ? `, ${l.kernel.noRoom} of them dropped for want of room` : ''}.`,
  ];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const sample = l.samples.find((s) => s.family === family && s.direction === 'incoming');
    if (!sample) continue;
    lines.push('', `Step by step, one ${family === 'ipv4' ? 'IPv4' : 'IPv6'} packet as it came in (its first 14 bytes: ${sample.bytes.slice(0, 28)}):`,
      ...stepLines(replay(l, sample), sample.bytes.length / 2));
  }
  for (const n of l.notices) lines.push('', `Note: ${n}`);
  return `${lines.join('\n')}\n`;
}

/** The --json document: the lesson as the helper gave it, each instruction with its text, and each sample's run. */
export function lessonDocument(l: ClassicLesson): object {
  return {
    type: 'lesson', lesson: 'classic-bpf', version: l.version,
    filter: l.filter.map((insn, pc) => ({ ...insn, text: classicText(insn, pc), explanation: classicExplain(insn, pc) })),
    sent: l.sent, delivered: l.delivered, seen: l.seen, accepted: l.accepted,
    kernel: { passed: l.kernel.passed, no_room: l.kernel.noRoom },
    samples: l.samples.map((s) => {
      const run = replay(l, s);
      return { ...s, verdict: run.verdict, steps: run.steps.map((x) => ({ pc: x.pc, text: x.text, a: x.a, x: x.x, next: x.next })) };
    }),
    notices: l.notices,
  };
}

/** Runs the lesson on a started helper and prints it; resolves with the exit status. */
export async function runLesson(client: HelperClient, cmd: LessonCommand, out: (text: string) => void): Promise<number> {
  const lesson = await client.request('lesson', { lesson: cmd.lesson, ipv4: cmd.ipv4, ipv6: cmd.ipv6 });
  out(cmd.json ? `${ndjson(lessonDocument(lesson))}\n` : escapeTerminal(formatLesson(lesson)));
  return 0;
}
