/**
 * The bpf-lab command line, parsed into a typed command. Pure: no I/O, so every
 * spelling and every error message is unit-tested.
 */
import { parseArgs } from 'node:util';
import { formatLayout, parseLayout } from '../shared/buckets.js';
import { MAX_LESSON_PACKETS } from '../shared/lesson.js';
import {
  MAX_PID, parseCatalogId, parseKprobe, parseTracepoint, parseUprobe, type ProbeSpec,
} from '../shared/probes.js';

export type Command =
  | { name: 'help' }
  | { name: 'version' }
  | { name: 'probes'; json: boolean; verbose: boolean; refresh: boolean; system: boolean }
  | { name: 'serve'; port: number; verbose: boolean; system: boolean }
  | ({ name: 'stat' | 'trace' } & SessionOptions)
  | ({ name: 'inspect' } & SessionOptions)
  | { name: 'lesson'; lesson: 'classic-bpf'; ipv4: number; ipv6: number; json: boolean; verbose: boolean };

/** What stat, trace and inspect are told: the probe, its buckets, whose events, and how to print. */
export interface SessionOptions {
  probe: ProbeSpec;
  layout: string;
  intervalMs: number;
  /** Set when --interval was given; with `-- CMD`, tables are then printed while it runs too. */
  intervalGiven: boolean;
  count: number | null;
  pid: number | null;
  json: boolean;
  verbose: boolean;
  /** No notices (which probe auto chose and why, uprobe warnings); errors still go to stderr. */
  quiet: boolean;
  /** For a user who is not root: every process, through the instructors' polkit action. */
  system: boolean;
  run: string[] | null;
}

/** A mistake in how bpf-lab was called: one line, exit status 2. */
export class UsageError extends Error {}

export const USAGE = `Usage:
  bpf-lab probes [--refresh] [--json] [--verbose] [--system]
  bpf-lab stat  [PROBE] [--buckets seed|log2|linear:MIN:MAX:STEP] [--interval S] [--count N]
                [--json] [--quiet] [--verbose] [--system] [--pid PID | -- CMD ARGS...]
  bpf-lab trace [PROBE] [--count N] [--json] [--quiet] [--verbose] [--system] [--pid PID | -- CMD ARGS...]
  bpf-lab inspect [PROBE] [--buckets LAYOUT] [--json] [--quiet] [--verbose] [--system] [--pid PID | -- CMD ARGS...]
  bpf-lab lesson classic-bpf [--ipv4 N] [--ipv6 N] [--json] [--verbose]
  bpf-lab serve [--port PORT] [--verbose] [--system]

PROBE is one of (default auto):
  ID or --probe ID            auto, memcpy, usercopy, libc-memcpy, kmalloc, read, write, vfs-read
  --kprobe FUNCTION:ARG       a kernel function and the argument holding the size, e.g. vfs_read:3
  --tracepoint CAT:EVENT:FIELD  e.g. kmem:kmalloc:bytes_req
  --uprobe PATH:SYMBOL:ARG    a function in a binary or library, e.g. /lib/x86_64-linux-gnu/libc.so.6:write:3

Options:
  --buckets LAYOUT   seed (the demo's 64-byte buckets, default), log2, or linear:MIN:MAX:STEP
  --interval S       seconds between tables (default 2)
  --count N          stat: stop after N tables; trace: stop after N events (with -- CMD,
                     bpf-lab still waits for CMD and exits with its status)
  --pid PID          only this process
  --json             NDJSON records, each with a "type"
  --quiet            no notices (which probe auto chose and why); errors are still shown
  --verbose          include the helper's and libbpf's log (warnings, and libbpf's debug lines)
  --system           as a user who is not root: count every process, not only yours, if polkit
                     lets you (the instructors' action; root always counts every process)
  --refresh          probes: try every probe again now; otherwise the last answer since
                     the machine started is shown, if nothing it depends on has changed
  --port PORT        serve: the port on 127.0.0.1 (default 8047; 0 picks a free one)
  -- CMD ARGS...     attach, then run CMD and trace only it, from its exec on; print the final
                     histogram when it exits (tables while it runs only with --interval or
                     --count) and exit with its status
  -h, --help         this text;  -V, --version  the version

inspect attaches the probe as stat does (with -- CMD, runs CMD to its end first; without, it
looks at once), then prints what the kernel holds: the program (id, type, tag, instruction
counts, what each run costs), its maps, its instructions as loaded and the JIT's machine code,
each under its line of C, and the histogram; then it detaches.

lesson classic-bpf runs the article's classic BPF filter for real: it attaches it to a packet
socket on a loopback of its own, sends N IPv4 (default 5) and N IPv6 (default 3) UDP packets,
and shows what the filter accepted and dropped, and each step of the machine for one packet.

serve runs the app's UI for a browser on 127.0.0.1 only, behind a token printed at start;
reach it from elsewhere through an SSH tunnel (ssh -L PORT:127.0.0.1:PORT HOST).

Needs root (it loads BPF programs): run it with sudo, or, where BPF Lab is installed, as
yourself (the helper then comes through pkexec, as polkit allows). As yourself, only your own
processes are counted, a --pid must be one of yours, libc-memcpy needs --pid or -- CMD, and
memcpy and kmalloc (which also fire in interrupts, for anyone) need root.
Exit status: 0 ok, 1 runtime error, 2 usage error.`;

