/**
 * What an idle session costs: the CPU ticks (utime + stime in /proc/PID/stat, in clock ticks of
 * 10 ms) that bpf-lab's helper and CLI use over WINDOW seconds while a trace session and a stat
 * session wait for a process that does nothing. Measured after SETTLE seconds, when Node has
 * finished starting up (its background compilation and first collections).
 *
 *   sudo node build/bench/idle.js [WINDOW=10] [SETTLE=20]
 *
 * Needs root and a build (npm run build).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../build/src/cli/main.js', import.meta.url));
const WINDOW = Number(process.argv[2] ?? 10);
const SETTLE = Number(process.argv[3] ?? 20);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** utime + stime of a process, all its threads, in clock ticks. */
function ticks(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

const children = (pid: number): number[] =>
  fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);

async function idle(mode: 'trace' | 'stat'): Promise<{ helper: number; cli: number }> {
  const target = spawn('sleep', [String(SETTLE + WINDOW + 30)]);
  const cli = spawn(process.execPath, [CLI, mode, 'write', '--pid', String(target.pid), ...(mode === 'stat' ? ['--interval', '60'] : [])],
    { stdio: 'ignore' });
  try {
    await sleep(SETTLE * 1000);
    // As root, bpf-lab runs its helper inside its own process (helper/in-process.ts).
    const helper = children(cli.pid!)[0] ?? cli.pid!;
    const before = { helper: ticks(helper), cli: ticks(cli.pid!) };
    await sleep(WINDOW * 1000);
    return { helper: ticks(helper) - before.helper, cli: ticks(cli.pid!) - before.cli };
  } finally {
    cli.kill('SIGINT');
    await new Promise((r) => cli.once('exit', r));
    target.kill();
  }
}

console.log(`| session | helper ticks in ${WINDOW} s | CLI ticks in ${WINDOW} s (the same process when the helper runs inside it) |`);
console.log('|---|---|---|');
for (const mode of ['trace', 'stat'] as const) {
  const t = await idle(mode);
  console.log(`| ${mode} write --pid (an idle process) | ${t.helper} | ${t.cli} |`);
}
