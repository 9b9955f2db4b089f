/**
 * Events per second from cumulative counts: histogram totals and trace
 * receive counts only ever grow, so a rate is the difference between two
 * samples over the time between them. Pure, so it is tested on fixed numbers.
 * Also how counts and rates are written on screen.
 */

interface Sample {
  count: number;
  at: number;
}

export class RateMeter {
  private samples: Sample[] = [];

  /**
   * @param windowMs how far back the rate looks: 0 compares the last two samples
   *   (histogram snapshots); about a second smooths 60 trace batches a second.
   */
  constructor(private readonly windowMs = 0) {}

  /** Records a cumulative count seen at `at` (milliseconds). A count that went down starts over. */
  add(count: number, at: number): void {
    let last = this.samples[this.samples.length - 1];
    if (last && (count < last.count || at < last.at)) {
      this.samples = [];
      last = undefined;
    }
    if (last && at === last.at) {
      last.count = count;
      return;
    }
    this.samples.push({ count, at });
    // Keep the newest sample at least windowMs older than this one, and everything after it.
    while (this.samples.length > 2 && this.samples[1]!.at <= at - this.windowMs) this.samples.shift();
  }

  /** Events per second, or null until two samples some time apart exist. */
  rate(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at <= first.at) return null;
    return ((last.count - first.count) * 1000) / (last.at - first.at);
  }

  reset(): void {
    this.samples = [];
  }
}

/** A count for display, with thousands separators whatever the page's locale: 1,500,000. */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

/** A rate for display: whole numbers from 10 up (and 0), one decimal below, a dash when unknown. */
export function formatRate(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) return '—';
  return rate >= 10 || rate === 0 ? formatCount(Math.round(rate)) : rate.toFixed(1);
}
