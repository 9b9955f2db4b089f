// `bpf-lab serve`'s HTTP routing over a fake helper, with no root: the page's
// files public and no cookie ever set, calls behind the Bearer token, Host
// and Origin checks, bad methods and bodies, and the live stream carrying a
// session's frames and end. test/e2e/web-security.test.ts checks the same
// server against the real helper.
import { liveEventSchema } from '../../src/shared/lab-api.js';
import { LiveDecoder } from '../../src/shared/live-wire.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { LabService } from '../../src/backend/lab-service.js';
import { startWebServer, type WebServer } from '../../src/backend/web/web-server.js';
import { CONTENT_SECURITY_POLICY_HEADER } from '../../src/shared/csp.js';
import { FakeHelper } from './fake-helper.js';

const TOKEN = 'a'.repeat(32);
let root = '';
let helper: FakeHelper;
let service: LabService;
let server: WebServer;

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'web-server-test-'));
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>BPF Lab</title>');
  fs.mkdirSync(path.join(root, 'assets'));
  fs.writeFileSync(path.join(root, 'assets', 'app.js'), 'export {};');
  helper = new FakeHelper();
  service = new LabService({ launch: { via: 'direct', command: 'x', args: [] }, startHelper: () => Promise.resolve(helper.asClient()) });
  await service.start();
  server = await startWebServer({ service, root, port: 0, token: TOKEN });
});

after(async () => {
  await server.close();
  await service.dispose();
  fs.rmSync(root, { recursive: true, force: true });
});

interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string }

/** One raw request, so Host and Origin are exactly what the test says. */
function request(method: string, target: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: server.port, method, path: target, setHost: false,
      headers: { host: `127.0.0.1:${server.port}`, ...headers },
    }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const bearer = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const call = (channel: string, payload: unknown, headers: Record<string, string> = bearer) =>
  request('POST', `/api/call/${channel}`, headers, JSON.stringify(payload));

