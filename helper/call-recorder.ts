/**
 * Records the system calls that build a probe: calls.bpf.o sits on the syscalls tracepoints
 * of bpf, perf_event_open and ioctl, armed for the helper's own thread (the only one that calls
 * libbpf) from just before the probe's object is opened until it is attached. What it returns
 * is what the kernel received, errors included: libbpf's feature probes, BTF, maps, the
 * .rodata write and freeze, the program, the perf event and the link.
 */
import fs from 'node:fs';
import type { Syscall } from '../src/shared/inspect.js';
import { BpfObject } from './bpf-object.js';
import { CALL_LOG, CALL_LOG_SIZE, decodeCalls, type CallNames } from './bpf-calls.js';
import { errorText, libbpf } from './libbpf.js';

/** The calls of one load, or why they could not be recorded. */
export type RecordedCalls = { calls: Syscall[]; dropped: number } | { unavailable: string };

const PROGRAMS = ['calls_enter', 'calls_enter_perf', 'calls_exit'];
/** Each call and the program that records its entry (the one that reads as many arguments as it has). */
const SYSCALLS = [['bpf', 'calls_enter'], ['ioctl', 'calls_enter'], ['perf_event_open', 'calls_enter_perf']] as const;

/** This machine's dynamic perf event types (kprobe, uprobe), read once per recording. */
function perfTypes(): Map<number, string> {
  const types = new Map<number, string>();
  const dir = '/sys/bus/event_source/devices';
  try {
    for (const name of fs.readdirSync(dir)) {
      const type = Number(fs.readFileSync(`${dir}/${name}/type`, 'utf8').trim());
      if (Number.isInteger(type)) types.set(type, name);
    }
  } catch {
    // Without sysfs the type stays a number.
  }
  return types;
}

function names(): CallNames {
  const types = perfTypes();
  return {
    mapType: (t) => libbpf.mapTypeName(t), progType: (t) => libbpf.progTypeName(t), attachType: (t) => libbpf.attachTypeName(t),
    perfType: (t) => types.get(t) ?? null, errorText,
  };
}

export class CallRecorder {
  private log: DataView | null;

  private constructor(private readonly object: BpfObject, log: DataView) {
    this.log = log;
  }

  /** Loads and attaches the recorder, then arms it for this thread (the main thread's id is the pid). */
  static start(): CallRecorder {
    const object = BpfObject.open('calls');
    try {
      object.selectPrograms(PROGRAMS, PROGRAMS);
      object.load();
      for (const [call, enter] of SYSCALLS) {
        object.attachTracepoint(enter, 'syscalls', `sys_enter_${call}`);
        object.attachTracepoint('calls_exit', 'syscalls', `sys_exit_${call}`);
      }
      const globals = object.mappedGlobals();
      if (globals.length !== CALL_LOG_SIZE) throw new Error(`calls.bpf.o: .bss is ${globals.length} bytes, not ${CALL_LOG_SIZE}`);
      const log = new DataView(globals.buffer, globals.byteOffset, globals.byteLength);
      log.setUint32(CALL_LOG.armedTid, process.pid, true);
      return new CallRecorder(object, log);
    } catch (e) {
      object.dispose();
      throw e;
    }
  }

  /** Disarms, decodes what was recorded, and releases the recorder. Once only: the log is unmapped after. */
  finish(): RecordedCalls {
    const log = this.release();
    return decodeCalls(log, names());
  }

  /** Disarms and releases the recorder; returns a copy of its log. Idempotent (later calls return an empty log). */
  release(): Uint8Array {
    const log = this.log;
    this.log = null;
    if (!log) return new Uint8Array(CALL_LOG_SIZE);
    try {
      log.setUint32(CALL_LOG.armedTid, 0, true);
      return new Uint8Array(log.buffer, log.byteOffset, log.byteLength).slice();
    } finally {
      this.object.dispose();
    }
  }
}

/**
 * Runs `build` (the load and attach of a probe) with the recorder on when `record` is set.
 * A recorder that cannot start (no syscall tracepoints) leaves the probe working, with the reason.
 */
export function recordingCalls<T>(record: boolean, build: () => T): [T, RecordedCalls | null] {
  if (!record) return [build(), null];
  let recorder: CallRecorder;
  try {
    recorder = CallRecorder.start();
  } catch (e) {
    return [build(), { unavailable: `the call recorder could not start: ${e instanceof Error ? e.message : String(e)}` }];
  }
  let result: T;
  try {
    result = build();
  } catch (e) {
    recorder.release(); // the calls of a failed plan are not shown; its error is
    throw e;
  }
  try {
    return [result, recorder.finish()];
  } catch (e) {
    return [result, { unavailable: `the recorded calls could not be read: ${e instanceof Error ? e.message : String(e)}` }];
  }
}
