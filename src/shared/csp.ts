/**
 * The Content-Security-Policy of every page of the app, sent by Electron main
 * and by `bpf-lab serve` alike (src/renderer/index.html repeats it in a meta
 * tag; test/e2e/bundles.test.ts keeps the two equal). Scripts, styles and connections come
 * only from the app itself; nothing may frame it or submit forms elsewhere.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** frame-ancestors is ignored in a meta tag, so only the HTTP header carries it. */
export const CONTENT_SECURITY_POLICY_HEADER = `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`;
