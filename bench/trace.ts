/**
 * Side by side with bpftrace: how many trace events each tool delivers, and at what CPU cost,
 * when one process makes one-byte write()s at a steady rate, or as fast as it can.
 *
 *   sudo node build/bench/trace.js [SECONDS=5] [RATES=250000,500000,1000000] [BURST=2000000]
 *
 * The writer (test/e2e/paced-writes.ts) starts first and waits; each tool traces it by pid
 * (bpf-lab trace write --pid, and bpftrace printf of the same fields with a pid filter), with
 * its output going to this process, which counts the lines for size 1. Once the tool is
 * attached the writer runs; then the tool is stopped with SIGINT. CPU is the tool's user +
 * system time as /usr/bin/time reports it, children included (as root, bpf-lab runs its helper
 * inside its own process). Needs root,
 * bpftrace and bpftool, and a build (npm run build).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = (p: string): string => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const CLI = root('build/src/cli/main.js');
const WRITER = root('build/test/e2e/paced-writes.js');
const SECONDS = Number(process.argv[2] ?? 5);
const RATES = (process.argv[3] ?? '250000,500000,1000000').split(',').map(Number);
const BURST = Number(process.argv[4] ?? 2_000_000);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const loaded = (name: string): boolean =>
  (JSON.parse(spawnSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' }).stdout) as Array<{ name?: string }>)
    .some((p) => p.name === name);

/** Counts the lines that end in " size 1" in a stream, across chunk boundaries. */
function countLines(stream: NodeJS.ReadableStream): { count: () => number } {
  let n = 0;
  let tail = '';
  stream.on('data', (d: Buffer) => {
    const text = tail + d.toString('latin1');
    const lines = text.split('\n');
    tail = lines.pop()!;
    for (const l of lines) if (l.endsWith(' size 1')) n++;
  });
  return { count: () => n };
}

/** High-water resident memory of `pid` and its child processes, in KiB: bpf-lab's CLI and helper. */
function treeHwmKiB(pid: number): number {
  const kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  return [String(pid), ...kids].reduce((sum, k) => sum + Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${k}/status`, 'utf8'))?.[1] ?? 0), 0);
}

interface Run { offered: number; delivered: number; cpuS: number; wallS: number; /** bpf-lab's peak memory: the CLI, with its helper inside it as root. */ helperMiB: number | null }

/** One tool on one load. `ready` says when the tool is attached. */
async function run(tool: 'bpf-lab' | 'bpftrace', rate: number, seconds: number): Promise<Run> {
  const writer = spawn(process.execPath, [WRITER, String(rate), String(seconds)], { stdio: ['pipe', 'ignore', 'inherit'] });
  const pid = writer.pid!;
  const args = tool === 'bpf-lab'
    ? [process.execPath, CLI, 'trace', 'write', '--pid', String(pid)]
    : ['bpftrace', '-e', `tracepoint:syscalls:sys_enter_write /pid == ${pid}/ { printf("%s-%d [%03d] %lld: write size %lld\\n", comm, pid, cpu, nsecs / 1000, args->count); }`];
  const tracer: ChildProcess = spawn('/usr/bin/time', ['-f', 'CPU %U %S', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  tracer.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const lines = countLines(tracer.stdout!);
  for (let i = 0; !loaded(tool === 'bpf-lab' ? 'trace_tracepoint' : 'sys_enter_write'); i++) {
    if (i > 200) throw new Error(`${tool} did not attach`);
    await sleep(50);
  }
  await sleep(200);
  const start = performance.now();
  writer.stdin!.write('go\n');
  await new Promise((r) => writer.once('exit', r));
  const wallS = (performance.now() - start) / 1000;
  await sleep(500); // what is still in flight
  const cli = tool === 'bpf-lab' ? Number(fs.readFileSync(`/proc/${tracer.pid}/task/${tracer.pid}/children`, 'utf8').trim()) : 0;
  const helperMiB = tool === 'bpf-lab' ? treeHwmKiB(cli) / 1024 : null;
  // SIGINT to the tool itself, not to /usr/bin/time.
  const target = tool === 'bpf-lab' ? cli : Number(fs.readFileSync(`/proc/${tracer.pid}/task/${tracer.pid}/children`, 'utf8').trim());
  process.kill(target, 'SIGINT');
  await new Promise((r) => tracer.once('exit', r));
  const cpu = /CPU ([\d.]+) ([\d.]+)/.exec(stderr);
  if (!cpu) throw new Error(`${tool}: no CPU time in ${stderr}`);
  return { offered: rate * seconds, delivered: lines.count(), cpuS: Number(cpu[1]) + Number(cpu[2]), wallS, helperMiB };
}

const pct = (r: Run): string => `${(100 * (1 - r.delivered / r.offered)).toFixed(2)}%`;
const perEvent = (r: Run): string => (r.delivered ? `${((r.cpuS * 1e9) / r.delivered).toFixed(0)} ns` : '-');

async function main(): Promise<void> {
  const loads = [...RATES.map((rate) => ({ name: `${rate / 1000}k/s for ${SECONDS} s`, rate, seconds: SECONDS })),
    { name: `burst of ${BURST / 1e6}M`, rate: BURST, seconds: 1 }];
  const rows: string[] = [];
  for (const load of loads) {
    const lab = await run('bpf-lab', load.rate, load.seconds);
    const bt = await run('bpftrace', load.rate, load.seconds);
    const evPerCpuS = (r: Run): number => r.delivered / r.cpuS;
    const reached = (r: Run): string => `${(r.offered / r.wallS / 1000).toFixed(0)}k/s`;
    rows.push(`| ${load.name} | ${lab.offered.toLocaleString('en-US')} | ${pct(lab)} | ${pct(bt)} | ${perEvent(lab)} | ${perEvent(bt)} `
      + `| ${(evPerCpuS(lab) / evPerCpuS(bt)).toFixed(2)} | ${reached(lab)} / ${reached(bt)} | ${lab.helperMiB?.toFixed(0)} MiB |`);
    process.stderr.write(`${load.name}: bpf-lab ${lab.delivered}/${lab.offered} in ${lab.cpuS} s CPU; bpftrace ${bt.delivered}/${bt.offered} in ${bt.cpuS} s CPU\n`);
  }
  console.log('| load | writes | bpf-lab lost | bpftrace lost | bpf-lab CPU/event | bpftrace CPU/event | events per CPU-second, ratio | writer reached (bpf-lab / bpftrace) | bpf-lab RSS (peak) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

await main();
