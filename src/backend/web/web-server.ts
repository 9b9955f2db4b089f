/**
 * `bpf-lab serve`'s HTTP server: the renderer's files, one POST route per
 * LabApi call, and the live stream as one streamed response of frames (live-wire.ts). It binds to
 * loopback only, and every request passes the Guard (Host, Origin; the token for calls and the live stream).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONTENT_SECURITY_POLICY_HEADER } from '../../shared/csp.js';
import { LabError } from '../../shared/errors.js';
import type { Envelope } from '../../shared/lab-api.js';
import { serveCall } from '../../shared/lab-client.js';
import type { LabService } from '../lab-service.js';
import { capUntrusted } from './connection-cap.js';
import { Guard } from './guard.js';
import { LiveStream } from './live-stream.js';
import { readStatic } from './static-files.js';

const MAX_BODY_BYTES = 64 << 10;

export interface WebServerOptions {
  service: LabService;
  /** The built renderer's folder. */
  root: string;
  /** 0 picks a free port. */
  port: number;
  token: string;
  /** How many connections that have not shown the token stay open at once (connection-cap.ts). */
  untrustedCap?: number;
}

export interface WebServer {
  port: number;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY_HEADER,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Cache-Control': 'no-store', ...extra });
  res.end(body);
}

function refuse(res: ServerResponse, status: number, message: string): void {
  send(res, status, 'text/plain; charset=utf-8', `${message}\n`);
}

/** The body as text, or null once it passes MAX_BODY_BYTES (reading then stops). */
function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.pause();
      resolve(null);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function call(service: LabService, channel: string, body: string): Promise<Envelope> {
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return { ok: false, error: { code: 'bad-request', message: 'the body is not JSON' } };
  }
  return serveCall(channel, payload, (c, request) => service.handle(c, request));
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  // Made once the port is known (options.port may be 0); until then every request waits its turn.
  let guard: Guard | null = null;
  const live = new LiveStream(options.service);
  // Checked every second, so headersTimeout and requestTimeout (connection-cap.ts) close slow requests promptly.
  const server = http.createServer({ connectionsCheckingInterval: 1000 }, (req, res) => {
    void route(req, res).catch((e: unknown) => {
      if (!res.headersSent) refuse(res, 500, `internal error: ${e instanceof Error ? e.message : String(e)}`);
      else res.destroy();
    });
  });
  const trust = capUntrusted(server, options.untrustedCap);

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!guard) return refuse(res, 503, 'Starting; try again.');
    if (!guard.hostAllowed(req)) return refuse(res, 421, 'Wrong Host: open bpf-lab serve through 127.0.0.1 or localhost.');
    // Paths only (no absolute-form targets), parsed as paths: `//x` stays a path, not a host.
    if (!req.url?.startsWith('/')) return refuse(res, 400, 'Bad request target.');
    const url = new URL(`http://127.0.0.1${req.url}`);
    const isPost = req.method === 'POST';
    if (!isPost && req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Method not allowed.');
    if (!guard.originAllowed(req, isPost)) return refuse(res, 403, 'Cross-origin requests are refused.');
    const callRoute = /^\/api\/call\/([^/]+)$/.exec(url.pathname);
    if (callRoute) {
      if (!isPost) return refuse(res, 405, 'Calls are POSTs.');
      if (!guard.callAuthorized(req)) return refuse(res, 401, 'Not authorized: calls need the token as a Bearer header.');
      trust(req.socket);
      const body = await readBody(req);
      if (body === null) {
        // Answer, then close the connection rather than read the rest.
        const error = new LabError('bad-request', `the request body is larger than ${MAX_BODY_BYTES} bytes`);
        return send(res, 413, 'application/json', JSON.stringify({ ok: false, error: error.toData() }), { Connection: 'close' });
      }
      return send(res, 200, 'application/json', JSON.stringify(await call(options.service, callRoute[1]!, body)));
    }
    if (url.pathname === '/api/live') {
      if (req.method !== 'GET') return refuse(res, 405, 'The live stream is a GET.');
      if (!guard.callAuthorized(req)) return refuse(res, 401, 'Not authorized: the live stream needs the token as a Bearer header.');
      trust(req.socket);
      return live.attach(req, res, SECURITY_HEADERS);
    }
    // An old-style URL put the token in the query, where logs and history keep it: refused, so the
    // user learns to open the printed URL (token in the fragment) rather than seeing a page that cannot call.
    if (url.searchParams.has('token')) {
      return refuse(res, 400, `The token no longer goes in the query: open the URL that bpf-lab serve printed (http://127.0.0.1:${guard.port}/#token=…).`);
    }
    if (isPost) return refuse(res, 404, 'No such call.');
    const file = await readStatic(options.root, url.pathname);
    if (!file) return refuse(res, 404, 'Not found.');
    send(res, 200, file.type, req.method === 'HEAD' ? '' : file.body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  guard = new Guard(options.token, port);
  return {
    port,
    close: () => new Promise((resolve) => {
      live.closeAll();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
