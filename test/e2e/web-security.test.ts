// `bpf-lab serve` on the real helper, probed over raw HTTP: loopback only,
// the token required everywhere (a cookie for the page's files; the token
// itself for calls and the live stream), Host and Origin checked against DNS
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
let cookie = '';

before(async () => {
  if (process.getuid?.() !== 0) return;
  served = await startServe();
  const r = await request(served, `/?token=${served.token}`);
  cookie = (r.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
});

after(async () => {
  if (served) assert.equal(await served.stop(), 0);
});

test('the tokened URL serves the page and sets a cookie for its files', async (t) => {
  if (!needsRoot(t)) return;
  const r = await request(served!, `/?token=${served!.token}`);
  assert.equal(r.status, 200);
  assert.match(r.body, /<div id="root">/);
  assert.match(r.headers['set-cookie']?.[0] ?? '', /^bpf_lab_\d+=\S+; Path=\/; HttpOnly; SameSite=Strict$/);
  const page = await request(served!, '/', { headers: { cookie } });
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'.*frame-ancestors 'none'/);
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
});

test('a bad or missing token is refused; the cookie alone cannot make calls or open the live stream', async (t) => {
  if (!needsRoot(t)) return;
  const wrong = await request(served!, '/?token=not-the-token');
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers['set-cookie'], undefined);
  assert.equal((await request(served!, '/')).status, 401);
  assert.equal((await request(served!, '/', { headers: { cookie: `${cookie.split('=')[0]}=guess` } })).status, 401);
  const withCookie = await request(served!, '/api/call/lab:status', {
    method: 'POST', headers: { cookie, origin: served!.origin, 'content-type': 'application/json' }, body: '{}',
  });
  assert.equal(withCookie.status, 401, 'a cookie any local server could have been sent is not enough');
  assert.equal((await request(served!, '/api/live', { headers: { cookie } })).status, 401);
  assert.equal((await request(served!, '/api/live?token=guess')).status, 401);
});

test('a foreign Host (DNS rebinding) and a foreign Origin are refused even with the cookie', async (t) => {
  if (!needsRoot(t)) return;
  const rebound = await request(served!, '/', { headers: { host: `attacker.example:${served!.port}`, cookie } });
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
