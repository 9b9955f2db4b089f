/** What the verifier said when it accepted the program (log level 1 with statistics). */
import type { Inspection } from '../../../shared/inspect.js';
import { formatCount } from '../../rate.js';

export function VerifierPane({ inspection }: { inspection: Inspection }) {
  const v = inspection.verifier;
  if (!v) return <p className="pane-note">This session did not keep the verifier's log.</p>;
  return (
    <div className="pane-body pane-fill">
      <p className="pane-figure">
        It processed <strong data-testid="verifier-processed">{v.processedInsns === null ? '—' : formatCount(v.processedInsns)}</strong> instructions
        {' '}to check {formatCount(inspection.program.insnsXlated)} (every path through the program counts).
      </p>
      <pre className="log-text" tabIndex={0} aria-label="The verifier's log">{v.log}</pre>
    </div>
  );
}
