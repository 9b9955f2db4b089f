// Another local user holding thousands of half-sent requests open against
// `bpf-lab serve` (connection-cap.ts): the owner's call still succeeds while the
// attack is held, and serve's open files stay bounded. The attacker is a child
// process, run as nobody when this runs as root, so its sockets are not ours.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { LabService } from '../../src/backend/lab-service.js';
import { startWebServer, type WebServer } from '../../src/backend/web/web-server.js';
import { FakeHelper } from './fake-helper.js';

const TOKEN = 'b'.repeat(32);
const CAP = 64;
const ATTACK = 3000;
let root = '';
let service: LabService;
let server: WebServer;
let attacker: ChildProcess | null = null;

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'web-slowloris-'));
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html>');
  const helper = new FakeHelper();
  service = new LabService({ launch: { via: 'direct', command: 'x', args: [] }, startHelper: () => Promise.resolve(helper.asClient()) });
  await service.start();
  server = await startWebServer({ service, root, port: 0, token: TOKEN, untrustedCap: CAP });
});

after(async () => {
  attacker?.kill('SIGKILL');
  await server.close();
  await service.dispose();
  fs.rmSync(root, { recursive: true, force: true });
});

const openFiles = (): number => fs.readdirSync('/proc/self/fd').length;

/** Opens ATTACK sockets, each sending half a request, reopening any that close; prints "held" once all were opened. */
const ATTACK_SCRIPT = `
const net = require('node:net');
const [port, n] = process.argv.slice(1).map(Number);
let opened = 0;
const open = () => {
  const s = net.connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\\r\\nHost: 127.0.0.1:' + port + '\\r\\nX-Slow: '));
  s.on('error', () => undefined);
  s.on('close', () => setTimeout(open, 50));
  if (++opened === n) console.log('held');
};
for (let i = 0; i < n; i++) open();
setInterval(() => undefined, 1000);
`;

/** The owner's live stream, opened with the token: trusted, so the cap must never close it. */
async function openLive(): Promise<{ closed: () => boolean; close: () => void }> {
  let closed = false;
  const req = http.get({ host: '127.0.0.1', port: server.port, path: '/api/live', headers: { authorization: `Bearer ${TOKEN}` } });
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => req.once('response', resolve).once('error', reject));
  assert.equal(res.statusCode, 200);
  res.resume();
  res.once('close', () => { closed = true; });
  return { closed: () => closed, close: () => req.destroy() };
}

test('held half-open connections neither lock the owner out, nor close the owner\'s live stream, nor grow serve\'s open files past the cap', async () => {
  const live = await openLive();
  const before = openFiles();
  const asNobody = process.getuid?.() === 0 && fs.existsSync('/usr/bin/setpriv')
    ? ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
  const argv = [...asNobody, process.execPath, '-e', ATTACK_SCRIPT, String(server.port), String(ATTACK)];
  attacker = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => attacker!.stdout!.on('data', (c: Buffer) => { if (String(c).includes('held')) resolve(); }));
  // Let the server accept what it can: wait (bounded) for its count to reach the cap.
  for (let i = 0; i < 100 && openFiles() < before + CAP; i++) await new Promise((r) => setTimeout(r, 50));
  const owner = await fetch(`http://127.0.0.1:${server.port}/api/call/lab:status`, {
    method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{}',
  });
  assert.equal(owner.status, 200, 'the owner\'s call is answered during the attack');
  assert.equal((await owner.json() as { ok: boolean }).ok, true);
  const during = openFiles();
  console.log(`open files: ${before} before, ${during} under ${ATTACK} half-open connections (cap ${CAP})`);
  assert.ok(during <= before + CAP + 16, `serve holds ${during - before} more files than before; the cap is ${CAP}`);
  // The attacker kept churning its connections through the cap all along; the oldest connection
  // of all, the owner's live stream, was never the one closed.
  assert.equal(live.closed(), false, 'the owner\'s live stream is still open');
  live.close();
});
