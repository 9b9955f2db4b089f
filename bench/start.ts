/**
 * Time to a first histogram, side by side with bpftrace: `bpf-lab stat write -- /bin/true`
 * against `bpftrace -e '<lhist of write sizes>' -c /bin/true`, each from its start to its exit,
 * the median of ROUNDS runs. Also the parts of bpf-lab's time that do not depend on the kernel:
 * Node starting with nothing to do, and bpf-lab printing its version (Node plus the CLI's modules).
 *
 *   sudo node build/bench/start.js [ROUNDS=7]
 *
 * Needs root, bpftrace, and a build (npm run build).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../build/src/cli/main.js', import.meta.url));
const ROUNDS = Number(process.argv[2] ?? 7);

function median(command: string, args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    const r = spawnSync(command, args, { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${r.status}`);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const node = median(process.execPath, ['-e', '0']);
const version = median(process.execPath, [CLI, '--version']);
const lab = median(process.execPath, [CLI, 'stat', 'write', '--', '/bin/true']);
const peer = median('bpftrace', ['-e', 'tracepoint:syscalls:sys_enter_write { @ = lhist(args->count, 0, 1024, 64); }', '-c', '/bin/true']);
console.log('| node -e 0 | bpf-lab --version | bpf-lab stat write -- /bin/true | bpftrace lhist -c /bin/true | ratio |');
console.log('|---|---|---|---|---|');
console.log(`| ${node.toFixed(0)} ms | ${version.toFixed(0)} ms | ${lab.toFixed(0)} ms | ${peer.toFixed(0)} ms | ${(lab / peer).toFixed(2)} |`);
