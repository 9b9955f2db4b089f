/**
 * How much kernel work one caller who is not root may cause: loading a program runs the verifier
 * and (for kprobes) registers probes, a few to hundreds of milliseconds each, on a machine a class
 * shares. Each helper serves one caller, and a user may run at most MAX_HELPERS_PER_USER of them,
 * so a budget per helper bounds the user. Work over the budget is refused with a clear `busy`
 * error, at once: it never waits in line behind the caller's own sessions.
 */
import { LabError } from '../src/shared/errors.js';

/** Programs one caller's helper may load in any WINDOW_MS: a student's starts, checks and lessons. */
export const LOADS_PER_WINDOW = 20;
export const WINDOW_MS = 10_000;

export class WorkBudget {
  /** When each load in the window was charged, oldest first. */
  private readonly charged: number[] = [];

  constructor(private readonly limited: boolean, private readonly now: () => number = () => performance.now()) {}

  /** Charges `loads` programs' worth of work, or throws `busy` (charging nothing) when the window is full. */
  charge(loads: number, what: string): void {
    if (!this.limited) return;
    if (loads > LOADS_PER_WINDOW) throw new LabError('internal', `${what} would load ${loads} programs at once, over the budget of ${LOADS_PER_WINDOW}`);
    const now = this.now();
    while (this.charged.length > 0 && now - this.charged[0]! >= WINDOW_MS) this.charged.shift();
    if (this.charged.length + loads > LOADS_PER_WINDOW) {
      const wait = Math.ceil((WINDOW_MS - (now - this.charged[this.charged.length + loads - LOADS_PER_WINDOW - 1]!)) / 1000);
      throw new LabError('busy', `Too much at once: ${what} would load more than ${LOADS_PER_WINDOW} BPF programs in `
        + `${WINDOW_MS / 1000} s, the most one user may on a shared machine. Try again in ${wait} s.`);
    }
    for (let i = 0; i < loads; i++) this.charged.push(now);
  }
}
