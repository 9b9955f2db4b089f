// `bpf-lab serve` on the real helper, probed over raw HTTP: loopback only,
// the page's files public, no cookie ever set, the token (a Bearer header)
// required for calls and the live stream, Host and Origin checked against DNS
// rebinding and cross-site requests, the CSP sent, and a call with the token
// reaching the real helper.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { needsRoot } from '../kernel/harness.js';
import { startServe, type Served } from './serve.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(served: Served, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: served.port, path, method: opts.method ?? 'GET',
      headers: { host: `127.0.0.1:${served.port}`, ...opts.headers },
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
        if (res.headers['content-type'] === 'application/octet-stream') res.destroy(); // the live stream: its start is enough
      });
      res.on('close', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

let served: Served | null = null;

before(async () => {
  if (process.getuid?.() !== 0) return;
  served = await startServe();
});

after(async () => {
  if (served) assert.equal(await served.stop(), 0);
});

test('the printed URL carries the token in its fragment; the page needs none and no response sets a cookie', async (t) => {
  if (!needsRoot(t)) return;
  assert.match(served!.url, /^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+$/);
  const page = await request(served!, '/');
  assert.equal(page.status, 200);
  assert.match(page.body, /<div id="root">/);
  assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'.*frame-ancestors 'none'/);
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  const asset = /src="\.(\/assets\/[^"]+\.js)"/.exec(page.body)?.[1];
  assert.ok(asset, 'the page names a script asset');
  const bearer = { authorization: `Bearer ${served!.token}` };
  const cookies: string[] = [];
  for (const headers of [{}, bearer]) {
    for (const path of ['/', '/index.html', asset, `/?token=${served!.token}`]) cookies.push(...(await request(served!, path, { headers })).headers['set-cookie'] ?? []);
  }
  assert.deepEqual(cookies, []);
  const old = await request(served!, `/?token=${served!.token}`);
  assert.equal(old.status, 400, 'an old query-token URL is refused, with a pointer to the printed URL');
  assert.match(old.body, /#token=/);
});

test('without the Bearer token, calls and the live stream are refused', async (t) => {
  if (!needsRoot(t)) return;
  const withCookie = await request(served!, '/api/call/lab:status', {
    method: 'POST', headers: { cookie: `bpf_lab_${served!.port}=${served!.token}`, origin: served!.origin, 'content-type': 'application/json' }, body: '{}',
  });
  assert.equal(withCookie.status, 401, 'a cookie, even holding the token, is not enough');
  assert.equal((await request(served!, '/api/live', { headers: { cookie: `bpf_lab_${served!.port}=${served!.token}` } })).status, 401);
  assert.equal((await request(served!, '/api/live?token=guess')).status, 401);
});

test('a foreign Host (DNS rebinding) and a foreign Origin are refused', async (t) => {
  if (!needsRoot(t)) return;
  const rebound = await request(served!, '/', { headers: { host: `attacker.example:${served!.port}` } });
  assert.equal(rebound.status, 421);
  const cross = await request(served!, '/api/call/lab:status', {
    method: 'POST', headers: { authorization: `Bearer ${served!.token}`, origin: 'http://attacker.example' }, body: '{}',
  });
  assert.equal(cross.status, 403);
});

test('with the token, a call reaches the real helper and bad payloads come back as errors', async (t) => {
  if (!needsRoot(t)) return;
  const headers = { authorization: `Bearer ${served!.token}`, origin: served!.origin, 'content-type': 'application/json' };
  const status = JSON.parse((await request(served!, '/api/call/lab:status', { method: 'POST', headers, body: '{}' })).body);
  assert.equal(status.ok, true);
  assert.equal(status.value.helper.state, 'ready');
  assert.equal(status.value.helper.kernel.release, (await import('node:os')).release());
  const bearer = JSON.parse((await request(served!, '/api/call/lab:probes', {
    method: 'POST', headers: { authorization: `Bearer ${served!.token}` }, body: '{}',
  })).body);
  assert.equal(bearer.ok, true);
  assert.ok(bearer.value.probes.some((p: { id: string }) => p.id === 'memcpy'));
  const bad = JSON.parse((await request(served!, '/api/call/lab:start', {
    method: 'POST', headers, body: '{"mode":"stat","probe":{"kind":"uprobe","path":"relative","symbol":"x","arg":1}}',
  })).body);
  assert.deepEqual(bad, { ok: false, error: { code: 'bad-request', message: 'probe.path: must be an absolute path' } });
  const junk = JSON.parse((await request(served!, '/api/call/lab:status', { method: 'POST', headers, body: '{' })).body);
  assert.equal(junk.error.code, 'bad-request');
  assert.equal((await request(served!, '/api/call/lab:nothing', { method: 'POST', headers, body: '{}' })).body,
    '{"ok":false,"error":{"code":"bad-request","message":"unknown channel lab:nothing"}}');
  assert.equal((await request(served!, `/api/live?token=${served!.token}`)).status, 401, 'the token never goes in a URL');
  const live = await request(served!, '/api/live', { headers: { authorization: `Bearer ${served!.token}` } });
  assert.equal(live.headers['content-type'], 'application/octet-stream');
  assert.match(live.body.slice(4), /^\{"type":"status"/, 'a JSON frame of the status comes first');
});

test('it listens on 127.0.0.1 only', async (t) => {
  if (!needsRoot(t)) return;
  const fs = await import('node:fs');
  const port = served!.port.toString(16).toUpperCase().padStart(4, '0');
  // /proc/net/tcp: local address as hex IP:PORT, state 0A = LISTEN. 0100007F is 127.0.0.1.
  const listening = fs.readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1).map((l) => l.trim().split(/\s+/))
    .filter((f) => f[3] === '0A' && f[1]?.endsWith(`:${port}`)).map((f) => f[1]);
  assert.deepEqual(listening, [`0100007F:${port}`]);
  const tcp6 = fs.existsSync('/proc/net/tcp6') ? fs.readFileSync('/proc/net/tcp6', 'utf8') : '';
  assert.equal(tcp6.split('\n').some((l) => l.includes(`:${port} `) && / 0A /.test(l)), false, 'not on IPv6');
});

test('the live stream is GET only', async (t) => {
  if (!needsRoot(t)) return;
  assert.equal((await request(served!, '/api/live', { method: 'HEAD', headers: { authorization: `Bearer ${served!.token}` } })).status, 405);
});
