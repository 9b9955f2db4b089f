/**
 * eBPF instructions as text, in the grammar of the kernel's own disassembler (the one behind
 * the verifier log and `bpftool prog dump xlated`): `(bf) r6 = r1`, `(61) r2 = *(u32 *)(r1 +8)`,
 * `(85) call bpf_get_current_pid_tgid`. Table-driven over the instruction's class, operation,
 * source, size and mode, so every class decodes. Two things read better for a learner than the
 * kernel's raw form: a helper call names the helper without its raw offset, and a map reference
 * names the map (`map[counts]`) rather than its id.
 *
 * An instruction is 8 bytes: opcode, then dst (low nibble) and src (high nibble) registers,
 * a signed 16-bit offset and a signed 32-bit immediate. A 64-bit load (ld_imm64) takes two.
 */

export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

export interface DecodedInsn {
  /** The instruction's index in the program (a 64-bit load takes two, so the next one skips one). */
  index: number;
  /** The opcode byte. */
  code: number;
  text: string;
}

export interface DisasmNames {
  /** The helper a call at this index reaches (the kernel's symbol), or null if unknown. */
  call(insn: Insn, index: number): string | null;
  /** The name of the map with this id, or null if unknown. */
  map(id: number): string | null;
  /**
   * Show `<kernel address>` instead of a constant that is one (a 64-bit load in the kernel's half
   * of the address space, or a 32-bit one that sign-extends into its image, as the verifier
   * writes for per-CPU variables): for a caller who is not root.
   */
  hideAddresses?: boolean;
}

/**
 * Whether a 64-bit value is a kernel address: in the kernel's half of the address space, below
 * its top 16 MiB (where small negative numbers, -8 or -1, sit too, and no code or data does).
 */
export function isKernelAddress(value: bigint): boolean {
  return value >= 0xffff800000000000n && value < 0xffffffffff000000n;
}
/** Text (a verifier log, machine code) with every 64-bit constant that is a kernel address replaced. */
export function hideKernelAddresses(text: string): { text: string; hidden: boolean } {
  let hidden = false;
  const out = text.replace(/0xffff[0-9a-f]{12}\b/g, (hex) => (isKernelAddress(BigInt(hex)) && (hidden = true) ? HIDDEN_ADDRESS : hex));
  return { text: out, hidden };
}

/** A 32-bit immediate that sign-extends into the kernel's image (the top 2 GiB, as above). */
const KERNEL_IMAGE_IMM = -0x1000000;
export const HIDDEN_ADDRESS = '<kernel address>';

export const INSN_BYTES = 8;

const CLASS = ['ld', 'ldx', 'st', 'stx', 'alu', 'jmp', 'jmp32', 'alu64'] as const;
const ALU_OPS = ['+=', '-=', '*=', '/=', '|=', '&=', '<<=', '>>=', 'neg', '%=', '^=', '=', 's>>=', 'endian'];
const SIGNED_ALU_OPS: Record<number, string> = { 3: 's/=', 9: 's%=' };
const JMP_OPS = ['goto', '==', '>', '>=', '&', '!=', 's>', 's>=', 'call', 'exit', '<', '<=', 's<', 's<='];
const SIZES = ['u32', 'u16', 'u8', 'u64'];
const SIGNED_SIZES = ['s32', 's16', 's8', 's64'];
const ATOMIC_NAMES: Record<number, string> = { 0x00: 'add', 0x40: 'or', 0x50: 'and', 0xa0: 'xor' };
const MOVSX: Record<number, string> = { 8: '(s8)', 16: '(s16)', 32: '(s32)' };

const MODE_IMM = 0x00;
const MODE_ABS = 0x20;
const MODE_IND = 0x40;
const MODE_MEM = 0x60;
const MODE_MEMSX = 0x80;
const MODE_ATOMIC = 0xc0;
const SIZE_DW = 0x18;
const FETCH = 0x01;
const XCHG = 0xe1;
const CMPXCHG = 0xf1;
const LOAD_ACQUIRE = 0x100;
const STORE_RELEASE = 0x110;
const PSEUDO_FUNC = 4;
const MAY_GOTO = 1;
/** ld_imm64 source registers that mean "this is a map" (BPF_PSEUDO_MAP_FD, _VALUE, _IDX, _IDX_VALUE). */
const PSEUDO_MAP = new Set([1, 2, 5, 6]);
const PSEUDO_MAP_VALUE = new Set([2, 6]);
const PSEUDO_CALL = 1;

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');
const signedOff = (n: number): string => (n >= 0 ? `+${n}` : `${n}`);