/** The status and Set-Cookie headers of one request; the response is dropped once they arrive (the live stream never ends). */
function headersOf(method: string, target: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; cookies: string[] }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: server.port, method, path: target, setHost: false,
      headers: { host: `127.0.0.1:${server.port}`, ...headers },
    }, (res) => {
      resolve({ status: res.statusCode!, cookies: res.headers['set-cookie'] ?? [] });
      res.destroy();
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('no response sets a cookie, and no cookie value it could set authorizes a call or the live stream', async () => {
  const tokened: Record<string, string>[] = [{}, bearer, { cookie: `bpf_lab_${server.port}=${TOKEN}` }];
  const cookies: string[] = [];
  for (const headers of tokened) {
    for (const [method, target] of [['GET', '/'], ['GET', `/?token=${TOKEN}`], ['GET', '/index.html'], ['GET', '/assets/app.js'],
      ['HEAD', '/index.html'], ['GET', '/api/live'], ['POST', '/api/call/lab:status']] as const) {
      const r = await headersOf(method, target, headers, method === 'POST' ? '{}' : undefined);
      cookies.push(...r.cookies);
    }
  }
  // Before the fix, the tokened URL set `bpf_lab_PORT=TOKEN`, which every other port on 127.0.0.1 was sent.
  const values = cookies.map((c) => c.split(';')[0]!);
  for (const pair of values) {
    const value = pair.slice(pair.indexOf('=') + 1);
    assert.equal((await call('lab:status', {}, { authorization: `Bearer ${value}`, 'content-type': 'application/json' })).status, 401,
      'a cookie value sent as a Bearer token makes no call');
    assert.equal((await headersOf('GET', '/api/live', { authorization: `Bearer ${value}` })).status, 401, 'nor opens the live stream');
    const origin = `http://127.0.0.1:${server.port}`;
    assert.equal((await call('lab:status', {}, { cookie: pair, origin, 'content-type': 'application/json' })).status, 401,
      'sent as a cookie it makes no call');
    assert.equal((await headersOf('GET', '/api/live', { cookie: pair })).status, 401, 'nor opens the live stream');
  }
  assert.deepEqual(cookies, [], 'no cookie is set at all');
});

test('the page\'s files need no token; a token in the query is refused with a pointer to the printed URL', async () => {
  const page = await request('GET', '/');
  assert.equal(page.status, 200);
  assert.match(page.body, /<title>BPF Lab<\/title>/);
  assert.equal(page.headers['content-security-policy'], CONTENT_SECURITY_POLICY_HEADER);
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.equal((await request('GET', '/assets/app.js')).body, 'export {};');
  assert.equal((await request('HEAD', '/index.html')).body, '');
  assert.equal((await request('GET', '/nothing-here.js')).status, 404);
  assert.equal((await request('GET', '/../../etc/passwd')).status, 404);
  for (const query of [`/?token=${TOKEN}`, '/?token=wrong', `/index.html?x=1&token=${TOKEN}`]) {
    const old = await request('GET', query);
    assert.equal(old.status, 400, query);
    assert.ok(old.body.includes(`open the URL that bpf-lab serve printed (http://127.0.0.1:${server.port}/#token=`), old.body);
  }
  const origin = `http://127.0.0.1:${server.port}`;
  assert.equal((await call('lab:status', {}, { origin, 'content-type': 'application/json' })).status, 401, 'calls still need the token');
  assert.equal((await call('lab:status', {}, { 'content-type': 'application/json' })).status, 403,
    'without a Bearer token a state change needs our Origin');
  assert.equal((await request('GET', '/api/live?token=' + TOKEN)).status, 401, 'nor does the live stream take it from a URL');
});

test('a foreign Host or Origin is refused before anything else', async () => {
  assert.equal((await request('GET', '/', { host: `evil.example:${server.port}` })).status, 421);
  assert.equal((await request('GET', '/', { host: '127.0.0.1:1' })).status, 421);
  assert.equal((await call('lab:status', {}, { ...bearer, origin: 'http://evil.example' })).status, 403);
  const ours = await call('lab:status', {}, { ...bearer, origin: `http://127.0.0.1:${server.port}` });
  assert.equal(ours.status, 200);
});

test('calls need the Bearer token and a POST; bad channels, bodies and payloads come back as errors', async () => {
  const status = await call('lab:status', {});
  assert.equal(status.status, 200);
  const envelope = JSON.parse(status.body) as { ok: boolean; value: { helper: { state: string } } };
  assert.deepEqual([envelope.ok, envelope.value.helper.state], [true, 'ready']);
  assert.equal((await call('lab:status', {}, { authorization: 'Bearer wrong' })).status, 401);
  assert.equal((await request('GET', '/api/call/lab:status', bearer)).status, 405);
  assert.equal((await request('PUT', '/index.html', bearer)).status, 405);
  const error = async (reply: Promise<Reply>): Promise<{ code: string; message: string }> =>
    (JSON.parse((await reply).body) as { ok: false; error: { code: string; message: string } }).error;
  assert.match((await error(call('lab:nope', {}))).message, /unknown channel lab:nope/);
  assert.equal((await error(request('POST', '/api/call/lab:status', bearer, '{not json'))).code, 'bad-request');
  assert.equal((await error(call('lab:start', { mode: 'stat', probe: { kind: 'catalog', id: 'write' }, layout: 'nonsense' }))).code,
    'bad-request');
  const big = await request('POST', '/api/call/lab:status', bearer, `"${'x'.repeat(70 << 10)}"`);
  assert.equal(big.status, 413, 'a body over 64 KiB is refused, with an answer');
  assert.match((JSON.parse(big.body) as { error: { message: string } }).error.message, /larger than 65536 bytes/);
  assert.equal(big.headers.connection, 'close');
});

test('the live stream needs the token as a header; it carries the status, a session\'s frames with their records and running total, and its end', async () => {
  assert.equal((await request('GET', `/api/live?token=${TOKEN}`)).status, 401, 'not in the URL');
  assert.equal((await request('GET', '/api/live', { authorization: 'Bearer wrong' })).status, 401);
  const events: Array<Record<string, unknown>> = [];
  const stream = http.get({ host: '127.0.0.1', port: server.port, path: '/api/live', headers: { authorization: `Bearer ${TOKEN}` } });
  const response = await new Promise<http.IncomingMessage>((resolve) => stream.on('response', resolve));
  assert.equal(response.headers['content-type'], 'application/octet-stream');
  const decoder = new LiveDecoder();
  response.on('data', (c: Buffer) => events.push(...decoder.push(c) as Array<Record<string, unknown>>));
  const until = async (what: string, ok: () => boolean): Promise<void> => {
    for (const end = Date.now() + 5000; !ok(); await new Promise((r) => setTimeout(r, 10))) {
      if (Date.now() > end) assert.fail(`no ${what} on the stream: ${JSON.stringify(events)}`);
    }
  };
  try {
    await until('status', () => events.some((e) => e['type'] === 'status'));
    const started = JSON.parse((await call('lab:start', {
      mode: 'trace', probe: { kind: 'catalog', id: 'write' }, layout: 'seed', intervalMs: 2000,
    })).body) as { ok: true; value: { session: number } };
    helper.trace(1, 10);
    await until('frame', () => events.some((e) => e['type'] === 'frame'));
    const frame = liveEventSchema.parse(events.find((e) => e['type'] === 'frame'));
    assert.ok(frame.type === 'frame');
    const batch = frame.traces[0]!;
    assert.deepEqual([batch.session, batch.count, batch.passed], [started.value.session, 10, 10]);
    assert.deepEqual(batch.records, helper.sentRecords.at(-1), 'the records, byte for byte as the helper sent them');
    await call('lab:stop', { session: started.value.session });
    await until('end', () => events.some((e) => e['type'] === 'ended'));
    assert.equal((events.find((e) => e['type'] === 'ended') as { passed: number }).passed, 10);
  } finally {
    stream.destroy();
  }
});
