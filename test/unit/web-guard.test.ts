// Who may talk to `bpf-lab serve` (src/backend/web/guard.ts) and which files
// it serves (static-files.ts): Host and Origin against DNS rebinding and
// cross-site requests, the token as a Bearer header only, and no path
// out of the renderer's folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IncomingMessage } from 'node:http';
import { Guard, newToken } from '../../src/backend/web/guard.js';
import { readStatic } from '../../src/backend/web/static-files.js';

const token = 'tok-' + 'x'.repeat(28);
const guard = new Guard(token, 8047);
const req = (headers: Record<string, string>): IncomingMessage => ({ headers }) as unknown as IncomingMessage;

test('tokens are long and random', () => {
  const a = newToken();
  assert.ok(a.length >= 32);
  assert.notEqual(a, newToken());
});

test('Host must name our loopback address and port', () => {
  assert.equal(guard.hostAllowed(req({ host: '127.0.0.1:8047' })), true);
  assert.equal(guard.hostAllowed(req({ host: 'LOCALHOST:8047' })), true);
  assert.equal(guard.hostAllowed(req({ host: 'attacker.example:8047' })), false, 'DNS rebinding');
  assert.equal(guard.hostAllowed(req({ host: '127.0.0.1:9000' })), false);
  assert.equal(guard.hostAllowed(req({})), false);
});

test('a browser Origin must be ours; state changes need one unless they carry a Bearer token', () => {
  assert.equal(guard.originAllowed(req({ origin: 'http://127.0.0.1:8047' }), true), true);
  assert.equal(guard.originAllowed(req({ origin: 'http://localhost:8047' }), true), true);
  assert.equal(guard.originAllowed(req({ origin: 'https://evil.example' }), false), false);
  assert.equal(guard.originAllowed(req({ origin: 'null' }), true), false);
  assert.equal(guard.originAllowed(req({}), false), true, 'a plain GET');
  assert.equal(guard.originAllowed(req({}), true), false, 'a POST from nowhere');
  assert.equal(guard.originAllowed(req({ authorization: `Bearer ${token}` }), true), true, 'a script with the token');
});

test('calls (and the live stream) need the Bearer token; a cookie, even holding it, is nothing', () => {
  assert.equal(guard.callAuthorized(req({ cookie: `bpf_lab_8047=${token}` })), false, 'no cookie is ever read');
  assert.equal(guard.callAuthorized(req({ authorization: `Bearer ${token}` })), true);
  assert.equal(guard.callAuthorized(req({ authorization: 'Bearer wrong' })), false);
  assert.equal(guard.callAuthorized(req({ authorization: `Bearer ${token}x` })), false);
  assert.equal(guard.callAuthorized(req({})), false);
});

test('static files come only from the renderer folder, with a known type', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bpf-lab-static-'));
  fs.mkdirSync(path.join(root, 'assets'));
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html>');
  fs.writeFileSync(path.join(root, 'assets', 'app.js'), 'x');
  fs.writeFileSync(path.join(root, 'notes.txt'), 'x');
  assert.equal((await readStatic(root, '/'))?.type, 'text/html; charset=utf-8');
  assert.equal((await readStatic(root, '/assets/app.js'))?.body.toString(), 'x');
  assert.equal(await readStatic(root, '/../../etc/passwd'), null);
  assert.equal(await readStatic(root, '/assets/%2e%2e/%2e%2e/etc/passwd'), null);
  assert.equal(await readStatic(root, '/%00index.html'), null);
  assert.equal(await readStatic(root, '/%E0%A4%A'), null, 'bad escapes');
  assert.equal(await readStatic(root, '/notes.txt'), null, 'unknown types are not served');
  assert.equal(await readStatic(root, '/assets'), null, 'no listings');
  fs.rmSync(root, { recursive: true });
});
