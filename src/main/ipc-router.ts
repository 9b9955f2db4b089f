/**
 * The renderer ↔ main contract on Electron IPC, with no Electron import so it
 * is unit-tested under Node: one handler per call channel, each refusing
 * senders other than our own window's top frame and validating the payload
 * (serveCall), and the live subscription per renderer (subscribe, pushes,
 * unsubscribe; ended for good when the renderer goes away). Frames are
 * acknowledged by the preload; a renderer too far behind has frames skipped
 * (shapeLive; its next batch says how many events it missed), so IPC never
 * queues without bound.
 */
import type { LabService } from '../backend/lab-service.js';
import { shapeLive } from '../backend/live-throttle.js';
import { LabError } from '../shared/errors.js';
import {
  CALL_CHANNELS, FRAME_ACK_CHANNEL, LIVE_CHANNEL, SUBSCRIBE_CHANNEL, UNSUBSCRIBE_CHANNEL,
} from '../shared/ipc-channels.js';
import type { Envelope } from '../shared/lab-api.js';
import { serveCall } from '../shared/lab-client.js';

/** What a handler needs from Electron's IpcMainEvent and IpcMainInvokeEvent. */
export interface SenderEvent {
  sender: { id: number; send(channel: string, data: unknown): void; once(event: 'destroyed', listener: () => void): void };
  senderFrame: { url: string; parent: unknown } | null;
}

/** What we need from Electron's ipcMain. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: SenderEvent, payload: unknown) => Promise<Envelope>): void;
  on(channel: string, listener: (event: SenderEvent) => void): void;
}

/** Our window, as the router checks senders against it. */
export interface TrustedWindow {
  webContentsId(): number | null;
  /** The URL the window loaded (file:// in production, the dev server in development). */
  url: string;
}

/** True only for our window's top frame showing our page: not another window, an iframe or a page navigated to. */
export function isTrustedSender(event: SenderEvent, window: TrustedWindow): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null || event.sender.id !== window.webContentsId()) return false;
  try {
    const want = new URL(window.url);
    const got = new URL(frame.url);
    return got.protocol === want.protocol && got.host === want.host && got.pathname === want.pathname;
  } catch {
    return false;
  }
}

/** Frames sent to a renderer and not yet acknowledged, beyond which its frames are skipped and counted. */
export const MAX_UNACKED_FRAMES = 30;

interface Subscription {
  unsubscribe: () => void;
  unacked: number;
}

export function registerLabIpc(ipc: IpcMainLike, service: LabService, window: TrustedWindow): void {
  for (const channel of CALL_CHANNELS) {
    ipc.handle(channel, (event, payload) => {
      if (!isTrustedSender(event, window)) {
        return Promise.resolve({ ok: false, error: new LabError('not-authorized', 'IPC from an unknown sender').toData() });
      }
      return serveCall(channel, payload, (c, request) => service.handle(c, request));
    });
  }
  const subscriptions = new Map<number, Subscription>();
  const watched = new Set<number>();
  const end = (id: number): void => {
    subscriptions.get(id)?.unsubscribe();
    subscriptions.delete(id);
  };
  ipc.on(SUBSCRIBE_CHANNEL, (event) => {
    if (!isTrustedSender(event, window) || subscriptions.has(event.sender.id)) return;
    const { sender } = event;
    const sub: Subscription = { unacked: 0, unsubscribe: () => undefined };
    subscriptions.set(sender.id, sub);
    sub.unsubscribe = service.subscribe((live) => {
      const shaped = shapeLive(live, sub.unacked >= MAX_UNACKED_FRAMES);
      if (!shaped) return;
      if (shaped.type === 'frame') sub.unacked++;
      sender.send(LIVE_CHANNEL, shaped);
    });
    if (!watched.has(sender.id)) {
      watched.add(sender.id);
      sender.once('destroyed', () => {
        watched.delete(sender.id);
        end(sender.id);
      });
    }
  });
  ipc.on(FRAME_ACK_CHANNEL, (event) => {
    const sub = subscriptions.get(event.sender.id);
    if (sub && sub.unacked > 0 && isTrustedSender(event, window)) sub.unacked--;
  });
  ipc.on(UNSUBSCRIBE_CHANNEL, (event) => {
    if (isTrustedSender(event, window)) end(event.sender.id);
  });
}
