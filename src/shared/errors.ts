/**
 * Error codes that cross the helper and IPC boundaries as data. Every failure a
 * user can meet has one, so callers branch on the code, never on message text.
 */
export const ERROR_CODES = [
  'bad-request',      // the message failed validation
  'bad-probe',        // the probe spec names nothing that exists
  'not-probeable',    // it exists but this kernel refuses to probe it
  'bpf-open',         // libbpf could not open the object
  'bpf-load',         // the verifier or the kernel refused the program
  'bpf-attach',       // attaching the program failed
  'no-session',       // the session id is unknown
  'busy',             // too many sessions
  'not-root',         // the helper lacks the privileges it needs
  'not-authorized',   // polkit (or the web token) said no
  'auth-cancelled',   // the user dismissed the authentication dialog
  'disconnected',     // the app lost its backend (the helper, or bpf-lab serve)
  'setup',            // something outside BPF Lab that it needs is missing or set up wrong (an install, Node, the environment)
  'internal',         // a bug: everything else
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * The most characters of an error's message and detail that cross a boundary. Both can quote
 * input (a bad key, a path) or long logs; even with every character escaped in JSON (6 bytes
 * each), an error reply stays far below the frame limit.
 */
export const MAX_ERROR_MESSAGE = 1000;
export const MAX_ERROR_DETAIL = 64 * 1024;

/** The start of text, at most max characters, saying how much was cut. */
export function clipHead(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** The end of text (where a verifier log says what went wrong), at most max characters. */
export function clipTail(text: string, max: number): string {
  return text.length <= max ? text : `(${text.length - max} characters cut) …${text.slice(-max)}`;
}

/** The wire form of an error. `detail` carries long text such as a verifier log. */
export interface ErrorData {
  code: ErrorCode;
  message: string;
  detail?: string | undefined;
}

/** An Error that knows its code, rebuilt on the far side of a boundary. */
export class LabError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly detail?: string) {
    super(message);
    this.name = 'LabError';
  }

  /** The error as data, with message and detail clipped to what may cross a boundary. */
  toData(): ErrorData {
    const message = clipHead(this.message, MAX_ERROR_MESSAGE);
    return this.detail === undefined
      ? { code: this.code, message }
      : { code: this.code, message, detail: clipTail(this.detail, MAX_ERROR_DETAIL) };
  }

  static fromData(data: ErrorData): LabError {
    return new LabError(data.code, data.message, data.detail);
  }

  /** Any thrown value as error data; unknown throws are bugs and say so. */
  static toData(e: unknown): ErrorData {
    if (e instanceof LabError) return e.toData();
    const message = e instanceof Error ? e.message : String(e);
    return { code: 'internal', message: clipHead(message, MAX_ERROR_MESSAGE) };
  }
}
