/**
 * The helper protocol: every message between a client (the CLI, Electron main)
 * and the root helper, as zod schemas and the types inferred from them. Both
 * sides validate with these; nothing else defines a message.
 */
import type { TraceFrame } from './trace-frame.js';
import { z } from 'zod';
import { parseLayout } from './buckets.js';
import { clipHead, ERROR_CODES } from './errors.js';
import { costSchema, inspectSchema, sampleSchema } from './inspect.js';
import { classicLessonSchema, MAX_LESSON_PACKETS } from './lesson.js';
import {
  CATALOG_IDS, KERNEL_SYMBOL, MAX_ARG, MAX_PID, TRACE_NAME, USER_SYMBOL,
} from './probes.js';

export const PROTOCOL_VERSION = 3;

/** Whose processes a caller's sessions count: every process (root), or only the caller's own. */
export const SCOPES = ['every-process', 'own-processes'] as const;
export type Scope = (typeof SCOPES)[number];
export { MAX_FRAME_BYTES } from './framing.js';
export const MAX_SESSIONS = 8;
/** The helper's exit status when it lacks the privileges to trace. */
export const HELPER_EXIT_NOT_PRIVILEGED = 77;
/** The helper's exit status when its stdin and stdout are not pipes held by the process that started it. */
export const HELPER_EXIT_WRONG_CLIENT = 78;
/** The helper's exit status when its caller, a user who is not root, already runs MAX_HELPERS_PER_USER helpers. */
export const HELPER_EXIT_TOO_MANY = 79;
/** The helper's exit status when Node's inspector is not closed for good (helper/no-inspector.ts). */
export const HELPER_EXIT_INSPECTOR = 80;
/**
 * The launcher's exit status when the caller lowered a hard resource limit (open files, file
 * size) below what the helper needs and root cannot raise it (no CAP_SYS_RESOURCE).
 */
export const HELPER_EXIT_LIMITS = 81;
/** How many helpers one user who is not root may run at once (helper/user-cap.ts). */
export const MAX_HELPERS_PER_USER = 4;

/** Message ids. */
export const idSchema = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const id = idSchema;
/** Session ids, which the client chooses: a trace frame's header carries one in 32 bits (trace-frame.ts). */
const MAX_SESSION_ID = 0xffff_ffff;
const session = z.number().int().min(1).max(MAX_SESSION_ID);
/** A process id, as filters take it. */
export const pidSchema = z.number().int().min(1).max(MAX_PID);
const pid = pidSchema;
const arg = z.number().int().min(1).max(MAX_ARG);

export const probeSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('catalog'), id: z.enum(CATALOG_IDS) }),
  z.strictObject({ kind: z.literal('kprobe'), func: z.string().regex(KERNEL_SYMBOL), arg }),
  z.strictObject({
    kind: z.literal('tracepoint'),
    category: z.string().regex(TRACE_NAME), event: z.string().regex(TRACE_NAME), field: z.string().regex(TRACE_NAME),
  }),
  z.strictObject({
    kind: z.literal('uprobe'),
    path: z.string().min(2).max(4096).regex(/^\/[^\0]*$/, 'must be an absolute path'),
    symbol: z.string().regex(USER_SYMBOL),
    arg,
  }),
]);

/** A layout travels as its text form (`seed`, `log2`, `linear:MIN:MAX:STEP`) and must parse. */
export const layoutSchema = z.string().max(80).refine((text) => {
  try {
    parseLayout(text);
    return true;
  } catch {
    return false;
  }
}, { message: 'must be seed, log2 or linear:MIN:MAX:STEP with STEP dividing MAX - MIN' });

const envelope = { v: z.literal(PROTOCOL_VERSION), id };

/** The classic BPF lesson's choices: how many IPv4 and IPv6 datagrams to send. */
export const lessonParamsSchema = z.strictObject({
  lesson: z.literal('classic-bpf'),
  ipv4: z.number().int().min(0).max(MAX_LESSON_PACKETS).default(5),
  ipv6: z.number().int().min(0).max(MAX_LESSON_PACKETS).default(3),
});

/** What a session starts with: the one definition, which the app's lab:start narrows (lab-api.ts). */
export const startParamsSchema = z.strictObject({
  mode: z.enum(['stat', 'trace']),
  probe: probeSpecSchema,
  layout: layoutSchema.default('seed'),
  pid: pid.optional(),
  /** With pid: count nothing until that process calls exec (how `-- CMD` starts clean). */
  armOnExec: z.boolean().default(false),
  /**
   * Measure what each run of the program costs (run_cnt, run_time_ns), through a BPF_ENABLE_STATS
   * fd the session holds: the kernel then times every BPF program until the last such fd closes.
   */
  stats: z.boolean().default(false),
  /** Keep the verifier's log of this load (level 1 with statistics), for inspect. */
  verifierLog: z.boolean().default(false),
  /** Record the bpf(), perf_event_open() and perf ioctl() calls that load and attach this probe, for inspect. */
  calls: z.boolean().default(false),
  /** Milliseconds between live histogram snapshots; 0 for none (only the final one, at stop). */
  intervalMs: z.number().int().min(0).max(60_000).refine((ms) => ms === 0 || ms >= 100, 'must be 0 or at least 100')
    .default(2000),
});

