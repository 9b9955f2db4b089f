/**
 * Histogram layouts and their bucket math: the TypeScript twin of bucket_of() in
 * bpf/hist.bpf.c. Tables, charts and JSON only draw what these functions return.
 */

export type Layout =
  | { kind: 'seed' }
  | { kind: 'log2' }
  | { kind: 'linear'; min: bigint; max: bigint; step: bigint };

/** An inclusive range; `high` null means open-ended. */
export interface Bounds {
  low: bigint;
  high: bigint | null;
}

export const U64_MAX = (1n << 64n) - 1n;
/** The most buckets a linear layout may have between min and max (matches HIST_MAX_BUCKETS - 2). */
export const MAX_LINEAR_STEPS = 4096n;

const SEED_BUCKETS = 17;

/** Parses `seed`, `log2` or `linear:MIN:MAX:STEP`; throws an Error with a one-line reason. */
export function parseLayout(text: string): Layout {
  if (text === 'seed' || text === 'log2') return { kind: text };
  const m = /^linear:(\d+):(\d+):(\d+)$/.exec(text);
  if (!m) throw new Error(`bad buckets "${text}": use seed, log2 or linear:MIN:MAX:STEP`);
  const [min, max, step] = [BigInt(m[1]!), BigInt(m[2]!), BigInt(m[3]!)];
  if (max > U64_MAX) throw new Error(`bad buckets "${text}": MAX must fit in 64 bits`);
  if (step === 0n) throw new Error(`bad buckets "${text}": STEP must be at least 1`);
  if (max <= min) throw new Error(`bad buckets "${text}": MAX must be greater than MIN`);
  if ((max - min) % step !== 0n) throw new Error(`bad buckets "${text}": MAX - MIN must be a multiple of STEP`);
  if ((max - min) / step > MAX_LINEAR_STEPS) {
    throw new Error(`bad buckets "${text}": at most ${MAX_LINEAR_STEPS} steps between MIN and MAX`);
  }
  return { kind: 'linear', min, max, step };
}

export function formatLayout(layout: Layout): string {
  return layout.kind === 'linear' ? `linear:${layout.min}:${layout.max}:${layout.step}` : layout.kind;
}

/** How many buckets the layout has; the BPF map gets one more slot, for the total. */
export function bucketCount(layout: Layout): number {
  switch (layout.kind) {
    case 'seed': return SEED_BUCKETS;
    case 'log2': return 65;
    case 'linear': return Number(underflow(layout) + (layout.max - layout.min) / layout.step + 1n);
  }
}

/** The bucket a value falls in, exactly as the kernel computes it. */
export function bucketIndex(layout: Layout, value: bigint): number {
  switch (layout.kind) {
    case 'seed':
      if (value === 0n) return 0;
      return value > 1024n ? 16 : Number((value - 1n) / 64n + 1n);
    case 'log2':
      return value.toString(2).length - (value === 0n ? 1 : 0);
    case 'linear': {
      if (value < layout.min) return 0;
      const u = underflow(layout);
      if (value >= layout.max) return Number(u + (layout.max - layout.min) / layout.step);
      return Number(u + (value - layout.min) / layout.step);
    }
  }
}

/** The inclusive range of every bucket, in order. */
export function bucketBounds(layout: Layout): Bounds[] {
  switch (layout.kind) {
    case 'seed':
      return [{ low: 0n, high: 0n }, ...Array.from({ length: 16 }, (_, i) => ({
        low: BigInt(i) * 64n + 1n,
        high: i === 15 ? null : BigInt(i + 1) * 64n,
      }))];
    case 'log2':
      return [{ low: 0n, high: 0n }, ...Array.from({ length: 64 }, (_, i) => ({
        low: 1n << BigInt(i),
        high: (1n << BigInt(i + 1)) - 1n,
      }))];
    case 'linear': {
      const out: Bounds[] = layout.min > 0n ? [{ low: 0n, high: layout.min - 1n }] : [];
      for (let low = layout.min; low < layout.max; low += layout.step) {
        out.push({ low, high: low + layout.step - 1n });
      }
      out.push({ low: layout.max, high: null });
      return out;
    }
  }
}

function underflow(layout: { min: bigint }): bigint {
  return layout.min > 0n ? 1n : 0n;
}
