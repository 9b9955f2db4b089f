/**
 * The JIT's x86-64 machine code as text, with iced-x86 (Rust compiled to WebAssembly: it
 * installs from npm with no download and no native build). AT&T syntax, as objdump prints it.
 * Each function of the program is decoded at its offset in the image, so jumps inside the
 * program read as offsets (the way objdump shows the same bytes), and a call out of it is
 * named through kallsyms (`call bpf_ringbuf_reserve`, `jmp __x86_return_thunk`). Kernel addresses
 * that remain (a map's address loaded with movabs) are shown to root only, and so are the bytes
 * of every instruction that holds an address or a distance out of the program (jit-relocated.ts).
 */
import { createRequire } from 'node:module';
import { HIDDEN_ADDRESS, hideKernelAddresses } from '../src/shared/ebpf-disasm.js';
import { holdsKernelAddress } from './jit-relocated.js';
import type { SourceLine } from '../src/shared/inspect.js';
import type { JitedCode } from './prog-info.js';

type Iced = typeof import('iced-x86');
let iced: Iced | null = null;

/** iced-x86 compiles its WebAssembly when loaded: only on the first inspect, never for stat or trace. */
function disassembler(): Iced {
  iced ??= createRequire(import.meta.url)('iced-x86') as Iced;
  return iced;
}

export interface JitInsn {
  /** Offset of the instruction in the program's image (all its functions, one after the other). */
  offset: number;
  /** The instruction's bytes, in hex. */
  bytes: string;
  text: string;
  line?: SourceLine;
}

export interface JitNames {
  /** The kernel function at exactly this address, or null. */
  symbolAt(address: bigint): string | null;
  /** The line that starts at each image offset, from jited_line_info. */
  lineAt: Map<number, SourceLine>;
  /** Replace kernel addresses in the text (a caller who is not root). */
  hideAddresses: boolean;
}

type Insn = import('iced-x86').Instruction;
/** A direct call, jmp or jcc (an indirect one holds no target). */
const isNearBranch = (i: Insn): boolean => i.isCallNear || i.isJmpShortOrNear || i.isJccShortOrNear;

/** Every instruction of the image; decoded once per inspect request. */
export function disassembleJit(code: JitedCode, names: JitNames): JitInsn[] {
  const { Decoder, DecoderOptions, Formatter, FormatterSyntax } = disassembler();
  const formatter = new Formatter(FormatterSyntax.Gas);
  formatter.uppercaseHex = false;
  formatter.branchLeadingZeros = false;
  const out: JitInsn[] = [];
  // Where each function of the program starts: its address → its offset in the image.
  const starts = new Map<bigint, number>();
  code.funcs.reduce((offset, f) => (starts.set(f.address, offset), offset + f.length), 0);
  let base = 0;
  let line: SourceLine | undefined;
  try {
    for (const func of code.funcs) {
      const bytes = code.bytes.subarray(base, base + func.length);
      const decoder = new Decoder(64, bytes, DecoderOptions.None);
      decoder.ip = BigInt(base);
      try {
        while (decoder.canDecode) {
          const insn = decoder.decode();
          const offset = Number(insn.ip);
          let text = formatter.format(insn);
          const start = BigInt(base);
          const end = start + BigInt(func.length);
          const leaves = isNearBranch(insn) && (insn.nearBranchTarget < start || insn.nearBranchTarget >= end);
          let hidden = false;
          if (leaves) {
            // Decoded at the image offset, so the target wraps below 0 for a branch out of the program.
            const target = BigInt.asUintN(64, func.address + insn.nearBranchTarget - start);
            const name = names.symbolAt(target);
            const own = starts.get(target);
            const mnemonic = text.split(' ')[0]!;
            if (name) text = `${mnemonic} ${name}`;
            else if (own !== undefined) text = `${mnemonic} 0x${own.toString(16)}`; // another function of this program
            else if (names.hideAddresses) [text, hidden] = [`${mnemonic} ${HIDDEN_ADDRESS}`, true];
            else text = `${mnemonic} 0x${target.toString(16)}`;
          }
          if (names.hideAddresses) {
            const shown = hideKernelAddresses(text);
            text = shown.text;
            hidden ||= shown.hidden;
          }
          line = names.lineAt.get(offset) ?? line;
          const own = bytes.subarray(offset - base, offset - base + insn.length);
          // Bytes that hold a kernel address, or the distance to one, go to root only (jit-relocated.ts).
          const blank = names.hideAddresses && (hidden || holdsKernelAddress(insn, start, end));
          const hex = blank ? '' : [...own].map((b) => b.toString(16).padStart(2, '0')).join(' ');
          out.push({ offset, text, bytes: hex, ...(line ? { line } : {}) });
          insn.free();
        }
      } finally {
        decoder.free();
      }
      base += func.length;
    }
  } finally {
    formatter.free();
  }
  return out;
}

/** Image offsets of the lines, from jited_line_info: the address where each line record's code starts. */
export function jitLineOffsets(code: JitedCode, lines: readonly SourceLine[]): Map<number, SourceLine> {
  const at = new Map<number, SourceLine>();
  code.lineAddresses.forEach((address, i) => {
    let base = 0;
    for (const func of code.funcs) {
      if (address >= func.address && address < func.address + BigInt(func.length)) {
        const line = lines[i];
        if (line) at.set(base + Number(address - func.address), line);
        return;
      }
      base += func.length;
    }
  });
  return at;
}
