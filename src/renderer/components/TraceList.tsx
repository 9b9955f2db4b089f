/**
 * The trace events as a virtualized list: only the rows in sight exist in the
 * DOM, so 50,000 held events cost the same as 30. While live it sticks to the
 * newest event unless the user has scrolled up; then, as the full ring lets
 * old matches go, it scrolls back by as many rows so the events in sight stay
 * put. Resuming from pause jumps back to the newest. The header sits inside
 * the scroller (sticky), so its columns line up with the rows'.
 */
import { memo, useLayoutEffect, useReducer, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { formatTimestamp } from '../../shared/table.js';
import type { TraceView } from '../filtered-index.js';

const ROW_HEIGHT = 24;
/** The sticky header's height (views.css .trace-head): the rows start below it. */
const HEAD_HEIGHT = 26;

interface TraceListProps {
  view: TraceView;
  /** The store's viewVersion: only a new one (not a batch that arrives while paused) redraws the list. */
  viewVersion: number;
  paused: boolean;
  /** With no row shown: the view holds events, and the filters hid them all. */
  filteredOut: boolean;
  /** The session has ended: no event is still to come. */
  ended: boolean;
}

export const TraceList = memo(function TraceList({ view, paused, filteredOut, ended }: TraceListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  // Where the scroller was left (after our own scrolling or the last scroll event).
  const left = useRef({ top: 0, height: 0 });
  // What the rows were last drawn from, to tell how many fell off the front since.
  const drawn = useRef({ view, dropped: view.dropped });
  const [away, setAway] = useState(false);
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  const count = view.length;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    scrollMargin: HEAD_HEIGHT,
    overscan: 10,
  });

  const remember = (el: HTMLElement): void => {
    left.current = { top: el.scrollTop, height: el.scrollHeight };
  };
  const toBottom = (): void => {
    const el = scroller.current;
    if (!el) return;
    el.scrollTop = el.scrollHeight;
    remember(el);
  };

  // After every commit, not only new versions: any render (the virtualizer's own, on scrolling)
  // reads the live ring, which may have moved on since the last one.
  useLayoutEffect(() => {
    const before = drawn.current;
    drawn.current = { view, dropped: view.dropped };
    const el = scroller.current;
    if (!el) return;
    // The user may have scrolled since, and its scroll event not come yet: judge by where they left it.
    const { top, height } = left.current;
    if (el.scrollTop !== top && el.scrollHeight >= height) stick.current = height - el.scrollTop - el.clientHeight < ROW_HEIGHT * 1.5;
    if (!paused && stick.current) toBottom();
    else if (!paused && before.view === view && view.dropped > before.dropped) {
      el.scrollTop -= (view.dropped - before.dropped) * ROW_HEIGHT;
    }
    remember(el);
    // Tell the virtualizer where the list is now and draw those rows before the next paint,
    // instead of a frame late when the scroll event comes.
    if (virtualizer.scrollOffset !== null && virtualizer.scrollOffset !== el.scrollTop) {
      virtualizer.scrollOffset = el.scrollTop;
      redraw();
    }
  });

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
    remember(el);
    setAway(!stick.current && !paused);
  };

  return (
    <div className="trace-table">
      <div
        ref={scroller} className="trace-list" data-testid="trace-list" data-space-pauses="true" tabIndex={0} onScroll={onScroll}
        role="table" aria-label="Trace events, oldest first" aria-rowcount={count + 1}
      >
        <div className="trace-head" role="rowgroup">
          <div className="trace-row" role="row" aria-rowindex={1}>
            <span role="columnheader">Time (s)</span>
            <span role="columnheader">CPU</span>
            <span role="columnheader">Comm</span>
            <span role="columnheader">PID</span>
            <span role="columnheader">Size</span>
          </div>
        </div>
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
                style={{ height: ROW_HEIGHT, transform: `translateY(${item.start - HEAD_HEIGHT}px)` }}
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
      </div>
      {count === 0 ? (
        <p className="trace-empty">
          {filteredOut ? (paused ? 'None of the paused events matches the filters.' : 'Events arrived, but none of them matches the filters.')
            : `No events${paused ? ' in the paused view' : ended ? '' : ' yet'}.`}
        </p>
      ) : null}
      {away ? (
        <button type="button" className="jump" onClick={() => { stick.current = true; setAway(false); toBottom(); }}>
          Jump to newest
        </button>
      ) : null}
    </div>
  );
});
