// A stand-in for the helper's process in unit tests of HelperClient: a real EventEmitter with
// streams, so a test writes the helper's frames to stdout and reads what the client sent.
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { Spawn } from '../../src/backend/helper-client.js';

export interface FakeChild extends EventEmitter {
  stdin: PassThrough; stdout: PassThrough; stderr: PassThrough; pid: number;
}

/** A spawn that records its arguments and hands each child to `behave` on the next turn. */
export function fakeSpawn(behave: (child: FakeChild) => void): { spawn: Spawn; calls: unknown[][] } {
  const calls: unknown[][] = [];
  const spawn = ((command: string, args: string[], options: unknown) => {
    calls.push([command, args, options]);
    const child: FakeChild = Object.assign(new EventEmitter(), {
      stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), pid: 4242,
      kill: (signal: string) => setImmediate(() => child.emit('close', null, signal)),
    });
    setImmediate(() => behave(child));
    return child;
  }) as unknown as Spawn;
  return { spawn, calls };
}

/** A child that exits with `code` after writing `stderr`. */
export const exitWith = (code: number, stderr = '') => (child: FakeChild): void => {
  if (stderr) child.stderr.write(stderr);
  setImmediate(() => child.emit('close', code, null));
};
