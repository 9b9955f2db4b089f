/**
 * The app's contract between the UI and its backend, whichever carries it:
 * Electron IPC (preload) or `bpf-lab serve` (HTTP calls, and a streamed response of frames for
 * the live events: live-wire.ts).
 * One channel map with a request and a reply schema per call, the live events,
 * and the LabApi the renderer programs against. Both ends validate with these.
 */
import { z } from 'zod';
import { costSchema, inspectSchema, sampleSchema } from './inspect.js';
import { classicLessonSchema } from './lesson.js';
import {
  errorDataSchema, idSchema, lessonParamsSchema, resultSchemas, startParamsSchema,
} from './protocol.js';
import { TRACE_RECORD_STRIDE } from './trace-frame.js';

const id = idSchema;
const count = z.number().int().min(0);

/** How the helper got its privileges: the app was already root, or pkexec asked. */
export const PRIVILEGE_MODES = ['root', 'pkexec'] as const;
export type PrivilegeMode = (typeof PRIVILEGE_MODES)[number];

export const helperStateSchema = z.discriminatedUnion('state', [
  z.strictObject({ state: z.literal('starting'), privilege: z.enum(PRIVILEGE_MODES) }),
  z.strictObject({
    state: z.literal('ready'), privilege: z.enum(PRIVILEGE_MODES), version: z.string(),
    kernel: resultSchemas.hello.shape.kernel, scope: resultSchemas.hello.shape.scope,
  }),
  /** The helper is gone (it never started, or it died); `error` says why. Restart may help. */
  z.strictObject({ state: z.literal('stopped'), privilege: z.enum(PRIVILEGE_MODES), error: errorDataSchema }),
]);
export type HelperState = z.infer<typeof helperStateSchema>;

/**
 * What the app may ask for: the helper's start parameters (protocol.ts) without the ones the
 * backend sets itself (armOnExec, stats, verifierLog, calls), and with live snapshots always on.
 */
export const startRequestSchema = startParamsSchema.pick({ mode: true, probe: true, layout: true, pid: true }).extend({
  /** Milliseconds between histogram snapshots (stat only). */
  intervalMs: z.number().int().min(100).max(60_000).default(2000),
});
export type StartRequest = z.input<typeof startRequestSchema>;

export const sessionInfoSchema = z.strictObject({
  session: id,
  mode: z.enum(['stat', 'trace']),
  /** The probe as asked for (auto, a catalog id, or a custom spec's name). */
  probe: z.string(),
  /** What is actually attached, e.g. `tracepoint:syscalls:sys_enter_read`. */
  via: z.string(),
  layout: z.string(),
  intervalMs: z.number().int(),
  pid: z.number().int().optional(),
  notices: z.array(z.string()),
  /** Wall-clock milliseconds (Date.now()) at start. */
  startedAt: z.number(),
});
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

export const labStatusSchema = z.strictObject({
  helper: helperStateSchema,
  sessions: z.array(sessionInfoSchema),
});
export type LabStatus = z.infer<typeof labStatusSchema>;

export const stopResultSchema = resultSchemas.stop;
export type StopResult = z.infer<typeof stopResultSchema>;
export const probesResultSchema = resultSchemas.probes;
export type ProbesResult = z.infer<typeof probesResultSchema>;

const empty = z.strictObject({});
const lessonRequestSchema = lessonParamsSchema;

