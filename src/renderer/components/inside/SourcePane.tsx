/**
 * Source and instructions side by side: the BPF C that runs (the lines the loaded program uses
 * are marked, from its line info) and the eBPF instructions the kernel keeps, each under its
 * line. Picking a line on one side marks its counterpart on the other.
 */
import { useEffect, useRef, useState } from 'react';
import type { Inspection } from '../../../shared/inspect.js';
import { CodeListing, lineKey, moveInList, revealRow, type LineKey } from './CodeListing.js';

interface PaneProps {
  inspection: Inspection;
  selected: LineKey | null;
  onSelect: (line: LineKey) => void;
}

export function SourceFile({ inspection, selected, onSelect }: PaneProps) {
  const files = inspection.sources;
  const [file, setFile] = useState(files[0]?.file ?? '');
  const [active, setActive] = useState<LineKey | null>(null);
  // Picking a line (here or among the instructions) in another file shows that file.
  useEffect(() => {
    const selectedFile = selected ? selected.slice(0, selected.lastIndexOf(':')) : null;
    if (selectedFile && files.some((f) => f.file === selectedFile)) setFile(selectedFile);
  }, [selected, files]);
  const list = useRef<HTMLOListElement>(null);
  // The picked line comes into sight; with none picked, the first line the program uses.
  useEffect(() => {
    const row = selected ? list.current?.querySelector(`[data-line="${CSS.escape(selected)}"]`) : list.current?.querySelector('[data-line]');
    revealRow(list.current, row?.closest('li'));
  }, [selected, file]);
  const shown = files.find((f) => f.file === file) ?? files[0];
  if (!shown) return <p className="pane-note">The program's line info names none of BPF Lab's source files.</p>;
  const used = new Set(shown.usedLines);
  const keyOf = (n: number): LineKey => lineKey({ file: shown.file, line: n });
  const usedKeys = new Set(shown.usedLines.map(keyOf));
  // The one tab stop: the line the keys last reached, else the picked line, else the first line used, in the file shown.
  const stop = [active, selected, shown.usedLines.length ? keyOf(shown.usedLines[0]!) : null].find((k) => k && usedKeys.has(k));
  return (
    <div className="source">
      {files.length > 1 ? (
        <div className="switch" role="group" aria-label="Source file">
          {files.map((f) => (
            <button key={f.file} type="button" aria-pressed={f.file === shown.file} onClick={() => setFile(f.file)}>{f.file}</button>
          ))}
        </div>
      ) : <p className="source-name">{shown.file}</p>}
      <ol
        className="source-lines" ref={list} aria-label={`${shown.file}, with the lines the program uses marked`}
        onKeyDown={(e) => {
          const row = moveInList(e, list.current);
          if (row?.dataset.line) {
            setActive(row.dataset.line);
            onSelect(row.dataset.line);
          }
        }}
      >
        {shown.text.split('\n').map((text, i) => {
          const n = i + 1;
          const key = keyOf(n);
          const mine = key === selected;
          return (
            <li key={n} className={`${used.has(n) ? 'used' : ''}${mine ? ' picked' : ''}`}>
              <span className="line-number" aria-hidden="true">{n}</span>
              {used.has(n) ? (
                <button
                  type="button" data-row="" data-line={key} tabIndex={key === stop ? 0 : -1}
                  aria-current={mine ? 'true' : undefined} onClick={() => { setActive(key); onSelect(key); }}
                >
                  {text || ' '}
                </button>
              ) : <span className="unused">{text || ' '}</span>}
            </li>
          );
        })}
      </ol>
    </div>
  );
}

export function SourcePane(props: PaneProps) {
  const { inspection, selected, onSelect } = props;
  return (
    <div className="pane-split">
      <SourceFile {...props} />
      <CodeListing
        label="eBPF instructions as loaded" className="xlated" selected={selected} onSelect={onSelect}
        rows={inspection.xlated.map((x) => ({ key: String(x.index), line: x.line, cells: [`${x.index}:`, x.text] }))}
      />
    </div>
  );
}