const OPTIONS = {
  probe: { type: 'string' },
  kprobe: { type: 'string' },
  tracepoint: { type: 'string' },
  uprobe: { type: 'string' },
  buckets: { type: 'string' },
  interval: { type: 'string' },
  count: { type: 'string' },
  pid: { type: 'string' },
  port: { type: 'string' },
  ipv4: { type: 'string' },
  ipv6: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  verbose: { type: 'boolean' },
  refresh: { type: 'boolean' },
  system: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** node:util's parseArgs mistakes, said in bpf-lab's own style (lower case, the option as typed, what to do). */
function parseArgsMessage(e: Error & { code?: string }): string {
  // Node names an option as '--count', or with its short form as '-h, --help'.
  const option = /'(?:-\w, )?(--?[^' ,]+)/.exec(e.message)?.[1];
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `unknown option ${option}`;
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    if (/does not take an argument/.test(e.message)) return `${option} takes no value`;
    if (/ambiguous/.test(e.message)) return `${option} needs a value; for one that starts with -, write ${option}=VALUE`;
    return `${option} needs a value`;
  }
  // The first line says what is wrong.
  return e.message.split('\n')[0]!;
}

function usage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(parseArgsMessage(e as Error & { code?: string }));
  }
}

function probeOf(v: Values, positional: string | undefined): ProbeSpec {
  const given = (['probe', 'kprobe', 'tracepoint', 'uprobe'] as const).filter((k) => v[k] !== undefined);
  if (given.length > 1) throw new UsageError(`choose one probe: --${given.join(' and --')} were both given`);
  if (positional !== undefined) {
    if (given.length) throw new UsageError(`choose one probe: "${positional}" and --${given[0]} were both given`);
    try {
      return parseCatalogId(positional);
    } catch (e) {
      // Most often a command whose -- was forgotten (bpf-lab stat ls).
      throw new UsageError(`${(e as Error).message} (a command to run goes after --)`);
    }
  }
  return usage(() => {
    if (v.kprobe !== undefined) return parseKprobe(v.kprobe);
    if (v.tracepoint !== undefined) return parseTracepoint(v.tracepoint);
    if (v.uprobe !== undefined) return parseUprobe(v.uprobe);
    return parseCatalogId(v.probe ?? 'auto');
  });
}

function positiveInt(text: string | undefined, what: string, max: number): number | null {
  if (text === undefined) return null;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) {
    throw new UsageError(`bad ${what} "${text}": use a whole number from 1 to ${max}`);
  }
  return Number(text);
}

function intervalMs(text: string | undefined): number {
  if (text === undefined) return 2000;
  const s = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || s < 0.1 || s > 60) {
    throw new UsageError(`bad --interval "${text}": use seconds from 0.1 to 60`);
  }
  return Math.round(s * 1000);
}

const SESSION_OPTIONS = ['probe', 'kprobe', 'tracepoint', 'uprobe', 'buckets', 'interval', 'count', 'pid'] as const;
export const DEFAULT_PORT = 8047;

function serveCommand(v: Values, run: string[] | null): Command {
  const extraOption = ([...SESSION_OPTIONS, 'json', 'quiet'] as const).find((k) => v[k] !== undefined);
  if (extraOption) throw new UsageError(`--${extraOption} is not an option of serve: choose probes in the page`);
  if (run !== null) throw new UsageError('serve runs no command: drop the -- and what follows');
  let port = DEFAULT_PORT;
  if (v.port !== undefined) {
    if (!/^\d+$/.test(v.port) || Number(v.port) > 65535) throw new UsageError(`bad --port "${v.port}": use 0 to 65535`);
    port = Number(v.port);
  }
  return { name: 'serve', port, verbose: v.verbose ?? false, system: v.system ?? false };
}

const LESSONS = ['classic-bpf'] as const;

