/**
 * The trace events as a virtualized list: only the rows in sight exist in the
 * DOM, so 50,000 held events cost the same as 30. While live it sticks to the
 * newest event unless the user has scrolled up; resuming from pause jumps
 * back to the newest.
 */
import { useLayoutEffect, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { formatTimestamp } from '../../shared/table.js';
import type { TraceView } from '../filtered-index.js';

const ROW_HEIGHT = 24;

interface TraceListProps {
  view: TraceView;
  /** The store's version: a new one means the rows may have changed. */
  version: number;
  paused: boolean;
}

export function TraceList({ view, version, paused }: TraceListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const [away, setAway] = useState(false);
  const count = view.length;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  });

  const toBottom = (): void => {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
  };

  useLayoutEffect(() => {
    if (!paused && stick.current) toBottom();
  }, [version, count, paused]);

  useLayoutEffect(() => {
    if (paused) return;
    stick.current = true;
    setAway(false);
    toBottom();
  }, [paused]);

  const onScroll = (): void => {
    const el = scroller.current;
    if (!el) return;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < ROW_HEIGHT * 1.5;
    setAway(!stick.current && !paused);
  };

  return (
    <div className="trace-table" role="table" aria-label="Trace events" aria-rowcount={count + 1}>
      <div className="trace-row trace-head" role="row" aria-rowindex={1}>
        <span role="columnheader">Time (s)</span>
        <span role="columnheader">CPU</span>
        <span role="columnheader">Comm</span>
        <span role="columnheader">PID</span>
        <span role="columnheader">Size</span>
      </div>
      <div ref={scroller} className="trace-list" data-testid="trace-list" tabIndex={0} onScroll={onScroll}>
        <div className="trace-rows" role="rowgroup" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((item) => {
            const e = view.at(item.index);
            if (!e) return null;
            return (
              <div
                key={item.key}
                className={`trace-row${item.index % 2 === 1 ? ' odd' : ''}`}
                role="row"
                aria-rowindex={item.index + 2}
                data-testid="trace-row"
                style={{ height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
              >
                <span role="cell">{formatTimestamp(e.tsUs)}</span>
                <span role="cell">{e.cpu}</span>
                <span role="cell">{e.comm}</span>
                <span role="cell">{e.pid}</span>
                <span role="cell">{e.size}</span>
              </div>
            );
          })}
        </div>
        {count === 0 ? <p className="trace-empty">No events{paused ? ' in the paused view' : ' yet'}.</p> : null}
      </div>
      {away ? (
        <button type="button" className="jump" onClick={() => { stick.current = true; setAway(false); toBottom(); }}>
          Jump to newest
        </button>
      ) : null}
    </div>
  );
}
