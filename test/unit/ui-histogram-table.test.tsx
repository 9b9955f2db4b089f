// Pins down that the app's histogram table is the CLI's, row for row:
// tableRows() (src/shared/table.ts) gives formatTable's labels and counts, and
// the HistogramTable component renders exactly those rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderToStaticMarkup } from 'react-dom/server';
import { bucketCount, parseLayout } from '../../src/shared/buckets.js';
import { formatTable, tableFootnote, tableRows } from '../../src/shared/table.js';
import { HistogramTable } from '../../src/renderer/components/HistogramTable.js';

const LAYOUTS = ['seed', 'log2', 'linear:100:1000:100', 'linear:0:64:8', 'linear:18446744073709547519:18446744073709551615:4096'];

function countsFor(n: number): number[] {
  return Array.from({ length: n }, (_, i) => (i * 7919) % 100_003);
}

test("tableRows gives formatTable's rows: the same labels without the padding, and counts", () => {
  for (const text of LAYOUTS) {
    const layout = parseLayout(text);
    const counts = countsFor(bucketCount(layout));
    const lines = formatTable(layout, counts, true).split('\n');
    const column = lines[0]!.indexOf('Count');
    const rows = tableRows(layout, counts);
    assert.equal(rows.length, counts.length, text);
    rows.forEach((row, i) => {
      const line = lines[i + 1]!;
      assert.equal(row.label, line.slice(0, column).trim().replace(/\s+/g, ' '), `${text} row ${i}`);
      assert.equal(String(row.count), line.slice(column), `${text} row ${i}`);
    });
  }
});

test('the seed rows read as in the demo', () => {
  const rows = tableRows(parseLayout('seed'), [134, 10444]);
  assert.deepEqual(rows.slice(0, 3), [{ label: '0', count: 134 }, { label: '1 - 64', count: 10444 }, { label: '65 - 128', count: 0 }]);
  assert.deepEqual(rows[16], { label: '961 - 1024*', count: 0 });
  assert.equal(tableFootnote(parseLayout('seed')), '* also counts every size above 1024');
  assert.equal(tableFootnote(parseLayout('log2')), '');
});

/** The <tbody> rows of rendered markup as [label, count] pairs. */
function bodyRows(html: string): [string, string][] {
  const body = /<tbody>(.*)<\/tbody>/s.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr>(.*?)<\/tr>/gs)].map((m) => {
    const cells = [...m[1]!.matchAll(/<td>(.*?)<\/td>/gs)].map((c) => c[1]!);
    assert.equal(cells.length, 2, m[0]);
    return [cells[0]!, cells[1]!];
  });
}

test('HistogramTable renders one two-cell row per CLI line', () => {
  for (const text of LAYOUTS) {
    const layout = parseLayout(text);
    const counts = countsFor(bucketCount(layout));
    const html = renderToStaticMarkup(<HistogramTable layout={layout} counts={counts} />);
    assert.match(html, /<table[^>]*data-testid="histogram-table"/);
    const lines = formatTable(layout, counts, true).split('\n').slice(1, 1 + counts.length);
    const rows = bodyRows(html);
    assert.equal(rows.length, lines.length, text);
    rows.forEach(([label, count], i) => {
      const line = lines[i]!;
      const at = line.lastIndexOf(count);
      assert.equal(at + count.length, line.length, `${text} row ${i}: count ${count} ends ${JSON.stringify(line)}`);
      assert.equal(line.slice(0, at).trim().replace(/\s+/g, ' '), label, `${text} row ${i}`);
    });
  }
});

test('HistogramTable shows the open bucket footnote', () => {
  const html = renderToStaticMarkup(<HistogramTable layout={parseLayout('linear:0:64:8')} counts={[]} />);
  assert.match(html, /\* counts every size from 64 up/);
});

test('a run of empty log2 buckets between two counts folds into one row that says how many and which sizes', () => {
  const layout = parseLayout('log2');
  const counts = Array.from({ length: bucketCount(layout) }, () => 0);
  counts[3] = 5; // 4 - 7
  counts[9] = 2; // 256 - 511: buckets 4 to 8 (8 to 255) are empty between them
  const html = renderToStaticMarkup(<HistogramTable layout={layout} counts={counts} range={{ from: 2, to: 11 }} />);
  const rows = [...html.matchAll(/<tr[^>]*>(.*?)<\/tr>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim());
  assert.ok(rows.includes('… 5 empty buckets, 8 to 255'), rows.join('\n'));
  assert.ok(rows.includes('4 - 7 5') && rows.includes('256 - 511 2'), rows.join('\n'));
  const whole = renderToStaticMarkup(<HistogramTable layout={layout} counts={counts} range={{ from: 2, to: 11 }} whole />);
  assert.doesNotMatch(whole, /empty buckets, 8 to 255/, 'with every bucket asked for, nothing folds');
  assert.match(whole, /16 - 31/);
});
