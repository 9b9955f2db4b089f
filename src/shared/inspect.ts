/**
 * What `inspect` returns for a running session: the program as the kernel holds it, its maps
 * and its instructions as loaded, each tied to its line of C. One validated, versioned message,
 * the same for the CLI (`bpf-lab inspect --json`) and the app. Everything in it comes from the
 * running kernel (bpf_prog_info, bpf_map_info, the program's BTF), never from what we meant
 * to load. It holds no kernel addresses: helper calls are named, maps are named.
 */
import { z } from 'zod';

export const INSPECT_VERSION = 2;

const count = z.number().int().min(0);

export const sourceLineSchema = z.strictObject({
  file: z.string(), line: count, column: count,
  /** The line of C, as the compiler stored it in the program's BTF. */
  source: z.string(),
});
export type SourceLine = z.infer<typeof sourceLineSchema>;

export const programInfoSchema = z.strictObject({
  id: count,
  name: z.string(),
  /** The program type, as libbpf names it: kprobe, tracepoint… */
  type: z.string(),
  /** The kernel's hash of the instructions, in hex (bpftool's "tag"). */
  tag: z.string().regex(/^[0-9a-f]{16}$/),
  /** How it is attached, in words. */
  attach: z.string(),
  /** Instructions libbpf handed to BPF_PROG_LOAD (insn_cnt, from the recorded call; null when calls were not recorded). */
  insnsSubmitted: count.nullable(),
  /** Instructions after the verifier's rewrites, as the kernel keeps them (xlated). */
  insnsXlated: count,
  /** Instructions the verifier processed, counting every path it walked (0 before Linux 5.16). */
  verifiedInsns: count,
  jitEnabled: z.boolean(),
  /** Bytes of machine code the JIT made (0 when the program is interpreted). */
  jitedBytes: count,
  /** When it was loaded: nanoseconds since boot. */
  loadTimeNs: count,
  mapIds: z.array(count),
  runCnt: count,
  runTimeNs: count,
});

const decimal = z.string().regex(/^\d+$/);

/** What a map holds now: numbers as decimal strings, since a u64 may not fit a JSON number. */
export const mapValuesSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('array'),
    /** A per-CPU array keeps one value per CPU for each key; the program adds to its own CPU's, with no locks. */
    perCpu: z.boolean(),
    cpus: count,
    /** The keys whose values are not all 0 (at most a few hundred), with each CPU's value and their sum. */
    entries: z.array(z.strictObject({ key: count, perCpu: z.array(decimal), sum: decimal })),
    /** How many keys are not 0 in all, listed or not. */
    nonZero: count,
  }),
  /** A .rodata map: the settings written before loading, field by field, named as in the C source. */
  z.strictObject({ kind: z.literal('config'), fields: z.array(z.strictObject({ name: z.string(), value: decimal })) }),
  /** A ring buffer: its size, and the bytes written and not yet read (null where it cannot be mapped). */
  z.strictObject({ kind: z.literal('ring'), size: count, used: count.nullable() }),
]);
export type MapValues = z.infer<typeof mapValuesSchema>;

export const mapInfoSchema = z.strictObject({
  id: count, name: z.string(), type: z.string(), keySize: count, valueSize: count, maxEntries: count, flags: count,
  /** Its contents now; null for a kind of map the view does not show. */
  values: mapValuesSchema.nullable(),
});

export const xlatedInsnSchema = z.strictObject({
  index: count,
  /** The opcode byte. */
  code: count,
  text: z.string(),
  line: sourceLineSchema.optional(),
});

export const jitInsnSchema = z.strictObject({
  /** Offset in the program's machine code. */
  offset: count,
  /** The instruction's bytes in hex; empty where they would hold a kernel address the caller may not see. */
  bytes: z.string(),
  text: z.string(),
  line: sourceLineSchema.optional(),
});

/**
 * One system call the helper made while it loaded and attached the program, as the kernel
 * received it: bpf() with its command, perf_event_open(), or a perf ioctl().
 */
export const syscallSchema = z.strictObject({
  syscall: z.enum(['bpf', 'perf_event_open', 'ioctl']),
  /** bpf()'s command (BPF_MAP_CREATE…), the ioctl's request (PERF_EVENT_IOC_SET_BPF…), or the event type opened. */
  cmd: z.string(),
  /** The attributes as passed, decoded and named as in the kernel's headers; u64s that do not fit a number are decimal strings. */
  attrs: z.record(z.string(), z.union([z.number(), z.string()])),
  /** What the call returned: a new fd, 0, or -errno. */
  ret: z.number().int(),
  /** For a failed call, the errno's name and meaning. */
  error: z.string().nullable(),
});
export type Syscall = z.infer<typeof syscallSchema>;

/** The kernel's run counters: runs and nanoseconds in all (counted only while statistics are on). */
export const costSchema = z.strictObject({ runCnt: count, runTimeNs: count });

/** The line of an inspection's `withheld` that says the run counters are not shown (to a caller scoped to their own processes). */
export const RUNS_WITHHELD = 'Run counts and times: the kernel counts every run of the program, other users\' too, so they are for '
  + 'root and for instructors running BPF Lab for every process.';
export type Cost = z.infer<typeof costSchema>;

/** The line of an inspection's `withheld` that says some machine code bytes are blank (a caller who is not root). */
export const JIT_BYTES_WITHHELD = 'Rows with no bytes hold a kernel address, or the distance from this program to one (a call or '
  + 'jump out of it, a map\'s address): root only, since with the program\'s own address they tell where the kernel was '
  + 'loaded, which the kernel picks at random to make attacks harder.';

/** What changes while a program runs, read again without decoding anything: its maps and its cost. */
export const sampleSchema = z.strictObject({
  cost: costSchema,
  maps: z.array(mapInfoSchema),
});
export type Sample = z.infer<typeof sampleSchema>;

export const inspectSchema = z.strictObject({
  version: z.literal(INSPECT_VERSION),
  program: programInfoSchema,
  maps: z.array(mapInfoSchema),
  xlated: z.array(xlatedInsnSchema),
  /** The JIT's x86-64 code, disassembled (empty when the program is interpreted or the kernel hides it: see withheld). */
  jited: z.array(jitInsnSchema),
  /** The BPF C of the program, each file whole, with the lines its instructions come from. */
  sources: z.array(z.strictObject({ file: z.string(), text: z.string(), usedLines: z.array(count) })),
  /** The verifier's log of this load, when the session kept it, with its count of processed instructions. */
  verifier: z.strictObject({ log: z.string(), processedInsns: count.nullable() }).nullable(),
  /** The calls that loaded and attached it, in order, when the session recorded them; with how many did not fit. */
  syscalls: z.strictObject({ calls: z.array(syscallSchema), dropped: count }).nullable(),
  /** What was left out for this caller, and why, in plain words. */
  withheld: z.array(z.string()),
});
export type Inspection = z.infer<typeof inspectSchema>;
