/**
 * Reading the verifier's log for a learner: how many instructions it processed, and, when it
 * refused a program, the instruction it stopped at, the line of C that instruction came from,
 * and the common reasons in plain words. The log's format is the kernel's: each instruction
 * it checks as `12: (61) r1 = *(u32 *)(r0 +0)`, the source line before it as
 * `; *on = 1; @ size_source.h:64`, and the complaint on the line after.
 */

export interface Rejection {
  /** The verifier's own words, the last line that is not a summary. */
  message: string;
  /** What that means, in plain words, when it is one of the common rejections. */
  explanation: string | null;
  /** The instruction it stopped at, as the log shows it. */
  insn: { index: number; text: string } | null;
  /** The line of C that instruction came from, as the log names it. */
  line: { source: string; file: string; line: number } | null;
}

/** Common rejections: what the verifier says, and what it means for the program's author. */
const REASONS: Array<[RegExp, string]> = [
  [/invalid mem access '(map_value_or_null|\w+_or_null)'|R\d+ invalid mem access '\w*or_null'/,
    'The program uses a pointer that may be NULL. A map lookup returns NULL when the key is not there, and the verifier '
    + 'insists on a check (if (!value) return 0;) before the value is read or written.'],
  [/back-edge from insn|infinite loop detected|loop is not bounded|unbounded loop/,
    'The program may loop forever. The verifier must see that every loop ends: give it a fixed bound, or use bpf_loop().'],
  [/cannot call GPL-restricted function|GPL-incompatible|gpl_only/i,
    'The program calls a helper that only GPL-compatible programs may use. Declare its license as GPL-compatible '
    + '(char LICENSE[] SEC("license") = "GPL";).'],
  [/invalid mem access|invalid access to (map value|memory|packet)|out of bounds|min value is negative|max value is outside/,
    'The program reads or writes memory it may not touch: outside a map value, the stack or its context. '
    + 'Every access must be provably in bounds, so check offsets and sizes before using them.'],
  [/invalid read from stack|invalid indirect read from stack|uninit/,
    'The program reads stack memory it never wrote. Initialise a variable (or the whole struct) before passing it on.'],
  [/unknown func|program of this type cannot use helper/,
    'The program calls a helper that this program type (or this kernel) does not offer.'],
  [/BPF program is too large|too many states|The sequence of \d+ jumps is too complex/,
    'The program is too complex for the verifier to check within its limits. Make it smaller or simplify its branches.'],
];

/** "processed 127 insns (limit 1000000) ..." from a log with statistics, or null. */
export function processedInsns(log: string): number | null {
  const m = /processed (\d+) insns/.exec(log);
  return m ? Number(m[1]) : null;
}

const INSN = /^(\d+): (\([0-9a-f]{2}\) .*?)(?:\s+;.*)?$/;
const SOURCE = /^; (.*) @ (\S+):(\d+)$/;
const SUMMARY = /^(processed \d+ insns|verification time|stack depth|-- END PROG LOAD LOG --)/;

/** What a refused program's log says went wrong, and where. */
export function readRejection(log: string): Rejection {
  const lines = log.split('\n').map((l) => l.trimEnd()).filter(Boolean);
  let insn: Rejection['insn'] = null;
  let line: Rejection['line'] = null;
  let message = '';
  for (const l of lines) {
    const source = SOURCE.exec(l);
    const at = INSN.exec(l);
    if (source) line = { source: source[1]!.trim(), file: source[2]!, line: Number(source[3]) };
    else if (at) insn = { index: Number(at[1]), text: at[2]! };
    // Anything else that is not register state, a summary or bookkeeping is the verifier speaking.
    else if (!SUMMARY.test(l) && !/^(\d+: )?R\d+\S*=|^(from|last_idx|regs=|parent|frame|func#|mark_precise|; |\s|libbpf:)/.test(l)) message = l;
  }
  const explanation = REASONS.find(([pattern]) => pattern.test(message) || pattern.test(log))?.[1] ?? null;
  return { message, explanation, insn, line };
}
