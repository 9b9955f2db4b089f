/**
 * The bridge: exposes a LabTransport as window.bpfLab and nothing else. Only
 * the call channels in ipc-channels.ts can be invoked, only plain data
 * crosses (trace records as a Uint8Array, which both hops copy), and one main-side subscription serves every listener of the page.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  CALL_CHANNELS, FRAME_ACK_CHANNEL, LIVE_CHANNEL, SUBSCRIBE_CHANNEL, UNSUBSCRIBE_CHANNEL,
} from '../shared/ipc-channels.js';

const listeners = new Set<(event: unknown) => void>();
const relay = (_e: IpcRendererEvent, event: unknown): void => {
  for (const listener of listeners) listener(event);
  // Main sends no more than a few frames ahead of these acknowledgements.
  if ((event as { type?: unknown } | null)?.type === 'frame') ipcRenderer.send(FRAME_ACK_CHANNEL);
};

contextBridge.exposeInMainWorld('bpfLab', {
  invoke(channel: string, payload: unknown): Promise<unknown> {
    if (!(CALL_CHANNELS as readonly string[]).includes(channel)) {
      return Promise.resolve({ ok: false, error: { code: 'bad-request', message: `unknown channel ${channel}` } });
    }
    return ipcRenderer.invoke(channel, payload);
  },
  subscribe(listener: (event: unknown) => void): () => void {
    if (listeners.size === 0) {
      ipcRenderer.on(LIVE_CHANNEL, relay);
      ipcRenderer.send(SUBSCRIBE_CHANNEL);
    }
    listeners.add(listener);
    return () => {
      if (!listeners.delete(listener) || listeners.size > 0) return;
      ipcRenderer.removeListener(LIVE_CHANNEL, relay);
      ipcRenderer.send(UNSUBSCRIBE_CHANNEL);
    };
  },
});