/** Every call the UI can make: channel name → request and reply schemas. */
export const channels = {
  'lab:status': { request: empty, reply: labStatusSchema },
  'lab:probes': { request: z.strictObject({ refresh: z.boolean().optional() }), reply: probesResultSchema },
  'lab:start': { request: startRequestSchema, reply: sessionInfoSchema },
  'lab:stop': { request: z.strictObject({ session: id }), reply: stopResultSchema },
  'lab:restart': { request: empty, reply: labStatusSchema },
  /** The running session's program as the kernel holds it: decoded once, for the Inside view. */
  'lab:inspect': { request: z.strictObject({ session: id }), reply: inspectSchema },
  /** Its maps' contents and its cost, read again (the Inside view refreshes them with the histogram). */
  'lab:sample': { request: z.strictObject({ session: id }), reply: sampleSchema },
  /** The classic BPF lesson, run by the kernel on a loopback of its own. */
  'lab:lesson': { request: lessonRequestSchema, reply: classicLessonSchema },
} as const;
export type Channel = keyof typeof channels;
export type ChannelRequest<C extends Channel> = z.input<(typeof channels)[C]['request']>;
/** A request after validation, defaults filled in: what handlers receive. */
export type ChannelRequestParsed<C extends Channel> = z.infer<(typeof channels)[C]['request']>;
export type ChannelReply<C extends Channel> = z.infer<(typeof channels)[C]['reply']>;

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.hasOwn(channels, name);
}

/** What every call returns across a boundary: a value or an error, as plain data. */
export const envelopeSchema = z.discriminatedUnion('ok', [
  z.strictObject({ ok: z.literal(true), value: z.unknown() }),
  z.strictObject({ ok: z.literal(false), error: errorDataSchema }),
]);
export type Envelope = z.infer<typeof envelopeSchema>;

/** The most live messages per second a subscriber receives. */
export const LIVE_FRAMES_PER_SECOND = 60;

export const histogramSnapshotSchema = z.strictObject({
  session: id, counts: z.array(count), total: count, missed: count,
  /** What the program's runs have cost so far (the app's sessions always ask for it). */
  cost: costSchema.optional(),
  /** Wall-clock milliseconds when the backend received it. */
  at: z.number(),
});
export type HistogramSnapshot = z.infer<typeof histogramSnapshotSchema>;

export const traceBatchSchema = z.strictObject({
  session: id,
  /** How many records `records` holds. */
  count,
  /**
   * The records as the helper sent them (trace-frame.ts: TRACE_RECORD_STRIDE bytes each), read in
   * place: the length is checked against `count` once per batch, never per event.
   */
  records: z.instanceof(Uint8Array),
  /** Events lost so far in the kernel and the helper (cumulative). */
  lost: count,
  /**
   * Events of this session that reached the backend from the helper, up to and including this
   * batch (cumulative). What a subscriber did not receive of them was dropped on its way: a full
   * queue, a subscriber too slow to take its frames, or a live stream that had to reconnect.
   */
  passed: count,
  at: z.number(),
}).refine((b) => b.records.length === b.count * TRACE_RECORD_STRIDE, { message: 'records do not match their count' });
export type TraceBatch = z.infer<typeof traceBatchSchema>;

export const liveEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('status'), status: labStatusSchema }),
  /** Everything that streamed in since the last frame; at most LIVE_FRAMES_PER_SECOND a second. */
  z.strictObject({
    type: z.literal('frame'), histograms: z.array(histogramSnapshotSchema), traces: z.array(traceBatchSchema),
  }),
  /** A session is over: stopped by a client (with its final counts) or cut short by an error. */
  z.strictObject({
    type: z.literal('ended'), session: id, result: stopResultSchema.optional(), error: errorDataSchema.optional(),
    /** A trace session's final TraceBatch.passed: every event of it that reached the backend. */
    passed: count.optional(),
  }),
  z.strictObject({ type: z.literal('log'), level: z.enum(['error', 'warn', 'info', 'debug']), message: z.string() }),
]);
export type LiveEvent = z.infer<typeof liveEventSchema>;

/**
 * What a transport provides: the preload exposes one as `window.bpfLab`, the
 * browser client builds one on fetch. Only plain data crosses (and trace records, as bytes).
 */
export interface LabTransport {
  invoke(channel: Channel, payload: unknown): Promise<Envelope>;
  /** Starts the live stream for this listener; returns the function that ends it. */
  subscribe(listener: (event: unknown) => void): () => void;
}

/** The API the renderer programs against; failures reject with LabError. */
export interface LabApi {
  call<C extends Channel>(channel: C, request: ChannelRequest<C>): Promise<ChannelReply<C>>;
  subscribe(listener: (event: LiveEvent) => void): () => void;
}
