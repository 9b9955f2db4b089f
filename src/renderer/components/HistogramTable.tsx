/**
 * The histogram as the CLI prints it, row for row: the labels come from the
 * same tableRows() that formats `bpf-lab stat`'s table, and the footnote
 * explains an open-ended last bucket the same way.
 */
import type { Layout } from '../../shared/buckets.js';
import { leftOut, tableFootnote, tableLines, tableRows } from '../../shared/table.js';

interface HistogramTableProps {
  layout: Layout;
  counts: readonly number[];
  /** The buckets to list (shownRange, or all); one row each says how many empty ones were left out. */
  range?: { from: number; to: number };
  /** Every row, empty runs too (the user asked for all buckets). */
  whole?: boolean;
}

export function HistogramTable({ layout, counts, range, whole = false }: HistogramTableProps) {
  const all = tableRows(layout, counts);
  const { from, to } = range ?? { from: 0, to: all.length };
  const { below, above } = leftOut(layout, { from, to });
  const note = to === all.length ? tableFootnote(layout) : '';
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Histogram table">
      <table className="size-table" data-testid="histogram-table">
        <thead>
          <tr>
            <th scope="col">Size</th>
            <th scope="col">Count</th>
          </tr>
        </thead>
        <tbody>
          {below ? <tr className="left-out"><td colSpan={2}>{below}</td></tr> : null}
          {tableLines(layout, counts, { from, to }, !whole).map((line) => ('fold' in line
            ? <tr key={line.fold} className="left-out"><td colSpan={2}>{line.fold}</td></tr>
            : (
              <tr key={all[line.bucket]!.label}>
                <td>{all[line.bucket]!.label}</td>
                <td>{all[line.bucket]!.count}</td>
              </tr>
            )))}
          {above ? <tr className="left-out"><td colSpan={2}>{above}</td></tr> : null}
        </tbody>
      </table>
      {note ? <p className="table-note">{note}</p> : null}
    </div>
  );
}
