/**
 * Which machine instructions of a JIT image hold, in their encoding, a kernel address or the
 * distance from the image to something outside it. The x86-64 BPF JIT (arch/x86/net/bpf_jit_comp.c)
 * writes such values in four ways, and a caller who is not root sees none of their bytes:
 *
 * - A near call, jmp or jcc whose target lies outside the function being decoded (emit_call,
 *   emit_jump: helpers, kfuncs, __x86_return_thunk and the retpoline thunks, a poked tail call,
 *   a trampoline, another function of the same program). Its rel32 is the distance from this
 *   image to that target: with the image's address, it gives the target's; with a helper's known
 *   place in vmlinux, it gives where the kernel was loaded. A jump inside the function only
 *   holds a distance within the program's own code, which the program alone decides.
 * - A movabs (emit_mov_imm64 of a 64-bit value): the addresses the verifier put in place of a
 *   map, a map value, per-CPU data or a bpf_prog. Every one is withheld, since the encoding
 *   cannot tell an address from a constant; the text still shows a constant that is no address.
 * - Any other immediate that sign-extends to a kernel address (emit_mov_imm64 picks a 32-bit
 *   form for an address in the kernel's top 2 GiB: its image, modules, BPF code), and the 32-bit
 *   low half of a per-CPU variable's address that the verifier inlines (bpf_get_smp_processor_id).
 * - A memory operand with an address in it: absolute (no base, no index, such as
 *   `%gs:this_cpu_off` or `%gs:pcpu_hot+N` in inlined per-CPU code), RIP-relative to outside the
 *   function, or with a displacement that is itself a kernel address.
 */
import type { Instruction } from 'iced-x86';
import { isKernelAddress } from '../src/shared/ebpf-disasm.js';

// iced-x86's OpKind and Register values (const enums in its typings; read here without loading it).
const NEAR_BRANCH = new Set([1, 2, 3]);
const IMMEDIATE64 = 10;
const IMMEDIATE32 = 9;
const IMMEDIATE32TO64 = 14;
const MEMORY = 24;
const NO_REGISTER = 0;

/** A 32-bit immediate as the CPU widens it when it is used as a 64-bit value. */
const signExtend32 = (value: bigint): bigint => BigInt.asUintN(64, BigInt.asIntN(32, value));
/** iced-x86 gives some values signed: as the 64 bits the CPU uses. */
const u64 = (value: bigint): bigint => BigInt.asUintN(64, value);

/**
 * Whether the instruction's bytes hold a kernel address or a distance out of its function, so
 * that they are withheld from a caller who is not root. `start` and `end` bound the function in
 * the decoder's addresses (the image offsets the decoder was given).
 */
export function holdsKernelAddress(insn: Instruction, start: bigint, end: bigint): boolean {
  const outside = (target: bigint): boolean => target < start || target >= end;
  for (let i = 0; i < insn.opCount; i++) {
    const kind = insn.opKind(i) as number;
    if (NEAR_BRANCH.has(kind) && outside(insn.nearBranchTarget)) return true;
    if (kind === IMMEDIATE64) return true;
    if (kind === IMMEDIATE32TO64 && isKernelAddress(u64(insn.immediate(i)))) return true;
    if (kind === IMMEDIATE32 && isKernelAddress(signExtend32(insn.immediate(i)))) return true;
    if (kind !== MEMORY) continue;
    if (insn.isIpRelMemoryOperand) {
      if (outside(u64(insn.ipRelMemoryAddress))) return true;
    } else if (insn.memoryBase === NO_REGISTER && insn.memoryIndex === NO_REGISTER) {
      return true;
    } else if (isKernelAddress(u64(insn.memoryDisplacement))) {
      return true;
    }
  }
  return false;
}
