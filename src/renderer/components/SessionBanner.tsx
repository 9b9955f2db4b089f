/**
 * The session on screen, in one line: what was asked for, what is actually
 * attached, how, and whether it is still running. Notices from the start
 * reply (auto falling back, and why), an error that cut the session short, or
 * a note that it ended while this page was disconnected appear under it.
 */
import { isSkippedProbeNotice } from '../../shared/probes.js';
import type { Scope } from '../../shared/protocol.js';
import type { SessionView } from '../lab-state.js';
import { ErrorAlert } from './ErrorAlert.js';

/** With no pid, whose processes: a helper scoped to its caller counts only theirs (the notice says why). */
function describe(session: SessionView, scope: Scope | undefined): string {
  const { info } = session;
  const parts = [
    info.mode === 'stat' ? `histogram, ${info.layout} buckets, every ${info.intervalMs / 1000} s` : 'trace',
    info.pid !== undefined ? `pid ${info.pid}` : scope === 'own-processes' ? 'your processes' : 'all processes',
    `started ${new Date(info.startedAt).toLocaleTimeString()}`,
  ];
  return parts.join(' · ');
}

/**
 * The start's notices in one line: what was chosen (auto's pick), with the reasons behind it
 * (why the other probes cannot be used here) one click away under Why?.
 */
export function Notices({ notices }: { notices: readonly string[] }) {
  if (notices.length === 0) return null;
  // The reasons are the helper's skipped-probe lines; anything else (the choice, a warning) is said in the open.
  const rest = notices.filter(isSkippedProbeNotice);
  const said = notices.filter((n) => !rest.includes(n));
  return (
    <div className="notices" role="status">
      {said.map((n) => <p key={n} className="notice-line">{n}</p>)}
      {rest.length ? (
        <details className="notice-why">
          <summary>Why?</summary>
          <ul>{rest.map((n) => <li key={n}>{n}</li>)}</ul>
        </details>
      ) : null}
    </div>
  );
}

export function SessionBanner({ session, scope }: { session: SessionView; scope?: Scope | undefined }) {
  const { info, ended } = session;
  return (
    <section className="session" aria-label="Session">
      <p className="session-line">
        <span className={`badge ${ended ? 'badge-ended' : 'badge-works'}`}>{ended ? 'ended' : 'running'}</span>{' '}
        <strong>{info.probe}</strong> via <code>{info.via}</code>
        <span className="session-meta"> · {describe(session, scope)}</span>
      </p>
      <Notices notices={info.notices} />
      {ended?.error ? <ErrorAlert error={ended.error} title="The session ended early" /> : null}
      {ended?.note ? <p className="session-note" role="status">{ended.note}</p> : null}
    </section>
  );
}
