/**
 * How much kernel work one caller who is not root may cause: loading a program runs the verifier
 * and (for kprobes) registers probes, a few to hundreds of milliseconds each, on a machine a class
 * shares. Each helper serves one caller, and a user may run at most MAX_HELPERS_PER_USER of them,
 * so a budget per helper bounds the user. Work over the budget is refused with a clear `busy`
 * error, at once: it never waits in line behind the caller's own sessions.
 *
 * What is charged is what the kernel was asked to load (bpf(BPF_PROG_LOAD), refused programs
 * too): before a piece of work, the most it can load is reserved, and refused if that does not
 * fit; after it, the reservation is settled to what load-counter.ts counted (load-budget.ts).
 */
import { LabError } from '../src/shared/errors.js';

/** Programs one caller's helper may load in any WINDOW_MS: a student's starts, checks and lessons. */
export const LOADS_PER_WINDOW = 20;
export const WINDOW_MS = 10_000;

/**
 * What is reserved before a piece of work: the programs it loads when nothing fails and libbpf has
 * made its feature checks (measured with strace, test/kernel/load-budget.test.ts). What libbpf adds
 * on top (up to two checks the first time a feature is used, a refused program's second try with
 * its log) is charged when it happens. A start loads its probe's program (and with armOnExec its
 * hist_arm), after libbpf's check that programs load at all, once per object.
 */
export function startLoads(params: { armOnExec?: boolean | undefined; calls?: boolean | undefined }): number {
  return 2 + (params.armOnExec ? 1 : 0) + (params.calls ? RECORDER_LOADS : 0);
}
/** The call recorder: its three programs and libbpf's check. */
const RECORDER_LOADS = 4;
/** A trial of one catalog probe: its program and libbpf's check (a probe refused before it loads costs none). */
export const PROBE_TRIAL_LOADS = 2;
/**
 * The classic lesson: its one classic filter (SO_ATTACH_FILTER). No bpf() call, but the kernel
 * checks it and translates it into a BPF program all the same.
 */
export const LESSON_LOADS = 1;

/** One piece of work's share of the window: reserved at its bound, then settled to what it loaded. */
export interface Reservation {
  /** Replaces the reserved bound by the loads the work really made (more than the bound is charged too). */
  settle(loads: number): void;
}

const NOTHING: Reservation = { settle: () => undefined };

export class WorkBudget {
  /** Each piece of work in the window: when it began and what it is charged, oldest first. */
  private readonly charged: Array<{ at: number; loads: number }> = [];

  constructor(private readonly limited: boolean, private readonly now: () => number = () => performance.now()) {}

  /** The loads charged in the last WINDOW_MS, settled or still reserved. */
  used(): number {
    this.expire(this.now());
    return this.charged.reduce((sum, c) => sum + c.loads, 0);
  }

  /**
   * Reserves `bound` loads for work about to run, or throws `busy` (reserving nothing) when they
   * do not fit in the window: the refusal comes before the work, never after it.
   */
  reserve(bound: number, what: string): Reservation {
    if (!this.limited) return NOTHING;
    if (bound > LOADS_PER_WINDOW) throw new LabError('internal', `${what} may load ${bound} programs at once, over the budget of ${LOADS_PER_WINDOW}`);
    const now = this.now();
    const used = this.used();
    if (used + bound > LOADS_PER_WINDOW) {
      // The wait: until enough of the oldest charges have left the window.
      let freed = 0;
      const frees = this.charged.find((c) => (freed += c.loads) >= used + bound - LOADS_PER_WINDOW);
      const wait = Math.max(1, Math.ceil((WINDOW_MS - (now - (frees?.at ?? now))) / 1000));
      throw new LabError('busy', `Too much at once: ${what} would load more than ${LOADS_PER_WINDOW} BPF programs in `
        + `${WINDOW_MS / 1000} s, the most one user may on a shared machine (it may load ${bound}, and ${used} `
        + `were loaded in the last ${WINDOW_MS / 1000} s). Try again in ${wait} s.`);
    }
    const entry = { at: now, loads: bound };
    this.charged.push(entry);
    return { settle: (loads) => { entry.loads = loads; } };
  }

  /** Charges work whose cost is known before it runs: a reservation never settled. */
  charge(loads: number, what: string): void {
    this.reserve(loads, what);
  }

  private expire(now: number): void {
    while (this.charged.length > 0 && now - this.charged[0]!.at >= WINDOW_MS) this.charged.shift();
  }
}
