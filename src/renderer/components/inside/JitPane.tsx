/** The JIT's x86-64 code for the program, each instruction under its line of C (jited_line_info). */
import type { Inspection } from '../../../shared/inspect.js';
import { CodeListing, type LineKey } from './CodeListing.js';

export function JitPane({ inspection, selected, onSelect }: { inspection: Inspection; selected: LineKey | null; onSelect: (l: LineKey) => void }) {
  if (inspection.jited.length === 0) {
    const why = inspection.withheld.find((w) => w.startsWith('Machine code')) ?? 'The kernel gave no machine code for this program.';
    return <p className="pane-note" data-testid="jit-withheld">{why}</p>;
  }
  return (
    <CodeListing
      label="Machine code" className="jited" selected={selected} onSelect={onSelect}
      rows={inspection.jited.map((j) => ({ key: String(j.offset), line: j.line, cells: [j.offset.toString(16).padStart(4, '0'), j.bytes, j.text] }))}
    />
  );
}
