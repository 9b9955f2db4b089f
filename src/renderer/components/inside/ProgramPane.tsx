/** The program as the kernel holds it (bpf_prog_info): what it is, where it is attached, its instruction counts. */
import type { Inspection } from '../../../shared/inspect.js';
import { formatCount } from '../../rate.js';

export function ProgramPane({ inspection }: { inspection: Inspection }) {
  const p = inspection.program;
  const facts: Array<[string, string, string?]> = [
    ['Name', p.name],
    ['Type', p.type, 'The program type: what it may be attached to, and which helpers it may call.'],
    ['Attached', p.attach],
    ['ID', String(p.id), 'The kernel\'s number for it, as bpftool prog show lists it.'],
    ['Tag', p.tag, 'A hash of its instructions.'],
    ['Instructions', `${p.insnsSubmitted === null ? '' : `${formatCount(p.insnsSubmitted)} submitted, `}`
      + `${formatCount(p.insnsXlated)} as loaded, ${formatCount(p.verifiedInsns)} verified`,
    'Submitted: what libbpf handed BPF_PROG_LOAD. As loaded: after the verifier removed code the settings make unreachable and '
      + 'inlined some map lookups. Verified: the instructions the verifier walked, every path counted.'],
    ['JIT', p.jitedBytes > 0 ? `compiled: ${formatCount(p.jitedBytes)} bytes of machine code`
      : `not compiled: the kernel interprets the instructions${p.jitEnabled ? '' : ' (the JIT is off)'}`],
    ['Loaded', `${(p.loadTimeNs / 1e9).toFixed(3)} s after boot`],
    ['Maps', p.mapIds.join(', ') || 'none'],
  ];
  return (
    <div className="pane-body" tabIndex={0} role="region" aria-label="The program">
      <dl className="facts">
        {facts.map(([term, value, help]) => (
          <div key={term} title={help}>
            <dt>{term}</dt>
            <dd data-testid={`program-${term.toLowerCase()}`}>{value}</dd>
          </div>
        ))}
      </dl>
      {inspection.withheld.length ? (
        <ul className="withheld" aria-label="Left out">{inspection.withheld.map((w) => <li key={w}>{w}</li>)}</ul>
      ) : null}
    </div>
  );
}