/** Reads instruction i of a program's bytes. */
export function readInsn(bytes: Uint8Array, i: number): Insn {
  const view = new DataView(bytes.buffer, bytes.byteOffset + i * INSN_BYTES, INSN_BYTES);
  const regs = view.getUint8(1);
  return { code: view.getUint8(0), dst: regs & 0x0f, src: regs >> 4, off: view.getInt16(2, true), imm: view.getInt32(4, true) };
}

function alu(insn: Insn, wide: boolean, hide: boolean): string {
  const reg = wide ? 'r' : 'w';
  const op = insn.code & 0xf0;
  const fromReg = (insn.code & 0x08) !== 0;
  if (op === 0xd0) {
    return wide ? `r${insn.dst} = bswap${insn.imm} r${insn.dst}` : `r${insn.dst} = ${fromReg ? 'be' : 'le'}${insn.imm} r${insn.dst}`;
  }
  if (op === 0x80) return `${reg}${insn.dst} = -${reg}${insn.dst}`;
  if (wide && op === 0xb0 && fromReg && insn.off === 1) {
    return `r${insn.dst} = addr_space_cast(r${insn.src}, ${insn.imm >>> 16}, ${insn.imm & 0xffff})`;
  }
  // The verifier's own form: dst = src plus this CPU's per-CPU offset.
  if (wide && op === 0xb0 && fromReg && insn.off === -1) return `r${insn.dst} = &(void __percpu *)(r${insn.src})`;
  const name = (insn.off === 1 && SIGNED_ALU_OPS[op >> 4]) || ALU_OPS[op >> 4] || `alu?${hex2(op)}`;
  if (!fromReg) return `${reg}${insn.dst} ${name} ${hide && wide && insn.imm <= KERNEL_IMAGE_IMM ? HIDDEN_ADDRESS : insn.imm}`;
  const sx = op === 0xb0 ? MOVSX[insn.off] ?? '' : '';
  return `${reg}${insn.dst} ${name} ${sx}${reg}${insn.src}`;
}

function store(insn: Insn): string {
  const size = SIZES[(insn.code & 0x18) >> 3]!;
  const at = `(${size} *)(r${insn.dst} ${signedOff(insn.off)})`;
  const mode = insn.code & 0xe0;
  if (mode === MODE_MEM) return `*${at} = r${insn.src}`;
  if (mode !== MODE_ATOMIC) return `BUG_stx_${hex2(insn.code)}`;
  const wide = (insn.code & 0x18) === SIZE_DW ? '64' : '';
  const op = ATOMIC_NAMES[insn.imm & ~FETCH];
  if (op && !(insn.imm & FETCH)) return `lock *${at} ${ALU_OPS[(insn.imm & 0xf0) >> 4]} r${insn.src}`;
  if (op) return `r${insn.src} = atomic${wide}_fetch_${op}(${at}, r${insn.src})`;
  if (insn.imm === XCHG) return `r${insn.src} = atomic${wide}_xchg(${at}, r${insn.src})`;
  if (insn.imm === CMPXCHG) return `r0 = atomic${wide}_cmpxchg(${at}, r0, r${insn.src})`;
  if (insn.imm === LOAD_ACQUIRE) return `r${insn.dst} = load_acquire((${size} *)(r${insn.src} ${signedOff(insn.off)}))`;
  if (insn.imm === STORE_RELEASE) return `store_release(${at}, r${insn.src})`;
  return `BUG_${hex2(insn.code)}`;
}

