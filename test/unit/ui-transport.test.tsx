// Pins down the browser transport (src/renderer/transport.ts) on fakes of
// fetch and the page's location: the token goes with every call and with the
// live stream as a Bearer header, and leaves the address bar; a 401/403 says to
// open serve's URL again (not that root is needed); a dropped stream says
// "retrying" once per outage while it reconnects, and "closed" with the way
// back when the server refuses it.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { CONNECTION_CLOSED, CONNECTION_RETRYING } from '../../src/renderer/connection-notices.js';
import { browserTransport, takePageToken } from '../../src/renderer/transport.js';
import { encodeLive } from '../../src/shared/live-wire.js';
import { TRACE_RECORD_STRIDE } from '../../src/shared/trace-frame.js';

const globals = globalThis as unknown as { fetch: unknown };
const realFetch = globals.fetch;
afterEach(() => {
  globals.fetch = realFetch;
});

/** A live stream the test writes to and ends. */
function stream(): { response: Response; send: (bytes: Uint8Array) => void; end: () => void } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => { controller = c; } });
  return { response: new Response(body), send: (b) => controller.enqueue(b), end: () => controller.close() };
}

/** A fake fetch that answers the live stream's requests in turn, and records them. */
function liveFetch(answers: Array<() => Promise<Response>>): { calls: Array<{ url: string; init: RequestInit }> } {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  globals.fetch = (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const answer = answers.shift();
    return answer ? answer() : new Promise<Response>(() => undefined);
  };
  return { calls };
}

const until = async (ok: () => boolean, what: string): Promise<void> => {
  for (const end = Date.now() + 5000; !ok(); await new Promise((r) => setTimeout(r, 10))) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
  }
};

function messages(events: unknown[]): string[] {
  return events.map((e) => (e as { message?: string }).message ?? JSON.stringify(e));
}

for (const status of [401, 403]) {
  test(`a ${status} reply means the page's cookie is stale: open serve's URL again`, async () => {
    globals.fetch = async () => new Response('', { status });
    const reply = await browserTransport('tok').invoke('lab:status', {});
    assert.equal(reply.ok, false);
    if (reply.ok) return;
    assert.equal(reply.error.code, 'not-authorized');
    assert.match(reply.error.message, /open the URL that bpf-lab serve printed/i);
    assert.doesNotMatch(reply.error.message, /root/);
  });
}

test('a stream that drops says "retrying" once per outage, and nothing more once messages flow again', async () => {
  const back = stream();
  const fail = (): Promise<Response> => Promise.reject(new TypeError('network'));
  const { calls } = liveFetch([fail, fail, () => Promise.resolve(back.response)]);
  const events: unknown[] = [];
  const stop = browserTransport('tok').subscribe((e) => events.push(e));
  await until(() => calls.length === 3, 'the third try');
  assert.deepEqual(messages(events), [CONNECTION_RETRYING], 'two failed tries, one notice');
  assert.equal(calls[0]!.url, '/api/live');
  assert.equal((calls[0]!.init.headers as Record<string, string>).authorization, 'Bearer tok', 'the token goes as a header, not in the URL');
  assert.equal(calls[0]!.init.credentials, 'omit');
  back.send(encodeLive({ type: 'log', level: 'info', message: 'back' })[0]!);
  await until(() => events.length === 2, 'the message');
  back.end();
  await until(() => events.length === 3, 'the second notice');
  assert.deepEqual(messages(events), [CONNECTION_RETRYING, 'back', CONNECTION_RETRYING]);
  stop();
  assert.equal(calls[2]!.init.signal!.aborted, true, 'unsubscribing ends the stream');
});

