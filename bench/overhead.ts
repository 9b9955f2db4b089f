/**
 * Side-by-side with bpftrace: how much a read() slows down while each tool keeps
 * the same in-kernel size histogram of every read() on the system, and how much
 * memory each tool holds while it does. Reported as ratios, bpf-lab / bpftrace.
 *
 *   sudo node build/bench/overhead.js [CALLS] [ROUNDS]
 *
 * Needs root, bpftrace and bpftool, and a build (npm run build && npm run build:workloads).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = (p: string): string => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const ORACLE = root('build/workloads/oracle-static');
const CLI = root('build/src/cli/main.js');
const CALLS = Number(process.argv[2] ?? 1_000_000);
const ROUNDS = Number(process.argv[3] ?? 5);

/** Wall time of one workload run, in nanoseconds. */
function workload(): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(ORACLE, ['read', `64x${CALLS}`]);
  if (r.status !== 0) throw new Error(`workload failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - start);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resident memory of a process and all its descendants, in KiB. */
function rssKiB(pid: number): number {
  const own = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  const kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  return own + kids.reduce((sum, k) => sum + rssKiB(Number(k)), 0);
}

async function until(ready: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (ready()) return;
    await sleep(50);
  }
  throw new Error(`${what} did not attach within 10 s`);
}

const loaded = (name: string): boolean =>
  (JSON.parse(spawnSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' }).stdout) as Array<{ name?: string }>)
    .some((p) => p.name === name);

interface Measure { ns: number; rss: number }

/** Starts a tracer, waits until it is attached, times the workload under it, then stops it. */
async function under(tracer: ChildProcess, ready: () => boolean, name: string): Promise<Measure> {
  try {
    await until(ready, name);
    const times = Array.from({ length: ROUNDS }, workload);
    return { ns: median(times), rss: rssKiB(tracer.pid!) };
  } finally {
    tracer.kill('SIGINT');
    await new Promise((r) => tracer.once('exit', r));
  }
}

async function main(): Promise<void> {
  const base = median(Array.from({ length: ROUNDS }, workload));
  const lab = await under(spawn(process.execPath, [CLI, 'stat', '--probe', 'read', '--interval', '60'], { stdio: 'ignore' }),
    () => loaded('hist_tracepoint'), 'bpf-lab');
  let attached = false;
  const bt = spawn('bpftrace', ['-e', 'tracepoint:syscalls:sys_enter_read { @ = lhist(args->count, 0, 1024, 64); }'],
    { stdio: ['ignore', 'pipe', 'ignore'] });
  bt.stdout.on('data', (d: Buffer) => { attached ||= d.toString().includes('Attaching'); });
  const peer = await under(bt, () => attached, 'bpftrace');
  const perCall = (m: Measure): number => (m.ns - base) / CALLS;
  const rows = [
    ['read() with no tracer', `${(base / CALLS).toFixed(1)} ns/call`, ''],
    ['added by bpf-lab stat', `${perCall(lab).toFixed(1)} ns/call`, `${(lab.rss / 1024).toFixed(1)} MiB`],
    ['added by bpftrace lhist', `${perCall(peer).toFixed(1)} ns/call`, `${(peer.rss / 1024).toFixed(1)} MiB`],
    ['ratio bpf-lab / bpftrace', (perCall(lab) / perCall(peer)).toFixed(2), (lab.rss / peer.rss).toFixed(2)],
  ];
  console.log(`${CALLS} reads of 64 bytes, median of ${ROUNDS} runs; memory is resident set while attached\n`);
  for (const [what, cost, mem] of rows) console.log(`${what!.padEnd(28)} ${cost!.padStart(14)} ${mem!.padStart(10)}`);
}

main().catch((e: unknown) => {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
