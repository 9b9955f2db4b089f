/** What the program's runs cost, from the kernel's run counters, read again with every snapshot. */
import type { Cost } from '../../../shared/inspect.js';
import { formatNs, formatPercent, nsPerRun } from '../../cost.js';
import { formatCount } from '../../rate.js';
import { Stat } from '../Stat.js';

export function CostPane({ cost, cpu }: { cost: Cost; cpu: number | null }) {
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
