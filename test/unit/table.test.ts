// Pins down src/shared/table.ts: the seed table is the learn-bpf demo's output to
// the character, other layouts get one aligned row per bucket, and trace lines
// are shaped like the demo's memcpy_kprobe output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketBounds, parseLayout } from '../../src/shared/buckets.js';
import { formatTable, formatTraceLine, shownRange, tableLines } from '../../src/shared/table.js';

const DEMO = `        Size            Count
   0                    134
   1 -   64             10444
  65 -  128             23
 129 -  192             16
 193 -  256             240
 257 -  320             0
 321 -  384             0
 385 -  448             7
 449 -  512             7
 513 -  576             0
 577 -  640             0
 641 -  704             0
 705 -  768             0
 769 -  832             0
 833 -  896             0
 897 -  960             0
 961 - 1024*            107
* also counts every size above 1024`;

test('the seed table reproduces the learn-bpf demo exactly', () => {
  const counts = [134, 10444, 23, 16, 240, 0, 0, 7, 7, 0, 0, 0, 0, 0, 0, 0, 107];
  assert.equal(formatTable(parseLayout('seed'), counts), DEMO);
});

/** Checks that every bucket row's count starts at the header's Count column. */
function assertAligned(table: string, counts: number[]): string[] {
  const lines = table.split('\n');
  const column = lines[0]!.indexOf('Count');
  assert.ok(column > 0);
  assert.equal(lines[0]!.slice(column), 'Count');
  counts.forEach((count, i) => {
    const line = lines[i + 1]!;
    assert.equal(line.slice(column), String(count), `row ${i}: ${JSON.stringify(line)}`);
    assert.equal(line[column - 1], ' ', `row ${i}: label runs into the count: ${JSON.stringify(line)}`);
  });
  return lines;
}

test('log2 table: header plus 65 rows, counts aligned despite 20-digit bounds', () => {
  const layout = parseLayout('log2');
  // Counts of varying width, so a misaligned column cannot hide.
  const counts = Array.from({ length: 65 }, (_, i) => (i % 7) * 10 ** (i % 9));
  const lines = assertAligned(formatTable(layout, counts), counts);
  assert.equal(lines.length, 1 + 65, 'log2 has no open bucket, so no footnote');
  assert.match(lines[1]!, /^\s*0\s/);
  assert.match(lines[3]!, /\b2\b.*\b3\b/);
  assert.ok(lines[65]!.includes('9223372036854775808'), lines[65]);
  assert.ok(lines[65]!.includes('18446744073709551615'), lines[65]);
});

test('linear table: one row per bucket, aligned, with a footnote naming MAX', () => {
  const layout = parseLayout('linear:100:1000:100');
  const counts = [5, 1234567, 0, 42, 9, 8, 7, 6, 5, 4, 31];
  const lines = assertAligned(formatTable(layout, counts), counts);
  const bounds = bucketBounds(layout);
  assert.equal(lines.length, 1 + bounds.length + 1);
  bounds.forEach((b, i) => {
    const label = lines[i + 1]!;
    assert.match(label, new RegExp(`(^|\\D)${b.low}(\\D|$)`), `row ${i}`);
    if (b.high !== null) assert.match(label, new RegExp(`(^|\\D)${b.high}(\\D|$)`), `row ${i}`);
  });
  const footnote = lines[lines.length - 1]!;
  assert.ok(footnote.startsWith('*'), footnote);
  assert.match(footnote, /\b1000\b/);
});

test('linear table aligns counts even with 20-digit bounds', () => {
  const layout = parseLayout('linear:18446744073709547519:18446744073709551615:4096');
  const counts = [1, 22, 333];
  const lines = assertAligned(formatTable(layout, counts), counts);
  assert.equal(lines.length, 1 + 3 + 1);
  assert.ok(lines[4]!.includes('18446744073709551615'), lines[4]);
});

test('formatTraceLine matches the demo', () => {
  const line = formatTraceLine('memcpy', {
    tsUs: 151374866218, cpu: 5, pid: 24908, tid: 24908, comm: 'memcpy_kprobe', size: '2',
  });
  assert.equal(line, 'memcpy_kprobe-24908 [005] 151374.866218: memcpy size 2');
});

