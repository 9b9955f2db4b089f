/**
 * Inside the probe: for the session on screen, the program the kernel holds, its C source and
 * instructions, the JIT's machine code, the verifier's log, the bpf() calls that built it, its
 * maps and its cost. One pane at a time, each with a short explanation tied to the learn-bpf
 * article; a line of C picked in one pane stays picked in the others.
 */
import { useState } from 'react';
import type { Layout } from '../../../shared/buckets.js';
import { RUNS_WITHHELD } from '../../../shared/inspect.js';
import { cpuPercent } from '../../cost.js';
import type { InsideData } from '../../inside-data.js';
import { ErrorAlert } from '../ErrorAlert.js';
import { TabPanel, Tabs } from '../Tabs.js';
import { CallsPane } from './CallsPane.js';
import type { LineKey } from './CodeListing.js';
import { CostPane } from './CostPane.js';
import { JitPane } from './JitPane.js';
import { MapsPane } from './MapsPane.js';
import { ProgramPane } from './ProgramPane.js';
import { SourcePane } from './SourcePane.js';
import { VerifierPane } from './VerifierPane.js';

const PANES = [
  { id: 'program', label: 'Program' },
  { id: 'code', label: 'Source & instructions' },
  { id: 'jit', label: 'Machine code' },
  { id: 'verifier', label: 'Verifier' },
  { id: 'calls', label: 'bpf() calls' },
  { id: 'maps', label: 'Maps' },
  { id: 'cost', label: 'Cost' },
] as const;
type Pane = (typeof PANES)[number]['id'];

/** One short paragraph per pane, in the article's terms. */
export const EXPLAIN: Record<Pane, string> = {
  program: 'The eBPF program behind this probe, as the kernel holds it. Its program type decides what it may be '
    + 'attached to and which helper functions it may call.',
  code: 'Left, the BPF C that runs; the lines the loaded program uses are marked. Right, the eBPF machine\'s '
    + 'instructions as the kernel keeps them: eleven 64-bit registers (r1 holds the context at the start, r0 the '
    + 'result, r10 the stack), helpers called by name, maps named. Pick a line on either side to see its counterpart.',
  jit: 'The JIT compiler turned the eBPF instructions into x86-64 machine code, which the CPU runs directly. '
    + 'Each instruction sits under the line of C it came from.',
  verifier: 'Before the kernel runs a program, its verifier walks every path through it and proves that it ends '
    + 'and touches only memory it may. This is what it said when it accepted this one.',
  calls: 'How user space built this probe: each bpf() command libbpf made (BTF, maps, the program), then the perf '
    + 'event and the link that attach it, with their attributes and results as the kernel received them. '
    + 'A returned number is a file descriptor that later calls use.',
  maps: 'Maps hold what the program keeps between events, and user space reads them. The histogram is a per-CPU '
    + 'array: each CPU adds to its own copy, without locks, and BPF Lab adds the copies up.',
  cost: 'What tracing costs, from the kernel\'s own counters, which BPF Lab turns on for as long as the session '
    + 'runs (BPF_ENABLE_STATS): how often the program ran, and for how long.',
};

interface InsideViewProps {
  data: InsideData | null;
  layout: Layout | null;
  running: boolean;
}

export function InsideView({ data, layout, running }: InsideViewProps) {
  const [pane, setPane] = useState<Pane>('program');
  const [line, setLine] = useState<LineKey | null>(null);
  if (!data) {
    return <p className="empty">Start a probe, then look inside it here: its program, instructions, machine code, maps and cost.</p>;
  }
  if (data.missed) return <p className="empty">This session ended before its program was read. Start it again to look inside.</p>;
  if (data.error) return <ErrorAlert title="Could not look inside the probe" error={data.error} />;
  const inspection = data.inspection;
  if (!inspection) return <p className="empty" role="status">Reading the program from the kernel…</p>;
  const maps = data.sample?.now.maps ?? inspection.maps;
  const cost = data.sample?.now.cost ?? { runCnt: inspection.program.runCnt, runTimeNs: inspection.program.runTimeNs };
  const cpu = data.sample && data.previousCost ? cpuPercent(data.previousCost, { cost: data.sample.now.cost, at: data.sample.at }) : null;
  return (
    <section className="view inside" aria-label="Inside the probe">
      <Tabs tabs={PANES} selected={pane} onSelect={setPane} label="Inside the probe" idPrefix="inside" className="tabs-small" />
      <TabPanel idPrefix="inside" id={pane} className="inside-panel">
        <p className="explain">
          {EXPLAIN[pane]}
          {!running && (pane === 'maps' || pane === 'cost') ? ' The session is over: these are the last figures read.' : ''}
        </p>
        {pane === 'program' ? <ProgramPane inspection={inspection} /> : null}
        {pane === 'code' ? <SourcePane inspection={inspection} selected={line} onSelect={setLine} /> : null}
        {pane === 'jit' ? <JitPane inspection={inspection} selected={line} onSelect={setLine} /> : null}
        {pane === 'verifier' ? <VerifierPane inspection={inspection} /> : null}
        {pane === 'calls' ? <CallsPane inspection={inspection} /> : null}
        {pane === 'maps' ? <MapsPane maps={maps} layout={layout} /> : null}
        {pane === 'cost' ? <CostPane cost={cost} cpu={cpu} withheld={inspection.withheld.includes(RUNS_WITHHELD)} /> : null}
      </TabPanel>
    </section>
  );
}
