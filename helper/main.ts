/**
 * The root helper's entry point: `node helper/main.js [--verbose]`, started by a client with
 * pipes on stdin and stdout (stderr is for humans). It exits when stdin closes or
 * on SIGTERM, SIGINT or SIGHUP, detaching everything it attached first.
 */
import {
  HELPER_EXIT_INSPECTOR, HELPER_EXIT_NOT_PRIVILEGED, HELPER_EXIT_TOO_MANY, HELPER_EXIT_WRONG_CLIENT,
} from '../src/shared/protocol.js';
import { CallerPolicy, checkOwnClient, pkexecOwner } from './caller.js';
import type { Owner } from './attach.js';
import { VERSION } from '../src/shared/version.js';
import { Kernel } from './kernel.js';
import { ProbeCache } from './probe-cache.js';
import { captureLibbpfLog, socketPeerPid } from './libbpf.js';
import { canTrace } from './privileges.js';
import { removeEphemeralRoot, sweepStaleCopies } from './ephemeral.js';
import { Server } from './server.js';
import { escapeTerminal } from '../src/shared/safe-text.js';
import { capProblem } from './user-cap.js';
import { inspectorProblem } from './no-inspector.js';

/** The helper's stderr, which reaches a person only through its client: escaped all the same (safe-text.ts). */
function say(text: string): void {
  process.stderr.write(escapeTerminal(`bpf-lab-helper: ${text}\n`));
}

function main(): void {
  // A second lock: the permission model already makes SIGUSR1 open nothing; with a listener, Node's own handler is gone too.
  process.on('SIGUSR1', () => undefined);
  const unsafe = inspectorProblem();
  if (unsafe) {
    say(unsafe);
    removeEphemeralRoot();
    process.exit(HELPER_EXIT_INSPECTOR);
  }
  if (process.geteuid?.() !== 0 || !canTrace()) {
    say('needs root (with CAP_SYS_ADMIN, or CAP_BPF and CAP_PERFMON)');
    removeEphemeralRoot();
    process.exit(HELPER_EXIT_NOT_PRIVILEGED);
  }
  const problem = checkOwnClient(socketPeerPid);
  if (problem) {
    say(problem);
    removeEphemeralRoot();
    process.exit(HELPER_EXIT_WRONG_CLIENT);
  }
  let caller: Owner | null;
  try {
    caller = pkexecOwner();
  } catch (e) {
    say((e as Error).message);
    removeEphemeralRoot();
    process.exit(HELPER_EXIT_WRONG_CLIENT);
  }
  sweepStaleCopies();
  const crowded = capProblem(caller?.uid ?? null);
  if (crowded) {
    say(crowded);
    removeEphemeralRoot();
    process.exit(HELPER_EXIT_TOO_MANY);
  }
  const server = new Server(new Kernel(), {
    write: (bytes) => process.stdout.write(bytes),
    backlog: () => process.stdout.writableLength,
  }, VERSION, new CallerPolicy(caller, process.env['BPF_LAB_SCOPE'] === 'system'), new ProbeCache());
  captureLibbpfLog((level, line) => server.log(level, line), process.argv.includes('--verbose'));

  let exiting = false;
  const shutdown = (status: number): void => {
    if (exiting) return;
    exiting = true;
    server.dispose();
    removeEphemeralRoot();
    process.stdout.end(() => process.exit(status));
    setTimeout(() => process.exit(status), 2000).unref();
  };
  // Backpressure: no new requests while replies wait for a client that is not reading.
  process.stdin.on('data', (chunk: Buffer) => {
    server.receive(chunk);
    if (process.stdout.writableNeedDrain) {
      process.stdin.pause();
      process.stdout.once('drain', () => process.stdin.resume());
    }
  });
  process.stdin.on('end', () => shutdown(0));
  process.stdin.on('error', () => shutdown(0));
  process.stdout.on('error', () => shutdown(0));
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => shutdown(0));
  process.on('uncaughtException', (e) => {
    say(e.stack ?? e.message);
    shutdown(1);
  });
}

main();
