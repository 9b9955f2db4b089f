/**
 * A trace session: the counters (received, events per second, dropped, not received), the
 * filters, Pause/Resume, and the list. Everything reads the TraceStore,
 * which holds the events outside React; this redraws at most once per
 * animation frame however fast batches arrive, and the list only when what
 * it shows has changed (so not at all while paused).
 */
import { useEffect, useMemo, useState } from 'react';
import { useFrameVersion, useTick } from '../hooks.js';
import { formatCount, formatRate } from '../rate.js';
import { EMPTY_FILTER_INPUT, isNoFilter, parseTraceFilter, type TraceFilterInput } from '../trace-filter.js';
import type { TraceStore } from '../trace-store.js';
import { Field } from './Field.js';
import { Stat } from './Stat.js';
import { TraceList } from './TraceList.js';

const DROPPED_HELP = 'Events the program recorded that never left the helper: the kernel\'s ring buffer or the helper\'s '
  + 'pipe was full.';
const NOT_RECEIVED_HELP = 'Events that reached bpf-lab but not this window: it fell behind, or its connection to bpf-lab '
  + 'was cut. Received + dropped + not received = every event the program recorded.';
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
        <Field className="field-narrow" label="Show PID" inputMode="numeric" placeholder="any" value={input.pid}
          error={errors.pid} onChange={(pid) => set({ pid })} />
        <Field className="field-narrow" label="Min size" inputMode="numeric" placeholder="0" value={input.minSize}
          error={errors.minSize} onChange={(minSize) => set({ minSize })} />
        <Field className="field-narrow" label="Max size" inputMode="numeric" placeholder="any" value={input.maxSize}
          error={errors.maxSize} onChange={(maxSize) => set({ maxSize })} />
      </div>
      <p className="view-note">
        {store.paused ? (store.ended ? 'Paused. ' : 'Paused: the list is frozen while counting goes on. ') : ''}
        Showing {formatCount(view.length)}{isNoFilter(filter) ? '' : ' matching'} events;
        this window keeps the newest {formatCount(store.capacity)}.
        {store.final ? ` Final: ${formatCount(store.final.seen)} seen, ${formatCount(store.final.lost)} dropped, `
          + `${formatCount(store.final.missed)} skipped by the kernel.` : ''}
      </p>
      <TraceList view={view} viewVersion={store.viewVersion} paused={store.paused} filteredOut={!store.paused && store.received > 0} />
    </section>
  );
}
