/**
 * The log lines the browser transport itself emits about its live stream, in
 * one place, so the controller can tell them from helper and libbpf warnings:
 * only the transport's "lost, retrying" notice is cleared when the stream is
 * back (the first status after a reconnect), and that status is when the
 * session on screen is checked against what is still running.
 */

/** The stream dropped and the page is reconnecting. */
export const CONNECTION_RETRYING = 'Lost the connection to bpf-lab serve; retrying…';

/** The server refused the stream (e.g. a token from before serve restarted): retrying cannot help. */
export const CONNECTION_CLOSED = 'The live connection to bpf-lab serve is closed and will not come back by itself '
  + '(serve was stopped or restarted, or this page is no longer authorized). '
  + 'Open the URL that bpf-lab serve printed (with its token) to reconnect.';

/** A call was refused with 401/403, or the page has no token: it was not opened with serve's URL, or serve restarted. */
export const NOT_AUTHORIZED = 'bpf-lab serve does not accept this page (it has no token, or an out-of-date one, '
  + 'e.g. serve was restarted). Open the URL that bpf-lab serve printed, with its token.';

/** Whether a log line is the transport saying the stream dropped and is being retried. */
export function isRetryingNotice(message: string): boolean {
  return message === CONNECTION_RETRYING;
}
