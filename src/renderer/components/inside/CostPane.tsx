/** What the program's runs cost, from the kernel's run counters, read again with every snapshot. */
import type { Cost } from '../../../shared/inspect.js';
import { formatNs, formatPercent, nsPerRun } from '../../cost.js';
import { formatCount } from '../../rate.js';
import { Stat } from '../Stat.js';

export function CostPane({ cost, cpu, withheld }: { cost: Cost; cpu: number | null; withheld: boolean }) {
  if (withheld) {
    return (
      <div className="pane-body" tabIndex={0} role="region" aria-label="What its runs cost">
        <p className="pane-note" data-testid="cost-withheld">
          Not shown to you: the kernel counts every run of the program, for every process, before the program
          checks whose it is. So its runs would time other users&apos; work. Root, and an instructor running BPF Lab for every process, see them.
        </p>
      </div>
    );
  }
  return (
    <div className="pane-body" tabIndex={0} role="region" aria-label="What its runs cost">
      <div className="stats">
        <Stat label="Runs" testId="cost-runs" value={formatCount(cost.runCnt)} />
        <Stat label="Time in all" testId="cost-time" value={formatNs(cost.runTimeNs)} />
        <Stat label="Per run" testId="cost-per-run" value={formatNs(nsPerRun(cost))} />
        <Stat label="CPU" testId="cost-cpu" value={formatPercent(cpu)} />
      </div>
      <p className="pane-note">
        The program runs on every hit of the probe, for every process, and checks the process
        itself; each run counts. CPU is the share of one CPU it took since the last reading.
      </p>
    </div>
  );
}
