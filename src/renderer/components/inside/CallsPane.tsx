/**
 * The system calls that built the probe, in order, as the kernel received them. A file
 * descriptor that a call uses points back to the call that returned it.
 */
import { useState } from 'react';
import type { Inspection, Syscall } from '../../../shared/inspect.js';

/** The calls whose result is a new file descriptor. */
const MAKES_FD = new Set([
  'BPF_MAP_CREATE', 'BPF_PROG_LOAD', 'BPF_BTF_LOAD', 'BPF_LINK_CREATE', 'BPF_RAW_TRACEPOINT_OPEN', 'BPF_PROG_GET_FD_BY_ID',
  'BPF_MAP_GET_FD_BY_ID', 'BPF_BTF_GET_FD_BY_ID', 'BPF_LINK_GET_FD_BY_ID', 'BPF_ENABLE_STATS', 'BPF_OBJ_GET',
]);
const makesFd = (c: Syscall): boolean => c.error === null && c.ret > 0 && (c.syscall === 'perf_event_open' || MAKES_FD.has(c.cmd));

/**
 * For each call, the earlier call that returned each fd it uses: the latest one that made that
 * number (a closed fd's number is reused). 0 in an fd field means none, so it points nowhere.
 */
export function fdSources(calls: readonly Syscall[]): Map<string, number>[] {
  return calls.map((c, i) => {
    const from = new Map<string, number>();
    for (const [name, value] of Object.entries(c.attrs)) {
      if (!/(^|_)fd$/.test(name) || typeof value !== 'number' || value <= 0) continue;
      for (let j = i - 1; j >= 0; j--) {
        if (calls[j]!.ret === value && makesFd(calls[j]!)) {
          from.set(name, j);
          break;
        }
      }
    }
    return from;
  });
}

export function CallsPane({ inspection }: { inspection: Inspection }) {
  const [marked, setMarked] = useState<number | null>(null);
  const recorded = inspection.syscalls;
  if (!recorded) {
    const why = inspection.withheld.find((w) => w.startsWith('bpf() calls')) ?? 'This session\'s calls were not recorded.';
    return <p className="pane-note">{why}</p>;
  }
  const from = fdSources(recorded.calls);
  const go = (n: number): void => {
    setMarked(n);
    document.getElementById(`call-${n}`)?.scrollIntoView({ block: 'nearest' });
  };
  return (
    <div className="table-scroll">
      <table className="calls">
        <thead><tr><th>#</th><th>Call</th><th>Attributes</th><th>Returned</th></tr></thead>
        <tbody>
          {recorded.calls.map((c, i) => (
            <tr key={i} id={`call-${i}`} className={`${c.error ? 'failed' : ''}${marked === i ? ' picked' : ''}`}>
              <td>{i}</td>
              <td><span className="call-name">{c.syscall}</span> {c.cmd}</td>
              <td>
                <ul className="attrs">
                  {Object.entries(c.attrs).map(([k, v]) => {
                    const source = from[i]!.get(k);
                    return (
                      <li key={k}>
                        {k}={typeof v === 'string' && k.endsWith('name') ? JSON.stringify(v) : String(v)}
                        {source !== undefined ? (
                          <button type="button" className="link" onClick={() => go(source)} aria-label={`${k} came from call ${source}`}>← #{source}</button>
                        ) : null}
                      </li>
                    );
                  })}
                </ul>
              </td>
              <td>{c.ret}{c.error ? <span className="call-error"> {c.error}</span> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {recorded.dropped ? <p className="table-note">… and {recorded.dropped} more calls that did not fit the recorder.</p> : null}
    </div>
  );
}
