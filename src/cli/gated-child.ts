/**
 * Runs `-- CMD` so that tracing starts before its first instruction: the child
 * is forked first (so its pid is known and can be filtered on), waits on a pipe,
 * and execs CMD only when released. exec keeps the pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

/**
 * fd 3 of the shell is the gate: one newline on it releases the exec (the shell's
 * single read() of it began before tracing did). If bpf-lab dies first, the pipe
 * closes, read fails, and CMD never runs untraced.
 */
const GATE = 'read -r _ <&3 || exit 125; exec 3<&-; exec "$@"';

export class GatedChild {
  private readonly child: ChildProcess;
  readonly exited: Promise<number>;

  /** ids: run CMD as this user instead (a root test standing in for a student's own bpf-lab). */
  constructor(argv: string[], ids?: { uid: number; gid: number }) {
    this.child = spawn('/bin/sh', ['-c', GATE, 'bpf-lab', ...argv], { stdio: ['inherit', 'inherit', 'inherit', 'pipe'], ...ids });
    this.exited = new Promise((resolve) => {
      this.child.on('error', () => resolve(127));
      this.child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
    });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('the command could not be started');
    return this.child.pid;
  }

  /** Lets the command run. */
  release(): void {
    (this.child.stdio[3] as NodeJS.WritableStream).end('\n');
  }

  /** Ends the command if tracing could not start. */
  kill(): void {
    this.child.kill('SIGKILL');
  }

  /** Passes a termination request on to the command. */
  terminate(): void {
    this.child.kill('SIGTERM');
  }
}

