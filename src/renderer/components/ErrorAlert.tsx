/**
 * An error shown where the user acted: the LabError's message in plain words,
 * a hint for the codes where one helps, and any long detail (a verifier log,
 * say) folded away in a block the user can open. `not-authorized` has no
 * hint: polkit refusing the helper and serve refusing a page with no token (or
 * an out-of-date one) need different remedies, and each message already says which.
 */
import type { ErrorCode, ErrorData } from '../../shared/errors.js';

const HINTS: Partial<Record<ErrorCode, string>> = {
  'auth-cancelled': 'The authentication dialog was closed. Try again to get the prompt back.',
  'not-root': 'The helper runs without the privileges it needs.',
  setup: 'Something BPF Lab needs outside itself is missing or set up differently; the message says what.',
  internal: 'This is a bug in BPF Lab.',
};

export function ErrorAlert({ error, title }: { error: ErrorData; title?: string }) {
  const hint = HINTS[error.code];
  return (
    <div className="alert" role="alert">
      {title ? <strong className="alert-title">{title}</strong> : null}
      <p className="alert-message">{error.message}</p>
      {hint ? <p className="alert-hint">{hint}</p> : null}
      {error.detail ? (
        <details className="alert-detail">
          <summary>Details</summary>
          <pre>{error.detail}</pre>
        </details>
      ) : null}
    </div>
  );
}
