/**
 * Who may talk to `bpf-lab serve`: requests must name our loopback address in
 * Host (against DNS rebinding) and come from our own origin when a browser sends
 * one (against cross-site requests). The page's files are the public built
 * renderer and need no token. Calls and the live stream, which drive the root
 * helper, need the token as a Bearer header. The token is never in a cookie
 * (browsers send a 127.0.0.1 cookie to every port on that address, so another
 * local user's server would receive it) nor in a query (logs and history keep
 * it): the printed URL carries it in its fragment, which browsers never send.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A fresh token for one run of serve: 192 random bits, URL-safe for the fragment. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export class Guard {
  private readonly hosts: Set<string>;
  private readonly origins: Set<string>;

  constructor(private readonly token: string, readonly port: number) {
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

  /** For calls and the live stream: the Bearer header, the only place the token is accepted. */
  callAuthorized(req: IncomingMessage): boolean {
    const presented = this.bearer(req);
    return presented !== null && this.matches(presented);
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
}
