/**
 * The backend's log for this window (helper and libbpf warnings, a lost
 * connection), folded away at the bottom of the sidebar: the status bar shows
 * only the latest warning, and only until the stream proves it is back.
 */
import type { LogLine } from '../lab-state.js';

export function LogPanel({ log }: { log: readonly LogLine[] }) {
  return (
    <details className="panel log">
      <summary>Log ({log.length})</summary>
      {log.length === 0 ? <p className="panel-note">Nothing logged.</p> : (
        <ol className="log-lines">
          {log.map((line) => (
            <li key={line.id} className={`log-${line.level}`}><span className="log-level">{line.level}</span> {line.message}</li>
          ))}
        </ol>
      )}
    </details>
  );
}