function jump(insn: Insn, wide: boolean, index: number, names: DisasmNames): string {
  const op = insn.code & 0xf0;
  const reg = wide ? 'r' : 'w';
  if (op === 0x80) {
    // A call of a function of the program itself: in a dump of the loaded program, off holds where it is.
    if (insn.src === PSEUDO_CALL) return `call pc${signedOff(insn.off)}`;
    return `call ${names.call(insn, index) ?? 'unknown'}`;
  }
  if (op === 0x00 && wide) return insn.code & 0x08 ? `gotox r${insn.dst}` : `goto pc${signedOff(insn.off)}`;
  if (op === 0x00) return `gotol pc${signedOff(insn.imm)}`;
  if (op === 0x90 && wide) return 'exit';
  if (op === 0xe0 && wide && insn.src === MAY_GOTO) return `may_goto pc${signedOff(insn.off)}`;
  const name = JMP_OPS[op >> 4] ?? `jmp?${hex2(op)}`;
  const right = insn.code & 0x08 ? `${reg}${insn.src}` : `0x${(insn.imm >>> 0).toString(16)}`;
  return `if ${reg}${insn.dst} ${name} ${right} goto pc${signedOff(insn.off)}`;
}

function load64(insn: Insn, next: Insn | undefined, names: DisasmNames): string {
  if (PSEUDO_MAP.has(insn.src)) {
    const map = `map[${names.map(insn.imm) ?? `id:${insn.imm}`}]`;
    return `r${insn.dst} = ${PSEUDO_MAP_VALUE.has(insn.src) ? `${map}[0]+${next?.imm ?? 0}` : map}`;
  }
  if (insn.src === PSEUDO_FUNC) return `r${insn.dst} = subprog[${signedOff(insn.imm)}]`;
  const value = BigInt.asUintN(64, (BigInt(next?.imm ?? 0) << 32n) | BigInt(insn.imm >>> 0));
  if (names.hideAddresses && isKernelAddress(value)) return `r${insn.dst} = ${HIDDEN_ADDRESS}`;
  return `r${insn.dst} = 0x${value.toString(16)}`;
}

/** One instruction as text; `next` is the one after it (the upper half of a 64-bit load). */
export function formatInsn(insn: Insn, next: Insn | undefined, index: number, names: DisasmNames): string {
  const cls = CLASS[insn.code & 0x07]!;
  const size = (insn.code & 0x18) >> 3;
  const mode = insn.code & 0xe0;
  let text: string;
  switch (cls) {
    case 'alu': case 'alu64': text = alu(insn, cls === 'alu64', names.hideAddresses === true); break;
    case 'stx': text = store(insn); break;
    case 'st':
      text = mode === MODE_MEM ? `*(${SIZES[size]} *)(r${insn.dst} ${signedOff(insn.off)}) = ${insn.imm}`
        : mode === MODE_ATOMIC ? 'nospec' : `BUG_st_${hex2(insn.code)}`;
      break;
    case 'ldx':
      text = mode === MODE_MEM || mode === MODE_MEMSX
        ? `r${insn.dst} = *(${(mode === MODE_MEM ? SIZES : SIGNED_SIZES)[size]} *)(r${insn.src} ${signedOff(insn.off)})`
        : `BUG_ldx_${hex2(insn.code)}`;
      break;
    case 'ld':
      text = mode === MODE_IMM && (insn.code & 0x18) === SIZE_DW ? load64(insn, next, names)
        : mode === MODE_ABS ? `r0 = *(${SIZES[size]} *)skb[${insn.imm}]`
          : mode === MODE_IND ? `r0 = *(${SIZES[size]} *)skb[r${insn.src} + ${insn.imm}]` : `BUG_ld_${hex2(insn.code)}`;
      break;
    case 'jmp': case 'jmp32': text = jump(insn, cls === 'jmp', index, names); break;
  }
  return `(${hex2(insn.code)}) ${text}`;
}

/** Every instruction of a program, a 64-bit load as one line at its first index, as the kernel prints them. */
export function disassemble(bytes: Uint8Array, names: DisasmNames): DecodedInsn[] {
  const count = Math.floor(bytes.length / INSN_BYTES);
  const out: DecodedInsn[] = [];
  for (let i = 0; i < count; i++) {
    const insn = readInsn(bytes, i);
    const wide = insn.code === 0x18;
    const next = wide && i + 1 < count ? readInsn(bytes, i + 1) : undefined;
    out.push({ index: i, code: insn.code, text: formatInsn(insn, next, i, names) });
    if (wide) i++;
  }
  return out;
}
