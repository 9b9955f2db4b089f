/**
 * The live channel of `bpf-lab serve`: each browser tab holds one
 * server-sent-events response, subscribed to the LabService. A tab that
 * cannot keep up is not buffered without end: above HIGH_WATER unsent bytes
 * its trace events are dropped and counted (TraceBatch.dropped), while
 * status, histograms and session ends still go through.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LiveEvent } from '../../shared/lab-api.js';
import type { LabService } from '../lab-service.js';

const HIGH_WATER = 4 << 20;
const HEARTBEAT_MS = 15_000;

export class LiveStream {
  private readonly open = new Set<ServerResponse>();

  constructor(private readonly service: LabService) {}

  attach(req: IncomingMessage, res: ServerResponse, headers: Record<string, string>): void {
    res.writeHead(200, {
      ...headers, 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive',
    });
    res.flushHeaders();
    this.open.add(res);
    const dropped = new Map<number, number>();
    const write = (event: LiveEvent): void => {
      const busy = res.writableLength > HIGH_WATER;
      if (event.type === 'frame') {
        const traces = event.traces.map((batch) => {
          const mine = (dropped.get(batch.session) ?? 0) + (busy ? batch.events.length : 0);
          dropped.set(batch.session, mine);
          return { ...batch, events: busy ? [] : batch.events, dropped: batch.dropped + mine };
        });
        event = { ...event, traces };
      } else if (event.type === 'ended') dropped.delete(event.session);
      res.write(`data: ${JSON.stringify(event)}\n\n`);
    };
    const unsubscribe = this.service.subscribe(write);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const end = (): void => {
      clearInterval(heartbeat);
      unsubscribe();
      this.open.delete(res);
    };
    req.on('close', end);
    res.on('error', end);
  }

  closeAll(): void {
    for (const res of this.open) res.end();
  }
}
