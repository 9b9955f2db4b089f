/**
 * The histogram as the CLI prints it, row for row: the labels come from the
 * same tableRows() that formats `bpf-lab stat`'s table, and the footnote
 * explains an open-ended last bucket the same way.
 */
import type { Layout } from '../../shared/buckets.js';
import { tableFootnote, tableRows } from '../../shared/table.js';

export function HistogramTable({ layout, counts }: { layout: Layout; counts: readonly number[] }) {
  const rows = tableRows(layout, counts);
  const note = tableFootnote(layout);
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
          {rows.map((row) => (
            <tr key={row.label}>
              <td>{row.label}</td>
              <td>{row.count}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {note ? <p className="table-note">{note}</p> : null}
    </div>
  );
}
