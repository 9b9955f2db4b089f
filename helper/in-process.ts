/**
 * The helper inside a root `bpf-lab` (stat, trace, probes, inspect, lesson): the same Server,
 * spoken to through in-memory streams in place of a child's pipes, so a root command starts one
 * Node, not two (about 300 ms on a small machine: a second Node and its modules). Only for a
 * caller that is root already, so no privilege changes hands: the CLI as root ignores SIGUSR1
 * (src/cli/no-inspector.ts), as the helper does. Everything else goes through the protocol as
 * before, frames and checks included. `serve` and the app keep a helper process of their own.
 *
 * What a helper process does on a signal (detach, then exit) is left to the kernel here: a
 * signal that ends bpf-lab outside a session's own handling (endSignal) ends the process that
 * holds the fds, and the links, programs, maps and perf events go with them.
 */
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { Spawn } from '../src/backend/helper-client.js';
import { HELPER_EXIT_NOT_PRIVILEGED } from '../src/shared/protocol.js';
import { VERSION } from '../src/shared/version.js';
import { helperInsideClient } from './bpf-config.js';
import { CallerPolicy } from './caller.js';
import { Kernel } from './kernel.js';
import { ProbeCache } from './probe-cache.js';
import { captureLibbpfLog } from './libbpf.js';
import { canTrace } from './privileges.js';
import { Server } from './server.js';

/** A Spawn for HelperClient.start that starts no process: the helper's end of the streams is here. */
export function inProcessHelper(verbose: boolean): Spawn {
  return () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdout.on('error', () => undefined);
    const child = Object.assign(new EventEmitter(), {
      stdin, stdout, stderr, pid: process.pid,
      // What close() does to a helper that does not go: here, the same as closing stdin.
      kill: (): boolean => {
        stdin.end();
        return true;
      },
    });
    // What the helper process checks first (main.ts): root without the capabilities to trace gets
    // the same answer, through the same exit status.
    if (!canTrace()) {
      setImmediate(() => child.emit('close', HELPER_EXIT_NOT_PRIVILEGED, null));
      return child as unknown as ReturnType<Spawn>;
    }
    helperInsideClient();
    let server: Server;
    try {
      // The reader is this process, which hands the output on to its own stdout at once: that is
      // where a slow terminal or pipe backs up, so that is the backlog that makes frames drop (counted).
      server = new Server(new Kernel(), {
        write: (bytes) => { if (!stdout.writableEnded) stdout.write(bytes); },
        backlog: () => stdout.readableLength + process.stdout.writableLength,
      }, VERSION, new CallerPolicy(null), new ProbeCache());
    } catch (e) {
      setImmediate(() => child.emit('error', e));
      return child as unknown as ReturnType<Spawn>;
    }
    captureLibbpfLog((level, line) => server.log(level, line), verbose);
    const release = (): void => server.dispose();
    // Every exit path detaches: the end of the conversation, and the process ending under it.
    process.once('exit', release);
    stdin.on('data', (chunk: Buffer) => server.receive(chunk));
    stdin.on('end', () => {
      release();
      process.off('exit', release);
      stdout.end();
      setImmediate(() => child.emit('close', 0, null));
    });
    return child as unknown as ReturnType<Spawn>;
  };
}
