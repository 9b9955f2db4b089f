/**
 * Runs one stat or trace session from the command line: start it (after forking
 * `-- CMD` if given), print what streams in, and stop it when the count is
 * reached, CMD exits, or the user interrupts. The last table comes from the
 * stop reply, read after detaching, so it is exact.
 */
import type { HelperClient } from '../backend/helper-client.js';
import type { Push, Result } from '../shared/protocol.js';
import type { Command } from './args.js';
import { endSignal } from './end-signal.js';
import { GatedChild } from './gated-child.js';
import type { Output } from './output.js';

export type SessionCommand = Extract<Command, { name: 'stat' | 'trace' }>;

export async function runSession(client: HelperClient, cmd: SessionCommand, out: Output): Promise<number> {
  const child = cmd.run ? new GatedChild(cmd.run) : null;
  const pid = child?.pid ?? cmd.pid ?? undefined;
  // Subscribed before 'start', so pushes that arrive with its reply are kept, not missed.
  const early: Push[] = [];
  let take: ((push: Push) => void) | null = null;
  const unsubscribe = client.onPush((push) => (take ? take(push) : early.push(push)));
  let started: Result<'start'>;
  try {
    started = await client.request('start', {
      mode: cmd.name, probe: cmd.probe, layout: cmd.layout,
      // With CMD, live tables only when asked for (--interval or --count); the final one always comes.
      intervalMs: child && !cmd.intervalGiven && cmd.count === null ? 0 : cmd.intervalMs,
      ...(pid === undefined ? {} : { pid, armOnExec: child !== null }),
    });
  } catch (e) {
    unsubscribe();
    child?.kill();
    throw e;
  }
  for (const notice of started.notices) out.notice(notice);
  const end = endSignal(child);
  let tables = 0;
  let events = 0;
  take = (push: Push): void => {
    if (push.type === 'log' || push.session !== started.session) return;
    if (push.type === 'histogram') {
      if (cmd.count !== null && ++tables >= cmd.count) {
        end.finish();
        return;
      }
      out.histogram(started.probe, started.layout, push, false);
    } else {
      const room = cmd.count === null ? push.count : Math.max(0, cmd.count - events);
      out.events(started.probe, push, Math.min(push.count, room));
      events += push.count;
      if (cmd.count !== null && events >= cmd.count) end.finish();
    }
  };
  early.splice(0).forEach(take);
  child?.release();
  try {
    const broke = await Promise.race([end.done.then(() => null), client.ended]);
    end.cleanup(); // from here a second Ctrl-C interrupts bpf-lab itself
    if (broke) throw broke;
    const stopped = await client.request('stop', { session: started.session });
    if (stopped.histogram) out.histogram(started.probe, started.layout, stopped.histogram, true);
    if (stopped.trace) out.traceSummary(started.probe, stopped.trace);
    // After --count, CMD may still be running: bpf-lab still ends with its status.
    return child ? await child.exited : 0;
  } catch (e) {
    child?.terminate();
    throw e;
  } finally {
    end.cleanup();
    unsubscribe();
  }
}
