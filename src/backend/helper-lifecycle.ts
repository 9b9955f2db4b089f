/**
 * The one owner of the app's helper processes: it starts the helper, replaces it on restart,
 * notices its death, and closes every helper it ever started on dispose. Starts and restarts
 * run one at a time, in order, on one chain: a start while one is on its way joins it, and so
 * does a restart while another is queued or running. So two helpers are never started at once,
 * none is ever replaced without being closed, and dispose() has them all.
 */
import { LabError } from '../shared/errors.js';
import type { HelperState, PrivilegeMode } from '../shared/lab-api.js';
import type { HelperClient } from './helper-client.js';
import type { Launch } from './launch.js';

/** How a helper is started; it should give up (reject) when `signal` aborts. */
export type StartHelper = (launch: Launch, signal: AbortSignal) => Promise<HelperClient>;

export interface LifecycleHooks {
  /** Every change of state, for the UI. */
  state(state: HelperState): void;
  /** A new helper became the current one. */
  ready(helper: HelperClient): void;
  /** The current helper is gone (it died, or a restart retired it): its sessions end with `error`. */
  ended(helper: HelperClient, error: LabError): void;
}

export class HelperLifecycle {
  private current: HelperClient | null = null;
  /** Every helper started and not yet closed. */
  private readonly owned = new Set<HelperClient>();
  private chain: Promise<void> = Promise.resolve();
  /** The start or restart queued or running, which a later start joins. */
  private pending: Promise<void> | null = null;
  private pendingRestart: Promise<void> | null = null;
  private abort: AbortController | null = null;
  private disposed = false;
  private readonly privilege: PrivilegeMode;

  constructor(private readonly launchSpec: Launch, private readonly startHelper: StartHelper, private readonly hooks: LifecycleHooks) {
    this.privilege = launchSpec.via === 'pkexec' ? 'pkexec' : 'root';
  }

  /** The helper that serves requests now, or null while none is ready. */
  get helper(): HelperClient | null {
    return this.current;
  }

  /** How many helper processes are started and not yet closed (at most one, outside a restart). */
  get running(): number {
    return this.owned.size;
  }

  /** Starts the helper unless one is ready or on its way. Never rejects: a failure is a state. */
  start(): Promise<void> {
    if (this.pending) return this.pending;
    if (this.disposed || this.current) return Promise.resolve();
    return this.enqueue(() => this.launch());
  }

  /**
   * Retires the current helper (its sessions end) and starts a new one. A second restart joins
   * the first, and a restart while no helper is ready joins the start on its way (a second
   * start would mean a second password prompt).
   */
  restart(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (this.pendingRestart) return this.pendingRestart;
    if (this.pending && !this.current) return this.pending;
    this.pendingRestart = this.enqueue(async () => {
      const old = this.current;
      if (old) {
        this.current = null;
        this.hooks.ended(old, new LabError('disconnected', 'The helper was restarted.'));
        await this.close(old);
      }
      await this.launch();
    }).finally(() => { this.pendingRestart = null; });
    return this.pendingRestart;
  }

  /** Gives up a start in flight and closes every helper ever started; resolves when all are closed. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.abort?.abort();
    this.current = null;
    await Promise.all([this.chain, ...[...this.owned].map((h) => this.close(h))]);
  }

  /** Runs op after everything queued before it; `pending` is the last op until it is done. */
  private enqueue(op: () => Promise<void>): Promise<void> {
    const run = this.chain.then(() => (this.disposed ? undefined : op())).catch(() => undefined);
    this.chain = run;
    this.pending = run;
    void run.then(() => { if (this.pending === run) this.pending = null; });
    return run;
  }

  private async launch(): Promise<void> {
    // dispose() may have come while a restart closed the old helper: start nothing then.
    if (this.disposed) return;
    this.hooks.state({ state: 'starting', privilege: this.privilege });
    const abort = new AbortController();
    this.abort = abort;
    let helper: HelperClient;
    try {
      helper = await this.startHelper(this.launchSpec, abort.signal);
    } catch (e) {
      if (!this.disposed) this.hooks.state({ state: 'stopped', privilege: this.privilege, error: LabError.toData(e) });
      return;
    } finally {
      this.abort = null;
    }
    this.owned.add(helper);
    if (this.disposed) return this.close(helper);
    this.current = helper;
    void helper.ended.then((error) => this.died(helper, error));
    this.hooks.ready(helper);
    const info = helper.info!;
    this.hooks.state({ state: 'ready', privilege: this.privilege, version: info.version, kernel: info.kernel, scope: info.scope });
  }

  /** The helper exited or broke the protocol; if it was the current one, its sessions end and the state says why. */
  private died(helper: HelperClient, error: LabError): void {
    if (this.current !== helper) return;
    this.current = null;
    void this.close(helper);
    this.hooks.ended(helper, error);
    this.hooks.state({ state: 'stopped', privilege: this.privilege, error: error.toData() });
  }

  private async close(helper: HelperClient): Promise<void> {
    try {
      await helper.close();
    } finally {
      this.owned.delete(helper);
    }
  }
}
