/**
 * The work budget as the server uses it: each piece of work reserves the most it may load,
 * runs, and is charged what load-counter.ts counted it loading. The counter is started with the
 * first budgeted work (only callers who are not root have a budget) and charged its own loads.
 */
import { COUNTER_OWN_LOADS, LoadCounter } from './load-counter.js';
import { WorkBudget } from './work-budget.js';

/** What a piece of work loaded, for the helper's debug log. */
export type ChargeNote = (what: string, loads: number, used: number) => void;

export class LoadBudget {
  private counter: LoadCounter | null = null;
  /** Why the counter could not start: then every piece of work is charged its bound. */
  private counterFailed = false;

  constructor(
    readonly budget: WorkBudget,
    private readonly limited: boolean,
    private readonly note: ChargeNote = () => undefined,
    private readonly startCounter: () => LoadCounter = () => LoadCounter.start(),
  ) {}

  /**
   * Runs synchronous work that may load up to `bound` programs: refused (`busy`) before it
   * starts when that many do not fit, charged what it really loaded once it is done, failed or not.
   * Work that returned a promise would be settled at its first await, so the type refuses it.
   */
  run<T>(bound: number, what: string, work: () => T extends PromiseLike<unknown> ? never : T): T {
    if (!this.limited) return work();
    const starting = this.counter === null && !this.counterFailed;
    const reservation = this.budget.reserve(bound + (starting ? COUNTER_OWN_LOADS : 0), what);
    if (starting) {
      try {
        this.counter = this.startCounter();
      } catch {
        this.counterFailed = true;
      }
    }
    // Without its counter, the work stays charged its bound.
    if (!this.counter) return work();
    const own = starting ? COUNTER_OWN_LOADS : 0;
    // Charged what it loaded, whether it succeeded or threw (a refused program cost its verification).
    return this.counter.watch(work, (counted) => {
      reservation.settle(counted + own);
      this.note(what, counted + own, this.budget.used());
    });
  }

  /** Charges work whose loads are known before it runs and make no bpf() call (the classic lesson). */
  charge(loads: number, what: string): void {
    if (!this.limited) return;
    this.budget.charge(loads, what);
    this.note(what, loads, this.budget.used());
  }

  /** Unloads the counter (the helper's exit paths). */
  dispose(): void {
    this.counter?.dispose();
    this.counter = null;
  }
}
