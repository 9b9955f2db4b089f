/** The JIT's x86-64 code for the program, each instruction under its line of C (jited_line_info). */
import { JIT_BYTES_WITHHELD, type Inspection } from '../../../shared/inspect.js';
import { CodeListing, type LineKey } from './CodeListing.js';

/** The machine code listing, or why there is none; says why bytes are blank where some are. */
export function JitPane({ inspection, selected, onSelect }: { inspection: Inspection; selected: LineKey | null; onSelect: (l: LineKey) => void }) {
  if (inspection.jited.length === 0) {
    const why = inspection.withheld.find((w) => w.startsWith('Machine code')) ?? 'The kernel gave no machine code for this program.';
    return <p className="pane-note" data-testid="jit-withheld">{why}</p>;
  }
  return (
    <>
      {/* Why some rows have no bytes (a caller who is not root), where the blanks are seen. */}
      {inspection.withheld.includes(JIT_BYTES_WITHHELD) ? <p className="explain" data-testid="jit-bytes-withheld">{JIT_BYTES_WITHHELD}</p> : null}
      <CodeListing
        label="Machine code" className="jited" selected={selected} onSelect={onSelect}
        rows={inspection.jited.map((j) => ({ key: String(j.offset), line: j.line, cells: [j.offset.toString(16).padStart(4, '0'), j.bytes, j.text] }))}
      />
    </>
  );
}
