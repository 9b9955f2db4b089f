/**
 * Keyboard shortcuts, decided from the key and what has focus: Ctrl+Enter
 * (⌘+Enter on a Mac keyboard) starts or stops, Space or P pauses the trace
 * list. Typing in a field never triggers a shortcut other than Ctrl+Enter,
 * and Space keeps its usual meaning on buttons, links, form controls and
 * anything else focusable with Tab; in the focused trace list, as its hint
 * says, Space pauses. P pauses from all of those too. T switches the histogram between chart and table (its values, for the
 * keyboard and screen readers).
 */

export type KeyAction = 'run' | 'pause' | 'table' | null;

/** Which live view is on screen: the shortcuts of each work only while it is. */
export type LiveView = 'trace' | 'histogram' | null;

/** The parts of a KeyboardEvent this needs, so it can be tested without a DOM. */
export interface KeyInput {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  /** tabIndex as the DOM reports it: 0 or more for what Tab reaches (controls, scrollers), -1 for the page. */
  target: {
    tagName?: string; type?: string; isContentEditable?: boolean; tabIndex?: number;
    /** data-space-pauses="true": Space pauses here, though the element takes the focus (the trace list). */
    dataset?: { spacePauses?: string | undefined };
  } | null;
}

/** The shortcuts as the hint on screen lists them. */
export const SHORTCUTS: readonly { keys: string; what: string }[] = [
  { keys: 'Ctrl+Enter', what: 'Start / Stop' },
  { keys: 'Space or P', what: 'Pause / Resume the trace list' },
  { keys: 'T', what: 'Chart / Table' },
];

const NOT_TEXT = new Set(['radio', 'checkbox', 'button', 'submit', 'reset', 'range', 'color', 'file', 'image']);

function isTextField(target: KeyInput['target']): boolean {
  if (!target) return false;
  if (target.isContentEditable) return true;
  const tag = (target.tagName ?? '').toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  return tag === 'INPUT' && !NOT_TEXT.has((target.type ?? 'text').toLowerCase());
}

function spaceHasAMeaning(target: KeyInput['target']): boolean {
  const tag = (target?.tagName ?? '').toUpperCase();
  return ['BUTTON', 'A', 'SUMMARY', 'INPUT', 'SELECT', 'TEXTAREA'].includes(tag) || (target?.tabIndex ?? -1) >= 0;
}

/** Which shortcut, if any, a key press means, with `view` on screen. */
export function keyAction(e: KeyInput, view: LiveView): KeyAction {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.altKey) return 'run';
  if (view === null || e.ctrlKey || e.metaKey || e.altKey || isTextField(e.target)) return null;
  if (view === 'histogram') return e.key === 't' || e.key === 'T' ? 'table' : null;
  if (e.key === 'p' || e.key === 'P') return 'pause';
  if (e.key === ' ' && (e.target?.dataset?.spacePauses === 'true' || !spaceHasAMeaning(e.target))) return 'pause';
  return null;
}
