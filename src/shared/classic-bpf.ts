/**
 * The classic BPF machine of the learn-bpf article (McCanne and Jacobson's): an accumulator A,
 * an index register X, sixteen 32-bit scratch cells M[0..15] and a program counter that only
 * moves forward. This decodes its instructions (struct sock_filter: code, jt, jf, k) into the
 * text `tcpdump -d` prints, table-driven over every instruction class, and runs a program on
 * one packet step by step, to show what each instruction did. The kernel's verdict stays the
 * truth: the lesson counts what the kernel accepted, and the tests hold this machine to it.
 * It refuses what the kernel would refuse (classicProblem), and says so for the loads of packet
 * metadata that only the kernel can answer.
 */

export interface SockFilter {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** The article's filter: accept a packet (all of it) when its Ethernet type is IPv4, else drop it. */
export const ARTICLE_FILTER: readonly SockFilter[] = [
  { code: 0x28, jt: 0, jf: 0, k: 12 }, // ldh [12]
  { code: 0x15, jt: 0, jf: 1, k: 0x800 }, // jeq #0x800 (ETHERTYPE_IP)
  { code: 0x06, jt: 0, jf: 0, k: 0xffffffff }, // ret #-1: keep up to 4 GiB, the whole packet
  { code: 0x06, jt: 0, jf: 0, k: 0 }, // ret #0: drop
];

const CLASS = { ld: 0x00, ldx: 0x01, st: 0x02, stx: 0x03, alu: 0x04, jmp: 0x05, ret: 0x06, misc: 0x07 } as const;
const SIZE_NAMES: Record<number, string> = { 0x00: '', 0x08: 'h', 0x10: 'b' };
const MODE = { imm: 0x00, abs: 0x20, ind: 0x40, mem: 0x60, len: 0x80, msh: 0xa0 } as const;
/** ALU operations, their names, and whether tcpdump prints their constant in hex. */
const ALU: Record<number, [name: string, hex: boolean]> = {
  0x00: ['add', false], 0x10: ['sub', false], 0x20: ['mul', false], 0x30: ['div', false], 0x40: ['or', true],
  0x50: ['and', true], 0x60: ['lsh', false], 0x70: ['rsh', false], 0x80: ['neg', false], 0x90: ['mod', false],
  0xa0: ['xor', true],
};
const JMP: Record<number, string> = { 0x00: 'ja', 0x10: 'jeq', 0x20: 'jgt', 0x30: 'jge', 0x40: 'jset' };
const SRC_X = 0x08;
const RET_A = 0x16;
/** The kernel's "ancillary" loads: offsets from SKF_AD_OFF (-4096) that read packet metadata; named as tcpdump names them. */
const SKF_AD_OFF = -0x1000;
const ANCILLARY: Record<number, string> = { 4: 'type', 8: 'ifidx', 44: 'vlan_tci', 48: 'vlanp' };

/**
 * Every instruction code the kernel accepts in a classic filter (net/core/filter.c's
 * bpf_check_classic): any other code is refused when the filter is attached.
 */
export const VALID_CODES: ReadonlySet<number> = new Set([
  ...[0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0].flatMap((op) => [0x04 | op, 0x04 | op | SRC_X]), 0x84,
  0x20, 0x28, 0x30, 0x80, 0x40, 0x48, 0x50, 0x00, 0x60, // ld: abs w/h/b, len, ind w/h/b, imm, mem
  0x81, 0xb1, 0x01, 0x61, // ldx: len, msh, imm, mem
  0x02, 0x03, 0x07, 0x87, 0x06, RET_A, // st, stx, tax, txa, ret k, ret a
  0x05, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d, // ja, jeq, jgt, jge, jset (k and x)
]);

const hex = (k: number): string => `#0x${(k >>> 0).toString(16)}`;
/** tcpdump prints most constants as signed 32-bit numbers: the article's `ret #-1`. */
const signed = (k: number): number => k | 0;

function absolute(k: number): string {
  const name = signed(k) >= SKF_AD_OFF && signed(k) < 0 ? ANCILLARY[signed(k) - SKF_AD_OFF] : undefined;
  return name ?? String(signed(k));
}

/** One instruction as `tcpdump -d` shows it, without the leading `(NNN)`: `ldh [12]`, `jeq #0x800 jt 2 jf 3`, `ret #-1`. */
export function classicText(insn: SockFilter, pc: number): string {
  const { code, k } = insn;
  if (!VALID_CODES.has(code)) return `unimp 0x${code.toString(16)}`;
  const size = SIZE_NAMES[code & 0x18] ?? '';
  const mode = code & 0xe0;
  const x = (code & SRC_X) !== 0;
  switch (code & 0x07) {
    case CLASS.ld:
      if (mode === MODE.imm) return `ld ${hex(k)}`;
      if (mode === MODE.abs) return `ld${size} [${absolute(k)}]`;
      if (mode === MODE.ind) return `ld${size} [x + ${signed(k)}]`;
      if (mode === MODE.mem) return `ld M[${signed(k)}]`;
      return 'ld #pktlen';
    case CLASS.ldx:
      if (mode === MODE.imm) return `ldx ${hex(k)}`;
      if (mode === MODE.mem) return `ldx M[${signed(k)}]`;
      if (mode === MODE.len) return 'ldx #pktlen';
      return `ldxb 4*([${signed(k)}]&0xf)`;
    case CLASS.st: return `st M[${signed(k)}]`;
    case CLASS.stx: return `stx M[${signed(k)}]`;
    case CLASS.alu: {
      const [name, inHex] = ALU[code & 0xf0]!;
      if (name === 'neg') return 'neg';
      return `${name} ${x ? 'x' : inHex ? hex(k) : `#${signed(k)}`}`;
    }
    case CLASS.jmp: {
      const op = JMP[code & 0xf0]!;
      if (op === 'ja') return `ja ${pc + 1 + (k >>> 0)}`;
      return `${op} ${x ? 'x' : hex(k)} jt ${pc + 1 + insn.jt} jf ${pc + 1 + insn.jf}`;
    }
    case CLASS.ret:
      return code === RET_A ? 'ret' : `ret #${signed(k)}`;
    default:
      return code === 0x87 ? 'txa' : 'tax';
  }
}

/**
 * Why the kernel would refuse this filter when it is attached (bpf_check_classic), or null:
 * an unknown code, a jump past the end, a scratch cell beyond M[15], a constant shift of 32
 * or more or division by a constant 0, or a last instruction that is not a return.
 */
export function classicProblem(program: readonly SockFilter[]): string | null {
  if (program.length === 0 || program.length > 4096) return 'a filter has 1 to 4096 instructions';
  for (const [pc, insn] of program.entries()) {
    const { code, k } = insn;
    const where = `instruction ${pc} (${classicText(insn, pc)})`;
    if (!VALID_CODES.has(code)) return `${where} is not a classic BPF instruction`;
    const cls = code & 0x07;
    if ((cls === CLASS.st || cls === CLASS.stx || ((cls === CLASS.ld || cls === CLASS.ldx) && (code & 0xe0) === MODE.mem)) && k >>> 0 >= 16) {
      return `${where} uses a scratch cell beyond M[15]`;
    }
    if (cls === CLASS.alu && !(code & SRC_X) && (((code & 0xf0) === 0x30 || (code & 0xf0) === 0x90) && k === 0)) return `${where} divides by 0`;
    if (cls === CLASS.alu && !(code & SRC_X) && ((code & 0xf0) === 0x60 || (code & 0xf0) === 0x70) && k >>> 0 >= 32) return `${where} shifts by 32 or more`;
    if (cls === CLASS.jmp) {
      const targets = (code & 0xf0) === 0x00 ? [pc + 1 + (k >>> 0)] : [pc + 1 + insn.jt, pc + 1 + insn.jf];
      if (targets.some((t) => t >= program.length)) return `${where} jumps past the end`;
    }
  }
  const last = program.at(-1)!;
  return last.code === 0x06 || last.code === RET_A ? null : 'the last instruction must return';
}

const WIDTH: Record<number, string> = { 0x00: '32 bits', 0x08: '16 bits', 0x10: 'byte' };

/** What an instruction does, in plain words, for the lesson's listing. */
export function classicExplain(insn: SockFilter, pc: number): string {
  const { code, k } = insn;
  const mode = code & 0xe0;
  const width = WIDTH[code & 0x18] ?? '';
  const target = (n: number): number => pc + 1 + n;
  switch (code & 0x07) {
    case CLASS.ld:
      if (mode === MODE.abs) {
        const what = k === 12 && width === '16 bits' ? ': the Ethernet type (0x800 is IPv4, 0x86dd IPv6)' : '';
        return `A = the ${width} at byte ${k >>> 0} of the packet${what}`;
      }
      if (mode === MODE.ind) return `A = the ${width} at byte X + ${k >>> 0}`;
      if (mode === MODE.len) return 'A = the packet\'s length';
      if (mode === MODE.mem) return `A = M[${k & 15}]`;
      return `A = ${k >>> 0}`;
    case CLASS.ldx:
      if (mode === MODE.msh) return `X = 4 × the low 4 bits of byte ${k >>> 0} (an IPv4 header's length)`;
      return mode === MODE.len ? 'X = the packet\'s length' : mode === MODE.mem ? `X = M[${k & 15}]` : `X = ${k >>> 0}`;
    case CLASS.st: return `M[${k & 15}] = A`;
    case CLASS.stx: return `M[${k & 15}] = X`;
    case CLASS.alu: {
      const name = ALU[code & 0xf0]?.[0] ?? '?';
      if (name === 'neg') return 'A = -A';
      const sign = { add: '+', sub: '-', mul: '*', div: '/', or: '|', and: '&', lsh: '<<', rsh: '>>', mod: '%', xor: '^' }[name] ?? name;
      return `A = A ${sign} ${(code & SRC_X) ? 'X' : k >>> 0}`;
    }
    case CLASS.jmp: {
      const op = JMP[code & 0xf0];
      if (op === 'ja') return `go to ${target(k >>> 0)}`;
      const test = { jeq: '==', jgt: '>', jge: '>=', jset: '&' }[op ?? 'jeq'];
      return `if A ${test} ${(code & SRC_X) ? 'X' : `0x${(k >>> 0).toString(16)}`} go to ${target(insn.jt)}, else to ${target(insn.jf)}`;
    }
    case CLASS.ret:
      if (code === RET_A) return 'return A: keep that many bytes';
      return k === 0 ? 'return 0: drop the packet' : k >>> 0 === 0xffffffff ? 'keep the packet, all of it (up to 4 GiB)' : `keep its first ${k >>> 0} bytes`;
    default:
      return (code & 0xf8) === 0x80 ? 'A = X' : 'X = A';
  }
}

/** What one instruction left behind, as the machine steps through a packet. */
export interface ClassicStep {
  pc: number;
  text: string;
  a: number;
  x: number;
  /** The instruction that runs next, or null when this one returned. */
  next: number | null;
}

export interface ClassicRun {
  steps: ClassicStep[];
  /** What the program returned: how many bytes of the packet to keep; 0 drops it. */
  verdict: number;
  /** Set when this machine cannot say what the kernel did: the kernel refuses the filter, or it reads packet metadata. */
  unknown?: string;
}

/** Reads a big-endian value of `bytes` bytes at `at`, or null past the packet's end (the kernel then drops it). */
function load(packet: Uint8Array, at: number, bytes: number): number | null {
  if (at < 0 || at + bytes > packet.length) return null;
  let v = 0;
  for (let i = 0; i < bytes; i++) v = (v * 256) + packet[at + i]!;
  return v >>> 0;
}

const u32 = (v: number): number => v >>> 0;

/** A's new value after an ALU instruction; null for a division by zero (the packet is dropped). */
function alu(op: number, a: number, operand: number): number | null {
  switch (op) {
    case 0x00: return u32(a + operand);
    case 0x10: return u32(a - operand);
    case 0x20: return u32(Math.imul(a, operand));
    case 0x30: return operand === 0 ? null : u32(Math.floor(a / operand));
    case 0x40: return u32(a | operand);
    case 0x50: return u32(a & operand);
    // A shift by X uses its low 5 bits, as the kernel's 32-bit shifts do (a constant shift is below 32).
    case 0x60: return u32(a << (operand & 31));
    case 0x70: return a >>> (operand & 31);
    case 0x80: return u32(-a);
    case 0x90: return operand === 0 ? null : u32(a % operand);
    case 0xa0: return u32(a ^ operand);
    default: return null;
  }
}

/**
 * Runs the program on one packet (from its link-layer header on, as a packet socket sees it),
 * as the kernel's classic BPF machine would, and records each step. Jumps only go forward, so
 * it ends within the program's length.
 */
export function runClassic(program: readonly SockFilter[], packet: Uint8Array): ClassicRun {
  const problem = classicProblem(program);
  if (problem) return { steps: [], verdict: 0, unknown: `The kernel would refuse this filter: ${problem}.` };
  const m = new Uint32Array(16);
  let a = 0;
  let x = 0;
  const steps: ClassicStep[] = [];
  const stop = (pc: number, verdict: number): ClassicRun => {
    steps.push({ pc, text: classicText(program[pc]!, pc), a, x, next: null });
    return { steps, verdict };
  };
  for (let pc = 0; pc < program.length;) {
    const insn = program[pc]!;
    const { code, k } = insn;
    const mode = code & 0xe0;
    const bytes = { 0x00: 4, 0x08: 2, 0x10: 1 }[code & 0x18] ?? 4;
    let next = pc + 1;
    switch (code & 0x07) {
      case CLASS.ld: {
        let v: number | null;
        // The kernel adds X and k as 32-bit numbers; a negative offset reads metadata this machine does not have.
        const at = mode === MODE.abs ? signed(k) : mode === MODE.ind ? signed(x + k) : 0;
        if ((mode === MODE.abs || mode === MODE.ind) && at < 0) {
          steps.push({ pc, text: classicText(insn, pc), a, x, next: null });
          return { steps, verdict: 0, unknown: 'It reads packet metadata (an ancillary load), which only the kernel has.' };
        }
        if (mode === MODE.abs || mode === MODE.ind) v = load(packet, at, bytes);
        else if (mode === MODE.len) v = packet.length;
        else if (mode === MODE.mem) v = m[k]!;
        else v = k >>> 0;
        if (v === null) return stop(pc, 0);
        a = v;
        break;
      }
      case CLASS.ldx: {
        if (mode === MODE.msh) {
          const b = load(packet, k >>> 0, 1);
          if (b === null) return stop(pc, 0);
          x = (b & 0xf) * 4;
        } else if (mode === MODE.len) x = packet.length;
        else if (mode === MODE.mem) x = m[k]!;
        else x = k >>> 0;
        break;
      }
      case CLASS.st: m[k] = a; break;
      case CLASS.stx: m[k] = x; break;
      case CLASS.alu: {
        const v = alu(code & 0xf0, a, (code & SRC_X) ? x : k >>> 0);
        if (v === null) return stop(pc, 0);
        a = v;
        break;
      }
      case CLASS.jmp: {
        const op = code & 0xf0;
        const operand = (code & SRC_X) ? x : k >>> 0;
        if (op === 0x00) next = pc + 1 + (k >>> 0);
        else {
          const taken = op === 0x10 ? a === operand : op === 0x20 ? a > operand : op === 0x30 ? a >= operand : (a & operand) !== 0;
          next = pc + 1 + (taken ? insn.jt : insn.jf);
        }
        break;
      }
      case CLASS.ret:
        return stop(pc, code === RET_A ? a : k >>> 0);
      default:
        if ((code & 0xf8) === 0x80) a = x;
        else x = a;
    }
    steps.push({ pc, text: classicText(insn, pc), a, x, next });
    pc = next;
  }
  return { steps, verdict: 0 }; // not reached: classicProblem checked that the last instruction returns
}