test('formatTraceLine zero-pads microseconds to six digits', () => {
  const at = (tsUs: number): string =>
    formatTraceLine('read', { tsUs, cpu: 12, pid: 1, tid: 2, comm: 'cat', size: '18446744073709551615' });
  assert.equal(at(5_000_042), 'cat-1 [012] 5.000042: read size 18446744073709551615');
  assert.equal(at(7), 'cat-1 [012] 0.000007: read size 18446744073709551615');
  assert.equal(at(151374_000000), 'cat-1 [012] 151374.000000: read size 18446744073709551615');
  assert.equal(at(999_999), 'cat-1 [012] 0.999999: read size 18446744073709551615');
});

test('log2 and linear tables show the buckets that hold counts, one empty bucket around them, and say what they left out', () => {
  const layout = parseLayout('log2');
  const counts = Array<number>(65).fill(0);
  counts[10] = 1; // 512 - 1023
  counts[13] = 102; // 4096 - 8191
  const lines = formatTable(layout, counts).split('\n');
  assert.deepEqual(lines.map((l) => l.replace(/\s+/g, ' ').trim()), [
    'Size Count', '… 9 empty buckets below 256', '256 - 511 0', '512 - 1023 1', '1024 - 2047 0', '2048 - 4095 0',
    '4096 - 8191 102', '8192 - 16383 0', '… 50 empty buckets above, up to 18446744073709551615',
  ]);
  // Not cramped: at least two spaces between a label and its count.
  for (const line of lines.filter((l) => /\d\s+\d+$/.test(l) && !l.startsWith('…'))) assert.match(line, /\d {2,}\d+$/, line);
  assert.equal(formatTable(layout, counts, true).split('\n').length, 1 + 65, 'all of them when asked');
  assert.equal(shownRange(layout, Array<number>(65).fill(0)).to, 17, 'before any count: the first 17');
  assert.deepEqual(shownRange(parseLayout('seed'), [0, 5]), { from: 0, to: 17 }, 'the demo\'s table is always whole');
});

test('the open last bucket of a linear table reads "and up", and its footnote says what it counts', () => {
  const table = formatTable(parseLayout('linear:0:4096:512'), [0, 3, 0, 0, 0, 0, 0, 0, 9]);
  assert.match(table, /^4096 and up\* {2,}9$/m);
  assert.match(table, /^\* counts every size from 4096 up$/m);
});

test('a run of three or more empty buckets inside a log2 or linear table is one line; the demo\'s table lists every row', () => {
  const counts = Array<number>(65).fill(0);
  counts[1] = 3;
  counts[41] = 2;
  const lines = formatTable(parseLayout('log2'), counts).split('\n').map((l) => l.replace(/\s+/g, ' ').trim());
  assert.deepEqual(lines, [
    'Size Count', '0 0', '1 3', '… 39 empty buckets, 2 to 1099511627775', '1099511627776 - 2199023255551 2',
    '2199023255552 - 4398046511103 0', '… 22 empty buckets above, up to 18446744073709551615',
  ]);
  // Two empty buckets in a row stay rows.
  assert.deepEqual(tableLines(parseLayout('linear:0:40:10'), [1, 0, 0, 1, 0], { from: 0, to: 5 }), [0, 1, 2, 3, 4].map((bucket) => ({ bucket })));
  assert.equal(formatTable(parseLayout('seed'), [5]).split('\n').length, 1 + 17 + 1, 'the seed table keeps its 17 rows');
  // Only runs between counts fold: before any count, the first rows show the layout's shape.
  const empty = formatTable(parseLayout('log2'), Array<number>(65).fill(0)).split('\n');
  assert.equal(empty.filter((l) => /^\s*\d/.test(l)).length, 17, 'the first 17 buckets, each a row');
  assert.deepEqual(empty.filter((l) => l.startsWith('…')), ['… 48 empty buckets above, up to 18446744073709551615']);
  const small = formatTable(parseLayout('linear:0:1024:64'), []);
  assert.match(small, /^1024 and up\* {2,}0$/m, 'the starred row its footnote speaks of is there');
  assert.deepEqual(tableLines(parseLayout('linear:0:40:10'), [0, 0, 0, 0, 7], { from: 0, to: 5 }), [0, 1, 2, 3, 4].map((bucket) => ({ bucket })),
    'a run with no count before it is not between counts');
});
