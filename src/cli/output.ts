/**
 * How bpf-lab prints: the demo's text (tables, trace lines; notices on stderr)
 * or NDJSON records on stdout, one per line, each with a "type".
 */
import { bucketBounds, parseLayout } from '../shared/buckets.js';
import type { ProbeStatus, Result } from '../shared/protocol.js';
import { escapeControls, escapeTerminal } from '../shared/safe-text.js';
import { formatTable, traceLine } from '../shared/table.js';
import {
  recordComm, recordCpu, recordPid, recordSizeText, recordTid, recordTsUs, type TraceFrame,
} from '../shared/trace-frame.js';

export interface Output {
  notice(message: string): void;
  histogram(probe: string, layout: string, h: { counts: number[]; total: number; missed: number }, final: boolean): void;
  /** The first `count` records of a frame, formatted straight from the records, in one write. */
  events(probe: string, frame: TraceFrame, count: number): void;
  traceSummary(probe: string, summary: { seen: number; lost: number; missed: number }): void;
  probes(result: Result<'probes'>): void;
}

/** What JSON.stringify leaves raw and a terminal may still obey: DEL, C1 controls, separators, overrides. */
const JSON_UNSAFE = /[\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON with bigints written as plain (exact) numbers, and with every character a terminal might
 * obey written as a \u escape, so that the line is the same JSON and still safe to print.
 */
export function ndjson(record: object): string {
  const line = JSON.stringify(record, (_k, v: unknown) => (typeof v === 'bigint' ? `\u0000${v}\u0000` : v))
    .replace(/"\\u0000(\d+)\\u0000"/g, '$1');
  JSON_UNSAFE.lastIndex = 0;
  return JSON_UNSAFE.test(line)
    ? line.replace(JSON_UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`) : line;
}

type Write = (text: string) => void;

/**
 * A histogram as a JSON record (stat's, and inspect's final one). `skipped`: hits the kernel
 * skipped because another BPF program was running on that CPU (the protocol's `missed`).
 */
export function histogramRecord(probe: string, layout: string, { counts, total, missed }: { counts: number[]; total: number; missed: number },
  final: boolean): object {
  const buckets = bucketBounds(parseLayout(layout)).map((b, i) => ({ low: b.low, high: b.high, count: counts[i] ?? 0 }));
  return { type: 'histogram', probe, layout, buckets, total, skipped: missed, final };
}

export function jsonOutput(out: Write): Output {
  const emit = (record: object): void => out(`${ndjson(record)}\n`);
  let reportedDropped = 0;
  return {
    notice: (message) => emit({ type: 'notice', message }),
    histogram: (probe, layout, h, final) => emit(histogramRecord(probe, layout, h, final)),
    events(probe, frame, count) {
      // Each line is the JSON emit() would write, built without an object per event.
      const head = `{"type":"event","probe":${ndjson([probe]).slice(1, -1)},"ts_us":`;
      const { view, records } = frame;
      let text = '';
      for (let i = 0; i < count; i++) {
        text += `${head}${recordTsUs(view, i)},"cpu":${recordCpu(view, i)},"pid":${recordPid(view, i)},"tid":${recordTid(view, i)},`
          + `"comm":${ndjson([recordComm(records, i)]).slice(1, -1)},"size":${recordSizeText(view, i)}}\n`;
      }
      if (text) out(text);
      // Dropped: recorded by the program, but never out of the helper (a full ring buffer or pipe).
      const dropped = frame.lost.kernel + frame.lost.helper;
      if (dropped > reportedDropped) emit({ type: 'dropped', probe, dropped });
      reportedDropped = Math.max(reportedDropped, dropped);
    },
    traceSummary: (probe, { seen, lost, missed }) => emit({ type: 'summary', probe, seen, dropped: lost, skipped: missed }),
    probes(result) {
      emit({ type: 'kernel', ...result.kernel, checkedAt: new Date(result.checkedAt).toISOString() });
      for (const p of result.probes) emit({ type: 'probe', ...p });
    },
  };
}

function probeLine(p: ProbeStatus): string {
  const pad = ' '.repeat(18);
  const head = `${p.id.padEnd(12)} ${p.available ? 'yes' : 'no '}  ${p.title}`;
  const detail = p.available ? `via ${p.via}` : (p.reasons.map((r) => r.message).join(' ') || 'unavailable');
  const closest = p.alternatives?.length ? `\n${pad}Closest that works here: ${p.alternatives.join(', ')}.` : '';
  return `${head}\n${pad}${detail}${closest}`;
}

/**
 * The line above each printed table, so that tables printed while the probe runs and the one
 * after it stops cannot be taken for each other: the probe, and when or whether final.
 */
export function tableTitle(probe: string, final: boolean, now: Date): string {
  return final ? `${probe} sizes, final: counted until the probe was detached`
    : `${probe} sizes at ${now.toTimeString().slice(0, 8)}, counted since the start`;
}

/**
 * The demo's text. Everything on stderr passes escapeTerminal, since notices and logs can quote
 * paths and names from outside; on stdout, trace lines escape the comm (traceLine) and
 * the probe list escapes what the helper reports.
 */
export function textOutput(out: Write, rawErr: Write): Output {
  const err: Write = (text) => rawErr(escapeTerminal(text));
  let reportedDropped = 0;
  const reportDropped = (dropped: number, seen?: number): void => {
    if (dropped <= reportedDropped) return;
    err(`bpf-lab: ${dropped}${seen === undefined ? '' : ` of ${seen}`} events dropped so far: the reader fell behind\n`);
    reportedDropped = dropped;
  };
  const reportSkipped = (skipped: number): void => {
    if (skipped > 0) {
      err(`bpf-lab: up to ${skipped} hits were skipped by the kernel while another BPF program ran on the same CPU\n`);
    }
  };
  return {
    notice: (message) => err(`bpf-lab: ${message}\n`),
    histogram(probe, layout, { counts, missed }, final) {
      out(`${escapeTerminal(tableTitle(probe, final, new Date()))}\n${formatTable(parseLayout(layout), counts)}\n${final ? '' : '\n'}`);
      if (final) reportSkipped(missed);
    },
    events(probe, frame, count) {
      // The demo's line, built straight from the records (traceLine escapes the comm).
      const name = escapeControls(probe);
      const { view, records } = frame;
      let text = '';
      for (let i = 0; i < count; i++) {
        text += `${traceLine(name, recordComm(records, i), recordPid(view, i), recordCpu(view, i), recordTsUs(view, i), recordSizeText(view, i))}\n`;
      }
      if (text) out(text);
      reportDropped(frame.lost.kernel + frame.lost.helper);
    },
    traceSummary: (_probe, { seen, lost, missed }) => {
      reportDropped(lost, seen);
      reportSkipped(missed);
    },
    probes(result) {
      const k = result.kernel;
      out(escapeTerminal(`Kernel ${k.release} (${k.arch}), libbpf ${k.libbpf}: kprobes ${k.kprobes ? 'yes' : 'no'}, `
        + `uprobes ${k.uprobes ? 'yes' : 'no'}, BTF ${k.btf ? 'yes' : 'no'}\n\n`));
      out(escapeTerminal(`${'PROBE'.padEnd(12)} WORKS\n${result.probes.map(probeLine).join('\n')}\n`));
      out(`\nTried ${new Date(result.checkedAt).toLocaleString()}; the answer is kept until the machine restarts. `
        + 'bpf-lab probes --refresh tries them again.\n');
    },
  };
}