export const requestSchema = z.discriminatedUnion('method', [
  z.strictObject({ ...envelope, method: z.literal('hello'), params: z.strictObject({}) }),
  z.strictObject({
    ...envelope,
    method: z.literal('probes'),
    /** refresh: try every probe again now, instead of the answer kept for this boot. */
    params: z.strictObject({ refresh: z.boolean().optional() }),
  }),
  z.strictObject({
    ...envelope,
    method: z.literal('start'),
    /**
     * session: the id the client chose for it, which no running session of this helper holds. The
     * client knows it before the reply, so every push of the session finds its reader.
     */
    params: startParamsSchema.extend({ session }),
  }),
  z.strictObject({ ...envelope, method: z.literal('stop'), params: z.strictObject({ session }) }),
  /** The running session's program, maps and instructions, as the kernel holds them (src/shared/inspect.ts). */
  z.strictObject({ ...envelope, method: z.literal('inspect'), params: z.strictObject({ session }) }),
  /** What changes while it runs: its maps' contents and what its runs cost. Cheap: nothing is decoded. */
  z.strictObject({ ...envelope, method: z.literal('sample'), params: z.strictObject({ session }) }),
  /** The classic BPF lesson: the article's filter on a private loopback, with packets of known counts (src/shared/lesson.ts). */
  z.strictObject({ ...envelope, method: z.literal('lesson'), params: lessonParamsSchema }),
]);

export type Request = z.infer<typeof requestSchema>;
export type Method = Request['method'];
export type Params<M extends Method> = Extract<Request, { method: M }>['params'];
export type StartParams = Params<'start'>;

export const reasonSchema = z.strictObject({ code: z.string(), message: z.string() });
export type Reason = z.infer<typeof reasonSchema>;

/** An error as data (LabError.toData), on every boundary. */
export const errorDataSchema = z.strictObject({
  code: z.enum(ERROR_CODES), message: z.string(), detail: z.string().optional(),
});

export type { TraceEvent } from './trace-frame.js';

const kernelInfoSchema = z.strictObject({
  release: z.string(), arch: z.string(), kprobes: z.boolean(), uprobes: z.boolean(), btf: z.boolean(),
  tracefs: z.boolean(), libbpf: z.string(),
});

export const probeStatusSchema = z.strictObject({
  id: z.enum(CATALOG_IDS),
  title: z.string(),
  description: z.string(),
  available: z.boolean(),
  via: z.string().optional(),
  reasons: z.array(reasonSchema),
  /** For a probe that cannot work here: the catalog probes closest to it that do, best first. */
  alternatives: z.array(z.enum(CATALOG_IDS)).optional(),
});
export type ProbeStatus = z.infer<typeof probeStatusSchema>;

const histogramBody = {
  session,
  counts: z.array(z.number().int().min(0)),
  total: z.number().int().min(0),
  /**
   * Hits of this program the kernel skipped because another BPF program was running on that CPU
   * (counted by Linux 6.7+; 0 before). The kernel counts them before the program can check the
   * process, so with a pid filter this is an upper bound.
   */
  missed: z.number().int().min(0),
  /** What the program's runs have cost so far, when the session asked for statistics (start's `stats`). */
  cost: costSchema.optional(),
};

/** Results, one per method. */
export const resultSchemas = {
  hello: z.strictObject({
    protocol: z.literal(PROTOCOL_VERSION), version: z.string(), kernel: kernelInfoSchema,
    /** Whose processes this caller's sessions count (helper/caller.ts): a caller who is not root, only their own. */
    scope: z.enum(SCOPES),
  }),
  probes: z.strictObject({
    kernel: kernelInfoSchema,
    probes: z.array(probeStatusSchema),
    /** When the probes were tried (ms since the epoch): the answer is kept for the rest of the boot. */
    checkedAt: z.number().int().min(0).max(8.64e15),
  }),
  start: z.strictObject({
    session, mode: z.enum(['stat', 'trace']), probe: z.string(), via: z.string(), layout: z.string(),
    notices: z.array(z.string()),
  }),
  stop: z.strictObject({
    session,
    histogram: z.strictObject(histogramBody).optional(),
    /** seen = events received + lost, exactly; missed as for histograms, and not part of seen. */
    trace: z.strictObject({ seen: z.number().int(), lost: z.number().int(), missed: z.number().int() }).optional(),
  }),
  inspect: inspectSchema,
  sample: sampleSchema,
  lesson: classicLessonSchema,
} satisfies Record<Method, z.ZodType>;
export type Result<M extends Method> = z.infer<(typeof resultSchemas)[M]>;
export type KernelInfo = z.infer<typeof kernelInfoSchema>;

export const replySchema = z.discriminatedUnion('type', [
  z.strictObject({ v: z.literal(PROTOCOL_VERSION), type: z.literal('response'), id, result: z.unknown() }),
  z.strictObject({ v: z.literal(PROTOCOL_VERSION), type: z.literal('error'), id: id.nullable(), error: errorDataSchema }),
  /** A periodic snapshot of a stat session. */
  z.strictObject({ v: z.literal(PROTOCOL_VERSION), type: z.literal('histogram'), ...histogramBody }),
  z.strictObject({
    v: z.literal(PROTOCOL_VERSION), type: z.literal('log'),
    level: z.enum(['error', 'warn', 'info', 'debug']), message: z.string(),
  }),
]);
export type Reply = z.infer<typeof replySchema>;
/** Pushes: histograms and logs as JSON, and trace records as binary frames (trace-frame.ts), checked once each. */
export type Push = Exclude<Reply, { type: 'response' | 'error' }> | TraceFrame;
export type HistogramPush = Extract<Reply, { type: 'histogram' }>;

/** How much of a bad message an error quotes: enough to recognise it, never the whole input. */
const MAX_QUOTE = 200;

/** Describes the first problem zod found, in one line, for error responses; quoted input is cut short. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid message';
  const path = issue.path.length ? issue.path.map((p) => clipHead(String(p), MAX_QUOTE)).join('.') : 'message';
  return `${path}: ${clipHead(issue.message, MAX_QUOTE)}`;
}
