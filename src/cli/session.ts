/**
 * Runs one stat or trace session from the command line: start it (after forking
 * `-- CMD` if given), print what streams in, and stop it when the count is
 * reached, CMD exits, or the user interrupts. The last table comes from the
 * stop reply, read after detaching, so it is exact.
 */
import type { HelperClient, SessionReader } from '../backend/helper-client.js';
import type { Result } from '../shared/protocol.js';
import type { Command } from './args.js';
import { endSignal } from './end-signal.js';
import { GatedChild } from './gated-child.js';
import type { Output } from './output.js';

export type SessionCommand = Extract<Command, { name: 'stat' | 'trace' }>;

/** The CLI runs one session per helper, always under this id. */
export const SESSION = 1;

export async function runSession(client: HelperClient, cmd: SessionCommand, out: Output): Promise<number> {
  const child = cmd.run ? new GatedChild(cmd.run) : null;
  const pid = child?.pid ?? cmd.pid ?? undefined;
  let end: ReturnType<typeof endSignal> | null = null;
  let started: Result<'start'>;
  try {
    started = await client.startSession(SESSION, {
      mode: cmd.name, probe: cmd.probe, layout: cmd.layout,
      // With CMD, live tables only when asked for (--interval or --count); the final one always comes.
      intervalMs: child && !cmd.intervalGiven && cmd.count === null ? 0 : cmd.intervalMs,
      ...(pid === undefined ? {} : { pid, armOnExec: child !== null }),
    }, (begun) => {
      // Called as the reply is read: the notices come before the first table, and no push is missed.
      for (const notice of begun.notices) out.notice(notice);
      end = endSignal(child);
      return printer(cmd, begun, out, end.finish);
    });
  } catch (e) {
    (end as ReturnType<typeof endSignal> | null)?.cleanup();
    child?.kill();
    throw e;
  }
  const ending = end!;
  child?.release();
  try {
    const broke = await Promise.race([ending.done.then(() => null), client.ended]);
    ending.cleanup(); // from here a second Ctrl-C interrupts bpf-lab itself
    if (broke) throw broke;
    const stopped = await client.request('stop', { session: SESSION });
    if (stopped.histogram) out.histogram(started.probe, started.layout, stopped.histogram, true);
    if (stopped.trace) out.traceSummary(started.probe, stopped.trace);
    // After --count, CMD may still be running: bpf-lab still ends with its status.
    return child ? await child.exited : 0;
  } catch (e) {
    child?.terminate();
    throw e;
  } finally {
    ending.cleanup();
  }
}

/** Prints what the session pushes, and calls finish once --count tables or events have come. */
function printer(cmd: SessionCommand, started: Result<'start'>, out: Output, finish: () => void): SessionReader {
  let tables = 0;
  let events = 0;
  return (push) => {
    if (push.type === 'histogram') {
      if (cmd.count !== null && ++tables >= cmd.count) {
        finish();
        return;
      }
      out.histogram(started.probe, started.layout, push, false);
    } else {
      const room = cmd.count === null ? push.count : Math.max(0, cmd.count - events);
      out.events(started.probe, push, Math.min(push.count, room));
      events += push.count;
      if (cmd.count !== null && events >= cmd.count) finish();
    }
  };
}
