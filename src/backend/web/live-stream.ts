/**
 * The live channel of `bpf-lab serve`: each browser tab holds one streamed
 * response of frames (src/shared/live-wire.ts: JSON events, and trace records
 * as binary frames), subscribed to the LabService. A tab that
 * cannot keep up is not buffered without end: above HIGH_WATER unsent bytes
 * its frames are skipped (shapeLive; the next batch's count says how many it
 * missed, as it does after a reconnect), and above
 * HARD_CAP (a tab that stopped reading) the connection is closed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LiveEvent } from '../../shared/lab-api.js';
import { encodeLive, HEARTBEAT } from '../../shared/live-wire.js';
import type { LabService } from '../lab-service.js';
import { shapeLive } from '../live-throttle.js';

const HIGH_WATER = 4 << 20;
const HARD_CAP = 32 << 20;
const HEARTBEAT_MS = 15_000;

export class LiveStream {
  private readonly open = new Set<ServerResponse>();
  private readonly encoded = new WeakMap<LiveEvent, Uint8Array[]>();

  constructor(private readonly service: LabService) {}

  attach(req: IncomingMessage, res: ServerResponse, headers: Record<string, string>): void {
    res.writeHead(200, {
      ...headers, 'Content-Type': 'application/octet-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive',
    });
    res.flushHeaders();
    this.open.add(res);
    const write = (event: LiveEvent): void => {
      if (res.writableLength > HARD_CAP) {
        res.destroy();
        return;
      }
      const shaped = shapeLive(event, res.writableLength > HIGH_WATER);
      if (shaped) for (const chunk of this.encode(shaped)) res.write(chunk);
    };
    const unsubscribe = this.service.subscribe(write);
    const beat = encodeLive(HEARTBEAT)[0]!;
    const heartbeat = setInterval(() => res.write(beat), HEARTBEAT_MS);
    const end = (): void => {
      clearInterval(heartbeat);
      unsubscribe();
      this.open.delete(res);
    };
    req.on('close', end);
    res.on('close', end);
    res.on('error', end);
  }

  /** Each event's frames, encoded once however many tabs share it. */
  private encode(event: LiveEvent): Uint8Array[] {
    let chunks = this.encoded.get(event);
    if (chunks === undefined) {
      chunks = encodeLive(event);
      this.encoded.set(event, chunks);
    }
    return chunks;
  }

  closeAll(): void {
    for (const res of this.open) res.end();
  }
}
