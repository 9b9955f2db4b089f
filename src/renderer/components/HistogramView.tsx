/**
 * A histogram session: total, events per second and skipped hits, then the
 * counts as a chart or as the CLI's table. Snapshots replace the counts as
 * they arrive; the final result, read after detaching, replaces the last one.
 */
import { bucketCount } from '../../shared/buckets.js';
import { shownRange } from '../../shared/table.js';
import type { SessionView } from '../lab-state.js';
import { formatNs, formatPercent, nsPerRun } from '../cost.js';
import { formatCount, formatRate } from '../rate.js';
import { HistogramChart } from './HistogramChart.js';
import { HistogramTable } from './HistogramTable.js';
import { Stat } from './Stat.js';

const SKIPPED_HELP = 'Hits the kernel skipped because another BPF program was running on that CPU '
  + '(counted from Linux 6.7 on; with a PID filter this is an upper bound).';

const PER_RUN_HELP = 'What one run of the BPF program takes on average, from the kernel\'s own counters '
  + '(run_time_ns / run_cnt). It runs on every hit of the probe, also for processes it then ignores.';
const CPU_HELP = 'The share of one CPU the BPF program took between the last two snapshots: the cost of tracing.';

/** Chart or table (T switches), and all buckets or only those around the counts (log2 and linear). */
export interface HistogramShape {
  table: boolean;
  all: boolean;
}

interface HistogramViewProps {
  session: SessionView;
  shape: HistogramShape;
  onShape: (shape: HistogramShape) => void;
}

export function HistogramView({ session, shape, onShape }: HistogramViewProps) {
  const h = session.histogram;
  if (!h) return null;
  const { table } = shape;
  const setTable = (t: boolean): void => onShape({ ...shape, table: t });
  const n = bucketCount(session.layout);
  const trimmed = shownRange(session.layout, h.counts);
  const range = shape.all ? { from: 0, to: n } : trimmed;
  const stage = h.final
    ? 'Final counts, read after detaching.'
    : session.ended ? 'Ended before a final count.'
      : h.snapshots === 0 ? `Waiting for the first snapshot (every ${session.info.intervalMs / 1000} s)…`
        : `Live: ${formatCount(h.snapshots)} snapshot${h.snapshots === 1 ? '' : 's'}, counting from the start.`;
  return (
    <section className="view" aria-label="Histogram">
      <div className="view-head">
        <div className="stats">
          <Stat label="Total" testId="total" value={formatCount(h.total)} />
          <Stat label="Events/s" testId="rate" value={formatRate(h.rate)} />
          <Stat label="Skipped" testId="skipped" value={formatCount(h.missed)} title={SKIPPED_HELP} warn={h.missed > 0} />
          {h.cost ? (
            <>
              <Stat label="Per run" testId="ns-per-run" value={formatNs(nsPerRun(h.cost.cost))} title={PER_RUN_HELP} />
              <Stat label="CPU" testId="cpu" value={formatPercent(h.cpuPercent)} title={CPU_HELP} />
            </>
          ) : null}
        </div>
        <div className="view-tools">
          {/* Only log2 and linear leave buckets out; the button stays while one of them is shown. */}
          {session.layout.kind !== 'seed' ? (
            <button type="button" aria-pressed={shape.all} onClick={() => onShape({ ...shape, all: !shape.all })}
              title="Pressed: every bucket of the layout. Not pressed: the buckets with counts, and one empty bucket each side.">
              All {n} buckets
            </button>
          ) : null}
          <div className="switch histogram-switch" role="group" aria-label="Show the histogram as (T switches)">
            <button type="button" aria-pressed={!table} onClick={() => setTable(false)}>Chart</button>
            <button type="button" aria-pressed={table} onClick={() => setTable(true)}>Table</button>
          </div>
        </div>
      </div>
      <p className="view-note">{stage}</p>
      <div className="view-body">
        {table
          ? <HistogramTable layout={session.layout} counts={h.counts} range={range} whole={shape.all} />
          : <HistogramChart layout={session.layout} counts={h.counts} total={h.total} range={range} />}
      </div>
    </section>
  );
}
