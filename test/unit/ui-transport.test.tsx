// Pins down the browser transport (src/renderer/transport.ts) on fakes of
// fetch, EventSource and the page's location: the token goes with every call
// as a Bearer header and with the live stream, and leaves the address bar; a
// 401/403 says to open serve's URL again (not that root is needed), and a dropped stream says "retrying" only while
// EventSource retries, and "closed for good" with the way back when it gives up.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { CONNECTION_CLOSED, CONNECTION_RETRYING } from '../../src/renderer/connection-notices.js';
import { browserTransport, takePageToken } from '../../src/renderer/transport.js';

class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static last: FakeEventSource | null = null;
  readyState = FakeEventSource.CONNECTING;
  onmessage: ((m: { data: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeEventSource.last = this;
  }
  close(): void {
    this.closed = true;
  }
  fail(state: number): void {
    this.readyState = state;
    this.onerror?.();
  }
}

const globals = globalThis as unknown as { fetch: unknown; EventSource: unknown };
const realFetch = globals.fetch;
afterEach(() => {
  globals.fetch = realFetch;
  delete globals.EventSource;
});

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

test('a stream that drops says "retrying" once per outage, and nothing more once messages flow again', () => {
  globals.EventSource = FakeEventSource;
  const events: unknown[] = [];
  const stop = browserTransport('tok').subscribe((e) => events.push(e));
  const source = FakeEventSource.last!;
  assert.equal(source.url, '/api/live?token=tok');
  source.fail(FakeEventSource.CONNECTING);
  source.fail(FakeEventSource.CONNECTING);
  assert.deepEqual(messages(events), [CONNECTION_RETRYING]);
  source.onmessage!({ data: '{"type":"log","level":"info","message":"back"}' });
  source.fail(FakeEventSource.CONNECTING);
  assert.deepEqual(messages(events), [CONNECTION_RETRYING, 'back', CONNECTION_RETRYING]);
  stop();
  assert.equal(source.closed, true);
});

test('when EventSource gives up (CLOSED) the page says so and how to recover, even mid-retry', () => {
  globals.EventSource = FakeEventSource;
  const events: unknown[] = [];
  browserTransport('tok').subscribe((e) => events.push(e));
  const source = FakeEventSource.last!;
  source.fail(FakeEventSource.CONNECTING);
  source.fail(FakeEventSource.CLOSED);
  source.fail(FakeEventSource.CLOSED);
  assert.deepEqual(messages(events), [CONNECTION_RETRYING, CONNECTION_CLOSED]);
  assert.doesNotMatch(CONNECTION_CLOSED, /retrying/);
  assert.match(CONNECTION_CLOSED, /Open the URL that bpf-lab serve printed/);
  for (const event of events) assert.equal((event as { type: string }).type, 'log');
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

test('the token moves from the URL into this tab\'s storage and out of the address bar', () => {
  const stored = new Map<string, string>();
  const replaced: string[] = [];
  const page = globalThis as unknown as Record<string, unknown>;
  const saved = { location: page.location, sessionStorage: page.sessionStorage, history: page.history };
  page.location = { search: '?token=abc&x=1', pathname: '/', hash: '#trace' };
  page.sessionStorage = { setItem: (k: string, v: string) => stored.set(k, v), getItem: (k: string) => stored.get(k) ?? null };
  page.history = { replaceState: (_s: unknown, _t: string, url: string) => replaced.push(url) };
  try {
    assert.equal(takePageToken(), 'abc');
    assert.deepEqual(replaced, ['/?x=1#trace']);
    page.location = { search: '', pathname: '/', hash: '' };
    assert.equal(takePageToken(), 'abc', 'a reload finds it again');
    assert.equal(replaced.length, 1);
  } finally {
    Object.assign(page, saved);
  }
});
