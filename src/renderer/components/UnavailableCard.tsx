/**
 * Shown when the chosen probe cannot work on this kernel (the demo's memcpy on
 * modern x86-64, which sits in .noinstr.text where kprobes refuse to go):
 * every reason in full, and one button per working alternative that selects it.
 */
import { useEffect, useRef } from 'react';
import type { CatalogId } from '../../shared/probes.js';
import type { ProbeStatus } from '../../shared/protocol.js';

interface UnavailableCardProps {
  probe: ProbeStatus;
  /** Titles of the other catalog probes, for the alternative buttons. */
  titles: ReadonlyMap<CatalogId, string>;
  onChoose: (id: CatalogId) => void;
}

export function UnavailableCard({ probe, titles, onChoose }: UnavailableCardProps) {
  const alternatives = probe.alternatives ?? [];
  const headingId = `unavailable-${probe.id}`;
  const card = useRef<HTMLElement>(null);
  // The card takes the main area when the probe is chosen: make sure it is in sight.
  useEffect(() => {
    card.current?.scrollIntoView({ block: 'nearest' });
  }, [probe.id]);
  return (
    <section ref={card} className="card card-unavailable" data-testid="unavailable-card" aria-labelledby={headingId}>
      <h3 id={headingId}>Why {probe.id} cannot be traced here</h3>
      {probe.reasons.length > 0
        ? probe.reasons.map((r) => <p key={r.code + r.message}>{r.message}</p>)
        : <p>This probe could not attach on this kernel.</p>}
      {alternatives.length > 0 ? (
        <>
          <p className="card-lead">Closest that works here:</p>
          <div className="alternatives">
            {alternatives.map((id) => (
              <button type="button" key={id} data-testid={`alternative-${id}`} onClick={() => onChoose(id)}>
                Use {id}
                {titles.get(id) ? <span className="alternative-title"> — {titles.get(id)}</span> : null}
              </button>
            ))}
          </div>
        </>
      ) : (
        <p className="card-lead">Pick another probe from the list of probes.</p>
      )}
    </section>
  );
}
