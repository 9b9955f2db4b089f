// Pins down the bucket math of src/shared/buckets.ts: where values land in the
// seed, log2 and linear layouts, the inclusive bounds of every bucket, that the
// two agree for every value, and how layout text is parsed and printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bucketBounds, bucketCount, bucketIndex, formatLayout, parseLayout, U64_MAX, type Bounds, type Layout,
} from '../../src/shared/buckets.js';

const seed = parseLayout('seed');
const log2 = parseLayout('log2');
/** MIN > 0: underflow [0,99], ten buckets of 100, overflow [1000, open). */
const lin100 = parseLayout('linear:100:1000:100');
/** MIN = 0: no underflow, eight buckets of 8, overflow [64, open). */
const lin8 = parseLayout('linear:0:64:8');
const ALL: [string, Layout][] = [['seed', seed], ['log2', log2], ['lin100', lin100], ['lin8', lin8]];

test('U64_MAX is 2^64 - 1', () => {
  assert.equal(U64_MAX, 18446744073709551615n);
});

test('bucketIndex at the edges, for every layout', () => {
  const edges = [0n, 1n, 64n, 65n, 1024n, 1025n, U64_MAX];
  const expected: Record<string, number[]> = {
    seed: [0, 1, 1, 2, 16, 16, 16],
    log2: [0, 1, 7, 7, 11, 11, 64],
    lin100: [0, 0, 0, 0, 10, 10, 10],
    lin8: [0, 0, 8, 8, 8, 8, 8],
  };
  for (const [name, layout] of ALL) {
    assert.deepEqual(edges.map((v) => bucketIndex(layout, v)), expected[name], name);
  }
});

test('bucketIndex at bucket boundaries inside each layout', () => {
  assert.deepEqual([128n, 129n, 960n, 961n].map((v) => bucketIndex(seed, v)), [2, 3, 15, 16]);
  assert.deepEqual([2n, 3n, 4n, 7n, 8n].map((v) => bucketIndex(log2, v)), [2, 2, 3, 3, 4]);
  assert.equal(bucketIndex(log2, (1n << 63n) - 1n), 63);
  assert.equal(bucketIndex(log2, 1n << 63n), 64);
  assert.deepEqual([99n, 100n, 199n, 200n, 999n, 1000n].map((v) => bucketIndex(lin100, v)), [0, 1, 1, 2, 9, 10]);
  assert.deepEqual([7n, 8n, 63n].map((v) => bucketIndex(lin8, v)), [0, 1, 7]);
});

test('bucketCount', () => {
  assert.equal(bucketCount(seed), 17);
  assert.equal(bucketCount(log2), 65);
  assert.equal(bucketCount(lin100), 11);
  assert.equal(bucketCount(lin8), 9);
  assert.equal(bucketCount(parseLayout('linear:0:4096:1')), 4097);
  assert.equal(bucketCount(parseLayout('linear:1:4097:1')), 4098);
});

test('bucketBounds of the seed: 0, then 64-byte buckets, the last one open', () => {
  const b = (low: bigint, high: bigint | null): Bounds => ({ low, high });
  assert.deepEqual(bucketBounds(seed), [
    b(0n, 0n), b(1n, 64n), b(65n, 128n), b(129n, 192n), b(193n, 256n), b(257n, 320n), b(321n, 384n),
    b(385n, 448n), b(449n, 512n), b(513n, 576n), b(577n, 640n), b(641n, 704n), b(705n, 768n),
    b(769n, 832n), b(833n, 896n), b(897n, 960n), b(961n, null),
  ]);
});

test('bucketBounds of log2: powers of two, closed up to 2^64 - 1', () => {
  const bounds = bucketBounds(log2);
  assert.equal(bounds.length, 65);
  assert.deepEqual(bounds.slice(0, 4), [
    { low: 0n, high: 0n }, { low: 1n, high: 1n }, { low: 2n, high: 3n }, { low: 4n, high: 7n },
  ]);
  assert.deepEqual(bounds[11], { low: 1024n, high: 2047n });
  assert.deepEqual(bounds[64], { low: 9223372036854775808n, high: U64_MAX });
});