function packets(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) > MAX_LESSON_PACKETS) {
    throw new UsageError(`bad ${flag} "${text}": use a whole number from 0 to ${MAX_LESSON_PACKETS}`);
  }
  return Number(text);
}

function lessonCommand(v: Values, lesson: string | undefined, run: string[] | null): Command {
  if (lesson === undefined) throw new UsageError(`say which lesson: bpf-lab lesson ${LESSONS.join(' | ')}`);
  if (lesson !== 'classic-bpf') throw new UsageError(`unknown lesson "${lesson}": use ${LESSONS.join(', ')}`);
  const extraOption = (['port', 'quiet', ...SESSION_OPTIONS] as const).find((k) => v[k] !== undefined);
  if (extraOption) throw new UsageError(`--${extraOption} is not an option of lesson`);
  if (run !== null) throw new UsageError('lesson runs no command: drop the -- and what follows');
  return {
    name: 'lesson', lesson, ipv4: packets(v.ipv4, '--ipv4', 5), ipv6: packets(v.ipv6, '--ipv6', 3),
    json: v.json ?? false, verbose: v.verbose ?? false,
  };
}

/** Parses argv (without node and script); throws UsageError with a one-line reason. */
export function parseCommand(argv: string[]): Command {
  const dash = argv.indexOf('--');
  const [own, run] = dash < 0 ? [argv, null] : [argv.slice(0, dash), argv.slice(dash + 1)];
  const { values: v, positionals } = usage(() => parseArgs({ args: own, options: OPTIONS, allowPositionals: true }));
  if (v.help) return { name: 'help' };
  if (v.version) return { name: 'version' };
  const [name, ...extra] = positionals;
  if (name === undefined) {
    if (run !== null) throw new UsageError('say what to do with the command: bpf-lab stat, trace or inspect -- CMD');
    return { name: 'help' };
  }
  if (v.refresh !== undefined && name !== 'probes') throw new UsageError('--refresh is an option of probes');
  if (v.system !== undefined && name === 'lesson') throw new UsageError('--system is an option of probes, stat, trace, inspect and serve');
  if (name === 'lesson') {
    if (extra.length > 1) throw new UsageError(`unexpected argument "${extra[1]}"`);
    return lessonCommand(v, extra[0], run);
  }
  if (v.ipv4 !== undefined || v.ipv6 !== undefined) throw new UsageError('--ipv4 and --ipv6 are options of lesson classic-bpf');
  if (name === 'probes') {
    const extraOption = (['port', 'quiet', ...SESSION_OPTIONS] as const).find((k) => v[k] !== undefined);
    if (extraOption) throw new UsageError(`--${extraOption} is not an option of probes`);
    if (run !== null) throw new UsageError('probes runs no command: drop the -- and what follows');
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
    return { name, json: v.json ?? false, verbose: v.verbose ?? false, refresh: v.refresh ?? false, system: v.system ?? false };
  }
  if (name === 'serve') {
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
    return serveCommand(v, run);
  }
  if (name !== 'stat' && name !== 'trace' && name !== 'inspect') {
    throw new UsageError(`unknown command "${name}": use probes, stat, trace, inspect, lesson or serve`);
  }
  if (name === 'inspect' && (v.interval !== undefined || v.count !== undefined)) {
    throw new UsageError('--interval and --count are for stat and trace; inspect prints every view once');
  }
  if (v.port !== undefined) throw new UsageError('--port is an option of serve');
  if (name === 'trace' && (v.buckets !== undefined || v.interval !== undefined)) {
    throw new UsageError('--buckets and --interval are for stat; trace prints every event');
  }
  // One word after the command names the probe (bpf-lab stat read); a second one is a command that lost its --.
  if (extra.length > 1) throw new UsageError(`unexpected argument "${extra[1]}" after the probe ${extra[0]} (a command to run goes after --)`);
  if (run !== null && run.length === 0) throw new UsageError('nothing to run after --');
  const pid = positiveInt(v.pid, '--pid', MAX_PID);
  if (pid !== null && run !== null) throw new UsageError('--pid and -- CMD cannot be combined: CMD sets the pid');
  return {
    name,
    probe: probeOf(v, extra[0]),
    layout: usage(() => formatLayout(parseLayout(v.buckets ?? 'seed'))),
    intervalMs: intervalMs(v.interval),
    intervalGiven: v.interval !== undefined,
    count: positiveInt(v.count, '--count', Number.MAX_SAFE_INTEGER),
    pid,
    json: v.json ?? false,
    verbose: v.verbose ?? false,
    quiet: v.quiet ?? false,
    system: v.system ?? false,
    run,
  };
}
