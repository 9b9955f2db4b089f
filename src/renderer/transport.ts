/**
 * The one place the renderer learns how it reaches its backend: Electron's
 * preload exposes a LabTransport as window.bpfLab; in a browser (`bpf-lab
 * serve`) the same contract runs over fetch: calls, and the live stream as one
 * streamed response of frames (live-wire.ts), reconnected after a second when
 * it drops. The page takes the token from the fragment of the URL it was
 * opened with (`#token=...`, which browsers never send to a server), keeps it
 * in this tab's sessionStorage (it survives a reload, and no other site or
 * port can read it), drops it from the address bar, and sends it as a Bearer
 * header with every call and with the live stream. No cookie is involved.
 */
import type { Channel, Envelope, LabApi, LabTransport } from '../shared/lab-api.js';
import { createLabApi } from '../shared/lab-client.js';
import { LiveDecoder } from '../shared/live-wire.js';
import { CONNECTION_CLOSED, CONNECTION_RETRYING, NOT_AUTHORIZED } from './connection-notices.js';

declare global {
  interface Window {
    bpfLab?: LabTransport;
  }
}

const TOKEN_KEY = 'bpf-lab-token';
/** How long the live stream waits before it reconnects. */
const RETRY_MS = 1000;

/** The token from this page's URL fragment (moved into sessionStorage and out of the address bar), or the one kept before. */
export function takePageToken(): string | null {
  const params = new URLSearchParams(location.hash.slice(1));
  const fromUrl = params.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

/** `bpf-lab serve`'s side of the contract: calls over fetch, and the live stream as a streamed fetch of frames. */
export function browserTransport(token: string | null): LabTransport {
  return {
    async invoke(channel: Channel, payload: unknown): Promise<Envelope> {
      if (token === null) return { ok: false, error: { code: 'not-authorized', message: NOT_AUTHORIZED } };
      let response: Response;
      try {
        response = await fetch(`/api/call/${channel}`, {
          method: 'POST', credentials: 'omit',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(payload),
        });
      } catch {
        return { ok: false, error: { code: 'disconnected', message: 'bpf-lab serve is not answering. Is it still running?' } };
      }
      if (response.status === 401 || response.status === 403) {
        return { ok: false, error: { code: 'not-authorized', message: NOT_AUTHORIZED } };
      }
      return await response.json() as Envelope;
    },
    subscribe(listener: (event: unknown) => void): () => void {
      const stop = new AbortController();
      // What the user was last told, so each outage is reported once.
      let told: 'nothing' | 'retrying' | 'closed' = 'nothing';
      const tell = (now: 'retrying' | 'closed'): void => {
        if (now === told) return;
        told = now;
        listener({ type: 'log', level: 'error', message: now === 'closed' ? CONNECTION_CLOSED : CONNECTION_RETRYING });
      };
      const read = async (reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> => {
        const decoder = new LiveDecoder();
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
          for (const event of decoder.push(chunk.value)) {
            if (stop.signal.aborted) return;
            told = 'nothing';
            // A listener's failure goes to the console; it must not cost the stream.
            try {
              listener(event);
            } catch (e) {
              console.error(e);
            }
          }
        }
      };
      const follow = async (): Promise<void> => {
        while (!stop.signal.aborted) {
          try {
            const response = await fetch('/api/live', {
              credentials: 'omit', headers: { authorization: `Bearer ${token ?? ''}` }, signal: stop.signal,
            });
            // Refused: a token from before serve restarted. Retrying cannot help.
            if (response.status === 401 || response.status === 403) return tell('closed');
            const reader = response.body?.getReader();
            try {
              if (response.ok && reader) await read(reader);
            } finally {
              // Whatever ended the read, the response is let go, so no connection stays open.
              void reader?.cancel().catch(() => undefined);
            }
          } catch {
            // The connection failed or dropped: retried below, unless unsubscribed.
          }
          if (stop.signal.aborted) return;
          tell('retrying');
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        }
      };
      void follow();
      return () => stop.abort();
    },
  };
}

/** The LabApi for whichever transport this page runs on. */
export function connectLab(): LabApi {
  return createLabApi(window.bpfLab ?? browserTransport(takePageToken()));
}
