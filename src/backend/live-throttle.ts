/**
 * Per-subscriber backpressure for the live stream, shared by the streamed response
 * of `bpf-lab serve` and Electron IPC. While the subscriber is behind, whole
 * frames are skipped. Nothing needs counting here: every trace batch carries
 * its session's cumulative TraceBatch.passed, so the subscriber's next batch
 * (or the session's `ended`) tells it how many it missed. Status, session
 * ends and logs always go through.
 */
import type { LiveEvent } from '../shared/lab-api.js';

/** The event to send, or null to skip it. */
export function shapeLive(event: LiveEvent, behind: boolean): LiveEvent | null {
  return behind && event.type === 'frame' ? null : event;
}