test('bucketBounds of linear layouts', () => {
  assert.deepEqual(bucketBounds(lin100), [
    { low: 0n, high: 99n },
    { low: 100n, high: 199n }, { low: 200n, high: 299n }, { low: 300n, high: 399n }, { low: 400n, high: 499n },
    { low: 500n, high: 599n }, { low: 600n, high: 699n }, { low: 700n, high: 799n }, { low: 800n, high: 899n },
    { low: 900n, high: 999n },
    { low: 1000n, high: null },
  ]);
  assert.deepEqual(bucketBounds(lin8), [
    { low: 0n, high: 7n }, { low: 8n, high: 15n }, { low: 16n, high: 23n }, { low: 24n, high: 31n },
    { low: 32n, high: 39n }, { low: 40n, high: 47n }, { low: 48n, high: 55n }, { low: 56n, high: 63n },
    { low: 64n, high: null },
  ]);
});

test('bounds of every layout tile 0..2^64-1 with no gap or overlap', () => {
  for (const [name, layout] of ALL) {
    const bounds = bucketBounds(layout);
    assert.equal(bounds.length, bucketCount(layout), name);
    assert.equal(bounds[0]!.low, 0n, name);
    for (let i = 1; i < bounds.length; i++) {
      assert.equal(bounds[i]!.low, bounds[i - 1]!.high! + 1n, `${name} bucket ${i}`);
    }
    const last = bounds[bounds.length - 1]!;
    assert.ok(last.high === null || last.high === U64_MAX, name);
  }
});

test('bucketIndex(v) always lands in the bucket whose bounds contain v', () => {
  const values = new Set<bigint>([U64_MAX, U64_MAX - 1n]);
  for (let v = 0n; v <= 300n; v++) values.add(v);
  for (let k = 0n; k < 64n; k++) for (const d of [-1n, 0n, 1n]) values.add((1n << k) + d);
  for (const [, layout] of ALL) {
    for (const b of bucketBounds(layout)) {
      values.add(b.low);
      if (b.high !== null) values.add(b.high);
    }
  }
  assert.ok(values.size > 300);
  for (const [name, layout] of ALL) {
    const bounds = bucketBounds(layout);
    for (const v of values) {
      if (v < 0n || v > U64_MAX) continue;
      const i = bucketIndex(layout, v);
      const b = bounds[i];
      assert.ok(b, `${name}: ${v} -> bucket ${i} does not exist`);
      assert.ok(v >= b.low && (b.high === null || v <= b.high), `${name}: ${v} -> bucket ${i} [${b.low}, ${b.high}]`);
    }
  }
});

test('parseLayout accepts seed, log2 and linear:MIN:MAX:STEP', () => {
  assert.deepEqual(parseLayout('seed'), { kind: 'seed' });
  assert.deepEqual(parseLayout('log2'), { kind: 'log2' });
  assert.deepEqual(parseLayout('linear:100:1000:100'), { kind: 'linear', min: 100n, max: 1000n, step: 100n });
  // Exactly 4096 steps, and MAX at the very top of the u64 range, are both allowed.
  assert.deepEqual(parseLayout('linear:0:4096:1'), { kind: 'linear', min: 0n, max: 4096n, step: 1n });
  assert.deepEqual(parseLayout('linear:18446744073709547519:18446744073709551615:1'),
    { kind: 'linear', min: U64_MAX - 4096n, max: U64_MAX, step: 1n });
});

test('parseLayout rejects bad layouts with "bad buckets \\"..."', () => {
  const bad = [
    '', 'Seed', 'log', 'seed ', 'linear', 'linear:1:2', 'linear:1:2:3:4', 'linear:a:10:1', 'linear:-1:10:1',
    'linear:0:10:1.5', 'linear: 0:10:1',
    'linear:0:10:0', // STEP 0
    'linear:10:10:1', 'linear:20:10:1', // MAX <= MIN
    'linear:0:10:3', // (MAX - MIN) % STEP != 0
    'linear:0:4097:1', 'linear:0:8194:2', // more than 4096 steps
    'linear:18446744073709547520:18446744073709551616:1', // MAX > 2^64 - 1 (with only 4096 steps)
  ];
  for (const text of bad) {
    assert.throws(() => parseLayout(text), (e: unknown) => {
      assert.ok(e instanceof Error, text);
      assert.ok(e.message.startsWith(`bad buckets "${text}"`), `${text}: ${e.message}`);
      assert.ok(!e.message.includes('\n'), text);
      return true;
    });
  }
});

test('formatLayout round-trips through parseLayout', () => {
  for (const text of ['seed', 'log2', 'linear:0:64:8', 'linear:100:1000:100',
    'linear:18446744073709547519:18446744073709551615:1']) {
    const layout = parseLayout(text);
    assert.equal(formatLayout(layout), text);
    assert.deepEqual(parseLayout(formatLayout(layout)), layout);
  }
});
