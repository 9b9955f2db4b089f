/**
 * A list of instructions grouped under their lines of C, as in `bpftool prog dump ... linum`:
 * the line once, then its instructions. Picking an instruction (or its line) selects that line
 * of C everywhere in the Inside view; the selected line's instructions are marked and scrolled
 * into sight. One tab stop: the arrow keys move between rows (and select as they go).
 */
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { SourceLine } from '../../../shared/inspect.js';

export type LineKey = string;
export const lineKey = (l: { file: string; line: number }): LineKey => `${l.file}:${l.line}`;

interface Row {
  key: string;
  line?: SourceLine | undefined;
  cells: readonly string[];
}

interface CodeListingProps {
  rows: readonly Row[];
  selected: LineKey | null;
  onSelect: (line: LineKey) => void;
  /** What the list is, for screen readers. */
  label: string;
  className?: string;
}

/** Scrolls `container` up or down (never sideways: the line numbers stay in sight) until `row` is in it. */
export function revealRow(container: HTMLElement | null, row: Element | null | undefined): void {
  if (!container || !(row instanceof HTMLElement)) return;
  const top = row.getBoundingClientRect().top - container.getBoundingClientRect().top + container.scrollTop;
  if (top < container.scrollTop) container.scrollTop = top;
  else if (top + row.offsetHeight > container.scrollTop + container.clientHeight) {
    container.scrollTop = top + row.offsetHeight - container.clientHeight;
  }
}

/**
 * Moves focus between a list's rows (`[data-row]`) with the arrow keys, Home and End, and
 * returns the row it moved to; the caller makes that row the list's one tab stop.
 */
export function moveInList(e: KeyboardEvent, container: HTMLElement | null): HTMLElement | null {
  const step = { ArrowDown: 1, ArrowUp: -1, Home: -Infinity, End: Infinity }[e.key];
  if (step === undefined || !container) return null;
  const rows = [...container.querySelectorAll<HTMLElement>('[data-row]')];
  if (rows.length === 0) return null;
  e.preventDefault();
  const at = rows.indexOf(document.activeElement as HTMLElement);
  const next = rows[Math.max(0, Math.min(rows.length - 1, Number.isFinite(step) ? at + step : step < 0 ? 0 : rows.length))] ?? rows.at(-1)!;
  next.focus({ preventScroll: true });
  revealRow(container, next);
  return next;
}

export function CodeListing({ rows, selected, onSelect, label, className }: CodeListingProps) {
  const list = useRef<HTMLDivElement>(null);
  // The one tab stop: the row the keys or a click last reached, else the picked line's first row, else the first.
  const [active, setActive] = useState<string | null>(null);
  // The selected line's first instruction comes into sight, however it was selected.
  useEffect(() => {
    if (!selected) return;
    revealRow(list.current, list.current?.querySelector(`[data-line="${CSS.escape(selected)}"]`));
  }, [selected]);
  let previous = '';
  const stop = rows.find((r) => r.key === active)?.key ?? rows.find((r) => r.line && lineKey(r.line) === selected)?.key ?? rows[0]?.key;
  return (
    <div
      className={`listing${className ? ` ${className}` : ''}`} ref={list} role="list" aria-label={label}
      onKeyDown={(e) => {
        const row = moveInList(e, list.current);
        if (row) setActive(row.dataset.key ?? null);
        if (row?.dataset.line) onSelect(row.dataset.line);
      }}
    >
      {rows.map((r) => {
        const key = r.line ? lineKey(r.line) : '';
        const head = r.line && key !== previous ? r.line : null;
        previous = key;
        const mine = key !== '' && key === selected;
        return (
          <div key={r.key} role="listitem">
            {head ? <div className={`listing-line${mine ? ' picked' : ''}`}>; {head.source || '(no text)'} <span className="where">{key}</span></div> : null}
            <button
              type="button" data-row="" data-key={r.key} data-line={key || undefined} className={`listing-row${mine ? ' picked' : ''}`}
              tabIndex={r.key === stop ? 0 : -1} aria-current={mine ? 'true' : undefined}
              onClick={() => { setActive(r.key); if (key) onSelect(key); }}
            >
              {r.cells.map((c, n) => <span key={n} className={`cell cell-${n}`}>{c}</span>)}
            </button>
          </div>
        );
      })}
    </div>
  );
}
