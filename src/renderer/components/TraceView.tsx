/**
 * A trace session: the counters (received, events per second, lost), the
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

/** The Lost figure's tooltip: where the events went, since one number cannot say. */
export function lostHelp(kernelLost: number, dropped: number): string {
  return `${formatCount(kernelLost)} lost before leaving the helper (the kernel's ring buffer or the helper's pipe was full); `
    + `${formatCount(dropped)} dropped on the way to this window (it fell behind, or its connection to bpf-lab was cut).`;
}
const RATE_HELP = 'Events per second that reached bpf-lab: those received here plus those dropped on the way to this window.';

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
  const lost = store.lost;
  return (
    <section className="view" aria-label="Trace">
      <div className="view-head">
        <div className="stats">
          <Stat label="Received" testId="trace-count" value={formatCount(store.received)} />
          <Stat label="Events/s" testId="trace-rate" value={formatRate(store.rate())} title={RATE_HELP} />
          <Stat label="Lost" testId="trace-lost" value={formatCount(lost)} title={lostHelp(store.kernelLost, store.dropped)}
            warn={lost > 0} />
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
        {store.final ? ` Final: ${formatCount(store.final.seen)} seen, ${formatCount(store.final.lost)} lost, `
          + `${formatCount(store.final.missed)} missed by the kernel.` : ''}
      </p>
      <TraceList view={view} viewVersion={store.viewVersion} paused={store.paused} filteredOut={!store.paused && store.received > 0} />
    </section>
  );
}
