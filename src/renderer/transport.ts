/**
 * The one place the renderer learns how it reaches its backend: Electron's
 * preload exposes a LabTransport as window.bpfLab; in a browser (`bpf-lab
 * serve`) the same contract runs over fetch and server-sent events. There the
 * page takes the token from the URL it was opened with, keeps it in this
 * tab's sessionStorage (it survives a reload, and no other site or port can
 * read it), drops it from the address bar, and sends it with every call (a
 * Bearer header) and with the live stream (its query: EventSource cannot
 * send headers). The server's cookie only lets a reload fetch the page.
 */
import type { Channel, Envelope, LabApi, LabTransport } from '../shared/lab-api.js';
import { createLabApi } from '../shared/lab-client.js';
import { CONNECTION_CLOSED, CONNECTION_RETRYING, NOT_AUTHORIZED } from './connection-notices.js';

declare global {
  interface Window {
    bpfLab?: LabTransport;
  }
}

const TOKEN_KEY = 'bpf-lab-token';

/** The token from this page's URL (moved into sessionStorage and out of the address bar), or the one kept before. */
export function takePageToken(): string | null {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

/** `bpf-lab serve`'s side of the contract: calls over fetch, the live stream over EventSource. */
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
      const source = new EventSource(`/api/live?token=${encodeURIComponent(token ?? '')}`);
      // What the user was last told, so each outage is reported once.
      let told: 'nothing' | 'retrying' | 'closed' = 'nothing';
      source.onmessage = (message: MessageEvent<string>) => {
        told = 'nothing';
        listener(JSON.parse(message.data));
      };
      source.onerror = () => {
        // CLOSED: EventSource gave up (a refused or non-stream reply) and will not retry.
        const now = source.readyState === EventSource.CLOSED ? 'closed' : 'retrying';
        if (now === told) return;
        told = now;
        listener({ type: 'log', level: 'error', message: now === 'closed' ? CONNECTION_CLOSED : CONNECTION_RETRYING });
      };
      return () => source.close();
    },
  };
}

/** The LabApi for whichever transport this page runs on. */
export function connectLab(): LabApi {
  return createLabApi(window.bpfLab ?? browserTransport(takePageToken()));
}
