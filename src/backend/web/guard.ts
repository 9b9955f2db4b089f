/**
 * Who may talk to `bpf-lab serve`: requests must name our loopback address in
 * Host (against DNS rebinding), come from our own origin when a browser sends
 * one (against cross-site requests), and carry the token. The page's files
 * accept a cookie, set when the tokened URL is opened. Calls and the live
 * stream, which drive the root helper, need the token itself, as a Bearer header
 * (never in a URL, where logs and history keep it):
 * browsers send a 127.0.0.1 cookie to every port on that address, so a
 * cookie alone could be replayed by any other local server the user visits.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export class Guard {
  readonly cookieName: string;
  private readonly hosts: Set<string>;
  private readonly origins: Set<string>;

  constructor(private readonly token: string, readonly port: number) {
    // Cookies ignore ports: the name keeps two servers on one machine apart.
    this.cookieName = `bpf_lab_${port}`;
    this.hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
    this.origins = new Set([...this.hosts].map((h) => `http://${h}`));
  }

  /** The Host header names us (a rebinding attack's page has its own host name there). */
  hostAllowed(req: IncomingMessage): boolean {
    return this.hosts.has((req.headers.host ?? '').toLowerCase());
  }

  /**
   * A browser's Origin, when sent, must be ours. Requests that change state must carry one
   * unless they authenticate with a Bearer header, which no other site can make a browser send.
   */
  originAllowed(req: IncomingMessage, changesState: boolean): boolean {
    const origin = req.headers.origin;
    if (origin !== undefined) return this.origins.has(origin.toLowerCase());
    return !changesState || this.bearer(req) !== null;
  }

  /** For the page's own files: the cookie or a Bearer header. */
  pageAuthorized(req: IncomingMessage): boolean {
    const presented = this.bearer(req) ?? this.cookie(req);
    return presented !== null && this.matches(presented);
  }

  /** For calls: the Bearer header only. */
  callAuthorized(req: IncomingMessage): boolean {
    const presented = this.bearer(req);
    return presented !== null && this.matches(presented);
  }

  /** The token given in a URL's query, if it is the right one. */
  queryToken(url: URL): boolean {
    const t = url.searchParams.get('token');
    return t !== null && this.matches(t);
  }

  setCookie(): string {
    return `${this.cookieName}=${this.token}; Path=/; HttpOnly; SameSite=Strict`;
  }

  private matches(presented: string): boolean {
    const a = Buffer.from(presented);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private bearer(req: IncomingMessage): string | null {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    return m ? m[1]! : null;
  }

  private cookie(req: IncomingMessage): string | null {
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const [name, ...value] = part.trim().split('=');
      if (name === this.cookieName) return value.join('=');
    }
    return null;
  }
}