test('a stream the server refuses (a stale token) says it is closed and how to recover, and is not tried again', async () => {
  const { calls } = liveFetch([() => Promise.reject(new TypeError('network')), () => Promise.resolve(new Response('', { status: 401 }))]);
  const events: unknown[] = [];
  browserTransport('tok').subscribe((e) => events.push(e));
  await until(() => events.length === 2, 'two notices');
  await new Promise((r) => setTimeout(r, 1300));
  assert.equal(calls.length, 2, 'no retry after a refusal');
  assert.deepEqual(messages(events), [CONNECTION_RETRYING, CONNECTION_CLOSED]);
  assert.doesNotMatch(CONNECTION_CLOSED, /retrying/);
  assert.match(CONNECTION_CLOSED, /Open the URL that bpf-lab serve printed/);
  for (const event of events) assert.equal((event as { type: string }).type, 'log');
});

test('trace records arrive as bytes, whatever the chunking of the stream', async () => {
  const live = stream();
  liveFetch([() => Promise.resolve(live.response)]);
  const events: unknown[] = [];
  browserTransport('tok').subscribe((e) => events.push(e));
  const records = Uint8Array.from({ length: 2 * TRACE_RECORD_STRIDE }, (_, i) => i & 0xff);
  const frame = { type: 'frame' as const, histograms: [], traces: [{ session: 4, count: 2, records, lost: 0, passed: 2, at: 1 }] };
  const bytes = Uint8Array.from(encodeLive(frame).flatMap((c) => [...c]));
  for (let at = 0; at < bytes.length; at += 7) live.send(bytes.slice(at, at + 7));
  await until(() => events.length === 1, 'the frame');
  assert.deepEqual(events[0], frame);
});

test('calls carry the token as a Bearer header and no cookie; without a token nothing is sent', async () => {
  const seen: RequestInit[] = [];
  globals.fetch = async (_url: string, init: RequestInit) => {
    seen.push(init);
    return new Response('{"ok":true,"value":1}');
  };
  assert.deepEqual(await browserTransport('tok').invoke('lab:status', {}), { ok: true, value: 1 });
  assert.equal((seen[0]!.headers as Record<string, string>).authorization, 'Bearer tok');
  assert.equal(seen[0]!.credentials, 'omit');
  const none = await browserTransport(null).invoke('lab:status', {});
  assert.equal(none.ok, false);
  assert.equal(seen.length, 1);
});

test('the token moves from the URL fragment into this tab\'s storage and out of the address bar', () => {
  const stored = new Map<string, string>();
  const replaced: string[] = [];
  const page = globalThis as unknown as Record<string, unknown>;
  const saved = { location: page.location, sessionStorage: page.sessionStorage, history: page.history };
  page.location = { search: '?x=1', pathname: '/', hash: '#token=abc&view=trace' };
  page.sessionStorage = { setItem: (k: string, v: string) => stored.set(k, v), getItem: (k: string) => stored.get(k) ?? null };
  page.history = { replaceState: (_s: unknown, _t: string, url: string) => replaced.push(url) };
  try {
    assert.equal(takePageToken(), 'abc');
    assert.deepEqual(replaced, ['/?x=1#view=trace']);
    page.location = { search: '', pathname: '/', hash: '' };
    assert.equal(takePageToken(), 'abc', 'a reload finds it again');
    assert.equal(replaced.length, 1);
  } finally {
    Object.assign(page, saved);
  }
});

test('a listener that throws costs neither the stream nor the events after it', async () => {
  const live = stream();
  const { calls } = liveFetch([() => Promise.resolve(live.response)]);
  const seen: string[] = [];
  const thrown: unknown[] = [];
  const consoleError = console.error;
  console.error = (e: unknown): void => { thrown.push(e); };
  try {
    browserTransport('tok').subscribe((e) => {
      const message = (e as { message: string }).message;
      seen.push(message);
      if (message === 'one') throw new Error('listener failed');
    });
    live.send(Uint8Array.from([...encodeLive({ type: 'log', level: 'info', message: 'one' })[0]!, ...encodeLive({ type: 'log', level: 'info', message: 'two' })[0]!]));
    await until(() => seen.length === 2 && thrown.length === 1, 'both events and the reported error');
    assert.deepEqual(seen, ['one', 'two']);
    assert.equal(calls.length, 1, 'no reconnect');
  } finally {
    console.error = consoleError;
  }
});
