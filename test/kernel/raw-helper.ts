/**
 * The real helper on raw pipes, so that a test can send bytes no well-behaved client would, and
 * read every reply and push as it comes (helper.test.ts, fuzz.test.ts).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { directLaunch, helperEnv } from '../../src/backend/launch.js';
import { encodeFrame, FrameDecoder } from '../../src/shared/framing.js';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION } from '../../src/shared/protocol.js';
import { readTraceFrame } from '../../src/shared/trace-frame.js';

export type Reply = { type: string; id?: number | null; error?: { code: string; message: string }; result?: unknown };

/** Helpers a test started; one that a failed assertion left running is killed after the test (killStarted). */
const started = new Set<RawHelper>();

/** A helper on raw pipes, so the test can send bytes no well-behaved client would. */
export class RawHelper {
  readonly child: ChildProcessByStdio<Writable, Readable, null>;
  private readonly replies: Reply[] = [];
  private wake: (() => void) | null = null;
  /** Trace events received so far, counted as they arrive rather than kept. */
  events = 0;
  /** Records the helper skipped (frames it could not send), and how many times the sequence broke. */
  skipped = 0;
  gaps = 0;

  /** env: added to the helper's, e.g. PKEXEC_UID to stand for a caller who is not root. */
  constructor(env: Record<string, string> = {}) {
    started.add(this);
    const { command, args } = directLaunch();
    // Only what the test gives names a caller: never a PKEXEC_UID the test runner inherited (helperEnv).
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'], env: helperEnv(env) });
    // The clients' own limit: a frame they would refuse shows up as an 'unreadable-frame' error.
    const decoder = new FrameDecoder(MAX_FRAME_BYTES);
    this.child.stdout.on('data', (chunk: Buffer) => {
      for (const f of decoder.push(chunk)) {
        if (f.ok && 'binary' in f) {
          const frame = readTraceFrame(f.binary);
          if (typeof frame === 'string') throw new Error(frame);
          // Each frame starts where the last one ended, unless one was refused in between.
          if (frame.first !== this.events + this.skipped) this.gaps++;
          this.skipped = frame.first - this.events;
          this.events += frame.count;
          continue;
        }
        const m = f.ok ? f.message as Reply : null;
        if (m) this.replies.push(m);
        else if (!f.ok) this.replies.push({ type: 'error', error: { code: 'unreadable-frame', message: f.error } });
      }
      this.wake?.();
    });
  }

  send(message: unknown): void {
    this.child.stdin.write(encodeFrame(message));
  }

  raw(bytes: Uint8Array): void {
    this.child.stdin.write(bytes);
  }

  /** The next response or error reply (pushes are skipped). */
  async next(): Promise<Reply> {
    if (this.wake) throw new Error('one next() at a time: a second waiter would replace the first');
    for (;;) {
      const i = this.replies.findIndex((r) => r.type === 'response' || r.type === 'error');
      if (i >= 0) return this.replies.splice(i, 1)[0]!;
      await new Promise<void>((resolve) => { this.wake = resolve; });
      this.wake = null;
    }
  }

  async call(id: number, method: string, params: unknown = {}): Promise<Reply> {
    this.send({ v: PROTOCOL_VERSION, id, method, params });
    return this.next();
  }

  async exit(): Promise<number | null> {
    const [code] = await once(this.child, 'exit') as [number | null];
    return code;
  }
}


/** Kills what a failed test left running, and waits for it to exit. */
export async function killStarted(): Promise<void> {
  for (const h of started) {
    if (h.child.exitCode === null && h.child.signalCode === null) {
      h.child.kill('SIGKILL');
      await once(h.child, 'exit');
    }
  }
  started.clear();
}
