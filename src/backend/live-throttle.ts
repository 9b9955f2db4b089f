/**
 * Per-subscriber backpressure for the live stream, shared by the SSE stream
 * of `bpf-lab serve` and Electron IPC. While the subscriber is behind, whole
 * frames are skipped and their trace events counted; the count rides on the
 * subscriber's later frames and on the session's `ended` event, so received
 * + lost + dropped still adds up to what the kernel saw. Status, session
 * ends and logs always go through.
 */
import type { LiveEvent } from '../shared/lab-api.js';

export class LiveThrottle {
  private readonly dropped = new Map<number, number>();

  /** The event to send, or null to skip it. */
  shape(event: LiveEvent, behind: boolean): LiveEvent | null {
    if (event.type === 'ended') {
      const mine = this.dropped.get(event.session) ?? 0;
      this.dropped.delete(event.session);
      return mine ? { ...event, dropped: (event.dropped ?? 0) + mine } : event;
    }
    if (event.type !== 'frame') return event;
    if (behind) {
      for (const batch of event.traces) {
        this.dropped.set(batch.session, (this.dropped.get(batch.session) ?? 0) + batch.events.length);
      }
      return null;
    }
    if (this.dropped.size === 0) return event;
    return {
      ...event,
      traces: event.traces.map((b) => ({ ...b, dropped: b.dropped + (this.dropped.get(b.session) ?? 0) })),
    };
  }
}
