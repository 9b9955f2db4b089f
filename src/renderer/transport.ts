/**
 * The one place the renderer learns how it reaches its backend: Electron's
 * preload exposes a LabTransport as window.bpfLab; in a browser (`bpf-lab
 * serve`) the same contract runs over fetch and server-sent events, with the
 * session cookie the server set when the tokened URL was opened.
 */
import type { Channel, Envelope, LabApi, LabTransport } from '../shared/lab-api.js';
import { createLabApi } from '../shared/lab-client.js';

declare global {
  interface Window {
    bpfLab?: LabTransport;
  }
}

function browserTransport(): LabTransport {
  return {
    async invoke(channel: Channel, payload: unknown): Promise<Envelope> {
      let response: Response;
      try {
        response = await fetch(`/api/call/${channel}`, {
          method: 'POST', credentials: 'same-origin',
          headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload),
        });
      } catch {
        return { ok: false, error: { code: 'disconnected', message: 'bpf-lab serve is not answering. Is it still running?' } };
      }
      if (response.status === 401 || response.status === 403) {
        return {
          ok: false,
          error: { code: 'not-authorized', message: 'This page is no longer authorized: open the URL that bpf-lab serve printed.' },
        };
      }
      return await response.json() as Envelope;
    },
    subscribe(listener: (event: unknown) => void): () => void {
      const source = new EventSource('/api/live');
      let broken = false;
      source.onmessage = (message: MessageEvent<string>) => {
        broken = false;
        listener(JSON.parse(message.data));
      };
      source.onerror = () => {
        if (broken) return;
        broken = true;
        listener({ type: 'log', level: 'error', message: 'Lost the connection to bpf-lab serve; retrying…' });
      };
      return () => source.close();
    },
  };
}

/** The LabApi for whichever transport this page runs on. */
export function connectLab(): LabApi {
  return createLabApi(window.bpfLab ?? browserTransport());
}
