/**
 * A trace session: the counters (received, events per second, dropped, not received), the
 * filters, Pause/Resume, and the list. Everything reads the TraceStore,
 * which holds the events outside React; this redraws at most once per
 * animation frame however fast batches arrive, and the list only when what
 * it shows has changed (so not at all while paused).
 */
import { useEffect, useId, useMemo, useState } from 'react';
import { useFrameVersion, useTick } from '../hooks.js';
import { formatCount, formatRate } from '../rate.js';
import { EMPTY_FILTER_INPUT, isNoFilter, parseTraceFilter, type TraceFilterInput } from '../trace-filter.js';
import type { TraceStore } from '../trace-store.js';
import { Field } from './Field.js';
import { problem, ProblemLine } from './ProblemLine.js';
import { Stat } from './Stat.js';
import { TraceList } from './TraceList.js';

const DROPPED_HELP = 'Events the program recorded that never left the helper: the kernel\'s ring buffer or the helper\'s '
  + 'pipe was full.';
const NOT_RECEIVED_HELP = 'Events that reached bpf-lab but not this window: it fell behind, or its connection to bpf-lab '
  + 'was cut. Received + dropped + not received = every event the program recorded.';
/** How the list's PID filter differs from Start's PID, said where both are seen. */
const SHOW_PID_HELP = 'Show PID filters this list only; the PID beside Start counts one process, in the kernel.';
const FILTER_NAMES = { pid: 'Show PID', minSize: 'Min size', maxSize: 'Max size' } as const;
const RATE_HELP = 'Events per second that reached bpf-lab: those received here and those this window did not receive.';

export function TraceView({ store }: { store: TraceStore }) {
  useFrameVersion(store);
  useTick(1000, !store.ended);
  const [input, setInput] = useState<TraceFilterInput>(EMPTY_FILTER_INPUT);
  const { filter, errors } = useMemo(() => parseTraceFilter(input), [input]);
  useEffect(() => {
    store.setFilter(filter);
  }, [store, filter]);
  const set = (patch: Partial<TraceFilterInput>): void => setInput((i) => ({ ...i, ...patch }));
  const view = store.view();
  // A filter's error takes the note's line, as the run form's do, so the list never moves.
  const problemsId = useId();
  const problemAt = (f: keyof typeof errors): string => `${problemsId}-${f}`;
  const problems = (['pid', 'minSize', 'maxSize'] as const).flatMap((f) => (errors[f] ? [problem(problemAt(f), FILTER_NAMES[f], errors[f])] : []));
  return (
    <section className="view" aria-label="Trace">
      <div className="view-head">
        <div className="stats">
          <Stat label="Received" testId="trace-count" value={formatCount(store.received)} />
          <Stat label="Events/s" testId="trace-rate" value={formatRate(store.rate())} title={RATE_HELP} />
          <Stat label="Dropped" testId="trace-dropped" value={formatCount(store.dropped)} title={DROPPED_HELP} warn={store.dropped > 0} />
          <Stat label="Not received" testId="trace-not-received" value={formatCount(store.notReceived)} title={NOT_RECEIVED_HELP}
            warn={store.notReceived > 0} />
        </div>
        <button type="button" className={store.paused ? 'primary' : ''} onClick={() => store.togglePause()}>
          {store.paused ? 'Resume' : 'Pause'}
        </button>
      </div>
      <div className="filters" role="search" aria-label="Filter events">
        <Field label="Comm" placeholder="any" value={input.comm} onChange={(comm) => set({ comm })} />
        <Field className="field-narrow" label={FILTER_NAMES.pid} inputMode="numeric" placeholder="any" value={input.pid}
          title={SHOW_PID_HELP} error={errors.pid} errorShownAt={problemAt('pid')} onChange={(pid) => set({ pid })} />
        <Field className="field-narrow" label={FILTER_NAMES.minSize} inputMode="numeric" placeholder="0" value={input.minSize}
          error={errors.minSize} errorShownAt={problemAt('minSize')} onChange={(minSize) => set({ minSize })} />
        <Field className="field-narrow" label={FILTER_NAMES.maxSize} inputMode="numeric" placeholder="any" value={input.maxSize}
          error={errors.maxSize} errorShownAt={problemAt('maxSize')} onChange={(maxSize) => set({ maxSize })} />
      </div>
      <div className="run-status">
      {problems.length ? (
        <ProblemLine problems={problems} testId="filter-problems" />
      ) : null}
      <p className={`view-note${problems.length ? ' hidden-note' : ''}`}>
        {store.paused ? (store.ended ? 'Paused. ' : 'Paused: the list is frozen while counting goes on. ') : ''}
        Showing {formatCount(view.length)}{isNoFilter(filter) ? '' : ' matching'} events;
        this window keeps the newest {formatCount(store.capacity)}.
        {store.final ? ` Final: ${formatCount(store.final.seen)} seen, ${formatCount(store.final.lost)} dropped, `
          + `${formatCount(store.final.missed)} skipped by the kernel.` : ''}
        {' '}{SHOW_PID_HELP}
      </p>
      </div>
      <TraceList view={view} viewVersion={store.viewVersion} paused={store.paused} filteredOut={view.held > 0} ended={store.ended} />
    </section>
  );
}
